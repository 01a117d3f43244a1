// The provider object Pulumi serialises into the state (`__provider`). It must stay a thin shim:
// delete and refresh run the OLD serialised code (pulumi/pulumi#16826), and anything captured is
// stored in plain text (#8265). So it captures only the kind's name and requires this package,
// by name, inside the provider process; the code that runs is always the installed package's.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { uncarriableKeys } from "./check";

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

/**
 * One provider object per kind, made once: Pulumi's SDK caches a provider's serialised text per
 * object (a WeakMap), so a new object per resource would serialise the closure again for each
 * one — tens of milliseconds of the program's single thread per resource, which the engine waits
 * on between a batch's replies and the next steps.
 */
const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

export function serialisedProvider(kind: string): pulumi.dynamic.ResourceProvider {
  let provider = providers.get(kind);
  if (!provider) providers.set(kind, (provider = shimFor(kind)));
  return provider;
}

function shimFor(kind: string): pulumi.dynamic.ResourceProvider {
  /* eslint-disable @typescript-eslint/no-require-imports -- resolved in the provider process */
  return {
    check: (olds, news) => require("pcmk-lab/runtime").check(kind, olds, news),
    diff: (id, olds, news) => require("pcmk-lab/runtime").diff(kind, id, olds, news),
    create: (inputs) => require("pcmk-lab/runtime").create(kind, inputs),
    read: (id, props) => require("pcmk-lab/runtime").read(kind, id, props),
    update: (id, olds, news) => require("pcmk-lab/runtime").update(kind, id, olds, news),
    delete: (id, props) => require("pcmk-lab/runtime").remove(kind, id, props),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
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
