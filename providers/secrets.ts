// The one place that handles secrets. A Secret never prints, serialises or stringifies as its
// value; only reveal() gives it, and only the transport calls that (to write it on a stdin).
import { inspect } from "node:util";

const HIDDEN = "[secret]";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== "string") throw new TypeError("a secret must be a string");
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}

/** Replaces every occurrence of each secret's value in text (errors, logs) with ***. */
export function redact(text: string, secrets: readonly Secret[]): string {
  let out = text;
  for (const s of secrets) {
    const value = s.reveal();
    if (value.length > 0) out = out.split(value).join("***");
  }
  return out;
}
