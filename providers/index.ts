// pcmk-lab: Pulumi resources for Pacemaker/Corosync clusters managed over ssh with pcs.
export { Node, NodeArgs } from "./node";
export { Secret } from "./secrets";
