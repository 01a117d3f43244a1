// The lab stack: the course's cluster ha_cluster_lab, as the notes build it.
//   day 1: nodes prepared, `pcs host auth`, `pcs cluster setup ha_cluster_lab … --start --enable`
//   day 2: dummy1 (ocf:pacemaker:Dummy), vip (IPaddr2 /24), `dummy1 prefers node1=100`,
//          `order vip then dummy1`, fencing (fence_virsh against the lab hypervisor)
//   day 3: a DRBD volume on node1+node2 with its promotable clone and a Filesystem
// Config (all optional): nodeCount (default: every running lab node), vip, extraDummies (ids of
// more Dummy resources), orderVipThenDummy (default true), fencePassword (secret),
// drbdKernel (default false: the lab's kernel has no DRBD), adoptCluster.
import * as pulumi from "@pulumi/pulumi";
import { Constraint, DrbdVolume, PcsResource, StonithDevice } from "../../providers";
import { PacemakerCluster } from "../../providers/components/pacemaker-cluster";
import { labHosts, labMembers, labPackages, labSecrets, labStatus } from "../common/lab";

const config = new pulumi.Config();
const lab = labStatus(config);
const running = lab.nodes.filter((n) => n.running).map((n) => n.name);
const members = labMembers(lab, running.slice(0, config.getNumber("nodeCount") ?? running.length));
const { key, haclusterPassword } = labSecrets(config, lab);

// ---- day 1: the cluster -------------------------------------------------------------------------

const lab1 = new PacemakerCluster("ha_cluster_lab", {
  clusterName: "ha_cluster_lab",
  members,
  ...key,
  haclusterPassword,
  hosts: labHosts(lab),
  ...labPackages(lab, ["drbd-utils"]),
  // a longer token than corosync's 3 s default: the lab's nodes share 2 busy cores
  totem: { token: "5000" },
  properties: { "stonith-enabled": "true", "no-quorum-policy": "stop" },
  // `pulumi config set adoptCluster true`: take over a cluster that outlived the stack's state
  adopt: config.getBoolean("adoptCluster") ?? false,
});
const runOn = lab1.runOn;
const inCluster = { dependsOn: [lab1.cluster] };

// ---- day 2: resources, constraints, fencing -------------------------------------------------------

const dummy1 = new PcsResource(
  "dummy1",
  { runOn, resourceId: "dummy1", agent: "ocf:pacemaker:Dummy" },
  inCluster,
);
const vip = new PcsResource(
  "vip",
  {
    runOn,
    resourceId: "vip",
    agent: "ocf:heartbeat:IPaddr2",
    instanceAttributes: { ip: config.get("vip") ?? lab.vip, cidr_netmask: "24" },
    metaAttributes: { "resource-stickiness": "100" },
    operations: [{ name: "monitor", interval: "30s" }],
  },
  inCluster,
);
for (const id of config.getObject<string[]>("extraDummies") ?? [])
  new PcsResource(id, { runOn, resourceId: id, agent: "ocf:pacemaker:Dummy" }, inCluster);

new Constraint(
  "dummy1-prefers-node1",
  // the resources' ids as their outputs: the engine creates each constraint after its resources
  {
    runOn,
    constraint: { type: "location", resource: dummy1.resourceId, node: members[0].fqdn, score: "100" },
  },
  inCluster,
);
if (config.getBoolean("orderVipThenDummy") ?? true)
  new Constraint(
    "vip-then-dummy1",
    { runOn, constraint: { type: "order", first: vip.resourceId, then: dummy1.resourceId } },
    inCluster,
  );

// fence_virsh logs into the lab hypervisor with the key the lab put on every node. For real iLO
// hardware the course uses fence_ilo4_ssh instead (see Pulumi.lab.yaml):
//   agent: "fence_ilo4_ssh", parameters: { ip: "ilo-node1.example.com", username: "fence",
//   pcmk_host_list: "node1.example.com", delay: "10" }, secretParameters: { passwd },
//   operations: [{ name: "monitor", interval: "60s" }]
const fencePassword = config.getSecret("fencePassword");
const labfence = new StonithDevice(
  "labfence",
  {
    runOn,
    deviceId: "labfence",
    agent: "fence_virsh",
    parameters: {
      ip: lab.hypervisor.address,
      // another login (one the hypervisor refuses) makes a device that cannot do its job
      username: config.get("fenceLogin") ?? lab.hypervisor.user,
      identity_file: lab.hypervisor.identityFileOnNodes,
      pcmk_host_map: members.map((m) => `${m.fqdn}:${m.name}`).join(";"),
    },
    secretParameters: fencePassword ? { passwd: fencePassword } : {},
    operations: [{ name: "monitor", interval: "60s" }],
    metaAttributes: config.getBoolean("labfenceStopped") ? { "target-role": "Stopped" } : {},
  },
  inCluster,
);

// ---- day 3: DRBD on node1 + node2 ---------------------------------------------------------------

const drbdKernel = config.getBoolean("drbdKernel") ?? false;
const r0 = new DrbdVolume(
  "r0",
  {
    resourceName: "r0",
    nodes: lab1.nodes.slice(0, 2).map((n, i) => ({
      hostname: members[i].fqdn,
      address: members[i].address,
      connection: n.connection,
    })),
    disk: "/var/lib/pcmk-lab-drbd/r0.img",
    backingFileMiB: 64,
    runOn,
    bringUp: drbdKernel,
    ...(drbdKernel ? { initialPrimary: members[0].fqdn, mkfs: "xfs" as const } : {}),
    // without DRBD in the kernel the clone stays stopped instead of failing on every node
    cloneMeta: drbdKernel ? {} : { "target-role": "Stopped" },
    filesystem: { resourceId: "fs_r0", directory: "/mnt/r0", fstype: "xfs" },
  },
  inCluster,
);

export const clusterName = lab1.cluster.id;
export const nodesOnline = lab1.cluster.nodesOnline;
export const dc = lab1.cluster.dc;
// what pcs resolved each agent to (where they run is not state: `pcs status` shows it)
export const agents = {
  dummy1: dummy1.agentResolved,
  vip: vip.agentResolved,
  labfence: labfence.agentResolved,
  drbd: r0.drbd.agentResolved,
};
export const versions = lab1.nodes.map(
  (n) =>
    pulumi.interpolate`${n.liveHostname}: ${n.os}, pcs ${n.pcsVersion}, pacemaker ${n.pacemakerVersion}, corosync ${n.corosyncVersion}`,
);
