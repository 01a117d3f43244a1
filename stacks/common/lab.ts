// What the stacks know of the lab-in-a-box: its `status` (nodes, addresses, pinned host keys,
// where its ssh key and hacluster password are), or the same JSON from the config key
// `labStatus`; the secrets from secret config when set, else from the lab's files: the password
// as a secret, the ssh key by the path of its file (so the state holds no key at all).
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { ClusterMember } from "../../providers/components/pacemaker-cluster";

export interface LabStatus {
  /** The lab generation (absent in a status saved before there were two). */
  release?: "bookworm" | "trixie";
  sshKeyPath: string;
  haclusterPasswordFile: string;
  vip: string;
  hypervisor: { address: string; user: string; identityFileOnNodes: string };
  nodes: { name: string; fqdn: string; address: string; hostKeyFingerprint: string; running: boolean }[];
}

export function labStatus(config: pulumi.Config): LabStatus {
  const cli = path.join(repoRoot, "dist", "lab", "cli.js");
  const lab: LabStatus = JSON.parse(
    config.get("labStatus") ?? execFileSync(process.execPath, [cli, "status"], { encoding: "utf8" }),
  );
  if (!lab.nodes.some((n) => n.running)) throw new Error("the lab is not running: npm run lab -- up");
  return lab;
}

export function labSecrets(config: pulumi.Config, lab: LabStatus) {
  const privateKey = config.getSecret("sshPrivateKey");
  return {
    key: privateKey ? { privateKey } : { privateKeyPath: path.resolve(lab.sshKeyPath) },
    haclusterPassword:
      config.getSecret("haclusterPassword") ?? pulumi.secret(readFileSync(lab.haclusterPasswordFile, "utf8")),
  };
}

/** The lab's nodes by name, as cluster members; every one of `names` must be running. */
export function labMembers(lab: LabStatus, names: string[]): ClusterMember[] {
  return names.map((name) => {
    const n = lab.nodes.find((x) => x.name === name);
    if (!n?.running)
      throw new Error(`lab node ${name} is not running: boot it with npm run lab -- up --nodes N`);
    return { name: n.name, fqdn: n.fqdn, address: n.address, hostKeyFingerprint: n.hostKeyFingerprint };
  });
}

/** /etc/hosts entries for every lab node, so names resolve across clusters and sites. */
export const labHosts = (lab: LabStatus) =>
  lab.nodes.map((n) => ({ address: n.address, names: [n.fqdn, n.name] }));

/**
 * The course's packages as the lab's generation ships them: Debian 13 splits fence-agents per
 * agent (there the name alone is the metapackage of every agent), so its nodes get the lab's one
 * fence agent by name; bookworm's get fence-agents, as before. `extra` goes after the cluster stack.
 */
export function labPackages(
  lab: LabStatus,
  extra: string[] = [],
): { packages: string[]; fenceAgents?: string[] } {
  const stack = ["pacemaker", "pcs", "corosync"];
  return lab.release === "trixie"
    ? { packages: [...stack, ...extra], fenceAgents: ["fence_virsh"] }
    : { packages: [...stack, "fence-agents", ...extra] };
}
