// What PcsResource and StonithDevice share: Pacemaker ids, attribute maps, operations — their
// schemas, their pcs arguments, and how live values are compared with declared ones (durations
// by value, operations pcs added by itself ignored, runtime meta attributes ignored).
import { OPERATION_OPTIONS, typedOptions } from "./pcs-options";
import { z } from "zod";
import { isUnicodeText, NOT_UNICODE } from "./check";
import { NvPairs, Operation, Primitive } from "./cib/model";
import { isLegacyRole, normalRole } from "./cib/roles";
import { HOLD_MARK } from "./writer/cluster-writer";

// ---- schema -----------------------------------------------------------------------------------

/** An XML id, as Pacemaker requires, without '.'-tricks or a leading '-' that pcs would read as an option. */
export const pacemakerId = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/,
    "a Pacemaker id: a letter or '_', then letters, digits, '_', '.' or '-' (64 at most)",
  );

export const attributeName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/,
    "an attribute name: a letter or '_', then letters, digits, '_', '.', ':' or '-'",
  );

// Control characters do not survive XML attribute normalisation, and U+FFFE, U+FFFF and lone
// surrogates are no XML characters at all; refusing them keeps "stored verbatim, read back
// identically" true for every accepted value.
export const xmlValue = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, "no control characters (newline, tab, NUL, …)")
    .refine(isUnicodeText, NOT_UNICODE)
    .refine((s) => !/[\ufffe\uffff]/.test(s), "no U+FFFE or U+FFFF (not characters XML can hold)");

// pcs reads `name=` as "remove name" (and refuses it at create for an agent's parameter): an empty
// value could never be stored as declared.
export const attributeValue = xmlValue(4096).min(
  1,
  "not empty: pcs reads name= as 'remove name' (leave the key out)",
);

// the reader gives Master/Slave as Promoted/Unpromoted (cib/roles.ts): declared so, it would drift
export const attributes = z.record(attributeName, attributeValue).superRefine((a, ctx) => {
  if (Object.hasOwn(a, "target-role") && isLegacyRole(a["target-role"]))
    ctx.addIssue({
      code: "custom",
      path: ["target-role"],
      message: "Promoted or Unpromoted: Pacemaker 3.0 no longer takes Master or Slave",
    });
});

// Spaces only between number and unit: a newline or tab would not survive the XML attribute.
const DURATION = /^(\d{1,9}) *(ms|msec|us|usec|s|sec|m|min|h|hr)?$/;
export const duration = z
  .string()
  .regex(DURATION, "a duration such as 30s, 500ms, 2min or 1h (a bare number is seconds)");

const ROLES = ["Started", "Stopped", "Promoted", "Unpromoted"] as const;
export const role = z.enum(ROLES);

/**
 * Words that start another section of `pcs resource create` / `stonith create` (pcs's
 * parse_create): as an operation's action or a clone's id they would be read as that keyword.
 */
export const PCS_CREATE_KEYWORDS: readonly string[] = ["op", "meta", "clone", "promotable", "bundle"];
export const notCreateKeyword = (what: string) =>
  [
    (s: string) => !PCS_CREATE_KEYWORDS.includes(s),
    `${what} cannot be op, meta, clone, promotable or bundle: pcs reads these words as its own keywords there`,
  ] as const;

export const operationSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,31}$/, "an action such as monitor, start, stop, promote")
      .refine(...notCreateKeyword("an action")),
    interval: duration.default("0s"),
    timeout: duration.optional(),
    role: role.optional(),
    options: typedOptions(OPERATION_OPTIONS, "resource operation options", attributeValue).default({}),
  })
  .strict();

export type DeclaredOperation = z.infer<typeof operationSchema>;

export const operationsSchema = z
  .array(operationSchema)
  .default([])
  .refine(
    (ops) => new Set(ops.map(operationKey)).size === ops.length,
    "each operation (action, interval and role) once",
  );

// ---- normalisation ------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  us: 0.001,
  usec: 0.001,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
};

/** Milliseconds of a Pacemaker duration; NaN when it is not one we know. */
export function durationMs(text: string): number {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] ?? "s"] : NaN;
}

export function operationKey(op: { name: string; interval: string; role?: string }): string {
  return `${op.name}/${durationMs(op.interval)}/${normalRole(op.role) ?? ""}`;
}

/** Meta attributes the cluster or an administrator sets at run time: not drift unless declared. */
export const RUNTIME_META = ["target-role", "is-managed", HOLD_MARK];

/**
 * The live operations in the declared shape: for each declared operation, the live one with the
 * same action, interval and role, written as declared where the values are equal (so 60s and 1min
 * are no change); missing ones are left out. Operations pcs added by itself are not compared.
 */
export function liveOperationsAsDeclared(
  live: Operation[],
  declared: DeclaredOperation[],
): DeclaredOperation[] {
  const out: DeclaredOperation[] = [];
  for (const d of declared) {
    const l = live.find((o) => operationKey(o) === operationKey(d));
    if (!l) continue;
    const timeout =
      l.timeout === undefined
        ? undefined
        : d.timeout && durationMs(d.timeout) === durationMs(l.timeout)
          ? d.timeout
          : l.timeout;
    out.push({
      name: d.name,
      interval: d.interval,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(d.role !== undefined ? { role: d.role } : {}),
      options: Object.fromEntries(
        Object.keys(d.options)
          .filter((k) => k in l.options)
          .map((k) => [k, l.options[k]]),
      ),
    });
  }
  return out;
}

/** Live meta attributes without the run-time ones nobody declared. */
export function ownMeta(live: NvPairs, declared: NvPairs, ignore: readonly string[] = []): NvPairs {
  return Object.fromEntries(
    Object.entries(live).filter(
      ([k]) => Object.hasOwn(declared, k) || !(RUNTIME_META.includes(k) || ignore.includes(k)),
    ),
  );
}

/** Canonical JSON (sorted keys) for comparing declared and live values. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** Operations in a fixed order, so that declaring them in another order is no change. */
export const sortedOperations = (ops: DeclaredOperation[]): DeclaredOperation[] =>
  [...ops].sort((a, b) => operationKey(a).localeCompare(operationKey(b)));

// ---- pcs arguments -------------------------------------------------------------------------------

export const pairs = (o: NvPairs): string[] => Object.entries(o).map(([k, v]) => `${k}=${v}`);

export function operationArgs(op: DeclaredOperation): string[] {
  return [
    op.name,
    `interval=${op.interval}`,
    ...(op.timeout ? [`timeout=${op.timeout}`] : []),
    ...(op.role ? [`role=${op.role}`] : []),
    ...pairs(op.options),
  ];
}

/** `op a k=v b k=v`, or nothing. */
export const opsArgs = (ops: DeclaredOperation[]): string[] =>
  ops.length ? ["op", ...ops.flatMap(operationArgs)] : [];

/** Assignments that make `live` equal `declared` over the keys of both (empty value = remove). */
export function attributeChanges(live: NvPairs, declared: NvPairs): NvPairs {
  // own keys only: a key may be called "constructor" or "toString"
  const liveValue = (k: string) => (Object.hasOwn(live, k) ? live[k] : undefined);
  return Object.fromEntries([
    ...Object.entries(declared).filter(([k, v]) => liveValue(k) !== v),
    ...Object.keys(live)
      .filter((k) => !Object.hasOwn(declared, k))
      .map((k) => [k, ""]),
  ]);
}

/** pcs argv steps that turn the live operations (matched by key) into the declared ones. */
export function operationChanges(
  family: "resource" | "stonith",
  id: string,
  live: Operation[],
  previouslyDeclared: DeclaredOperation[],
  declared: DeclaredOperation[],
): string[][] {
  const steps: string[][] = [];
  const wanted = new Map(declared.map((d) => [operationKey(d), d]));
  for (const l of live) {
    const key = operationKey(l);
    const d = wanted.get(key);
    const wasDeclared = previouslyDeclared.some((p) => operationKey(p) === key);
    if (d ? !same(liveOperationsAsDeclared([l], [d])[0], d) : wasDeclared)
      steps.push([family, "op", "delete", l.id]);
  }
  for (const d of declared) {
    const l = live.find((o) => operationKey(o) === operationKey(d));
    if (!l || !same(liveOperationsAsDeclared([l], [d])[0], d))
      steps.push([family, "op", "add", id, ...operationArgs(d)]);
  }
  return steps;
}

export interface DeclaredPrimitive {
  instanceAttributes: NvPairs;
  metaAttributes: NvPairs;
  operations: DeclaredOperation[];
}

/**
 * pcs argv that make a live primitive's attributes and operations the declared ones, releasing a
 * hold left by an interrupted run. `previousOperations`: declared before, removed when no longer.
 */
export function primitiveChanges(
  family: "resource" | "stonith",
  p: Primitive,
  previousOperations: DeclaredOperation[],
  declared: DeclaredPrimitive,
): string[][] {
  const steps: string[][] = [];
  const instance = attributeChanges(p.instance, declared.instanceAttributes);
  if (Object.keys(instance).length) steps.push([family, "update", p.id, ...pairs(instance)]);
  const meta = attributeChanges(ownMeta(p.meta, declared.metaAttributes), declared.metaAttributes);
  if (p.meta[HOLD_MARK] !== undefined) {
    Object.assign(meta, { [HOLD_MARK]: "", "target-role": declared.metaAttributes["target-role"] ?? "" });
  }
  if (Object.keys(meta).length) steps.push([family, "meta", p.id, ...pairs(meta)]);
  steps.push(...operationChanges(family, p.id, p.operations, previousOperations, declared.operations));
  return steps;
}
