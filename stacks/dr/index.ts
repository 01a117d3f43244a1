// The disaster-recovery pair of the course, one stack per site (project pcmk-dr, this folder):
//   site-b: node3+node4 as cluster site_b, the recovery site; exports its members and a
//           connection to its first node.
//   site-a: node1+node2 as cluster site_a, the primary; pcs on node1 also knows site-b's nodes,
//           and `pcs dr set-recovery-site node3` (DrSite) reads node3 from site-b's outputs.
// Up site-b first, then site-a; destroy in reverse order.
// Config: clusterName, members (lab node names), recoveryStack (site-a only: the stack reference
// of site-b, e.g. organization/pcmk-dr/site-b); secrets as in the lab stack.
import * as pulumi from "@pulumi/pulumi";
import { DrSite, PcsResource } from "../../providers";
import { PacemakerCluster } from "../../providers/components/pacemaker-cluster";
import { labHosts, labMembers, labPackages, labSecrets, labStatus } from "../common/lab";

const config = new pulumi.Config();
const lab = labStatus(config);
const siteMembers = labMembers(lab, config.requireObject<string[]>("members"));
const { key, haclusterPassword } = labSecrets(config, lab);
const recoveryStack = config.get("recoveryStack");
const recovery = recoveryStack ? new pulumi.StackReference(recoveryStack) : undefined;

const site = new PacemakerCluster(config.require("clusterName"), {
  clusterName: config.require("clusterName"),
  members: siteMembers,
  ...key,
  haclusterPassword,
  hosts: labHosts(lab),
  ...labPackages(lab),
  // pcs dr talks to the other site's pcsd: the primary's first node needs their tokens
  alsoAuthenticate: recovery
    ? (recovery.requireOutput("members") as pulumi.Output<{ name: string; addresses: string[] }[]>)
    : [],
  totem: { token: "5000" },
  properties: { "stonith-enabled": "false" },
});

// Something for the site to run, as in the course.
new PcsResource(
  "dummy1",
  { runOn: site.runOn, resourceId: "dummy1", agent: "ocf:pacemaker:Dummy" },
  { dependsOn: [site.cluster] },
);

const pair = recovery
  ? new DrSite(
      "dr",
      {
        runOn: site.runOn,
        recoveryNode: (recovery.requireOutput("members") as pulumi.Output<{ name: string }[]>).apply(
          (peers) => peers[0].name,
        ),
        recoveryRunOn: recovery.requireOutput("connection") as pulumi.Output<never>,
      },
      { dependsOn: [site.cluster, site.auth] },
    )
  : undefined;

export const localRole = pair?.localRole;
export const recoverySiteNodes = pair?.recoverySiteNodes;
export const clusterName = site.cluster.id;
export const nodesOnline = site.cluster.nodesOnline;
/** Who this site is, for the other site's stack. */
export const members = siteMembers.map((m) => ({ name: m.fqdn, addresses: [m.address] }));
export const connection = pulumi.secret(site.runOn);
