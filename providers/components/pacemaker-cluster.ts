// PacemakerCluster: the course's first day as one component — each node prepared (Node), `pcs
// host auth` from the first node (ClusterAuth), `pcs cluster setup … --start --enable` (Cluster).
// The objects inside the cluster run pcs on `runOn`, the first node's pinned connection.
import * as pulumi from "@pulumi/pulumi";
import { Cluster, ClusterArgs } from "../kinds/cluster";
import { ClusterAuth } from "../kinds/cluster-auth";
import { Connection } from "../kit/connection";
import { Node } from "../kinds/node";

export interface ClusterMember {
  /** The node's resource name, e.g. node1. */
  name: string;
  /** Its host name in the cluster (pcs and corosync name), e.g. node1.example.com. */
  fqdn: string;
  address: string;
  hostKeyFingerprint?: string;
}

export interface PacemakerClusterArgs {
  clusterName: string;
  members: ClusterMember[];
  /** The nodes' ssh private key (kept secret in state), or… */
  privateKey?: pulumi.Input<string>;
  /** …the path of its file on the machine that runs pulumi (the state then holds only the path). */
  privateKeyPath?: string;
  haclusterPassword: pulumi.Input<string>;
  /** /etc/hosts entries on every member (default: the members themselves). */
  hosts?: { address: string; names: string[] }[];
  /** Nodes outside this cluster that pcs on the first node must also know (a DR peer site). */
  alsoAuthenticate?: pulumi.Input<{ name: string; addresses: string[] }[]>;
  packages?: string[];
  /** Fence agents every member needs, each from the package that ships it (Node's fenceAgents). */
  fenceAgents?: string[];
  totem?: ClusterArgs["totem"];
  properties?: ClusterArgs["properties"];
  adopt?: boolean;
}

export class PacemakerCluster extends pulumi.ComponentResource {
  readonly nodes: Node[];
  readonly auth: ClusterAuth;
  readonly cluster: Cluster;
  /** Where pcs runs for the objects inside the cluster: the first node, its host key pinned. */
  readonly runOn: pulumi.Output<Connection>;

  constructor(name: string, args: PacemakerClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pcmk-lab:index:PacemakerCluster", name, {}, opts);
    const parent = { parent: this };
    const hosts = args.hosts ?? args.members.map((m) => ({ address: m.address, names: [m.fqdn, m.name] }));
    this.nodes = args.members.map(
      (m) =>
        new Node(
          m.name,
          {
            host: m.address,
            privateKey: args.privateKey,
            privateKeyPath: args.privateKeyPath,
            hostKeyFingerprint: m.hostKeyFingerprint,
            hostname: m.fqdn,
            hosts,
            packages: args.packages ?? ["pacemaker", "pcs", "corosync", "fence-agents"],
            ...(args.fenceAgents ? { fenceAgents: args.fenceAgents } : {}),
            haclusterPassword: args.haclusterPassword,
          },
          parent,
        ),
    );
    this.runOn = this.nodes[0].connection;
    const members = args.members.map((m) => ({ name: m.fqdn, addresses: [m.address] }));
    this.auth = new ClusterAuth(
      `${name}-auth`,
      {
        runOn: this.runOn,
        nodes: pulumi.output(args.alsoAuthenticate ?? []).apply((more) => [...members, ...more]),
        password: args.haclusterPassword,
      },
      { ...parent, dependsOn: this.nodes },
    );
    this.cluster = new Cluster(
      args.clusterName,
      {
        runOn: this.runOn,
        name: args.clusterName,
        nodes: members,
        totem: args.totem,
        properties: args.properties,
        adopt: args.adopt ?? false,
      },
      { ...parent, dependsOn: [this.auth] },
    );
    this.registerOutputs({ nodesOnline: this.cluster.nodesOnline, dc: this.cluster.dc });
  }
}
