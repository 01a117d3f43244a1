// The live cluster configuration as typed objects, read from one `cibadmin --query`.
export type NvPairs = Record<string, string>;

export interface Operation {
  id: string;
  name: string;
  interval: string;
  timeout?: string;
  role?: string;
  /** Any further attributes of <op> (on-fail, start-delay, …). */
  options: NvPairs;
}

export interface Primitive {
  kind: "primitive";
  id: string;
  /** Full agent name: class:provider:type, or class:type (stonith, systemd, …). */
  agent: string;
  instance: NvPairs;
  meta: NvPairs;
  operations: Operation[];
  /** The group or clone that holds it. */
  parent?: string;
}

export interface Group {
  kind: "group";
  id: string;
  members: string[];
  meta: NvPairs;
  parent?: string;
}

export interface Clone {
  kind: "clone";
  id: string;
  child: string;
  promotable: boolean;
  meta: NvPairs;
}

export type CibResource = Primitive | Group | Clone;

export interface ResourceSet {
  id: string;
  resources: string[];
  options: NvPairs;
}

export interface Rule {
  id: string;
  score?: string;
  role?: string;
  booleanOp?: string;
  expressions: NvPairs[];
}

export interface LocationConstraint {
  type: "location";
  id: string;
  rsc?: string;
  rscPattern?: string;
  node?: string;
  score?: string;
  role?: string;
  /** always, never or exclusive (the attribute resource-discovery) */
  resourceDiscovery?: string;
  rules: Rule[];
  sets: ResourceSet[];
}

export interface OrderConstraint {
  type: "order";
  id: string;
  first?: string;
  then?: string;
  firstAction?: string;
  thenAction?: string;
  kind?: string;
  symmetrical?: string;
  sets: ResourceSet[];
}

export interface ColocationConstraint {
  type: "colocation";
  id: string;
  rsc?: string;
  withRsc?: string;
  score?: string;
  rscRole?: string;
  withRscRole?: string;
  sets: ResourceSet[];
}

export type Constraint = LocationConstraint | OrderConstraint | ColocationConstraint;

export interface CibNode {
  id: string;
  uname: string;
  /** node attributes, e.g. standby */
  attributes: NvPairs;
}

export interface FencingLevel {
  id: string;
  target: string;
  index: number;
  devices: string[];
}

export interface Cib {
  /** admin_epoch.epoch.num_updates: changes whenever the configuration does. */
  version: string;
  /** cib-bootstrap-options */
  properties: NvPairs;
  nodes: CibNode[];
  resources: Map<string, CibResource>;
  constraints: Constraint[];
  fencingLevels: FencingLevel[];
}
