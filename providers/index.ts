// pcmk-lab: Pulumi resources for Pacemaker/Corosync clusters managed over ssh with pcs.
export { Cluster, ClusterArgs } from "./kinds/cluster";
export { ClusterAuth, ClusterAuthArgs } from "./kinds/cluster-auth";
export { ClusterObjects, ClusterObjectsArgs } from "./kinds/cluster-objects";
export { Connection } from "./kit/connection";
export { Constraint, ConstraintArgs } from "./kinds/constraint";
export { DrSite, DrSiteArgs } from "./kinds/dr-site";
export { DrbdConfig, DrbdConfigArgs } from "./kinds/drbd-config";
export { DrbdVolume, DrbdVolumeArgs } from "./components/drbd-volume";
export { Node, NodeArgs } from "./kinds/node";
export { ClusterMember, PacemakerCluster, PacemakerClusterArgs } from "./components/pacemaker-cluster";
export { PcsResource, PcsResourceArgs } from "./kinds/pcs-resource";
export { Secret } from "./kit/secrets";
export { StonithDevice, StonithDeviceArgs } from "./kinds/stonith-device";
