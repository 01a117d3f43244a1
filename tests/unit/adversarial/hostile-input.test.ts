// Hostile input without a lab (issue 5, point 2): every corpus string (tests/support/hostile-
// strings.ts) in every string field of every kind — map keys and values, array items, nested
// connections included — through the kind's input check, the very function the dynamic provider's
// `check` runs at `pulumi preview` (providers/runtime.ts). Each value is either
//  (a) refused, every failure naming this field, with a reason that names the kind and says what
//      is allowed (Pulumi adds the resource's name), never echoing a secret; or
//  (b) accepted — and then every remote command the kind builds from it for create and update
//      (pcs steps, command lines, stdin) is the one an ordinary value builds, with the value in
//      the same argument(s), verbatim: the value never adds, removes or splits an argument (a
//      rule is split into its words, by design, one argument each); and each argv, made into a
//      command line by shellLine and parsed back by a real /bin/sh, is the same argv.
// A value no argv can carry (NUL, lone surrogate) must be refused. The canary that every
// injection of the corpus tries to create must not exist afterwards. Which accepted values pcs
// stores verbatim and reads back identically is the lab's question (tests/e2e), not this one's.
// The tally (tried, refused, accepted per kind and field) is written for docs/RELIABILITY.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CheckFailure, propertyName } from "../../../providers/checks/inputs";
import { Primitive } from "../../../providers/cib/model";
import {
  authStdin,
  ClusterAuthInputs,
  hostAuthArgv,
  hostDeauthArgv,
  pcsdStatusArgv,
} from "../../../providers/kinds/cluster-auth";
import {
  ClusterInputs,
  nodeAddArgv,
  nodeRemoveArgv,
  propertySetArgv,
  propertyUnsetArgv,
  setupArgv,
  totemUpdateArgv,
  totemUpdateRunningArgv,
} from "../../../providers/kinds/cluster";
import {
  CLUSTER_PROPERTIES,
  OPERATION_OPTIONS,
  ORDER_SET_OPTIONS,
  SET_OPTIONS,
  TOTEM_OPTIONS,
} from "../../../providers/checks/pcs-options";
import {
  ConstraintInputs,
  createArgv as constraintCreateArgv,
  deleteArgv as constraintDeleteArgv,
  ruleWords,
} from "../../../providers/kinds/constraint";
import { DESTROY_ARGV, DrSiteInputs, setRecoverySiteArgv } from "../../../providers/kinds/dr-site";
import {
  adjustArgv,
  DrbdConfigInputs,
  initialPrimaryArgv,
  readArgv as drbdReadArgv,
  removeArgv as drbdRemoveArgv,
  resourceFile,
  writeArgv as drbdWriteArgv,
} from "../../../providers/kinds/drbd-config";
import {
  drbdPrimitive,
  filesystemAttributes,
  filesystemConstraints,
} from "../../../providers/components/drbd-volume";
import {
  hostnameArgv,
  hostsCommand,
  installArgv,
  NodeCommand,
  NodeInputs,
  passwordCommand,
  readCommand,
} from "../../../providers/kinds/node";
import {
  createArgv as resourceCreateArgv,
  PcsResourceInputs,
  updateArgvs,
} from "../../../providers/kinds/pcs-resource";
import { check } from "../../../providers/runtime";
import { SECRET_INPUTS } from "../../../providers/kinds/index";
import { Secret } from "../../../providers/kit/secrets";
import {
  changesTo,
  createArgv as stonithCreateArgv,
  levelChanges,
  StonithInputs,
} from "../../../providers/kinds/stonith-device";
import { shellLine } from "../../../providers/transport/shell";
import {
  CANARY,
  canTravelInArgv,
  HOSTILE_UNIT_FILE,
  hostileCorpus,
  printableValue,
} from "../../support/hostile-strings";

// ---- remote commands ------------------------------------------------------------------------------

interface Remote {
  /** Where it runs: a node's label, or the node pcs runs on. */
  on: string;
  argv: string[];
  stdin?: string;
  /** What reads the stdin: lines (a password), /etc/hosts lines, a DRBD resource file. */
  format?: keyof typeof STDIN_SEPARATORS;
  /** A pcs step (argv after `pcs -f <CIB copy>`): sent inside the batch program on stdin, never a command line. */
  step?: boolean;
}

/** What an accepted value must not contain where it is written into each stdin format. */
const STDIN_SEPARATORS = {
  line: /[\n\r]/,
  hosts: /[\s#]/,
  "drbd-config": /[\s;{}"'#\\]/,
};

const ON = "runOn";
const steps = (argvs: string[][]): Remote[] => argvs.map((argv) => ({ on: ON, argv, step: true }));
const lines = (...argvs: string[][]): Remote[] => argvs.map((argv) => ({ on: ON, argv }));
const reveal = (s: string | Secret): string => (s instanceof Secret ? s.reveal() : s);
const nodeCommand = (c: NodeCommand, format: Remote["format"]): Remote => ({
  on: "node",
  argv: c.argv,
  stdin: reveal(c.stdin),
  format,
});

function nodeCommands(i: unknown): Remote[] {
  const n = i as NodeInputs;
  return [
    nodeCommand(readCommand(n), "line"),
    { on: "node", argv: installArgv(n.packages) },
    ...(n.hostname ? [{ on: "node", argv: hostnameArgv(n.hostname) }] : []),
    nodeCommand(hostsCommand(n.hosts), "hosts"),
    ...(n.haclusterPassword ? [nodeCommand(passwordCommand(n.haclusterPassword), "line")] : []),
  ];
}

function clusterAuthCommands(i: unknown): Remote[] {
  const a = i as ClusterAuthInputs;
  const names = a.nodes.map((n) => n.name);
  return [
    {
      on: ON,
      argv: hostAuthArgv(a.username, a.nodes),
      stdin: authStdin(a.password).reveal(),
      format: "line",
    },
    ...lines(hostDeauthArgv(names), pcsdStatusArgv(names)),
  ];
}

function clusterCommands(i: unknown): Remote[] {
  const c = i as ClusterInputs;
  return lines(
    setupArgv(c),
    propertySetArgv(c.properties),
    propertyUnsetArgv(Object.keys(c.properties)),
    totemUpdateArgv(c.totem),
    totemUpdateRunningArgv(c.totem),
    ...c.nodes.map((n) => nodeAddArgv(n, c.waitOnlineSeconds)),
    ...c.nodes.map((n) => nodeRemoveArgv(n.name)),
  );
}

const livePrimitive = (id: string, agent: string): Primitive => ({
  kind: "primitive",
  id,
  agent,
  instance: {},
  meta: {},
  operations: [],
});

function pcsResourceCommands(i: unknown): Remote[] {
  const r = i as PcsResourceInputs;
  const primitive = livePrimitive(r.resourceId, "ocf:pacemaker:Dummy");
  const clone = r.clone && {
    kind: "clone" as const,
    id: r.clone.id!,
    child: r.resourceId,
    promotable: r.clone.promotable,
    meta: {},
  };
  return steps([
    resourceCreateArgv(r, true),
    resourceCreateArgv(r, false),
    // to a bare live primitive: group add or clone, every attribute, every operation
    ...updateArgvs({ primitive }, r, r),
    // from another group: removed from it first
    ...updateArgvs({ primitive, group: "zzothergroup" }, r, r),
    // in its clone already: the clone's meta attributes
    ...(clone ? updateArgvs({ primitive, clone }, r, r) : []),
  ]);
}

function stonithCommands(i: unknown): Remote[] {
  const s = i as StonithInputs;
  const noCib = { corosync: null, cib: null, status: null, enabled: true };
  return steps([
    stonithCreateArgv(s),
    ...levelChanges(s.deviceId, [], s.fencingLevels),
    ...levelChanges(s.deviceId, s.fencingLevels, []),
    ...changesTo(noCib, livePrimitive(s.deviceId, `stonith:${s.agent}`), s, s),
  ]);
}

function constraintCommands(i: unknown): Remote[] {
  const c = i as ConstraintInputs;
  return steps([constraintCreateArgv(c.constraintId, c.constraint), constraintDeleteArgv(c.constraintId)]);
}

function drbdConfigCommands(i: unknown): Remote[] {
  const d = i as DrbdConfigInputs;
  const file = resourceFile(d);
  return [
    ...d.nodes.flatMap((n) => [
      { on: n.hostname, argv: drbdReadArgv(d) },
      { on: n.hostname, argv: drbdWriteArgv(d), stdin: file, format: "drbd-config" as const },
      { on: n.hostname, argv: adjustArgv(d) },
      { on: n.hostname, argv: drbdRemoveArgv(d) },
    ]),
    ...d.nodes
      .filter((n) => n.hostname === d.initialPrimary)
      .map((n) => ({ on: n.hostname, argv: initialPrimaryArgv(d) })),
  ];
}

function drSiteCommands(i: unknown): Remote[] {
  const d = i as DrSiteInputs;
  return lines(setRecoverySiteArgv(d.recoveryNode), DESTROY_ARGV);
}

const commandsOf: Record<string, (inputs: unknown) => Remote[]> = {
  Node: nodeCommands,
  ClusterAuth: clusterAuthCommands,
  Cluster: clusterCommands,
  PcsResource: pcsResourceCommands,
  StonithDevice: stonithCommands,
  Constraint: constraintCommands,
  DrbdConfig: drbdConfigCommands,
  DrSite: drSiteCommands,
};

// ---- kinds, their ordinary inputs and their string fields -------------------------------------------

type Path = (string | number)[];
type Raw = Record<string, unknown>;

interface Checked {
  inputs: unknown;
  failures: CheckFailure[];
}

interface Field {
  /** For reports: the field's path, `[]` for any array item, `{key}`/`{value}` for maps. */
  name: string;
  put: (value: string) => Raw;
  /** An ordinary value of the field, distinct from everything else in the inputs. */
  ref: (value: string) => string;
  /** Failure properties that name this field (a failure may name it or something inside it). */
  properties: string[];
  /**
   * How an accepted value travels: verbatim (default, inside the same arguments as `ref`), as
   * whitespace-separated words (a pcs rule), local (used by the provider to connect, never sent),
   * one of a closed set, or chosen among values declared elsewhere.
   */
  mode: "verbatim" | "words" | "local" | { oneOf: readonly string[] };
  secret?: boolean;
  /** An empty value means "none" (the commands are those without the field). */
  emptyIsAbsent?: boolean;
  carriedIn?: string[];
}

interface Kind {
  kind: string;
  base: Raw;
  fields: Field[];
  check: (raw: Raw) => Promise<Checked>;
  commands: (inputs: unknown) => Remote[];
}

// A JSON copy: it keeps an own "__proto__" key as a key, as Pulumi's inputs would carry it.
function setAt(base: Raw, at: Path, value: unknown): Raw {
  const copy = JSON.parse(JSON.stringify(base)) as Raw;
  let o: Record<string | number, unknown> = copy;
  for (const p of at.slice(0, -1)) o = o[p] as Record<string | number, unknown>;
  o[at[at.length - 1]] = value;
  return copy;
}

const nameOf = (at: Path): string =>
  at.reduce<string>((s, p) => (typeof p === "number" ? `${s}[]` : s ? `${s}.${p}` : p), "");

interface FieldOptions {
  mode?: Field["mode"];
  secret?: boolean;
  /** Other properties a refusal of this field may name (a refinement over several fields). */
  also?: string[];
  /** Where the value sits inside the field's text (e.g. inside a key file). */
  wrap?: (value: string) => string;
  emptyIsAbsent?: boolean;
  /** For the tally, when the value only chooses something (the initial primary among the nodes). */
  carriedIn?: string[];
}

/** The value at `at`. */
function value(base: Raw, at: Path, ref: string | ((v: string) => string), o: FieldOptions = {}): Field {
  const wrap = o.wrap ?? ((v: string) => v);
  return {
    name: nameOf(at),
    put: (v) => setAt(base, at, wrap(v)),
    ref: typeof ref === "string" ? () => ref : ref,
    properties: [propertyName(at), ...(o.also ?? [])],
    mode: o.mode ?? "verbatim",
    secret: o.secret,
    emptyIsAbsent: o.emptyIsAbsent,
    carriedIn: o.carriedIn,
  };
}

/** A key of the map at `at` (the map then holds that one key). */
/** A key of the map at `at`; a map of known names (totem, properties) gives its own ordinary entry. */
function key(base: Raw, at: Path, o: FieldOptions & { entry?: [string, string] } = {}): Field {
  const [ref, value] = o.entry ?? ["zzmapkey", "zzmapvalue"];
  return {
    name: `${nameOf(at)}{key}`,
    put: (v) => setAt(base, at, { [v]: value }),
    ref: () => ref,
    properties: [propertyName(at), ...(o.also ?? [])],
    mode: o.mode ?? "verbatim",
  };
}

/** A value of the map at `at` (under the key `k`). */
const mapValue = (base: Raw, at: Path, k: string, ref: string, o: FieldOptions = {}): Field => ({
  ...value(base, [...at, k], ref, o),
  name: `${nameOf(at)}{value}`,
});

const v4or6 = (v4: string, v6: string) => (v: string) => (isIPv6(v) ? v6 : v4);
const KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const keyWith = (v: string) =>
  `-----BEGIN OPENSSH PRIVATE KEY-----\n${v}\n-----END OPENSSH PRIVATE KEY-----\n`;
const runOn = { host: "10.77.0.11", privateKey: KEY };

/** The connection fields at `at` (runOn, recoveryRunOn, a DRBD node's connection): local only. */
function connectionFields(base: Raw, at: Path): Field[] {
  return [
    value(base, [...at, "host"], "192.0.2.99", { mode: "local" }),
    value(base, [...at, "user"], "zzuser", { mode: "local" }),
    value(base, [...at, "privateKey"], "zzkey", { mode: "local", secret: true, wrap: keyWith }),
    value(base, [...at, "hostKeyFingerprint"], `SHA256:${"A".repeat(43)}`, { mode: "local" }),
  ];
}

const ROLES = ["Started", "Stopped", "Promoted", "Unpromoted"];
const runtimeCheck =
  (kind: string) =>
  (raw: Raw): Promise<Checked> =>
    check(kind, {}, raw);

function kindOf(kind: string, base: Raw, fields: (base: Raw) => Field[]): Kind {
  return { kind, base, fields: fields(base), check: runtimeCheck(kind), commands: commandsOf[kind] };
}

const nodeKind = kindOf(
  "Node",
  {
    host: "10.77.0.11",
    privateKey: KEY,
    hostname: "node1.example.com",
    hosts: [{ address: "10.77.0.11", names: ["node1.example.com", "node1"] }],
    packages: ["pcs", "pacemaker"],
    haclusterPassword: "s3cret-pw",
  },
  (b) => [
    ...connectionFields(b, []),
    value(b, ["hostname"], "zzref.example.net"),
    value(b, ["hosts", 0, "address"], v4or6("192.0.2.77", "2001:db8::77")),
    value(b, ["hosts", 0, "names", 0], "zzref.example.net"),
    value(b, ["packages", 0], "zzrefpkg"),
    value(b, ["haclusterPassword"], "zzrefpw", { secret: true }),
  ],
);

const authNodes = [
  { name: "n1.example.net", addresses: ["10.77.0.11"] },
  { name: "n2.example.net", addresses: ["10.77.0.12"] },
];
const clusterAuthKind = kindOf("ClusterAuth", { runOn, nodes: authNodes, password: "s3cret-pw" }, (b) => [
  ...connectionFields(b, ["runOn"]),
  value(b, ["nodes", 0, "name"], "zzref.example.net", { also: ["nodes"] }),
  value(b, ["nodes", 0, "addresses", 0], v4or6("192.0.2.77", "2001:db8::77")),
  value(b, ["username"], "zzrefuser"),
  value(b, ["password"], "zzrefpw", { secret: true }),
]);

const clusterKind = kindOf(
  "Cluster",
  {
    runOn,
    name: "zzcluster",
    nodes: authNodes,
    totem: { token: "5000" },
    properties: { "no-quorum-policy": "stop" },
  },
  (b) => [
    ...connectionFields(b, ["runOn"]),
    value(b, ["name"], "zzrefname"),
    value(b, ["nodes", 0, "name"], "zzref.example.net", { also: ["nodes"] }),
    value(b, ["nodes", 0, "addresses", 0], v4or6("192.0.2.77", "2001:db8::77")),
    value(b, ["transport"], "udpu", { mode: { oneOf: ["knet", "udp", "udpu"] } }),
    // names and values pcs would accept only (cluster-options.ts): a closed set of names, typed values
    key(b, ["totem"], { entry: ["consensus", "6000"], mode: { oneOf: Object.keys(TOTEM_OPTIONS) } }),
    mapValue(b, ["totem"], "token", "77777"),
    key(b, ["properties"], { entry: ["batch-limit", "7"], mode: { oneOf: Object.keys(CLUSTER_PROPERTIES) } }),
    mapValue(b, ["properties"], "no-quorum-policy", "freeze", {
      mode: { oneOf: ["stop", "freeze", "ignore", "demote", "suicide"] },
    }),
  ],
);

const operation = { name: "monitor", interval: "30s", timeout: "20s", options: { "on-fail": "restart" } };
const operationFields = (b: Raw): Field[] => [
  value(b, ["operations", 0, "name"], "zzrefop"),
  value(b, ["operations", 0, "interval"], "77s"),
  value(b, ["operations", 0, "timeout"], "77s"),
  value(b, ["operations", 0, "role"], "Promoted", { mode: { oneOf: ROLES } }),
  key(b, ["operations", 0, "options"], {
    entry: ["description", "zzmapvalue"],
    mode: { oneOf: Object.keys(OPERATION_OPTIONS) },
  }),
  mapValue(b, ["operations", 0, "options"], "on-fail", "block", {
    mode: {
      oneOf: OPERATION_OPTIONS["on-fail"].type === "select" ? OPERATION_OPTIONS["on-fail"].values : [],
    },
  }),
];

const resourceBase = {
  runOn,
  resourceId: "zzrid",
  agent: "ocf:pacemaker:Dummy",
  instanceAttributes: { ip: "10.77.0.100" },
  metaAttributes: { "resource-stickiness": "100" },
  operations: [operation],
  clone: { meta: { "clone-max": "2" } },
};
const { clone: _noClone, ...grouped } = resourceBase;
const pcsResourceKind = kindOf("PcsResource", resourceBase, (b) => [
  ...connectionFields(b, ["runOn"]),
  value(b, ["resourceId"], "zzrefid"),
  value(b, ["agent"], "zzrefagent"),
  key(b, ["instanceAttributes"]),
  mapValue(b, ["instanceAttributes"], "ip", "zzrefval"),
  key(b, ["metaAttributes"]),
  mapValue(b, ["metaAttributes"], "resource-stickiness", "zzrefval"),
  ...operationFields(b),
  value(grouped, ["group"], "zzrefgroup"),
  value(b, ["clone", "id"], "zzrefclone"),
  key(b, ["clone", "meta"]),
  mapValue(b, ["clone", "meta"], "clone-max", "zzrefval"),
]);

const stonithKind = kindOf(
  "StonithDevice",
  {
    runOn,
    deviceId: "zzfence",
    agent: "fence_virsh",
    parameters: { ip: "10.77.0.254" },
    secretParameters: { passwd: "s3cret-pw" },
    metaAttributes: { "pcmk-delay-max": "5" },
    operations: [operation],
    fencingLevels: [{ target: "n1.example.net", level: 1 }],
  },
  (b) => [
    ...connectionFields(b, ["runOn"]),
    value(b, ["deviceId"], "zzrefid"),
    value(b, ["agent"], "fence_zzref"),
    key(b, ["parameters"], { also: ["secretParameters"] }),
    mapValue(b, ["parameters"], "ip", "zzrefval"),
    key(b, ["secretParameters"], { also: ["secretParameters"] }),
    mapValue(b, ["secretParameters"], "passwd", "zzrefsecret", { secret: true }),
    key(b, ["metaAttributes"]),
    mapValue(b, ["metaAttributes"], "pcmk-delay-max", "zzrefval"),
    ...operationFields(b),
    value(b, ["fencingLevels", 0, "target"], "zzref.example.net"),
  ],
);

const location = { type: "location", resource: "zzres", node: "n1.example.net", score: "100" };
const locationRule = {
  type: "location",
  resource: "zzres",
  rule: "#uname eq n1",
  score: "100",
  role: "Started",
};
const order = { type: "order", first: "zzfirst", then: "zzthen" };
const colocation = { type: "colocation", resource: "zzres", withResource: "zzwith", score: "100" };
const orderSet = {
  type: "order-set",
  sets: [{ resources: ["zzs1", "zzs2"], options: { sequential: "false" } }],
  options: { kind: "Optional" },
};
const colocationSet = { type: "colocation-set", sets: [{ resources: ["zzs1", "zzs2"] }] };
const constraintFields = (spec: Raw, fields: (b: Raw) => Field[]) =>
  fields({ runOn, constraintId: "zzcid", constraint: spec });
const constraintKind: Kind = {
  kind: "Constraint",
  base: { runOn, constraintId: "zzcid", constraint: location },
  check: runtimeCheck("Constraint"),
  commands: constraintCommands,
  fields: [
    ...connectionFields({ runOn, constraintId: "zzcid", constraint: location }, ["runOn"]),
    ...constraintFields(location, (b) => [
      value(b, ["constraintId"], "zzrefcid"),
      value(b, ["constraint", "type"], "location", {
        mode: { oneOf: ["location", "order", "colocation", "order-set", "colocation-set"] },
      }),
      value(b, ["constraint", "resource"], "zzrefres"),
      value(b, ["constraint", "node"], "zzref.example.net"),
      value(b, ["constraint", "score"], "77"),
      value(b, ["constraint", "resourceDiscovery"], "never", {
        mode: { oneOf: ["always", "never", "exclusive"] },
      }),
    ]),
    ...constraintFields(locationRule, (b) =>
      [
        value(b, ["constraint", "resource"], "zzrefres"),
        value(b, ["constraint", "rule"], "zzrefrule", { mode: "words" }),
        value(b, ["constraint", "role"], "Promoted", { mode: { oneOf: ROLES } }),
      ].map((f) => ({ ...f, name: f.name.replace("constraint.", "constraint(rule).") })),
    ),
    ...constraintFields(order, (b) => [
      value(b, ["constraint", "first"], "zzreffirst"),
      value(b, ["constraint", "then"], "zzrefthen"),
      value(b, ["constraint", "firstAction"], "promote", {
        mode: { oneOf: ["start", "stop", "promote", "demote"] },
      }),
      value(b, ["constraint", "thenAction"], "promote", {
        mode: { oneOf: ["start", "stop", "promote", "demote"] },
      }),
      value(b, ["constraint", "kind"], "Optional", {
        mode: { oneOf: ["Mandatory", "Optional", "Serialize"] },
      }),
    ]),
    ...constraintFields(colocation, (b) => [
      value(b, ["constraint", "withResource"], "zzrefwith"),
      value(b, ["constraint", "resourceRole"], "Promoted", { mode: { oneOf: ROLES } }),
      value(b, ["constraint", "withRole"], "Promoted", { mode: { oneOf: ROLES } }),
    ]),
    ...constraintFields(orderSet, (b) => [
      value(b, ["constraint", "sets", 0, "resources", 0], "zzrefmember"),
      // options pcs checks itself (pcs-options.ts): known names, values of their type
      key(b, ["constraint", "sets", 0, "options"], {
        entry: ["require-all", "true"],
        mode: { oneOf: Object.keys(SET_OPTIONS) },
      }),
      mapValue(b, ["constraint", "sets", 0, "options"], "sequential", "true", {
        mode: { oneOf: ["true", "false"] },
      }),
      key(b, ["constraint", "options"], {
        entry: ["symmetrical", "true"],
        mode: { oneOf: Object.keys(ORDER_SET_OPTIONS) },
      }),
      mapValue(b, ["constraint", "options"], "kind", "Mandatory", {
        mode: { oneOf: ["Optional", "Mandatory", "Serialize"] },
      }),
    ]),
    ...constraintFields(colocationSet, (b) =>
      [value(b, ["constraint", "sets", 0, "resources", 1], "zzrefmember")].map((f) => ({
        ...f,
        name: f.name.replace("constraint.", "constraint(colocation-set)."),
      })),
    ),
  ],
};

const drbdNodes = [
  { hostname: "node1.example.com", address: "10.77.0.11", connection: runOn },
  { hostname: "node2.example.com", address: "10.77.0.12", connection: { ...runOn, host: "10.77.0.12" } },
];
const drbdBase = {
  resourceName: "zzdrbd",
  nodes: drbdNodes,
  disk: "/srv/drbd/zzdisk.img",
  backingFileMiB: 64,
};
const drbdConfigKind = kindOf("DrbdConfig", drbdBase, (b) => [
  value(b, ["resourceName"], "zzrefname"),
  value(b, ["nodes", 0, "hostname"], "zzref.example.net", { also: ["nodes"] }),
  value(b, ["nodes", 0, "address"], v4or6("192.0.2.77", "2001:db8::77"), { also: ["nodes"] }),
  ...connectionFields(b, ["nodes", 0, "connection"]),
  value(b, ["disk"], "/srv/zzref/disk.img"),
  value(b, ["initialPrimary"], "node2.example.com", {
    mode: { oneOf: drbdNodes.map((n) => n.hostname) },
    carriedIn: ["chooses the node that runs the initial-primary script"],
  }),
  value({ ...b, bringUp: true, initialPrimary: "node1.example.com" }, ["mkfs"], "ext4", {
    mode: { oneOf: ["xfs", "ext4"] },
  }),
  value(b, ["protocol"], "B", { mode: { oneOf: ["A", "B", "C"] } }),
]);

const drSiteKind = kindOf(
  "DrSite",
  { runOn, recoveryNode: "n3.example.net", recoveryRunOn: { ...runOn, host: "10.77.0.13" } },
  (b) => [
    ...connectionFields(b, ["runOn"]),
    value(b, ["recoveryNode"], "zzref.example.net"),
    ...connectionFields(b, ["recoveryRunOn"]),
  ],
);

// DrbdVolume is a component: its own fields reach the cluster through its children (a DrbdConfig,
// the drbd primitive and its clone, a Filesystem, two constraints), whose checks refuse them.
interface DrbdVolumePlain {
  resourceName: string;
  primitiveId?: string;
  cloneMeta?: Record<string, string>;
  filesystem: { resourceId: string; directory: string; fstype: string; options?: string };
}
function drbdVolumeChildren(a: DrbdVolumePlain): { kind: string; raw: Raw }[] {
  const drbd = drbdPrimitive(a.resourceName, a.primitiveId, a.cloneMeta ?? {});
  const fs = a.filesystem;
  const { withPromoted, afterPromote } = filesystemConstraints(fs.resourceId, drbd.clone.id);
  return [
    { kind: "DrbdConfig", raw: { ...drbdBase, resourceName: a.resourceName } },
    { kind: "PcsResource", raw: { runOn, ...drbd } },
    {
      kind: "PcsResource",
      raw: {
        runOn,
        resourceId: fs.resourceId,
        agent: "ocf:heartbeat:Filesystem",
        instanceAttributes: filesystemAttributes(0, fs.directory, fs.fstype, fs.options),
      },
    },
    { kind: "Constraint", raw: { runOn, constraint: withPromoted } },
    { kind: "Constraint", raw: { runOn, constraint: afterPromote } },
  ];
}
const volumeBase = {
  resourceName: "zzvol",
  cloneMeta: { "clone-max": "2" },
  filesystem: { resourceId: "zzfs", directory: "/srv/data", fstype: "xfs", options: "noatime" },
};
const drbdVolumeKind: Kind = {
  kind: "DrbdVolume",
  base: volumeBase,
  async check(raw) {
    const children = drbdVolumeChildren(raw as unknown as DrbdVolumePlain);
    const checked = await Promise.all(children.map((c) => check(c.kind, {}, c.raw)));
    return {
      inputs: children.map((c, i) => ({ kind: c.kind, inputs: checked[i].inputs })),
      failures: checked.flatMap((r, i) =>
        r.failures.map((f) => ({ property: `${children[i].kind} ${f.property}`, reason: f.reason })),
      ),
    };
  },
  commands: (inputs) =>
    (inputs as { kind: string; inputs: unknown }[]).flatMap((c) => commandsOf[c.kind](c.inputs)),
  fields: [
    {
      ...value(volumeBase, ["resourceName"], "zzrefname"),
      // drbd_<name>, its clone drbd_<name>-clone, and the constraints that name the clone
      properties: [
        "DrbdConfig resourceName",
        "PcsResource resourceId",
        "PcsResource clone.id",
        "PcsResource instanceAttributes.drbd_resource",
        "Constraint constraint.withResource",
        "Constraint constraint.first",
      ],
    },
    {
      ...value(volumeBase, ["primitiveId"], "zzrefprim"),
      properties: ["PcsResource resourceId", "PcsResource clone.id", "Constraint constraint"],
    },
    {
      ...key(volumeBase, ["cloneMeta"]),
      properties: ["PcsResource clone.meta"],
    },
    {
      ...mapValue(volumeBase, ["cloneMeta"], "clone-max", "zzrefval"),
      properties: ["PcsResource clone.meta.clone-max"],
    },
    {
      ...value(volumeBase, ["filesystem", "resourceId"], "zzreffs"),
      properties: ["PcsResource resourceId", "Constraint constraint"],
    },
    ...(["directory", "fstype", "options"] as const).map((k) => ({
      ...value(volumeBase, ["filesystem", k], `zzref${k}`, { emptyIsAbsent: k === "options" }),
      properties: [`PcsResource instanceAttributes.${k}`],
    })),
  ],
};

const KINDS: Kind[] = [
  nodeKind,
  clusterAuthKind,
  clusterKind,
  pcsResourceKind,
  constraintKind,
  stonithKind,
  drbdConfigKind,
  drbdVolumeKind,
  drSiteKind,
];

// ---- what is expected of an accepted value --------------------------------------------------------

function replaced(text: string, ref: string, v: string): string {
  return text.split(ref).join(v);
}

/** The commands made from `ref`, with the value where `ref` was (words: one argument per word). */
function expectedCommands(fromRef: Remote[], ref: string, v: string, mode: Field["mode"]): Remote[] {
  return fromRef.map((c) => ({
    ...c,
    on: replaced(c.on, ref, v),
    argv:
      mode === "words"
        ? c.argv.flatMap((a) => (a === ref ? ruleWords(v) : [a]))
        : c.argv.map((a) => replaced(a, ref, v)),
    ...(c.stdin !== undefined ? { stdin: replaced(c.stdin, ref, v) } : {}),
  }));
}

/** Where `ref` travels: as (part of) a command-line argument, on stdin, inside a pcs step. */
function carriers(cmds: Remote[], ref: string): string[] {
  const out = new Set<string>();
  for (const c of cmds) {
    if (c.argv.some((a) => a.includes(ref))) out.add(c.step ? "pcs step (stdin)" : "command-line argument");
    if (c.stdin?.includes(ref)) out.add("stdin");
  }
  return [...out].sort();
}

const argvOf = (c: Remote): string[] => (c.step ? ["pcs", ...c.argv] : c.argv);

/**
 * Where the ordinary value sits must be data, never code: not inside the program text of
 * `sh -c` / `python3 -c`, and a secret never on a command line (only on stdin).
 */
function layoutProblems(fromRef: Remote[], ref: string, f: Field): string[] {
  const out: string[] = [];
  for (const c of fromRef) {
    c.argv.forEach((a, i) => {
      if (a.includes(ref) && c.argv[i - 1] === "-c")
        out.push(`the value is written into the program text of \`${c.argv[0]} -c\``);
    });
    if (f.secret && !c.step && c.argv.some((a) => a.includes(ref)))
      out.push("a secret is on a command line (it must travel on stdin)");
  }
  return out;
}

/** The stdin formats that hold the value: an accepted value must not contain their separators. */
const stdinFormats = (fromRef: Remote[], ref: string): (keyof typeof STDIN_SEPARATORS)[] =>
  fromRef.flatMap((c) => (c.format && c.stdin?.includes(ref) ? [c.format] : []));

// A remote shell takes the command line as one argument: Linux's limit for one is 128 KiB.
const MAX_ARG_BYTES = 128 * 1024;

// ---- /bin/sh round trip -----------------------------------------------------------------------------

let shDir: string;

interface ShLine {
  label: string;
  argv: string[];
}

/** argv as /bin/sh parses shellLine(printf '%s\0' …argv) back, or why it could not. */
function throughSh(batch: ShLine[]): (string[] | string)[] {
  const scripts = batch.map((l) => shellLine(["printf", "%s\\0", ...l.argv]));
  const run = (script: string): string[] | string => {
    const viaStdin = Buffer.byteLength(script) >= MAX_ARG_BYTES;
    const r = viaStdin
      ? spawnSync("/bin/sh", ["-s"], { input: script, cwd: shDir })
      : spawnSync("/bin/sh", ["-c", script], { cwd: shDir });
    if (r.error) return `/bin/sh could not run it: ${r.error.message}`;
    if (r.status !== 0) return `/bin/sh exited ${r.status}: ${r.stderr.toString().slice(0, 200)}`;
    return r.stdout.toString("utf8").split("\0").slice(0, -1);
  };
  const out: (string[] | string)[] = [];
  let start = 0;
  while (start < batch.length) {
    let end = start;
    let bytes = 0;
    do bytes += Buffer.byteLength(scripts[end++]) + 1;
    while (end < batch.length && bytes < 64 * 1024);
    const got = run(scripts.slice(start, end).join("\n"));
    const want = batch.slice(start, end).flatMap((l) => l.argv);
    if (Array.isArray(got) && JSON.stringify(got) === JSON.stringify(want))
      out.push(...batch.slice(start, end).map((l) => l.argv));
    else for (let i = start; i < end; i++) out.push(run(scripts[i])); // each alone, to say which
    start = end;
  }
  return out;
}

// ---- the run ------------------------------------------------------------------------------------------

interface Tally {
  tried: number;
  refused: number;
  accepted: number;
  /** Where an accepted value travels. */
  carriedIn: string[];
}
const tally: Record<string, Record<string, Tally>> = {};

const GENERIC = /^(Invalid input|Invalid key in record|Invalid string)/;

const namesField = (property: string, f: Field): boolean =>
  f.properties.some((p) => property === p || property.startsWith(`${p}.`) || property.startsWith(`${p}[`));

beforeAll(() => {
  expect(existsSync(CANARY)).toBe(false); // else: something ran an injection before this test
  shDir = mkdtempSync(path.join(os.tmpdir(), "pcmk-hostile-"));
});

afterAll(() => {
  rmSync(shDir, { recursive: true, force: true });
  const totals = { tried: 0, refused: 0, accepted: 0 };
  for (const fields of Object.values(tally))
    for (const t of Object.values(fields)) {
      totals.tried += t.tried;
      totals.refused += t.refused;
      totals.accepted += t.accepted;
    }
  const report = {
    generatedAt: new Date().toISOString(),
    what:
      "tests/unit/adversarial/hostile-input.test.ts: each corpus string in each string field, through the " +
      "kind's input check; accepted values verified verbatim in every remote command and through /bin/sh",
    corpus: { size: hostileCorpus.length, canary: CANARY },
    injectionsExecuted: existsSync(CANARY) ? 1 : 0,
    totals,
    kinds: tally,
  };
  try {
    mkdirSync(path.dirname(HOSTILE_UNIT_FILE), { recursive: true });
    writeFileSync(HOSTILE_UNIT_FILE, JSON.stringify(report, null, 2) + "\n");
  } catch (err) {
    console.warn(`hostile-input tally not written to ${HOSTILE_UNIT_FILE}: ${(err as Error).message}`);
  }
});

test("the corpus: at least 200 distinct strings, printable unique labels, injections aimed at the canary", () => {
  const values = hostileCorpus.map((h) => h.value);
  expect(values.length).toBeGreaterThanOrEqual(200);
  expect(new Set(values).size).toBe(values.length);
  expect(new Set(hostileCorpus.map((h) => h.label)).size).toBe(values.length);
  for (const h of hostileCorpus) expect(h.label).toMatch(/^[\x20-\x7e…]+$/);
  const touches = values.filter((v) => /touch/.test(v));
  expect(touches.length).toBeGreaterThan(30);
  for (const v of touches) expect(v).toContain(CANARY);
});

describe.each(KINDS.map((k) => [k.kind, k] as const))("%s", (_name, kind) => {
  test("its ordinary inputs are accepted (the fields below start from them)", async () => {
    for (const f of kind.fields) {
      const r = await kind.check(f.put(f.ref("")));
      expect({ field: f.name, failures: r.failures }).toEqual({ field: f.name, failures: [] });
    }
  });

  test.each(kind.fields.map((f) => [f.name, f] as const))("%s", async (_field, f) => {
    const problems: string[] = [];
    const t: Tally = { tried: 0, refused: 0, accepted: 0, carriedIn: [] };
    const toSh: ShLine[] = [];
    const made = new Map<string, Remote[]>();
    const commandsFor = async (raw: Raw): Promise<Remote[]> => {
      const k = JSON.stringify(raw);
      if (!made.has(k)) made.set(k, kind.commands((await kind.check(raw)).inputs));
      return made.get(k)!;
    };
    const ref = f.ref("");
    const fromRef = await commandsFor(f.put(ref));
    const where = carriers(fromRef, ref);
    if (f.mode === "local") {
      if (where.length) problems.push(`a local field reaches the node: ${where.join(", ")}`);
    } else if (typeof f.mode !== "object" && where.length === 0)
      problems.push("the field reaches no command");
    // a closed set's values (a protocol letter) are no unique markers to look for, nor free text
    const closed = typeof f.mode === "object";
    if (!closed) problems.push(...layoutProblems(fromRef, ref, f));
    const formats = closed ? [] : stdinFormats(fromRef, ref);
    t.carriedIn =
      f.carriedIn ??
      (f.mode === "local" ? ["not sent (connection)"] : f.mode === "words" ? ["pcs step, as words"] : where);

    for (const { label, value: v } of hostileCorpus) {
      t.tried++;
      const { inputs, failures } = await kind.check(f.put(v));
      if (failures.length > 0) {
        t.refused++;
        for (const fl of failures) {
          // a refused input that holds a secret is named in the reason ("Kind: field: why"), not as
          // the property, whose value Pulumi would print (providers/runtime.ts, refusal)
          const property = fl.property || (/^\w+: ([^:\s]+): /.exec(fl.reason)?.[1] ?? "");
          if (!namesField(property, f))
            problems.push(`${label}: refused, naming another field: ${fl.property}`);
          // the kind (a DrbdVolume's: the child's, which its property starts with), then why
          const named = kind.kind === "DrbdVolume" ? fl.property.split(" ")[0] : kind.kind;
          const reason = fl.reason.startsWith(`${named}: `) ? fl.reason.slice(named.length + 2) : "";
          if (!reason || GENERIC.test(reason))
            problems.push(`${label}: refused without the kind and a clear reason: ${fl.reason}`);
          if (f.secret && v.length >= 6 && (fl.reason.includes(v) || fl.property.includes(v)))
            problems.push(`${label}: the refusal shows the secret value`);
        }
        continue;
      }
      t.accepted++;
      if (!canTravelInArgv(v)) problems.push(`${label}: accepted, but no argv or UTF-8 stream can carry it`);
      for (const fmt of formats)
        if (STDIN_SEPARATORS[fmt].test(v))
          problems.push(`${label}: accepted, but it can break the ${fmt} it is written into`);
      const cmds = kind.commands(inputs);
      if (typeof f.mode === "object") {
        if (!f.mode.oneOf.includes(v))
          problems.push(`${label}: accepted, but not one of ${f.mode.oneOf.join(", ")}`);
      } else {
        const r = f.ref(v);
        const want =
          f.mode === "local"
            ? await commandsFor(f.put(r))
            : v === "" && f.emptyIsAbsent
              ? await commandsFor(JSON.parse(JSON.stringify(f.put(r), (_k, x) => (x === r ? undefined : x))))
              : expectedCommands(await commandsFor(f.put(r)), r, v, f.mode);
        if (JSON.stringify(cmds) !== JSON.stringify(want))
          problems.push(
            `${label}: accepted, but the commands differ from an ordinary value's in more than the value`,
          );
      }
      for (const c of cmds) {
        let line: string;
        try {
          line = shellLine(argvOf(c));
        } catch (err) {
          problems.push(`${label}: accepted, but shellLine refuses the command: ${(err as Error).message}`);
          continue;
        }
        if (!c.step && Buffer.byteLength(line) >= MAX_ARG_BYTES)
          problems.push(
            `${label}: accepted, but its command line (${line.length} bytes) is too long for a remote shell`,
          );
        toSh.push({ label, argv: argvOf(c) });
      }
    }

    const parsed = throughSh(toSh);
    parsed.forEach((got, i) => {
      if (typeof got === "string") problems.push(`${toSh[i].label}: ${got}`);
      else if (JSON.stringify(got) !== JSON.stringify(toSh[i].argv))
        problems.push(
          `${toSh[i].label}: /bin/sh parsed the command line into another argv (${got.length} arguments)`,
        );
    });
    (tally[kind.kind] ??= {})[f.name] = t;

    expect({ problems: problems.length, first: problems.slice(0, 40) }).toEqual({ problems: 0, first: [] });
    expect(t.tried).toBe(hostileCorpus.length);
    expect(existsSync(CANARY)).toBe(false);
  });
});

test("a refusal names a hostile key readably: quoted, escaped, one line, cut when long", async () => {
  const { failures } = await check(
    "PcsResource",
    {},
    { ...resourceBase, instanceAttributes: { "a\n\u202eb": "x" } },
  );
  expect(failures).toEqual([
    {
      property: 'instanceAttributes["a\\u{000a}\\u{202e}b"]',
      reason: expect.stringMatching(/^PcsResource: not an allowed name: an attribute name/),
    },
  ]);
  const long = await check(
    "PcsResource",
    {},
    { ...resourceBase, metaAttributes: { ["k".repeat(100_000)]: "x" } },
  );
  expect(long.failures[0].property).toMatch(/^metaAttributes\["k{40}…\(100000 characters\)"\]$/);
  expect(printableValue("a\0b")).toBe("a\\u{0}b");
});

// Each restriction made for pcs's own grammar (pcs 0.11 source: app.py and parse_args for options,
// rule.parse_argv, constraint.py, cli/resource/parse_args.py, cli/constraint/parse_args.py,
// cluster.py) refuses exactly the value pcs would misread, and keeps the one next to it.
const ruleBase = { runOn, constraint: locationRule };
const setBase = { runOn, constraint: orderSet };
const withRoleBase = { runOn, constraint: { ...colocation, withRole: "Promoted" } };
test.each([
  ["Cluster", ["name"], "-f", "zz-f", /not starting with '-'/, clusterKind.base],
  ["Cluster", ["nodes", 0, "name"], "totem", "totem1", /transport, totem or quorum/, clusterKind.base],
  ["Cluster", ["totem", "token"], "50\u00000", "5000", /control characters/, clusterKind.base],
  ["Cluster", ["properties", "no-quorum-policy"], "stop\n", "stop", /control characters/, clusterKind.base],
  ["PcsResource", ["clone", "id"], "meta", "meta1", /op, meta, clone, promotable or bundle/, resourceBase],
  ["PcsResource", ["operations", 0, "name"], "op", "reload", /op, meta, clone/, resourceBase],
  ["PcsResource", ["operations", 0, "interval"], "30\ns", "30 s", /a duration/, resourceBase],
  ["PcsResource", ["instanceAttributes", "ip"], "\ud800", "\u{1f525}", /Unicode/, resourceBase],
  ["Constraint", ["constraint", "rule"], "id=x #uname eq n1", "#uname eq n1", /first word/, ruleBase],
  ["Constraint", ["constraint", "rule"], "#uname eq n1 --force", "#health lt -5", /'-'/, ruleBase],
  ["Constraint", ["constraint", "rule"], " \n ", "date-spec hours=9-16", /not only spaces/, ruleBase],
  ["Constraint", ["constraint", "resource"], "delete", "deleted", /sub-command/, ruleBase],
  ["Constraint", ["constraint", "sets", 0, "resources", 0], "set", "sets", /'set' or 'setoptions'/, setBase],
  ["Constraint", ["constraint", "withResource"], "INFINITY", "INFINITY1", /the score/, withRoleBase],
  ["Node", ["privateKey"], `${KEY}\0`, `${KEY}\n`, /ASCII text/, nodeKind.base],
] as const)("%s %j: %j is refused, %j accepted", async (k, at, refused, accepted, reason, base) => {
  const property = propertyName(at as unknown as Path);
  const bad = await check(k, {}, setAt(base, at as unknown as Path, refused));
  // an input that holds a secret is named in the reason instead (providers/runtime.ts, refusal)
  const secret = (SECRET_INPUTS[k] as readonly string[]).includes(property);
  expect(bad.failures).toContainEqual(
    secret
      ? { property: "", reason: expect.stringMatching(new RegExp(`^${k}: ${property}: .*${reason.source}`)) }
      : { property, reason: expect.stringMatching(reason) },
  );
  const good = await check(k, {}, setAt(base, at as unknown as Path, accepted));
  expect(good.failures).toEqual([]);
});
