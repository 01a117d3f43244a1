// pcmk-lab: Pulumi resources for Pacemaker/Corosync clusters managed over ssh with pcs.
export { Cluster, ClusterArgs } from "./cluster";
export { ClusterAuth, ClusterAuthArgs } from "./cluster-auth";
export { ClusterObjects, ClusterObjectsArgs } from "./cluster-objects";
export { Connection } from "./connection";
export { Constraint, ConstraintArgs } from "./constraint";
export { DrSite, DrSiteArgs } from "./dr-site";
export { DrbdConfig, DrbdConfigArgs, DrbdVolume, DrbdVolumeArgs } from "./drbd-volume";
export { Node, NodeArgs } from "./node";
export { ClusterMember, PacemakerCluster, PacemakerClusterArgs } from "./pacemaker-cluster";
export { PcsResource, PcsResourceArgs } from "./pcs-resource";
export { Secret } from "./secrets";
export { StonithDevice, StonithDeviceArgs } from "./stonith-device";
