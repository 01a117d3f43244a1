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

export function propertyName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    "",
  );
}

/** Validates inputs; failures on unknown (preview) values are not failures. */
export function checkInputs<S extends z.ZodType>(
  schema: S,
  inputs: unknown,
): { inputs?: z.infer<S>; failures: CheckFailure[] } {
  const parsed = schema.safeParse(inputs);
  if (parsed.success) return { inputs: parsed.data, failures: [] };
  const unknowns = unknownPaths(inputs);
  const failures = parsed.error.issues
    .filter((issue) => !unknowns.some((u) => startsWith(issue.path, u)))
    .map((issue) => ({ property: propertyName(issue.path) || "(inputs)", reason: issue.message }));
  return { failures };
}
