// Cluster: `pcs cluster setup` of named nodes (with their link addresses), transport and totem
// options, started and enabled, cluster properties; waits, bounded, until every node is online.
// Members are added and removed in place (`pcs cluster node add/remove`).
// Read from corosync.conf, the CIB and crm_mon in one round trip. Delete: `pcs cluster destroy --all`.
// Totem options and cluster properties are checked at preview against what the node's pcs and
// Pacemaker accept (node-facts.ts), or the built-in lists when it cannot be asked.
import { clusterChanged, clusterEnv } from "../kit/cluster-env";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CheckFailure, isUnicodeText, NOT_UNICODE, propertyName, UNKNOWN } from "../checks/inputs";
import { CorosyncCluster } from "../cib/corosync-conf";
import { LiveCluster, readLive } from "../cib/live";
import { CLUSTER_PROPERTIES, optionIssues, TOTEM_OPTIONS, ValueType } from "../checks/pcs-options";
import { connectionRule, connectionSchema, dnsName, ipAddress, targetOf } from "../kit/connection";
import { Answer, notice, optionFactsOf, PREVIEW_WAIT_MS, withinMs } from "../checks/node-facts";
import { ArgsOf, DynamicResource } from "../kit/dynamic";
import { comparedWith, defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import { xmlValue } from "../kit/values";
import { SshPool, SshTarget } from "../transport/ssh";

// ---- schema -----------------------------------------------------------------------------------

const optionValue = z
  .string()
  .max(256, "at most 256 characters")
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\s=\u0000-\u001f\u007f]*$/, "a value without spaces, '=' or control characters")
  .refine(isUnicodeText, NOT_UNICODE);
/** `pcs cluster setup` reads these words among the node names as the start of its sections. */
const SETUP_KEYWORDS: readonly string[] = ["transport", "totem", "quorum"];
const memberName = dnsName.refine(
  (n) => !SETUP_KEYWORDS.includes(n),
  "a node name other than transport, totem or quorum (pcs cluster setup reads them as keywords)",
);

export const clusterInputsSchema = z
  .object({
    runOn: connectionSchema,
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9_][A-Za-z0-9_-]{0,31}$/,
        "1 to 32 letters, digits, '_' or '-' (corosync's limit), not starting with '-' (pcs would read an option)",
      ),
    nodes: z
      .array(z.object({ name: memberName, addresses: z.array(ipAddress).max(8).default([]) }).strict())
      .min(1)
      .refine((ns) => new Set(ns.map((n) => n.name)).size === ns.length, "each node name once"),
    transport: z.enum(["knet", "udp", "udpu"]).default("knet"),
    // names and types: the node's (optionFailures)
    totem: z.record(z.string(), optionValue).default({}),
    properties: z.record(z.string(), xmlValue(1024)).default({}),
    start: z.boolean().default(true),
    enable: z.boolean().default(true),
    waitOnlineSeconds: z.number().int().min(0).max(3600).default(180),
    adopt: z.boolean().default(false),
  })
  .strict()
  .refine((c) => c.start || Object.keys(c.properties).length === 0, {
    message: "cluster properties live in the CIB, which exists only while the cluster runs: set start: true",
    path: ["properties"],
  });

export type ClusterInputs = z.infer<typeof clusterInputsSchema>;

export interface ClusterFacts {
  liveName: string | null;
  liveNodes: { name: string; addresses: string[] }[];
  liveTransport: string | null;
  liveTotem: Record<string, string>;
  /** The declared properties' live values (others, e.g. dc-version, are pacemaker's own). */
  liveProperties: Record<string, string | null>;
  enabled: boolean;
  nodesOnline: string[];
  dc: string | null;
  quorate: boolean;
}

export type ClusterOutputs = ClusterInputs & ClusterFacts;

// ---- pcs commands -----------------------------------------------------------------------------

const nodeArgs = (n: ClusterInputs["nodes"][number]): string[] => [
  n.name,
  ...n.addresses.map((a) => `addr=${a}`),
];
const options = (o: Record<string, string>): string[] => Object.entries(o).map(([k, v]) => `${k}=${v}`);

export function setupArgv(c: ClusterInputs): string[] {
  const totem = Object.keys(c.totem).length ? ["totem", ...options(c.totem)] : [];
  return [
    "pcs",
    "cluster",
    "setup",
    c.name,
    ...c.nodes.flatMap(nodeArgs),
    "transport",
    c.transport,
    ...totem,
    ...(c.enable ? ["--enable"] : []),
    ...(c.start ? ["--start"] : []),
  ];
}

export const propertySetArgv = (p: Record<string, string>): string[] => [
  "pcs",
  "property",
  "set",
  ...options(p),
];
export const propertyUnsetArgv = (names: string[]): string[] => ["pcs", "property", "unset", ...names];
/** Of a stopped cluster: pcs writes corosync.conf on every member itself. */
export const totemUpdateArgv = (t: Record<string, string>): string[] => [
  "pcs",
  "cluster",
  "config",
  "update",
  "totem",
  ...options(t),
];

// pcs refuses `cluster config update` while corosync runs, but edits a copy (--corosync_conf); the
// copy replaces corosync.conf in one rename, pcs syncs it to every member, and corosync reloads it
// (`corosync-cfgtool -R`, cluster-wide). Every totem option pcs sets is one corosync applies at run
// time (its volatile totem configuration: token, join, consensus, window_size, …).
const TOTEM_RUNNING_SCRIPT = [
  "set -e",
  "conf=/etc/corosync/corosync.conf",
  'copy=$(mktemp "$conf.pcmk-lab.XXXXXX")',
  "trap 'rm -f \"$copy\"' EXIT",
  'cp -p "$conf" "$copy"',
  'pcs cluster config update totem "$@" --corosync_conf "$copy"',
  'mv "$copy" "$conf"',
  "pcs cluster sync corosync",
  "corosync-cfgtool -R",
].join("\n");

/** Of a running cluster: corosync.conf edited as a copy, synced to every member, reloaded. */
export const totemUpdateRunningArgv = (t: Record<string, string>): string[] => [
  "sh",
  "-c",
  TOTEM_RUNNING_SCRIPT,
  "sh",
  ...options(t),
];

// ---- reader -----------------------------------------------------------------------------------

export function clusterFacts(live: LiveCluster, declared: ClusterInputs): ClusterFacts {
  const c: CorosyncCluster | null = live.corosync;
  const props = live.cib?.properties ?? {};
  const online = (live.status?.nodes ?? [])
    .filter((n) => n.online)
    .map((n) => n.name)
    .sort();
  return {
    liveName: c?.name ?? null,
    liveNodes: (c?.nodes ?? []).map((n) => ({ name: n.name, addresses: n.addresses })),
    liveTransport: c?.transport ?? null,
    liveTotem: c?.totem ?? {},
    liveProperties: Object.fromEntries(Object.keys(declared.properties).map((k) => [k, props[k] ?? null])),
    enabled: live.enabled,
    nodesOnline: online,
    dc: live.status?.dc ?? null,
    quorate: live.status?.quorate ?? false,
  };
}

async function readCluster(pool: SshPool, target: SshTarget, declared: ClusterInputs): Promise<ClusterFacts> {
  return clusterFacts(await readLive(pool, target), declared);
}

// ---- check against the node's pcs and Pacemaker ----------------------------------------------------

type Options = Record<string, string>;

/** A raw input's string entries (a map not known yet, or not a map, has none). */
const entriesOf = (raw: unknown): Options =>
  raw !== null && typeof raw === "object" && !Array.isArray(raw)
    ? Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === "string"))
    : {};

/** Entries new or changed since the last inputs: what the node took before is not asked again. */
function changedOptions(olds: unknown, news: unknown): Options {
  const before = entriesOf(olds);
  return Object.fromEntries(Object.entries(entriesOf(news)).filter(([k, v]) => before[k] !== v));
}

const judged = (
  field: "totem" | "properties",
  known: Record<string, ValueType>,
  what: string,
  options: Options,
  who: string,
): CheckFailure[] =>
  optionIssues(known, what, options, who).map((i) => ({
    property: propertyName([field, i.name]),
    reason: i.message,
  }));

export const builtInNotice = (cluster: string, why: string): string =>
  `pcmk-lab: Cluster '${cluster}': ${why}: its totem options and cluster properties were checked against the ` +
  "lists built in (pcs 0.11.5 and 0.12.0.2, Pacemaker 2.1.5 and 3.0.0); the node's pcs judges them at up";

/**
 * Totem options and cluster properties that are new or changed, judged by what runOn's pcs and
 * Pacemaker accept; by the built-in lists when the node cannot be asked, which the user is told.
 * Takes the raw inputs: runOn may not be known until apply while these are.
 */
export async function optionFailures(
  pool: SshPool,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckFailure[]> {
  const totem = changedOptions(olds.totem, news.totem);
  const properties = changedOptions(olds.properties, news.properties);
  if (!Object.keys(totem).length && !Object.keys(properties).length) return [];
  const runOn = connectionSchema.safeParse(news.runOn);
  const late: Answer = { facts: null, why: `no answer within ${PREVIEW_WAIT_MS / 1000} s` };
  const answer: Answer = runOn.success
    ? await withinMs(optionFactsOf(pool, targetOf(runOn.data)), PREVIEW_WAIT_MS, late)
    : { facts: null, why: "runOn is not known until apply" };
  const facts = answer.facts;
  if (!answer.facts) {
    const cluster = news.name === UNKNOWN ? "(name not known yet)" : String(news.name);
    notice(
      builtInNotice(
        cluster,
        runOn.success ? `${runOn.data.host} could not be asked (${answer.why})` : answer.why,
      ),
    );
  }
  const who = facts ? `pcs ${facts.pcs.version} on ${facts.pcs.host}` : "pcs";
  return [
    ...judged("totem", facts?.totem ?? TOTEM_OPTIONS, "totem options", totem, who),
    ...judged("properties", facts?.properties ?? CLUSTER_PROPERTIES, "cluster properties", properties, who),
  ];
}

// ---- diff -------------------------------------------------------------------------------------

const sameNodes = (live: ClusterFacts["liveNodes"], declared: ClusterInputs["nodes"]): boolean =>
  live.length === declared.length &&
  declared.every((d) => {
    const l = live.find((n) => n.name === d.name);
    return !!l && (d.addresses.length === 0 || d.addresses.join(",") === l.addresses.join(","));
  });

/** Declared totem options whose live value differs (options pcs adds itself are not compared). */
const totemDrift = (live: Record<string, string>, declared: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(declared).filter(([k, v]) => live[k] !== v));

const propertyDrift = (
  live: ClusterFacts["liveProperties"],
  declared: Record<string, string>,
): Record<string, string> => Object.fromEntries(Object.entries(declared).filter(([k, v]) => live[k] !== v));

/**
 * Members to remove and to add so the live membership becomes the declared one. A member whose
 * declared addresses differ is removed and added again (pcs cannot readdress a node in place).
 */
export function membershipChanges(
  live: ClusterFacts["liveNodes"],
  declared: ClusterInputs["nodes"],
): { remove: string[]; add: ClusterInputs["nodes"] } {
  const kept = (d: ClusterInputs["nodes"][number]) =>
    sameNodes(
      live.filter((l) => l.name === d.name),
      [d],
    );
  const stays = new Set(declared.filter(kept).map((d) => d.name));
  return {
    remove: live.map((l) => l.name).filter((n) => !stays.has(n)),
    add: declared.filter((d) => !stays.has(d.name)),
  };
}

export const nodeAddArgv = (n: ClusterInputs["nodes"][number], waitSeconds: number): string[] => [
  "pcs",
  "cluster",
  "node",
  "add",
  ...nodeArgs(n),
  "--start",
  "--enable",
  `--wait=${waitSeconds}`,
];
export const nodeRemoveArgv = (name: string): string[] => ["pcs", "cluster", "node", "remove", name];

/** The declared keys' live values (a key set nowhere left out). */
const declaredKeysOf = (declared: object, live: Record<string, string | null>) =>
  Object.fromEntries(Object.keys(declared).flatMap((k) => (live[k] == null ? [] : [[k, live[k]]])));

const clusterRules: FieldRules<ClusterOutputs, ClusterInputs> = {
  // running pcs from another member changes nothing on the cluster, but is recorded
  runOn: connectionRule("runOn"),
  // a new name is a new cluster (pcs cannot rename one); members change in place
  name: { replaces: (o, n) => o.name !== n.name || (o.liveName !== null && o.liveName !== n.name) },
  nodes: { differs: (o, n) => !sameNodes(o.liveNodes, n.nodes) },
  transport: {
    replaces: (o, n) => o.transport !== n.transport || (!!o.liveTransport && o.liveTransport !== n.transport),
  },
  totem: comparedWith(
    "totem",
    (o, n) => Object.keys(totemDrift(o.liveTotem, n.totem)).length > 0,
    (s) => declaredKeysOf(s.totem, s.liveTotem),
  ),
  properties: comparedWith(
    "properties",
    (o, n) =>
      Object.keys(propertyDrift(o.liveProperties, n.properties)).length > 0 ||
      Object.keys(o.properties).some((k) => !Object.hasOwn(n.properties, k)),
    (s) => declaredKeysOf(s.properties, s.liveProperties),
  ),
  start: comparedWith(
    "start",
    (o, n) => n.start && o.nodesOnline.length === 0,
    () => false,
  ),
  enable: comparedWith(
    "enable",
    (o, n) => n.enable && !o.enabled,
    () => false,
  ),
  waitOnlineSeconds: { differs: false },
  adopt: { differs: false },
};

export const clusterDiff = (olds: ClusterOutputs, news: ClusterInputs): DiffResult =>
  diffOf(clusterRules, olds, news, true);

// ---- lifecycle ----------------------------------------------------------------------------------

async function waitOnline(pool: SshPool, target: SshTarget, c: ClusterInputs): Promise<ClusterFacts> {
  const deadline = Date.now() + c.waitOnlineSeconds * 1000;
  for (;;) {
    const facts = await readCluster(pool, target, c);
    const missing = c.nodes.map((n) => n.name).filter((n) => !facts.nodesOnline.includes(n));
    if (missing.length === 0 && facts.dc) return facts;
    if (Date.now() >= deadline) {
      throw new Error(
        `cluster ${c.name}: not all nodes online after ${c.waitOnlineSeconds} s ` +
          `(offline: ${missing.join(", ") || "none"}; DC: ${facts.dc ?? "none elected"})`,
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * New members first (`pcs cluster node add … --start --enable`, the node authenticated by a
 * ClusterAuth that lists it), then the ones that go (`pcs cluster node remove`), one at a time
 * as pcs requires; pcs adjusts quorum options (two_node) itself.
 */
async function changeMembership(pool: SshPool, target: SshTarget, c: ClusterInputs, live: ClusterFacts) {
  const { remove, add } = membershipChanges(live.liveNodes, c.nodes);
  const runOnName = live.liveNodes.find((n) => n.addresses.includes(c.runOn.host) || n.name === c.runOn.host);
  if (runOnName && remove.includes(runOnName.name))
    throw new Error(
      `cluster ${c.name}: runOn (${c.runOn.host}) is ${runOnName.name}, which is being removed: ` +
        "run pcs on a member that stays",
    );
  for (const n of add)
    await pool.run(target, nodeAddArgv(n, Math.max(c.waitOnlineSeconds, 1)), { timeoutMs: 600_000 });
  for (const name of remove) await pool.run(target, nodeRemoveArgv(name), { timeoutMs: 600_000 });
}

async function converge(
  pool: SshPool,
  target: SshTarget,
  c: ClusterInputs,
  live: ClusterFacts,
  previous?: ClusterInputs,
) {
  if (live.liveName !== null && !sameNodes(live.liveNodes, c.nodes)) {
    await changeMembership(pool, target, c, live);
    live = await waitOnline(pool, target, c);
  }
  const totem = totemDrift(live.liveTotem, c.totem);
  if (Object.keys(totem).length)
    await pool.run(target, live.nodesOnline.length ? totemUpdateRunningArgv(totem) : totemUpdateArgv(totem));
  if (c.enable && !live.enabled) await pool.run(target, ["pcs", "cluster", "enable", "--all"]);
  // Wait only after starting something: the live facts are otherwise current.
  let afterStart = live;
  if (c.start && c.nodes.some((n) => !live.nodesOnline.includes(n.name))) {
    await pool.run(target, ["pcs", "cluster", "start", "--all"]);
    afterStart = await waitOnline(pool, target, c);
  }
  const unset = Object.keys(previous?.properties ?? {}).filter((k) => !Object.hasOwn(c.properties, k));
  if (unset.length) await pool.run(target, propertyUnsetArgv(unset));
  const set = propertyDrift(afterStart.liveProperties, c.properties);
  if (Object.keys(set).length) await pool.run(target, propertySetArgv(set));
}

export const clusterKind = defineKind<typeof clusterInputsSchema, ClusterOutputs>({
  name: "Cluster",
  schema: clusterInputsSchema,
  fields: clusterRules,
  outputs: ["nodesOnline", "dc", "quorate", "liveProperties"],

  checkOnNode: optionFailures,

  async create(pool: SshPool, c: ClusterInputs) {
    const target = targetOf(c.runOn);
    const existing = await readCluster(pool, target, c);
    if (existing.liveName !== null) {
      const members = existing.liveNodes.map((n) => n.name).join(", ");
      if (existing.liveName !== c.name || !sameNodes(existing.liveNodes, c.nodes)) {
        throw new Error(
          `${c.runOn.host} already belongs to cluster '${existing.liveName}' (${members}): ` +
            "destroy it first (pcs cluster destroy --all) or run on another node",
        );
      }
      if (!c.adopt) {
        throw new Error(
          `cluster '${c.name}' (${members}) already exists: set adopt: true to manage it as it is, ` +
            "or destroy it first (pcs cluster destroy --all)",
        );
      }
    } else {
      await pool.run(target, setupArgv(c), { timeoutMs: 600_000 });
    }
    const live = c.start ? await waitOnline(pool, target, c) : await readCluster(pool, target, c);
    await converge(pool, target, c, live);
    // set up, or changed, by pcs run outside a writer: the next read asks the node again
    await clusterChanged(target);
    const outs: ClusterOutputs = { ...c, ...(await readCluster(pool, target, c)) };
    return { id: c.name, outs };
  },

  /** The read shared with the resources inside the cluster: one round trip per refresh. */
  async read(pool: SshPool, id: string, props: ClusterOutputs) {
    const live = await (await clusterEnv(pool, targetOf(props.runOn))).live();
    return { id, props: { ...props, ...clusterFacts(live, props) } };
  },

  async update(pool: SshPool, _id: string, olds: ClusterOutputs, news: ClusterInputs) {
    const target = targetOf(news.runOn);
    await converge(pool, target, news, await readCluster(pool, target, news), olds);
    // its pcs ran outside the cluster's writer: the resources' next read asks the node again
    await clusterChanged(target);
    return { outs: { ...news, ...(await readCluster(pool, target, news)) } };
  },

  /** `pcs cluster destroy --all`: every node back to no cluster. Already gone is fine. */
  async remove(pool: SshPool, _id: string, props: ClusterOutputs) {
    const target = targetOf(props.runOn);
    const live = await readLive(pool, target);
    if (live.corosync === null) return;
    await pool.run(target, ["pcs", "cluster", "destroy", "--all"], { timeoutMs: 600_000 });
    await clusterChanged(target);
  },
});

// ---- the resource ---------------------------------------------------------------------------------

export type ClusterArgs = ArgsOf<typeof clusterInputsSchema>;

export class Cluster extends DynamicResource {
  declare readonly nodesOnline: pulumi.Output<string[]>;
  declare readonly dc: pulumi.Output<string | null>;
  declare readonly quorate: pulumi.Output<boolean>;
  declare readonly liveProperties: pulumi.Output<Record<string, string | null>>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.CustomResourceOptions) {
    super(clusterKind, name, args, opts);
  }
}
