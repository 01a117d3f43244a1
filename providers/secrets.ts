// The one place that handles secrets. A Secret never prints, serialises or stringifies as its
// value; only reveal() gives it, and only the transport calls that (to write it on a stdin). Which
// inputs of each kind hold secrets is listed here too.
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
 * The inputs of each kind that hold secrets (a connection holds its private key). Kept secret in
 * state: as inputs, made secrets by the resource (dynamic.ts, withSecretInputs: a key given as a
 * plain string would otherwise be stored in clear), and as outputs (additionalSecretOutputs, or
 * for connections the engine's own rule: see CONNECTION_INPUTS); and never the property of a
 * refused input: Pulumi prints a refused top-level input with its value ("property P value {V}
 * has a problem"), hiding the value only when it equals a config secret — a generated password or
 * another stack's output is shown.
 */
export const SECRET_INPUTS = {
  Node: ["privateKey", "haclusterPassword"],
  ClusterAuth: ["password", "runOn"],
  Cluster: ["runOn"],
  PcsResource: ["runOn"],
  Constraint: ["runOn"],
  ClusterObjects: ["runOn"],
  StonithDevice: ["runOn", "secretParameters"],
  DrbdConfig: ["nodes"],
  DrSite: ["runOn", "recoveryRunOn"],
} as const satisfies Record<string, readonly string[]>;

/** A kind's secret inputs (none for a kind not listed). */
export const secretInputsOf = (kind: string): readonly string[] =>
  SECRET_INPUTS[kind as keyof typeof SECRET_INPUTS] ?? [];

/**
 * Inputs that hold connections: secret only for the keys in them (see holdsSecret), and so not
 * additional secret outputs either: the engine makes an output secret when the input of the same
 * name was (plugin/provider_plugin.go, annotateSecrets, on create, read and update), and a
 * connection that names its key file stays plain text, a tenth of a resource's state smaller.
 */
export const CONNECTION_INPUTS: readonly string[] = ["runOn", "recoveryRunOn", "nodes"];

/**
 * Whether a secret input's value holds a secret: always, but for a connection (or a list of nodes
 * with theirs) that names its key by file (privateKeyPath) rather than holding it (privateKey).
 */
export function holdsSecret(field: string, value: unknown): boolean {
  if (!CONNECTION_INPUTS.includes(field)) return true;
  const holdsKey = (v: unknown): boolean =>
    Array.isArray(v)
      ? v.some(holdsKey)
      : v !== null &&
        typeof v === "object" &&
        Object.entries(v).some(([k, x]) => (k === "privateKey" && x !== undefined) || holdsKey(x));
  return holdsKey(value);
}
