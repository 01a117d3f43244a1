// The lab stack. Until the provider library lands, it proves the path from `pulumi up` to the
// lab's nodes: one read-only NodeFacts resource per node, read over ssh with the pinned host key.
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { NodeFacts } from "./node-facts";

interface LabStatus {
  sshKeyPath: string;
  knownHostsPath: string;
  nodes: { name: string; fqdn: string; address: string; running: boolean }[];
}

const config = new pulumi.Config();
// The lab's own description of itself (`npm run lab -- status`), unless given as config.
const labCli = path.join(repoRoot, "dist", "lab", "cli.js");
const statusJson =
  config.get("labStatus") ?? execFileSync(process.execPath, [labCli, "status"], { encoding: "utf8" });
const lab: LabStatus = JSON.parse(statusJson);
if (!lab.nodes.some((n) => n.running)) throw new Error("the lab is not running: npm run lab -- up");

export const nodes = lab.nodes.map(
  (node) =>
    new NodeFacts(node.name, {
      address: node.address,
      keyPath: lab.sshKeyPath,
      knownHostsPath: lab.knownHostsPath,
    }),
);
export const hostnames = nodes.map((n) => n.hostname);
export const pcsVersions = nodes.map((n) => n.pcsVersion);
