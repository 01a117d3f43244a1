// The lab stack, as the course builds it: the nodes prepared (hostname, /etc/hosts, packages,
// firewall, hacluster password, pcsd), `pcs host auth` from node1, and `pcs cluster setup
// ha_cluster_lab ... --start --enable`. Resources, constraints and fencing come with the next kinds.
// Connection details come from the lab's `status` (or the config key `labStatus`); the ssh key
// and the hacluster password are read from the lab's files as secrets, or from secret config.
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { Cluster, ClusterAuth, Node } from "../../providers";

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
const members = lab.nodes.map((n) => ({ name: n.fqdn, addresses: [n.address] }));
const runOn = nodes[0].connection;
const auth = new ClusterAuth(
  "auth",
  { runOn, nodes: members, password: haclusterPassword },
  { dependsOn: nodes },
);
const cluster = new Cluster(
  "ha_cluster_lab",
  {
    runOn,
    name: "ha_cluster_lab",
    nodes: members,
    // a longer token than corosync's 3 s default: the lab's nodes share 2 busy cores
    totem: { token: "5000" },
    // no fence device is declared yet (StonithDevice comes next)
    properties: { "stonith-enabled": "false" },
    // `pulumi config set adoptCluster true`: take over a cluster that outlived the stack's state
    adopt: config.getBoolean("adoptCluster") ?? false,
  },
  { dependsOn: [auth] },
);

export const clusterName = cluster.id;
export const nodesOnline = cluster.nodesOnline;
export const dc = cluster.dc;
export const versions = nodes.map(
  (n) =>
    pulumi.interpolate`${n.liveHostname}: ${n.os}, pcs ${n.pcsVersion}, pacemaker ${n.pacemakerVersion}, corosync ${n.corosyncVersion}`,
);
