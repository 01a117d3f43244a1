// The one place that handles secrets. A Secret never prints, serialises or stringifies as its
// value; only reveal() gives it, and only the transport calls that (to write it on a stdin). Which
// inputs of each kind hold secrets is listed here too.
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

/**
 * The inputs of each kind that hold secrets (a connection holds its private key). Kept secret in
 * state (additionalSecretOutputs), and never the property of a refused input: Pulumi prints a
 * refused top-level input with its value ("property P value {V} has a problem"), hiding the value
 * only when it equals a config secret — a generated password or another stack's output is shown.
 */
export const SECRET_INPUTS = {
  Node: ["privateKey", "haclusterPassword"],
  ClusterAuth: ["password", "runOn"],
  Cluster: ["runOn"],
  PcsResource: ["runOn"],
  Constraint: ["runOn"],
  StonithDevice: ["runOn", "secretParameters"],
  DrbdConfig: ["nodes"],
  DrSite: ["runOn", "recoveryRunOn"],
} as const satisfies Record<string, readonly string[]>;
