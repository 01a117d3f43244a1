// Input validation for `check`: zod schemas, errors that name the field and what is allowed,
// and tolerance for values that are unknown during preview.
import { z } from "zod";

/** What the Node SDK passes for a value not known until apply (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
  property: string;
  reason: string;
}

type Path = (string | number)[];

function unknownPaths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (value === UNKNOWN) out.push(at);
  else if (Array.isArray(value)) value.forEach((v, i) => unknownPaths(v, [...at, i], out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) unknownPaths(v, [...at, k], out);
  }
  return out;
}

const startsWith = (path: readonly PropertyKey[], prefix: Path): boolean =>
  prefix.every((p, i) => path[i] === p);

/**
 * A text as a short, printable, single-line string for messages (never for secrets): backslash
 * and double quote escaped, anything outside printable ASCII as \u{hex}, long ones cut.
 */
export function printable(text: string, max = 40): string {
  const chars = [...text];
  const escaped = chars
    .slice(0, max)
    .join("")
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, "0")}}`);
  return chars.length > max ? `${escaped}…(${chars.length} characters)` : escaped;
}

// A map key that is not a plain name (spaces, quotes, control or invisible characters, very
// long) is shown quoted and escaped, so the property in a message stays one readable line.
const PLAIN_KEY = /^[A-Za-z0-9_.:@+-]{1,64}$/;

export function propertyName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, p) => {
    if (typeof p === "number") return `${s}[${p}]`;
    const key = String(p);
    if (!PLAIN_KEY.test(key)) return `${s}["${printable(key)}"]`;
    return s ? `${s}.${key}` : key;
  }, "");
}

/** zod's own message, or for a map key that is refused, what a key must be. */
function reasonOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_key") {
    const inner = issue.issues.map((i) => i.message).join("; ");
    return `not an allowed name${inner ? `: ${inner}` : ""}`;
  }
  return issue.message;
}

// ---- text that reaches a node ----------------------------------------------------------------

/** A lone UTF-16 surrogate is not Unicode text: UTF-8 (ssh, argv, stdin, files) turns it into U+FFFD. */
export const isUnicodeText = (s: string): boolean => !/\p{Cs}/u.test(s);
export const NOT_UNICODE = "valid Unicode text (a lone UTF-16 surrogate cannot be sent as UTF-8)";

/**
 * Map keys a program cannot pass, each with why: "__proto__" is a valid XML name, but zod's records
 * (and any `o[k] = v`) do not keep it as a key, so the entry would vanish without a word; and
 * Pulumi's Node SDK prints every input with String() while registering it, which throws "Cannot
 * convert object to primitive value" for a map with its own "toString" key — the
 * program would stop with no word of which resource or field.
 */
const UNCARRIABLE_KEYS = new Map([
  ["__proto__", "__proto__ cannot be kept as a key by a JavaScript object"],
  ["toString", "Pulumi's SDK cannot pass a map with a key toString (it prints each input with String())"],
]);

/** The paths of map keys a program cannot pass, and why (values inside Outputs are not looked at). */
export function uncarriableKeys(value: unknown, at: Path = [], out: CheckFailure[] = []): CheckFailure[] {
  if (Array.isArray(value)) value.forEach((v, i) => uncarriableKeys(v, [...at, i], out));
  else if (value && typeof value === "object" && !isPromiseLike(value)) {
    for (const [key, why] of UNCARRIABLE_KEYS)
      if (Object.prototype.hasOwnProperty.call(value, key))
        out.push({ property: propertyName([...at, key]), reason: `not an allowed name: ${why}` });
    for (const [k, v] of Object.entries(value))
      if (!UNCARRIABLE_KEYS.has(k)) uncarriableKeys(v, [...at, k], out);
  }
  return out;
}

// an Output or a Promise: its value is not known here (the provider's check sees it resolved)
const isPromiseLike = (v: object): boolean =>
  typeof (v as { then?: unknown }).then === "function" ||
  typeof (v as { apply?: unknown }).apply === "function";

/** Validates inputs; failures on unknown (preview) values are not failures. */
export function checkInputs<S extends z.ZodType>(
  schema: S,
  inputs: unknown,
): { inputs?: z.infer<S>; failures: CheckFailure[] } {
  const uncarriable = uncarriableKeys(inputs);
  if (uncarriable.length) return { failures: uncarriable };
  const parsed = schema.safeParse(inputs);
  if (parsed.success) return { inputs: parsed.data, failures: [] };
  const unknowns = unknownPaths(inputs);
  const failures = parsed.error.issues
    .filter((issue) => !unknowns.some((u) => startsWith(issue.path, u)))
    .map((issue) => ({ property: propertyName(issue.path) || "(inputs)", reason: reasonOf(issue) }));
  return { failures };
}
