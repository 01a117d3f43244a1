// pcmk-lab: Pulumi resources for Pacemaker/Corosync clusters managed over ssh with pcs.
export { Cluster, ClusterArgs } from "./cluster";
export { ClusterAuth, ClusterAuthArgs } from "./cluster-auth";
export { Connection } from "./connection";
export { Node, NodeArgs } from "./node";
export { Secret } from "./secrets";
