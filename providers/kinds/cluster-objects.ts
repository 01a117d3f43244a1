// ClusterObjects: many resources and constraints of one cluster as one Pulumi resource — the
// inline form of PcsResource and Constraint, as a security group's inline rules are of its rule
// resources. Each item takes the same fields, is checked, made, read, changed and deleted by the
// same code as its kind's own resource; what changes is the engine's share. The engine spends
// time on every resource it manages (in the program, the engine and the provider process), so a
// drift check of hundreds of resources costs seconds before any pcs work (docs/BENCHMARKS.md,
// "Figures behind the design"); declared here, they are one resource, one read of the CIB, and
// one check and diff of a list.
//
// Items are matched by their ids (resourceId, constraintId): a new id is a create, a missing one a
// delete, a changed item its kind's update (or delete and create if its kind replaces it). All
// of a step's pcs work goes to the cluster's write queue at once, so it is one batch, one push.
import { clusterEnv } from "../kit/cluster-env";
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AgentQuestionOf } from "../checks/agent-check";
import { LiveCluster } from "../cib/live";
import { Connection, connectionRule, connectionSchema, targetOf } from "../kit/connection";
import {
  constraintAsLive,
  constraintDiff,
  ConstraintInputs,
  constraintItemSchema,
  constraintKind,
  ConstraintOutputs,
} from "./constraint";
import { ArgsOf, DynamicResource, withStackSettings } from "../kit/dynamic";
import { defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import {
  agentQuestion,
  pcsResourceDiff,
  PcsResourceInputs,
  pcsResourceItemSchema,
  pcsResourceKind,
  PcsResourceOutputs,
  resourceAsLive,
} from "./pcs-resource";
import { DEFAULT_SETTLE_SECONDS, settleFields, settleRules } from "./primitive-fields";
import { same } from "../kit/same";
import { SshPool } from "../transport/ssh";

// ---- schema -----------------------------------------------------------------------------------

/** The first index of each value that is not its first occurrence. */
function repeats(values: string[]): number[] {
  const seen = new Set<string>();
  return values.flatMap((v, i) => (seen.has(v) ? [i] : (seen.add(v), [])));
}

export const clusterObjectsInputsSchema = z
  .object({
    runOn: connectionSchema,
    resources: z.array(pcsResourceItemSchema).default([]),
    constraints: z.array(constraintItemSchema).default([]),
    ...settleFields,
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const i of repeats(c.resources.map((r) => r.resourceId)))
      ctx.addIssue({
        code: "custom",
        path: ["resources", i, "resourceId"],
        message: `'${c.resources[i].resourceId}' is declared twice in this set: an id names one resource`,
      });
    for (const i of repeats(c.constraints.map((k) => k.constraintId)))
      ctx.addIssue({
        code: "custom",
        path: ["constraints", i, "constraintId"],
        message:
          `'${c.constraints[i].constraintId}' is declared twice in this set (two constraints alike get the ` +
          "same derived id: give one a constraintId of its own)",
      });
  });

export type ClusterObjectsInputs = z.infer<typeof clusterObjectsInputsSchema>;
/** What the set gives each of its resources: its connection, and how its up settles. */
type SetFields = "runOn" | "settleSeconds" | "allowFailedActions";
type ResourceItem = Omit<PcsResourceInputs, SetFields>;
type ConstraintItem = Omit<ConstraintInputs, "runOn">;
type ResourceItemOut = Omit<PcsResourceOutputs, SetFields>;
type ConstraintItemOut = Omit<ConstraintOutputs, "runOn">;

/** As state records it: each item as the live CIB has it, with agentResolved and held. */
export interface ClusterObjectsOutputs {
  runOn: Connection;
  settleSeconds: number;
  allowFailedActions: boolean;
  resources: ResourceItemOut[];
  constraints: ConstraintItemOut[];
}

const withRunOn = <T extends object>(item: T, runOn: Connection) => ({ ...item, runOn });

function withoutRunOn<T extends { runOn: Connection }>(full: T): Omit<T, "runOn"> {
  const { runOn: _runOn, ...item } = full;
  return item;
}

/**
 * A recorded resource item as PcsResource's outputs, for its remove and update: they read the
 * item's configuration and agentResolved, never the placement a set does not record.
 */
const asKindOutputs = (r: ResourceItemOut, runOn: Connection) => ({ ...r, runOn }) as PcsResourceOutputs;

/** A resource item as recorded: its kind's outputs without what the set gives it. */
function resourceItem(full: PcsResourceOutputs): ResourceItemOut {
  const { runOn: _runOn, settleSeconds: _settle, allowFailedActions: _allow, ...item } = full;
  return item;
}

/** A resource item as its kind's inputs: with the set's connection and settling. */
const asResourceInputs = (
  r: ResourceItem,
  set: Pick<ClusterObjectsInputs, SetFields>,
): PcsResourceInputs => ({
  ...r,
  runOn: set.runOn,
  settleSeconds: set.settleSeconds,
  allowFailedActions: set.allowFailedActions,
});

// ---- the state's form: items without the fields at their defaults ------------------------------
// The engine passes a set's whole state in every call (read, check, diff: twice each in a
// `preview --refresh`) and walks it several times: the fields at their defaults (adopt, empty
// attributes and operations, held, ruleResolved) are a large share of it, each walked again
// (docs/BENCHMARKS.md, "Figures behind the design"). Inputs and outputs are both stored without
// the defaults (the kind's storedForm): inputs parsed, outputs expanded where used. The inputs a
// read gives are the live items in that same form, equal to the stored ones when nothing drifted.

const RESOURCE_DEFAULTS = {
  adopt: false,
  instanceAttributes: {},
  metaAttributes: {},
  operations: [],
  held: false,
};
const CONSTRAINT_DEFAULTS = { adopt: false, ruleResolved: null };

/** The fields of `item` that are not at their default. */
function withoutDefaults<T extends object>(item: T, defaults: object): Partial<T> {
  return Object.fromEntries(
    Object.entries(item).filter(
      ([k, v]) => !(k in defaults) || !same(v, defaults[k as keyof typeof defaults]),
    ),
  ) as Partial<T>;
}

/** The outputs as the state keeps them. */
export function compactOutputs(o: ClusterObjectsOutputs): ClusterObjectsOutputs {
  return {
    runOn: o.runOn,
    settleSeconds: o.settleSeconds,
    allowFailedActions: o.allowFailedActions,
    resources: o.resources.map((r) => withoutDefaults(r, RESOURCE_DEFAULTS) as ResourceItemOut),
    constraints: o.constraints.map((k) => withoutDefaults(k, CONSTRAINT_DEFAULTS) as ConstraintItemOut),
  };
}

/** What a recorded item adds to its inputs: not an input. */
const RESOURCE_FACTS = ["agentResolved", "held"];
const CONSTRAINT_FACTS = ["ruleResolved"];

const inputsPart = <T extends object>(item: T, facts: readonly string[], defaults: object) =>
  withoutDefaults(Object.fromEntries(Object.entries(item).filter(([k]) => !facts.includes(k))), defaults);

/** The inputs as the state keeps them: from the program's, parsed, or from a read's outputs. */
export function compactInputs(c: ClusterObjectsInputs | ClusterObjectsOutputs): Record<string, unknown> {
  return {
    runOn: c.runOn,
    settleSeconds: c.settleSeconds,
    allowFailedActions: c.allowFailedActions,
    resources: c.resources.map((r) => inputsPart(r, RESOURCE_FACTS, RESOURCE_DEFAULTS)),
    constraints: c.constraints.map((k) => inputsPart(k, CONSTRAINT_FACTS, CONSTRAINT_DEFAULTS)),
  };
}

/** The outputs with every field, from the state's form (or from a state that kept them all). */
export function expandOutputs(o: ClusterObjectsOutputs): ClusterObjectsOutputs {
  return {
    runOn: o.runOn,
    // a state of a release before settling had neither
    settleSeconds: o.settleSeconds ?? DEFAULT_SETTLE_SECONDS,
    allowFailedActions: o.allowFailedActions ?? false,
    resources: (o.resources ?? []).map((r) => ({ ...RESOURCE_DEFAULTS, ...r })),
    constraints: (o.constraints ?? []).map((k) => ({ ...CONSTRAINT_DEFAULTS, ...k })),
  };
}

// ---- plan: what an update does to each item ----------------------------------------------------

interface Change<O, N> {
  old: O;
  new: N;
}

export interface Plan {
  /** Gone from the program, or replaced (an item whose kind replaces it: none does so far). */
  deleteResources: ResourceItemOut[];
  deleteConstraints: ConstraintItemOut[];
  createResources: ResourceItem[];
  createConstraints: ConstraintItem[];
  updateResources: Change<ResourceItemOut, ResourceItem>[];
  updateConstraints: Change<ConstraintItemOut, ConstraintItem>[];
}

/**
 * Items matched by id, each judged by its kind's own diff: added, removed, replaced (deleted, then
 * created), changed in place, or left as they are.
 */
function planItems<O, N>(
  olds: O[],
  news: N[],
  idOf: (x: O | N) => string,
  diff: (o: O, n: N) => { changes: boolean; replaces: string[] },
) {
  const oldById = new Map(olds.map((o) => [idOf(o), o]));
  const newIds = new Set(news.map(idOf));
  const plan = {
    remove: olds.filter((o) => !newIds.has(idOf(o))),
    create: [] as N[],
    update: [] as Change<O, N>[],
  };
  for (const n of news) {
    const o = oldById.get(idOf(n));
    const d = o && diff(o, n);
    if (!o) plan.create.push(n);
    else if (d!.replaces.length) {
      plan.remove.push(o);
      plan.create.push(n);
    } else if (d!.changes) plan.update.push({ old: o, new: n });
  }
  return plan;
}

const resourcePlan = (olds: ClusterObjectsOutputs, news: ClusterObjectsInputs) =>
  planItems<ResourceItemOut, ResourceItem>(
    olds.resources,
    news.resources,
    (x) => x.resourceId,
    (o, n) => pcsResourceDiff(o as PcsResourceOutputs, n as PcsResourceInputs),
  );

const constraintPlan = (olds: ClusterObjectsOutputs, news: ClusterObjectsInputs) =>
  planItems<ConstraintItemOut, ConstraintItem>(
    olds.constraints,
    news.constraints,
    (x) => x.constraintId,
    (o, n) => constraintDiff(o as ConstraintOutputs, n as ConstraintInputs),
  );

// items are compared without their connection: the set's own is compared once, in the diff
export function planOf(olds: ClusterObjectsOutputs, news: ClusterObjectsInputs): Plan {
  const r = resourcePlan(olds, news);
  const c = constraintPlan(olds, news);
  return {
    deleteResources: r.remove,
    deleteConstraints: c.remove,
    createResources: r.create,
    createConstraints: c.create,
    updateResources: r.update,
    updateConstraints: c.update,
  };
}

const planned = (p: { remove: unknown[]; create: unknown[]; update: unknown[] }): boolean =>
  p.remove.length + p.create.length + p.update.length > 0;

const clusterObjectsRules: FieldRules<ClusterObjectsOutputs, ClusterObjectsInputs> = {
  // a new connection alone changes no item on the cluster, but is recorded
  runOn: connectionRule("runOn"),
  // each item by its kind's own diff: added, removed, replaced or changed
  resources: { differs: (o, n) => planned(resourcePlan(o, n)) },
  constraints: { differs: (o, n) => planned(constraintPlan(o, n)) },
  ...settleRules,
};

/** Changed when an item is, or when the connection is (no item then changes on the cluster). */
export const clusterObjectsDiff = (olds: ClusterObjectsOutputs, news: ClusterObjectsInputs): DiffResult =>
  diffOf(clusterObjectsRules, olds, news, true);

// ---- reader -----------------------------------------------------------------------------------

/** Each item as the live CIB has it; an item gone from the cluster is left out (a create to come). */
export function objectsAsLive(live: LiveCluster, props: ClusterObjectsOutputs): ClusterObjectsOutputs {
  const resources = props.resources.flatMap((r) => {
    const found = resourceAsLive(live, asResourceInputs(r, props), r.agentResolved);
    return found ? [resourceItem(found)] : [];
  });
  const constraints = props.constraints.flatMap((k) => {
    const found = constraintAsLive(live, withRunOn(k, props.runOn));
    return found ? [{ ...k, constraint: found }] : [];
  });
  return { ...props, resources, constraints };
}

// ---- lifecycle --------------------------------------------------------------------------------

/**
 * Runs every item's operation at once (the write queue makes them one batch) and waits for all;
 * the done ones' results, and one error naming every item that failed (each kind's error names
 * its item, the host and pcs's words).
 */
async function allItems<T>(
  what: string,
  operations: (() => Promise<T>)[],
): Promise<{ done: T[]; error: Error | null }> {
  const settled = await Promise.allSettled(operations.map((run) => run()));
  const done = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as Error).message] : []));
  if (!failed.length) return { done, error: null };
  const shown = failed.slice(0, 10).join("; ");
  const more = failed.length > 10 ? `; and ${failed.length - 10} more` : "";
  return {
    done,
    error: new Error(
      `ClusterObjects: ${what}: ${failed.length} of ${operations.length} failed: ${shown}${more}`,
    ),
  };
}

/** The items' deletes (a resource's takes its constraints with it; one already gone is fine). */
function deletions(
  pool: SshPool,
  runOn: Connection,
  resources: ResourceItemOut[],
  constraints: ConstraintItemOut[],
): (() => Promise<void>)[] {
  return [
    ...constraints.map((k) => () => constraintKind.remove(pool, k.constraintId, withRunOn(k, runOn))),
    ...resources.map((r) => () => pcsResourceKind.remove(pool, r.resourceId, asKindOutputs(r, runOn))),
  ];
}

type Made = { resource: ResourceItemOut } | { constraint: ConstraintItemOut };

function creations(
  pool: SshPool,
  set: Pick<ClusterObjectsInputs, SetFields>,
  resources: ResourceItem[],
  constraints: ConstraintItem[],
): (() => Promise<Made>)[] {
  return [
    ...resources.map((r) => async () => ({
      resource: resourceItem((await pcsResourceKind.create(pool, asResourceInputs(r, set))).outs),
    })),
    ...constraints.map((k) => async () => ({
      constraint: withoutRunOn((await constraintKind.create(pool, withRunOn(k, set.runOn))).outs),
    })),
  ];
}

/** The items in the program's order: each as made or changed now, else as it was. */
function outputsOf(
  news: ClusterObjectsInputs,
  olds: ClusterObjectsOutputs | null,
  made: Made[],
): ClusterObjectsOutputs {
  const resources = new Map(olds?.resources.map((r) => [r.resourceId, r]));
  const constraints = new Map(olds?.constraints.map((k) => [k.constraintId, k]));
  for (const m of made) {
    if ("resource" in m) resources.set(m.resource.resourceId, m.resource);
    else constraints.set(m.constraint.constraintId, m.constraint);
  }
  return {
    runOn: news.runOn,
    settleSeconds: news.settleSeconds,
    allowFailedActions: news.allowFailedActions,
    resources: news.resources.map((r) => resources.get(r.resourceId)!),
    constraints: news.constraints.map((k) => constraints.get(k.constraintId)!),
  };
}

export const clusterObjectsKind = defineKind<typeof clusterObjectsInputsSchema, ClusterObjectsOutputs>({
  name: "ClusterObjects",
  schema: clusterObjectsInputsSchema,
  fields: clusterObjectsRules,
  outputs: [],
  storedForm: { toState: compactOutputs, fromState: expandOutputs, inputsOf: compactInputs },

  /** What the node's pcs is asked at preview, per resource (alike questions are asked once). */
  agentQuestions: (c: ClusterObjectsInputs): AgentQuestionOf[] =>
    c.resources.map((r, i) => ({ ...agentQuestion(asResourceInputs(r, c)), at: `resources[${i}]` })),

  /** All items in one batch; when some fail, those made are deleted again: nothing half-made. */
  async create(pool: SshPool, c: ClusterObjectsInputs) {
    const made = await allItems("create", creations(pool, c, c.resources, c.constraints));
    if (made.error) {
      const values = made.done;
      const undo = await allItems(
        "undoing the create",
        deletions(
          pool,
          c.runOn,
          values.flatMap((v) => ("resource" in v ? [v.resource] : [])),
          values.flatMap((v) => ("constraint" in v ? [v.constraint] : [])),
        ),
      );
      throw undo.error
        ? new Error(
            `${made.error.message}. The ones made could not all be deleted again: ${undo.error.message}`,
          )
        : new Error(`${made.error.message}. The ${values.length} made are deleted again.`);
    }
    return {
      // the set has no name on the cluster; its items are named by their own ids
      id: randomUUID(),
      outs: outputsOf(c, null, made.done),
    };
  },

  /**
   * One read of the cluster's configuration: a set records no placement (runningOn, role), so
   * its refresh runs no crm_mon, whose scheduler run over every resource is most of the read at
   * hundreds of resources (pcs status shows where they run).
   */
  async read(pool: SshPool, id: string, props: ClusterObjectsOutputs) {
    const live = await (await clusterEnv(pool, targetOf(props.runOn))).running({ status: false });
    return { id, props: objectsAsLive(live, props) };
  },

  /**
   * Deletions first (a replaced item's new one takes the same id), then creates and changes, each
   * group in one batch. A failure leaves what was done done and names each item that failed; the
   * next refresh reads the cluster as it is.
   */
  async update(pool: SshPool, _id: string, olds: ClusterObjectsOutputs, news: ClusterObjectsInputs) {
    const plan = planOf(olds, news);
    const removed = await allItems(
      "delete",
      deletions(pool, news.runOn, plan.deleteResources, plan.deleteConstraints),
    );
    if (removed.error) throw removed.error;
    const changes: (() => Promise<Made>)[] = [
      ...creations(pool, news, plan.createResources, plan.createConstraints),
      ...plan.updateResources.map(({ old, new: r }) => async () => {
        const { outs } = await pcsResourceKind.update(
          pool,
          r.resourceId,
          asKindOutputs(old, news.runOn),
          asResourceInputs(r, news),
        );
        return { resource: resourceItem(outs) };
      }),
      ...plan.updateConstraints.map(({ old, new: k }) => async () => {
        const { outs } = await constraintKind.update(
          pool,
          k.constraintId,
          withRunOn(old, news.runOn),
          withRunOn(k, news.runOn),
        );
        return { constraint: withoutRunOn(outs) };
      }),
    ];
    const done = await allItems("update", changes);
    if (done.error) throw done.error;
    return { outs: outputsOf(news, olds, done.done) };
  },

  /** Every item in one batch (a resource's delete takes its constraints with it). */
  async remove(pool: SshPool, _id: string, props: ClusterObjectsOutputs) {
    const done = await allItems("delete", deletions(pool, props.runOn, props.resources, props.constraints));
    if (done.error) throw done.error;
  },
});

// ---- the resource -----------------------------------------------------------------------------

export type ClusterObjectsArgs = ArgsOf<typeof clusterObjectsInputsSchema>;

export class ClusterObjects extends DynamicResource {
  /** Each resource as the cluster has it, with agentResolved (no placement: see read). */
  declare readonly resources: pulumi.Output<ResourceItemOut[]>;
  declare readonly constraints: pulumi.Output<ConstraintItemOut[]>;

  constructor(name: string, args: ClusterObjectsArgs, opts?: pulumi.CustomResourceOptions) {
    super(clusterObjectsKind, name, withStackSettings(args), opts);
  }
}
