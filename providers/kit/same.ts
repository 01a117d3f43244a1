// Declared and live values compared as data: key order is no change.
/** Canonical JSON (sorted keys) for comparing declared and live values. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
