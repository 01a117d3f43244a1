// Pacemaker's values as every kind declares them: ids, attribute names and values, durations,
// roles, and words pcs would read as its own; and how a map of them is given to pcs (name=value).
import { z } from "zod";
import { isUnicodeText, NOT_UNICODE } from "../checks/inputs";
import { NvPairs } from "../cib/model";
import { isLegacyRole } from "../cib/roles";

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

export const pairs = (o: NvPairs): string[] => Object.entries(o).map(([k, v]) => `${k}=${v}`);
