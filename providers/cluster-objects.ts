// ClusterObjects: many resources and constraints of one cluster as one Pulumi resource — the
// inline form of PcsResource and Constraint, as a security group's inline rules are of its rule
// resources. Each item takes the same fields, is checked, made, read, changed and deleted by the
// same code as its kind's own resource; what changes is the engine's share. The engine spends
// some milliseconds on every resource it manages (in the program, the engine and the provider
// process: 6 ms each on the lab's machine, docs/BENCHMARKS.md), so a drift check of 300 resources
// with a constraint each costs seconds before any pcs work; declared here, they are one resource,
// one read of the CIB, and one check and diff of a list.
//
// Items are matched by their ids (resourceId, constraintId): a new id is a create, a missing one a
// delete, a changed item its kind's update (or delete and create when the kind replaces it). All
// of a step's pcs work goes to the cluster's write queue at once, so it is one batch, one push.
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AgentQuestionOf } from "./agents/agent-check";
import { runningCluster } from "./cib/snapshot";
import { LiveCluster } from "./cib/live";
import { Connection, connectionSchema, targetOf } from "./connection";
import {
  constraintAsLive,
  constraintDiff,
  ConstraintInputs,
  constraintItemSchema,
  constraintLifecycle,
  ConstraintOutputs,
} from "./constraint";
import { ArgsOf, carriableArgs, DynamicResource } from "./dynamic";
import {
  pcsResourceDiff,
  PcsResourceInputs,
  pcsResourceItemSchema,
  pcsResourceLifecycle,
  PcsResourceOutputs,
  resourceAsLive,
} from "./pcs-resource";
import { SshPool } from "./transport/ssh";

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
type ResourceItem = Omit<PcsResourceInputs, "runOn">;
type ConstraintItem = Omit<ConstraintInputs, "runOn">;
type ResourceItemOut = Omit<PcsResourceOutputs, "runOn">;
type ConstraintItemOut = Omit<ConstraintOutputs, "runOn">;

/** As state records it: each item as the live CIB has it, with its kind's facts (runningOn, role…). */
export interface ClusterObjectsOutputs {
  runOn: Connection;
  resources: ResourceItemOut[];
  constraints: ConstraintItemOut[];
}

const withRunOn = <T extends object>(item: T, runOn: Connection) => ({ ...item, runOn });

function withoutRunOn<T extends { runOn: Connection }>(full: T): Omit<T, "runOn"> {
  const { runOn: _runOn, ...item } = full;
  return item;
}

// ---- plan: what an update does to each item ----------------------------------------------------

interface Change<O, N> {
  old: O;
  new: N;
}

export interface Plan {
  /** Gone from the program, or replaced (an item whose kind replaces it: another agent). */
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

export function planOf(olds: ClusterObjectsOutputs, news: ClusterObjectsInputs): Plan {
  // items are compared without their connection: the set's own is compared once, in the diff
  const r = planItems<ResourceItemOut, ResourceItem>(
    olds.resources,
    news.resources,
    (x) => x.resourceId,
    (o, n) => pcsResourceDiff(o as PcsResourceOutputs, n as PcsResourceInputs),
  );
  const c = planItems<ConstraintItemOut, ConstraintItem>(
    olds.constraints,
    news.constraints,
    (x) => x.constraintId,
    (o, n) => constraintDiff(o as ConstraintOutputs, n as ConstraintInputs),
  );
  return {
    deleteResources: r.remove,
    deleteConstraints: c.remove,
    createResources: r.create,
    createConstraints: c.create,
    updateResources: r.update,
    updateConstraints: c.update,
  };
}

const isEmpty = (p: Plan): boolean => Object.values(p).every((items: unknown[]) => items.length === 0);

/** Changed when an item is, or when the connection is (no item then changes on the cluster). */
export function clusterObjectsDiff(olds: ClusterObjectsOutputs, news: ClusterObjectsInputs) {
  const changes = !isEmpty(planOf(olds, news)) || JSON.stringify(olds.runOn) !== JSON.stringify(news.runOn);
  return { changes, replaces: [] as string[], deleteBeforeReplace: true };
}

// ---- reader -----------------------------------------------------------------------------------

/** Each item as the live CIB has it; an item gone from the cluster is left out (a create to come). */
export function objectsAsLive(live: LiveCluster, props: ClusterObjectsOutputs): ClusterObjectsOutputs {
  const resources = props.resources.flatMap((r) => {
    const found = resourceAsLive(live, withRunOn(r, props.runOn), r.agentResolved);
    return found ? [withoutRunOn(found)] : [];
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
 * the made ones' results, and one error naming every item that failed, with pcs's words.
 */
async function allItems<T>(
  what: string,
  operations: { owner: string; run: () => Promise<T> }[],
): Promise<{ done: { owner: string; value: T }[]; error: Error | null }> {
  const settled = await Promise.allSettled(operations.map((o) => o.run()));
  const done = settled.flatMap((s, i) =>
    s.status === "fulfilled" ? [{ owner: operations[i].owner, value: s.value }] : [],
  );
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

const resourceOwner = (r: { resourceId: string }) => `PcsResource '${r.resourceId}'`;
const constraintOwner = (c: { constraintId: string }) => `Constraint '${c.constraintId}'`;

function deletions(
  pool: SshPool,
  runOn: Connection,
  resources: ResourceItemOut[],
  constraints: ConstraintItemOut[],
) {
  return [
    ...constraints.map((k) => ({
      owner: constraintOwner(k),
      run: () => constraintLifecycle.remove(pool, k.constraintId, withRunOn(k, runOn)),
    })),
    ...resources.map((r) => ({
      owner: resourceOwner(r),
      run: () => pcsResourceLifecycle.remove(pool, r.resourceId, withRunOn(r, runOn)),
    })),
  ];
}

type Made = { resource: ResourceItemOut } | { constraint: ConstraintItemOut };

function creations(
  pool: SshPool,
  runOn: Connection,
  resources: ResourceItem[],
  constraints: ConstraintItem[],
) {
  return [
    ...resources.map((r) => ({
      owner: resourceOwner(r),
      run: async (): Promise<Made> => ({
        resource: withoutRunOn((await pcsResourceLifecycle.create(pool, withRunOn(r, runOn))).outs),
      }),
    })),
    ...constraints.map((k) => ({
      owner: constraintOwner(k),
      run: async (): Promise<Made> => ({
        constraint: withoutRunOn((await constraintLifecycle.create(pool, withRunOn(k, runOn))).outs),
      }),
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
    resources: news.resources.map((r) => resources.get(r.resourceId)!),
    constraints: news.constraints.map((k) => constraints.get(k.constraintId)!),
  };
}

export const clusterObjectsLifecycle = {
  schema: clusterObjectsInputsSchema,

  /** What the node's pcs is asked at preview, per resource (alike questions are asked once). */
  agentQuestions: (c: ClusterObjectsInputs): AgentQuestionOf[] =>
    c.resources.map((r, i) => ({
      ...pcsResourceLifecycle.agentQuestion(withRunOn(r, c.runOn)),
      at: `resources[${i}]`,
    })),

  /** All items in one batch; when some fail, those made are deleted again: nothing half-made. */
  async create(pool: SshPool, c: ClusterObjectsInputs) {
    const made = await allItems("create", creations(pool, c.runOn, c.resources, c.constraints));
    if (made.error) {
      const values = made.done.map((d) => d.value);
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
      outs: outputsOf(
        c,
        null,
        made.done.map((d) => d.value),
      ),
    };
  },

  async read(pool: SshPool, id: string, props: ClusterObjectsOutputs) {
    return { id, props: objectsAsLive(await runningCluster(pool, targetOf(props.runOn)), props) };
  },

  diff: (_id: string, olds: ClusterObjectsOutputs, news: ClusterObjectsInputs) =>
    clusterObjectsDiff(olds, news),

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
    const changes = [
      ...creations(pool, news.runOn, plan.createResources, plan.createConstraints),
      ...plan.updateResources.map(({ old, new: r }) => ({
        owner: resourceOwner(r),
        run: async (): Promise<Made> => ({
          resource: withoutRunOn(
            (
              await pcsResourceLifecycle.update(
                pool,
                r.resourceId,
                withRunOn(old, news.runOn),
                withRunOn(r, news.runOn),
              )
            ).outs,
          ),
        }),
      })),
      ...plan.updateConstraints.map(({ old, new: k }) => ({
        owner: constraintOwner(k),
        run: async (): Promise<Made> => ({
          constraint: withoutRunOn(
            (
              await constraintLifecycle.update(
                pool,
                k.constraintId,
                withRunOn(old, news.runOn),
                withRunOn(k, news.runOn),
              )
            ).outs,
          ),
        }),
      })),
    ];
    const done = await allItems("update", changes);
    if (done.error) throw done.error;
    return {
      outs: outputsOf(
        news,
        olds,
        done.done.map((d) => d.value),
      ),
    };
  },

  /** Every item in one batch (a resource's delete takes its constraints with it). */
  async remove(pool: SshPool, _id: string, props: ClusterObjectsOutputs) {
    const done = await allItems("delete", deletions(pool, props.runOn, props.resources, props.constraints));
    if (done.error) throw done.error;
  },
};

// ---- the resource -----------------------------------------------------------------------------

export type ClusterObjectsArgs = ArgsOf<typeof clusterObjectsInputsSchema>;

export class ClusterObjects extends DynamicResource {
  /** Each resource as the cluster has it, with agentResolved, runningOn, role. */
  declare readonly resources: pulumi.Output<ResourceItemOut[]>;
  declare readonly constraints: pulumi.Output<ConstraintItemOut[]>;

  constructor(name: string, args: ClusterObjectsArgs, opts?: pulumi.CustomResourceOptions) {
    super("ClusterObjects", name, carriableArgs("ClusterObjects", name, args), opts);
  }
}
