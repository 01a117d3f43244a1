// The lab stack: the course's nodes, prepared as the course does (hostname, /etc/hosts, packages,
// firewall, hacluster password, pcsd). The cluster itself comes with the next provider kinds.
// Connection details come from the lab's `status` (or the config key `labStatus`); the ssh key
// and the hacluster password are read from the lab's files as secrets, or from secret config.
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { Node } from "../../providers";

interface LabStatus {
  sshKeyPath: string;
  haclusterPasswordFile: string;
  nodes: { name: string; fqdn: string; address: string; hostKeyFingerprint: string; running: boolean }[];
}

const config = new pulumi.Config();
const labCli = path.join(repoRoot, "dist", "lab", "cli.js");
const lab: LabStatus = JSON.parse(
  config.get("labStatus") ?? execFileSync(process.execPath, [labCli, "status"], { encoding: "utf8" }),
);
if (!lab.nodes.some((n) => n.running)) throw new Error("the lab is not running: npm run lab -- up");

const privateKey = config.getSecret("sshPrivateKey") ?? pulumi.secret(readFileSync(lab.sshKeyPath, "utf8"));
const haclusterPassword =
  config.getSecret("haclusterPassword") ?? pulumi.secret(readFileSync(lab.haclusterPasswordFile, "utf8"));
const hosts = lab.nodes.map((n) => ({ address: n.address, names: [n.fqdn, n.name] }));

export const nodes = lab.nodes.map(
  (n) =>
    new Node(n.name, {
      host: n.address,
      privateKey,
      hostKeyFingerprint: n.hostKeyFingerprint,
      hostname: n.fqdn,
      hosts,
      packages: ["pacemaker", "pcs", "corosync", "fence-agents"],
      haclusterPassword,
    }),
);
export const versions = nodes.map(
  (n) =>
    pulumi.interpolate`${n.liveHostname}: ${n.os}, pcs ${n.pcsVersion}, pacemaker ${n.pacemakerVersion}, corosync ${n.corosyncVersion}`,
);
