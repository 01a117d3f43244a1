// The one place that handles secrets. A Secret never prints, serialises or stringifies as its
// value; only reveal() gives it, and only the transport calls that (to write it on a stdin). Which
// inputs of each kind hold secrets each kind declares on its fields (kind.ts, FieldRule.secret).
import { readFileSync } from "node:fs";
import { inspect } from "node:util";

const HIDDEN = "[secret]";

export class Secret {
  #value: string | undefined;
  readonly #load: (() => string) | undefined;

  /** A value, or how to load it the first time it is revealed (a key file: see fromKeyFile). */
  constructor(value: string | (() => string)) {
    if (typeof value === "function") this.#load = value;
    else if (typeof value === "string") this.#value = value;
    else throw new TypeError("a secret must be a string");
  }

  /**
   * A private key read from its file when the transport first needs it, so that the key itself
   * is never an input, an output or a line of the state: only its path is. An unreadable file
   * fails there, naming the path and why, never what the file holds.
   */
  static fromKeyFile(path: string): Secret {
    return new Secret(() => readKeyFile(path));
  }

  reveal(): string {
    if (this.#value === undefined) this.#value = this.#load!();
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

/** What a private key file must hold (the PEM or OpenSSH armour of a private key). */
export const PRIVATE_KEY_ARMOUR = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A private key file's text; refused with the path and the reason, never the file's content. */
export function readKeyFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Node's message names the path again ("ENOENT: no such file or directory, open '…'")
    const why = err.message.replace(/, \w+ '.*'$/s, "");
    throw new Error(`cannot read the private key file ${path}: ${why}`);
  }
  if (!PRIVATE_KEY_ARMOUR.test(text))
    throw new Error(`the file ${path} holds no private key (no "-----BEGIN … PRIVATE KEY-----" line)`);
  return text;
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

/**
 * Whether a value holds a private key (a connection, a list of nodes with theirs): a connection
 * that names its key by file (privateKeyPath) rather than holding it (privateKey) holds none.
 * Which inputs of each kind hold secrets is declared on their fields (kind.ts).
 */
export function holdsKey(value: unknown): boolean {
  return Array.isArray(value)
    ? value.some(holdsKey)
    : value !== null &&
        typeof value === "object" &&
        Object.entries(value).some(([k, x]) => (k === "privateKey" && x !== undefined) || holdsKey(x));
}

/** What a refresh gives for a secret whose live value is not the declared one (never the value). */
export const CHANGED_OUTSIDE = "(changed outside Pulumi)";
