// The engine's floor for B2/B3: a dynamic resource whose create, read and delete do nothing,
// declared in the same shape as the library's (N resources, N dependents, the connection as a
// secret input). What the engine, the language host and a dynamic provider process cost by
// themselves on this machine; the rest of a side's time is its own. Benchmarks only.
import * as pulumi from "@pulumi/pulumi";

// One provider for every resource (as the library's is one per kind): the same serialised text.
const provider: pulumi.dynamic.ResourceProvider = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved in the provider process
  create: async (inputs) => ({ id: require("node:crypto").randomUUID(), outs: inputs }),
  read: async (id, props) => ({ id, props }),
  delete: async () => undefined,
};

export class NoOp extends pulumi.dynamic.Resource {
  constructor(name: string, args: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, args, { ...opts, additionalSecretOutputs: ["runOn"] });
  }
}
