// The fields of a Pacemaker primitive that PcsResource and StonithDevice share: operations (their
// schema, their pcs arguments) and how live attributes and operations are compared with declared
// ones (durations by value, operations pcs added by itself ignored, runtime meta attributes
// ignored), and the pcs steps from one to the other.
import { OPERATION_OPTIONS, typedOptions } from "../checks/pcs-options";
import { z } from "zod";
import { NvPairs, Operation, Primitive } from "../cib/model";
import { normalRole } from "../cib/roles";
import { same } from "../kit/same";
import { attributeValue, duration, durationMs, notCreateKeyword, pairs, role } from "../kit/values";
import { HOLD_MARK, releasing } from "../writer/holds";
import { MarkedRemoval } from "../writer/removals";
import { Watch } from "../writer/settle";

// ---- schema -----------------------------------------------------------------------------------

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

/** Operations in a fixed order, so that declaring them in another order is no change. */
export const sortedOperations = (ops: DeclaredOperation[]): DeclaredOperation[] =>
  [...ops].sort((a, b) => operationKey(a).localeCompare(operationKey(b)));

// ---- pcs arguments -------------------------------------------------------------------------------

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

/** The option pcs keeps as the operation's instance attribute and tells monitors apart by. */
const CHECK_LEVEL = "OCF_CHECK_LEVEL";

/**
 * Whether pcs refuses `op add` of `declared` while the live operation exists (pcs/resource.py,
 * resource_operation_add, 0.11.5 to 0.12): one of the same action and interval, whatever its role;
 * and, without --force, any other of the same action, or for monitor one of the same role
 * (Started when none) and OCF_CHECK_LEVEL.
 */
export function blocksAdding(live: Operation, declared: DeclaredOperation): boolean {
  if (live.name !== declared.name) return false;
  if (durationMs(live.interval) === durationMs(declared.interval) || declared.name !== "monitor") return true;
  const roleOf = (r: string | undefined) => normalRole(r ?? "Started").toLowerCase();
  return (
    roleOf(live.role) === roleOf(declared.role) &&
    (live.options[CHECK_LEVEL] ?? "") === (declared.options[CHECK_LEVEL] ?? "")
  );
}

/**
 * pcs argv steps that turn the live operations (matched by key) into the declared ones. A live
 * operation that would make pcs refuse adding a declared one (the declared monitor redefined by
 * hand with another interval) is deleted first: it stands where the declared one belongs.
 */
export function operationChanges(
  family: "resource" | "stonith",
  id: string,
  live: Operation[],
  previouslyDeclared: DeclaredOperation[],
  declared: DeclaredOperation[],
): string[][] {
  const asDeclared = (l: Operation | undefined, d: DeclaredOperation) =>
    l !== undefined && same(liveOperationsAsDeclared([l], [d])[0], d);
  const toAdd = declared.filter(
    (d) =>
      !asDeclared(
        live.find((o) => operationKey(o) === operationKey(d)),
        d,
      ),
  );
  const wanted = new Map(declared.map((d) => [operationKey(d), d]));
  const deletes = live.filter((l) => {
    const key = operationKey(l);
    const d = wanted.get(key);
    if (d) return !asDeclared(l, d);
    const wasDeclared = previouslyDeclared.some((p) => operationKey(p) === key);
    return wasDeclared || toAdd.some((a) => blocksAdding(l, a));
  });
  return [
    ...deletes.map((l) => [family, "op", "delete", l.id]),
    ...toAdd.map((d) => [family, "op", "add", id, ...operationArgs(d)]),
  ];
}

export interface DeclaredPrimitive {
  instanceAttributes: NvPairs;
  metaAttributes: NvPairs;
  operations: DeclaredOperation[];
}

/**
 * pcs argv that make a live primitive's attributes and operations the declared ones, releasing a
 * hold left by an interrupted run. `previousOperations`, `previousMeta`: declared before, removed
 * when no longer (a run-time meta attribute such as target-role too, once the program declared it).
 */
export function primitiveChanges(
  family: "resource" | "stonith",
  p: Primitive,
  previousOperations: DeclaredOperation[],
  declared: DeclaredPrimitive,
  previousMeta: NvPairs = {},
): string[][] {
  const steps: string[][] = [];
  const instance = attributeChanges(p.instance, declared.instanceAttributes);
  if (Object.keys(instance).length) steps.push([family, "update", p.id, ...pairs(instance)]);
  const meta = releasing(
    p.meta,
    attributeChanges(
      ownMeta(p.meta, { ...previousMeta, ...declared.metaAttributes }),
      declared.metaAttributes,
    ),
    declared.metaAttributes["target-role"],
  );
  if (Object.keys(meta).length) steps.push([family, "meta", p.id, ...pairs(meta)]);
  steps.push(...operationChanges(family, p.id, p.operations, previousOperations, declared.operations));
  return steps;
}

// ---- settling: the wait after an up, and which failures fail it --------------------------------

/** How long an up waits for what it wrote to settle, by default (s). */
export const DEFAULT_SETTLE_SECONDS = 120;

/** The fields of a kind whose objects an up waits for (writer/settle.ts). */
export const settleFields = {
  /** How long an up waits for this object to settle (s); 0: not at all. */
  settleSeconds: z.number().int().min(0).max(3600).default(DEFAULT_SETTLE_SECONDS),
  /** A failed operation of this object found once it settled does not fail the up. */
  allowFailedActions: z.boolean().default(false),
};

/** Neither changes the cluster: they steer the up. */
export const settleRules = {
  settleSeconds: { differs: false },
  allowFailedActions: { differs: false },
} as const;

/** Declared stopped (target-role=Stopped, on it or its clone): nothing to wait for. */
export const declaredStopped = (...metas: (NvPairs | undefined)[]): boolean =>
  metas.some((m) => m?.["target-role"]?.toLowerCase() === "stopped");

/**
 * The watch of a primitive this up wrote: none when declared stopped. `changed`: its earlier
 * failures are cleaned up, so the object as now declared is started again.
 */
export function watchOf(
  id: string,
  owner: string,
  s: { settleSeconds: number; allowFailedActions: boolean },
  changed: boolean,
  stopped: boolean,
): Watch[] {
  if (stopped || s.settleSeconds === 0) return [];
  return [
    { id, owner, timeoutMs: s.settleSeconds * 1000, allowFailed: s.allowFailedActions, cleanup: changed },
  ];
}

/**
 * A delete of a resource or fence device, for the run's removals (writer/removals.ts): its stop is
 * waited for as long as its settling would be (a state of a release before 0.2 has no such field).
 */
export const removalOf = (
  id: string,
  owner: string,
  family: MarkedRemoval["family"],
  s: { settleSeconds?: number },
): MarkedRemoval => ({
  id,
  owner,
  family,
  stopTimeoutMs: (s.settleSeconds ?? DEFAULT_SETTLE_SECONDS) * 1000,
});
