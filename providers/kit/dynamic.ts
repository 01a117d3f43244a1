// The provider of every resource kind here, as the state holds it (`__provider`): the text of a
// module Pulumi's dynamic-provider host loads and calls `handler()` of. It must stay a thin shim:
// delete and refresh run the OLD text (pulumi/pulumi#16826), and anything in it is stored in plain
// text (#8265). So it names only the kind and requires this package, by name, inside the provider
// process: the code that runs is always the installed package's.
//
// The text is written here rather than made by pulumi.dynamic.Resource's closure serialiser, whose
// text is kept twice in the state (inputs and outputs) and would be most of a PcsResource's state
// (docs/BENCHMARKS.md, "Figures behind the design"), and the engine writes the whole state twice
// per step it runs; this one is one short line. The type token is the one pulumi.dynamic.Resource
// gives a module and type (`pulumi-nodejs:dynamic/pcmk:<kind>`), so a stack shows what each
// resource is; the token of releases before 0.2 (every kind `pulumi-nodejs:dynamic:Resource`) is
// an alias, so the resources they made are taken over, not replaced.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { uncarriableKeys } from "../checks/inputs";
import { ResourceKind, secretFieldsOf } from "./kind";
import { holdsKey } from "./secrets";

/** A value in which any part may be a pulumi.Input (the engine resolves nested Outputs). */
export type DeepInput<T> = pulumi.Input<
  T extends (infer U)[] ? DeepInput<U>[] : T extends object ? { [K in keyof T]: DeepInput<T[K]> } : T
>;

/** A resource's arguments: its schema's input, each field (and each part of it) a pulumi.Input. */
export type ArgsOf<S extends z.ZodType> = { [K in keyof z.input<S>]: DeepInput<z.input<S>[K]> };

/** The options with `names` added to the outputs kept secret in state. */
export const withSecretOutputs = (
  opts: pulumi.CustomResourceOptions | undefined,
  ...names: string[]
): pulumi.CustomResourceOptions => ({
  ...opts,
  additionalSecretOutputs: [...names, ...(opts?.additionalSecretOutputs ?? [])],
});

/** The type token of a kind's resources: the dynamic-provider host's package, this module. */
export const typeOf = (kind: string): string => `pulumi-nodejs:dynamic/pcmk:${kind}`;

/** The one type token every kind had before 0.2: its resources are aliased to their kind's. */
export const TYPE_BEFORE_0_2 = "pulumi-nodejs:dynamic:Resource";

/** The options with the alias that takes over a resource made under the token of before 0.2. */
export const withTypeAlias = (
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.CustomResourceOptions => ({
  ...opts,
  aliases: [{ type: TYPE_BEFORE_0_2 }, ...(opts?.aliases ?? [])],
});

/** The dynamic-provider host's module for a kind: its handler gives the kind's provider. */
export const providerText = (kind: string): string =>
  `exports.handler = () => require("pcmk-lab/runtime").provider(${JSON.stringify(kind)});\n`;

/**
 * The inputs with the kind's secret ones (their rule's `secret`) made Pulumi secrets where they
 * hold one: the engine stores inputs as given, and a key or password passed as a plain string
 * would be in the state in clear text.
 */
export function withSecretInputs(kind: ResourceKind, props: pulumi.Inputs): pulumi.Inputs {
  const out = { ...props };
  for (const field of secretFieldsOf(kind.fields, true)) out[field] = secretParts(out[field], true);
  for (const field of secretFieldsOf(kind.fields, "key")) out[field] = secretParts(out[field], false);
  return out;
}

/**
 * A value with its secret parts made secrets — all of it when `whole`, else what a connection's
 * `privateKey` holds — walked without being resolved: a part unknown during preview stays one
 * part (made one Output, the whole value would be unknown, and the check and diff would see
 * nothing of it).
 */
function secretParts(value: unknown, whole: boolean): unknown {
  if (value === undefined || value === null) return value;
  if (pulumi.Output.isInstance(value))
    return value.apply((v) => (whole || holdsKey(v) ? pulumi.secret(v) : v));
  if (Array.isArray(value)) return value.map((v) => secretParts(v, whole));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, secretParts(v, whole || k === "privateKey")]),
    );
  return whole ? pulumi.secret(value) : value;
}

/**
 * A resource served by Pulumi's dynamic-provider host with this package's provider for its kind;
 * each of the kind's outputs a property of it; its secret inputs kept secret in the state, as
 * inputs and as outputs (a connection's, by the engine, when its input is secret: see the rule's
 * "key" in kind.ts). A map key the SDK cannot pass is refused first (carriableArgs).
 */
export abstract class DynamicResource extends pulumi.CustomResource {
  protected constructor(kind: ResourceKind, name: string, args: object, opts?: pulumi.CustomResourceOptions) {
    const outputs = Object.fromEntries(kind.outputs.map((o) => [o, undefined]));
    const props = { ...outputs, ...carriableArgs(kind.name, name, args) };
    super(
      typeOf(kind.name),
      name,
      { ...withSecretInputs(kind, props), __provider: providerText(kind.name) },
      withSecretOutputs(withTypeAlias(opts), ...secretFieldsOf(kind.fields, true)),
    );
  }
}
/**
 * The arguments with the stack's setting for all the package's resources where the program gave
 * none: `pulumi config set pcmk-lab:settleSeconds 30` (0: an up waits for nothing to settle).
 */
export function withStackSettings<T extends { settleSeconds?: unknown }>(args: T): T {
  if (args.settleSeconds !== undefined) return args;
  const settleSeconds = new pulumi.Config("pcmk-lab").getNumber("settleSeconds");
  return settleSeconds === undefined ? args : { ...args, settleSeconds };
}

/**
 * The arguments, once shown passable: a map key Pulumi's SDK cannot pass (see uncarriableKeys) is
 * refused here, in the program, naming the resource and the field, before the SDK would stop the
 * program with "Cannot convert object to primitive value". Keys inside Outputs are the check's.
 */
export function carriableArgs<T extends object>(kind: string, name: string, args: T): T {
  const refused = uncarriableKeys(args);
  if (refused.length)
    throw new Error(`${kind} '${name}': ${refused.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  return args;
}
