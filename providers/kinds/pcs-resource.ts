// PcsResource: a Pacemaker resource made with `pcs resource create` — agent (full or pcs's short
// form), instance and meta attributes, operations, group membership, clone or promotable clone.
// Read from the shared live CIB and crm_mon; written through the cluster's pcs write queue.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AgentQuestionOf } from "../checks/agent-check";
import { CheckFailure } from "../checks/inputs";
import { PREVIEW_WAIT_MS, withinMs } from "../checks/node-facts";
import { Clone, Constraint as CibConstraint, Primitive } from "../cib/model";
import { LiveCluster } from "../cib/live";
import { connectionRule, connectionSchema, targetOf } from "../kit/connection";
import { ArgsOf, DynamicResource, withStackSettings } from "../kit/dynamic";
import { HOLD_MARK, holdMeta, interruptedHolds, releasing } from "../writer/holds";
import { clusterEnv } from "../kit/cluster-env";
import { defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import { same } from "../kit/same";
import { attributes, notCreateKeyword, pacemakerId, pairs } from "../kit/values";
import {
  attributeChanges,
  liveOperationsAsDeclared,
  sortedOperations,
  operationsSchema,
  opsArgs,
  ownMeta,
  primitiveChanges,
  removalOf,
  settleFields,
  settleRules,
  watchOf,
  declaredStopped,
} from "./primitive-fields";
import { SshPool } from "../transport/ssh";
import {
  cibConstraintSpec,
  ConstraintSpec,
  ConstraintSyntax,
  createArgv as constraintCreateArgv,
  deleteArgv as constraintDeleteArgv,
  syntaxOn,
} from "./constraint";
import { readInCluster, updateInCluster } from "../writer/in-cluster";
import { isMarked } from "../writer/removals";

// ---- schema -----------------------------------------------------------------------------------

export const agentName = z
  .string()
  .regex(
    /^([a-z0-9_-]{1,32}:){0,2}[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,127}$/,
    "an agent: class:provider:type (ocf:heartbeat:IPaddr2), class:type (systemd:httpd) or pcs's short form (IPaddr2)",
  );

const cloneSchema = z
  .object({
    /** Defaults to <resourceId>-clone, as pcs names it. */
    id: pacemakerId.refine(...notCreateKeyword("a clone id")).optional(),
    promotable: z.boolean().default(false),
    meta: attributes.default({}),
  })
  .strict();

/** A resource's own fields: PcsResource's inputs but its connection (ClusterObjects' items). */
const pcsResourceFields = z
  .object({
    resourceId: pacemakerId,
    agent: agentName,
    instanceAttributes: attributes.default({}),
    metaAttributes: attributes.default({}),
    operations: operationsSchema,
    group: pacemakerId.optional(),
    clone: cloneSchema.optional(),
    adopt: z.boolean().default(false),
  })
  .strict();

type PcsResourceFields = z.infer<typeof pcsResourceFields>;

const groupOrClone: [(r: PcsResourceFields) => boolean, { message: string; path: string[] }] = [
  (r) => !(r.group && r.clone),
  {
    message: "a group member cannot be cloned by itself: clone the group, or drop one of group/clone",
    path: ["clone"],
  },
];

/** pcs names a clone <resourceId>-clone when no id is given. */
const withCloneId = <R extends PcsResourceFields>(r: R): R =>
  r.clone ? { ...r, clone: { ...r.clone, id: r.clone.id ?? `${r.resourceId}-clone` } } : r;

export const pcsResourceInputsSchema = pcsResourceFields
  .extend({ runOn: connectionSchema, ...settleFields })
  .refine(...groupOrClone)
  .transform(withCloneId);

/** A resource among ClusterObjects' items: the same fields and rules, the set's connection. */
export const pcsResourceItemSchema = pcsResourceFields.refine(...groupOrClone).transform(withCloneId);

export type PcsResourceInputs = z.infer<typeof pcsResourceInputsSchema>;

export interface PcsResourceFacts {
  /** The full agent name pcs resolved the declared one to (recorded at create). */
  agentResolved: string;
  /** Still held stopped by an interrupted run (the next up releases it). */
  held: boolean;
}

/** Inputs as the live cluster has them, plus facts; what state records. */
export type PcsResourceOutputs = PcsResourceInputs & PcsResourceFacts;

// ---- pcs commands -----------------------------------------------------------------------------

/** Created stopped and marked unless the program decides target-role itself. */
export const createsHeld = (r: PcsResourceInputs): boolean =>
  !("target-role" in r.metaAttributes) && !("target-role" in (r.clone?.meta ?? {}));

export const heldId = (r: PcsResourceInputs): string => r.clone?.id ?? r.resourceId;

export function createArgv(r: PcsResourceInputs, hold = createsHeld(r)): string[] {
  const meta = { ...r.metaAttributes, ...(r.clone ? {} : holdMeta(hold)) };
  return [
    "resource",
    "create",
    r.resourceId,
    r.agent,
    ...pairs(r.instanceAttributes),
    ...opsArgs(r.operations),
    ...(Object.keys(meta).length ? ["meta", ...pairs(meta)] : []),
    ...(r.clone
      ? [
          r.clone.promotable ? "promotable" : "clone",
          r.clone.id!,
          ...pairs({ ...r.clone.meta, ...holdMeta(hold) }),
        ]
      : []),
    ...(r.group ? ["--group", r.group] : []),
  ];
}

interface LivePrimitive {
  primitive: Primitive;
  group?: string;
  clone?: Clone;
}

/** The live primitive of this id; null when there is none, or a run is removing it (removals.ts). */
export function findPrimitive(live: LiveCluster, id: string): LivePrimitive | null {
  const p = live.cib?.resources.get(id);
  if (!p || p.kind !== "primitive" || isMarked(p.meta)) return null;
  const parent = p.parent ? live.cib!.resources.get(p.parent) : undefined;
  return {
    primitive: p,
    ...(parent?.kind === "group" ? { group: parent.id } : {}),
    ...(parent?.kind === "clone" ? { clone: parent } : {}),
  };
}

/** A <clone> whose promotable is its meta attribute (not a legacy <master>): changed in place. */
const promotableByMeta = (c: Clone): boolean => c.promotable === (c.meta.promotable === "true");

/** What a resource made again needs: the cluster's constraints, and how its pcs writes them. */
export interface RemakeContext {
  live: LiveCluster;
  syntax: ConstraintSyntax;
}

/**
 * Whether the live primitive has another agent than the one declared: pcs cannot change an agent
 * in place. Changed by hand (not what create resolved), or in the program (not the same agent,
 * pcs's short form being the full name's type).
 */
export function agentChanged(
  live: LivePrimitive,
  olds: PcsResourceOutputs,
  news: PcsResourceInputs,
): boolean {
  return (
    live.primitive.agent !== olds.agentResolved || (news.agent !== olds.agent && !isAgent(live, news.agent))
  );
}

/** Whether the live primitive has the agent, given in full or in pcs's short form (its type). */
const isAgent = (live: LivePrimitive, agent: string): boolean =>
  live.primitive.agent === agent || (!agent.includes(":") && live.primitive.agent.endsWith(`:${agent}`));

/**
 * The ids whose constraints `pcs resource delete` takes along: the primitive, its clone, and its
 * group when it is the group's only member (pcs deletes the group then).
 */
function idsDeletedWith(live: LiveCluster, found: LivePrimitive): string[] {
  const group = found.group ? live.cib?.resources.get(found.group) : undefined;
  const soleMember = group?.kind === "group" && group.members.length === 1;
  return [found.primitive.id, ...(found.clone ? [found.clone.id] : []), ...(soleMember ? [group.id] : [])];
}

/** Whether a constraint names the id (pcs's remove_constraints_containing: as rsc, with-rsc, first, then, or in a set). */
function names(c: CibConstraint, id: string): boolean {
  const direct =
    c.type === "location" ? [c.rsc] : c.type === "order" ? [c.first, c.then] : [c.rsc, c.withRsc];
  return direct.includes(id) || c.sets.some((s) => s.resources.includes(id));
}

/** The constraints a remake deletes and adds back, each as a spec, or why pcs cannot add it back. */
function constraintsOfRemake(live: LiveCluster, found: LivePrimitive) {
  const ids = idsDeletedWith(live, found);
  const along = (live.cib?.constraints ?? []).filter((c) => ids.some((id) => names(c, id)));
  return { along, rebuilt: along.map((c) => ({ id: c.id, spec: cibConstraintSpec(c) })) };
}

/** Why a remake would lose constraints, or null: said by the update and, earlier, by the preview. */
function remakeRefusal(rebuilt: { id: string; spec: ConstraintSpec | string }[]): string | null {
  const lost = rebuilt.filter((r) => typeof r.spec === "string");
  return lost.length
    ? "another agent means making it again, and its delete would take along " +
        lost.map((r) => `constraint '${r.id}' (${String(r.spec)})`).join(", ") +
        ", which pcs cannot add back as it is: change the agent by hand"
    : null;
}

/**
 * At preview, of another agent than the one before (changed in the program, or by hand as a
 * refresh read it): the update's refusal, when the live cluster has a constraint the remake would
 * lose. The cluster's one live read; a cluster that cannot be read now is left to the update.
 */
export async function remakeFailures(
  pool: SshPool,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<CheckFailure[]> {
  const parsed = pcsResourceInputsSchema.safeParse(news);
  if (!parsed.success || olds.agent === undefined || olds.agent === parsed.data.agent) return [];
  const r = parsed.data;
  const env = await clusterEnv(pool, targetOf(r.runOn));
  const live = await withinMs(env.live(), PREVIEW_WAIT_MS, null).catch(() => null);
  const found = live && findPrimitive(live, r.resourceId);
  if (!live || !found || isAgent(found, r.agent)) return [];
  const refusal = remakeRefusal(constraintsOfRemake(live, found).rebuilt);
  return refusal ? [{ property: "agent", reason: refusal }] : [];
}

/**
 * pcs argv that make the resource again with the declared agent, in one step (one push): the
 * constraints pcs's delete takes along (or trims, for sets) deleted first and added back as they
 * were, whoever owns them; a group member goes back to its place in the group.
 */
export function remakeArgvs(found: LivePrimitive, news: PcsResourceInputs, ctx: RemakeContext): string[][] {
  const { along, rebuilt } = constraintsOfRemake(ctx.live, found);
  const refusal = remakeRefusal(rebuilt);
  if (refusal) throw new Error(`${owner(news)}: ${refusal}`);
  const group = news.group ? ctx.live.cib?.resources.get(news.group) : undefined;
  const members = group?.kind === "group" ? group.members : [];
  const next = found.group === news.group ? members[members.indexOf(found.primitive.id) + 1] : undefined;
  return [
    ...along.map((c) => constraintDeleteArgv(c.id)),
    ["resource", "delete", news.resourceId],
    [...createArgv(news, false), ...(next ? ["--before", next] : [])],
    ...rebuilt.map((r) => constraintCreateArgv(r.id, r.spec as ConstraintSpec, ctx.syntax)),
  ];
}

/**
 * pcs argv that turn the live resource into the declared one (empty: nothing to do); with
 * `remake`, the resource is made again (another agent: see remakeArgvs).
 */
export function updateArgvs(
  live: LivePrimitive,
  olds: PcsResourceInputs,
  news: PcsResourceInputs,
  remake?: RemakeContext,
): string[][] {
  if (remake) return remakeArgvs(live, news, remake);
  const id = news.resourceId;
  const steps: string[][] = [];
  if (live.group !== news.group) {
    if (live.group && !news.group) steps.push(["resource", "group", "remove", live.group, id]);
    if (news.group) steps.push(["resource", "group", "add", news.group, id]);
  }
  const c = live.clone;
  const d = news.clone;
  // unclone takes along every constraint on the clone: only for another clone id (or a legacy
  // <master>); a clone's promotable is its meta attribute, set in place
  const recloned = c && d && (c.id !== d.id || (c.promotable !== d.promotable && !promotableByMeta(c)));
  if (c && (!d || recloned)) steps.push(["resource", "unclone", c.id]);
  if (d && (!c || recloned)) {
    steps.push(["resource", d.promotable ? "promotable" : "clone", id, d.id!, ...pairs(d.meta)]);
  } else if (c && d) {
    const change = releasing(
      c.meta,
      {
        ...attributeChanges(ownMeta(c.meta, { ...olds.clone?.meta, ...d.meta }, ["promotable"]), d.meta),
        ...(c.promotable !== d.promotable ? { promotable: d.promotable ? "true" : "" } : {}),
      },
      d.meta["target-role"],
    );
    if (Object.keys(change).length) steps.push(["resource", "meta", c.id, ...pairs(change)]);
  }
  steps.push(...primitiveChanges("resource", live.primitive, olds.operations, news, olds.metaAttributes));
  return steps;
}

/**
 * pcs argv that complete a resource an interrupted create made (its push reached the CIB, its
 * reply did not): made as declared, and held again, by this process, until the run's release.
 */
export function resumeArgvs(live: LivePrimitive, r: PcsResourceInputs): string[][] {
  const unmarked = (meta: Record<string, string>) =>
    Object.fromEntries(Object.entries(meta).filter(([k]) => k !== HOLD_MARK));
  const asIfHeldHere: LivePrimitive = {
    ...live,
    primitive: { ...live.primitive, meta: unmarked(live.primitive.meta) },
    ...(live.clone ? { clone: { ...live.clone, meta: unmarked(live.clone.meta) } } : {}),
  };
  return [...updateArgvs(asIfHeldHere, r, r), ["resource", "meta", heldId(r), ...pairs(holdMeta(true))]];
}

// ---- reader -----------------------------------------------------------------------------------

/** The declared inputs as the live cluster has them (declared spelling kept where equal). */
export function resourceAsLive(
  live: LiveCluster,
  declared: PcsResourceInputs,
  agentResolved: string,
): PcsResourceOutputs | null {
  const found = findPrimitive(live, declared.resourceId);
  if (!found) return null;
  const { primitive: p, clone } = found;
  return {
    ...declared,
    agent: p.agent === agentResolved ? declared.agent : p.agent,
    instanceAttributes: p.instance,
    metaAttributes: ownMeta(p.meta, declared.metaAttributes),
    operations: liveOperationsAsDeclared(p.operations, declared.operations),
    group: found.group,
    clone: clone && {
      id: clone.id,
      promotable: clone.promotable,
      meta: ownMeta(clone.meta, declared.clone?.meta ?? {}, ["promotable"]),
    },
    agentResolved,
    held: (clone ?? p).meta[HOLD_MARK] !== undefined,
  };
}

// ---- diff -------------------------------------------------------------------------------------

const pcsResourceRules: FieldRules<PcsResourceOutputs, PcsResourceInputs> = {
  runOn: connectionRule("runOn"),
  resourceId: { replaces: true },
  // pcs cannot change an agent: the update makes the resource again, keeping its constraints
  agent: {},
  instanceAttributes: {},
  // a hold an interrupted run left on it is released by an update
  metaAttributes: { differs: (o, n) => o.held || !same(o.metaAttributes, n.metaAttributes) },
  operations: { differs: (o, n) => !same(sortedOperations(o.operations), sortedOperations(n.operations)) },
  group: {},
  clone: {},
  adopt: { differs: false },
  ...settleRules,
};

/** A resource's diff, and a ClusterObjects item's (whose runOn is the set's). */
export const pcsResourceDiff = (olds: PcsResourceOutputs, news: PcsResourceInputs): DiffResult =>
  diffOf(pcsResourceRules, olds, news, true);

/** What an up that wrote the resource waits for: the primitive, unless declared stopped. */
export const resourceWatch = (
  r: PcsResourceFields & { settleSeconds: number; allowFailedActions: boolean },
  changed: boolean,
) =>
  watchOf(
    r.resourceId,
    `PcsResource '${r.resourceId}'`,
    r,
    changed,
    declaredStopped(r.metaAttributes, r.clone?.meta),
  );

// ---- lifecycle --------------------------------------------------------------------------------

const owner = (r: PcsResourceInputs) => `PcsResource '${r.resourceId}'`;

/** What the node's pcs is asked at preview of a resource (and of a ClusterObjects item). */
export const agentQuestion = (r: PcsResourceInputs): AgentQuestionOf => ({
  runOn: r.runOn,
  question: {
    agent: r.agent,
    stonith: false,
    names: Object.keys(r.instanceAttributes),
    operations: r.operations.map((o) => o.name),
  },
  attributesField: "instanceAttributes",
});

export const pcsResourceKind = defineKind<typeof pcsResourceInputsSchema, PcsResourceOutputs>({
  name: "PcsResource",
  schema: pcsResourceInputsSchema,
  fields: pcsResourceRules,
  outputs: ["agentResolved", "held"],

  /** What the node's pcs is asked at preview. */
  agentQuestions: (r: PcsResourceInputs): AgentQuestionOf[] => [agentQuestion(r)],
  checkOnNode: remakeFailures,

  async create(pool: SshPool, r: PcsResourceInputs) {
    const target = targetOf(r.runOn);
    const env = await clusterEnv(pool, target);
    const writer = env.writer;
    const hold = createsHeld(r);
    const makes = [r.resourceId, ...(r.clone ? [r.clone.id!] : []), ...(r.group ? [r.group] : [])];
    // the read the writer makes anyway (shared): holds left by interrupted runs go with this run's
    const before = await env.live().catch(() => null);
    const stale = interruptedHolds(before);
    const holds = [...(hold ? [heldId(r)] : []), ...stale];
    const orphan = before && findPrimitive(before, r.resourceId);
    let outcome =
      hold && !r.adopt && orphan && stale.includes(orphan.clone?.id ?? r.resourceId)
        ? // made by an interrupted create (pushed, its reply lost): completed, not refused as existing
          await writer.submit(
            { owner: owner(r), argvs: resumeArgvs(orphan, r), ifPresent: r.resourceId, makes },
            holds,
            resourceWatch(r, false),
          )
        : await writer.create(
            { owner: owner(r), argvs: [createArgv(r, hold)], makes },
            r.resourceId,
            r.adopt,
            holds,
            resourceWatch(r, false),
          );
    const found = findPrimitive(outcome.live, r.resourceId);
    if (!found) throw new Error(`${owner(r)}: not in the CIB of ${target.label} after the push`);
    const agentResolved = found.primitive.agent;
    if (outcome.skipped === "exists") {
      // adopted: make it what the program declares
      const argvs = updateArgvs(found, r, r);
      if (argvs.length) outcome = await writer.submit({ owner: owner(r), argvs }, [], resourceWatch(r, true));
    }
    const outs = resourceAsLive(outcome.live, r, agentResolved)!;
    return { id: r.resourceId, outs: { ...outs, held: false } };
  },

  read: (pool: SshPool, id: string, props: PcsResourceOutputs) =>
    readInCluster(pool, id, props.runOn, (live) => resourceAsLive(live, props, props.agentResolved)),

  async update(pool: SshPool, _id: string, olds: PcsResourceOutputs, news: PcsResourceInputs) {
    const env = await clusterEnv(pool, targetOf(news.runOn));
    const syntax = await syntaxOn(pool, env.home, await env.running());
    const after = await updateInCluster(
      pool,
      news.runOn,
      owner(news),
      (live) => findPrimitive(live, news.resourceId),
      (live, found) =>
        updateArgvs(found, olds, news, agentChanged(found, olds, news) ? { live, syntax } : undefined),
      undefined,
      (changed) => resourceWatch(news, changed),
    );
    const agentResolved = findPrimitive(after, news.resourceId)?.primitive.agent ?? olds.agentResolved;
    return { outs: resourceAsLive(after, news, agentResolved)! };
  },

  /**
   * Marked, then stopped and deleted with the run's other removals, as `pcs resource delete`
   * deletes it (its constraints go with it): writer/removals.ts. Already gone is fine.
   */
  async remove(pool: SshPool, _id: string, props: PcsResourceOutputs) {
    const env = await clusterEnv(pool, targetOf(props.runOn));
    await env.writer.removeLater(removalOf(props.resourceId, owner(props), "resources", props));
  },
});

// ---- the resource -----------------------------------------------------------------------------

export type PcsResourceArgs = ArgsOf<typeof pcsResourceInputsSchema>;

export class PcsResource extends DynamicResource {
  declare readonly resourceId: pulumi.Output<string>;
  declare readonly agentResolved: pulumi.Output<string>;

  constructor(name: string, args: PcsResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(pcsResourceKind, name, withStackSettings(args), opts);
  }
}
