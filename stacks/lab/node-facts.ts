// A read-only dynamic resource: the facts of one node (hostname, pcs version), read over ssh.
// Its provider is serialised into the state, so it captures nothing and requires what it needs.
import * as pulumi from "@pulumi/pulumi";

export interface NodeFactsArgs {
  address: string;
  keyPath: string;
  knownHostsPath: string;
}

interface Facts {
  hostname: string;
  pcsVersion: string;
}

function readFacts(args: NodeFactsArgs): Facts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs inside the serialised provider
  const { execFileSync } = require("node:child_process");
  const ssh = [
    "-i",
    args.keyPath,
    "-o",
    `UserKnownHostsFile=${args.knownHostsPath}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    `root@${args.address}`,
  ];
  const out: string = execFileSync("ssh", [...ssh, "hostname -f && pcs --version"], { encoding: "utf8" });
  const [hostname, pcsVersion] = out.trim().split("\n");
  return { hostname, pcsVersion };
}

const nodeFactsProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NodeFactsArgs) {
    return { id: inputs.address, outs: { ...inputs, ...readFacts(inputs) } };
  },
  async read(id: string, props: NodeFactsArgs & Facts) {
    return { id, props: { ...props, ...readFacts(props) } };
  },
  async diff(_id: string, olds: NodeFactsArgs & Facts, news: NodeFactsArgs) {
    const changed = (["address", "keyPath", "knownHostsPath"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: changed.length > 0, replaces: changed.includes("address") ? ["address"] : [] };
  },
  async update(_id: string, _olds: NodeFactsArgs, news: NodeFactsArgs) {
    return { outs: { ...news, ...readFacts(news) } };
  },
  async delete() {
    // reading facts leaves nothing to remove
  },
};

export class NodeFacts extends pulumi.dynamic.Resource {
  declare readonly hostname: pulumi.Output<string>;
  declare readonly pcsVersion: pulumi.Output<string>;

  constructor(name: string, args: NodeFactsArgs, opts?: pulumi.CustomResourceOptions) {
    super(nodeFactsProvider, name, { ...args, hostname: undefined, pcsVersion: undefined }, opts);
  }
}
