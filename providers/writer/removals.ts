// Removals: what a run deletes is stopped first, then deleted, all of it in one push, as a live
// `pcs resource delete` would stop it before deleting it (a copy's delete pushed stops nothing:
// pacemaker would stop the orphans in no particular order, their order constraints gone with
// them). A delete step only marks its object (REMOVE_MARK, naming the run, like a hold's mark) and
// returns, as a create returns while its resource is held. The engine deletes a constraint before
// the resources it names, and waits for that step before it sends theirs: an order constraint goes
// at once, and the run remembers it. The run's last step adds back, under REMOVING_PREFIX ids, the
// remembered order constraints whose resources it removes, and stops every marked object in the
// same push (pacemaker stops them in that order), waits for the stops, then deletes the marked
// objects in one push (pcs_batch.py's removal step: pcs's own delete of several ids, or its
// equal), which takes the constraints added back along. Reads take a marked object as gone. What
// an interrupted run marked is removed by the next run that writes to the cluster.
import { LiveCluster } from "../cib/live";
import { Primitive } from "../cib/model";
import { HOLDER, interrupted } from "./holds";
import type { PcsStep } from "./pcs-batch";

/** The meta attribute that marks a resource or fence device as being removed by a run. */
export const REMOVE_MARK = "pcmk-lab-removing";

/** The prefix of the ids of order constraints added back for the stops of a removal. */
export const REMOVING_PREFIX = "pcmk-lab-removing-";

/** How long the stop of what an interrupted run marked is waited for (its own bound is not known). */
const INTERRUPTED_STOP_TIMEOUT_MS = 120_000;

/** A resource or fence device a delete step marked. */
export interface MarkedRemoval {
  id: string;
  /** As errors name it: "PcsResource 'vip'". */
  owner: string;
  family: "resources" | "stonith";
  /** How long its stop is waited for; 0: deleted without waiting. */
  stopTimeoutMs: number;
}

/** The step that marks an object for removal (nothing when it is already gone). */
export const markStep = (r: MarkedRemoval): PcsStep => ({
  owner: r.owner,
  argvs: [],
  setMeta: { id: r.id, values: { [REMOVE_MARK]: HOLDER } },
  ifPresent: r.id,
});

/**
 * An order constraint this run deleted, remembered: the argv that adds it back under its removal
 * id, and the resources (or their clones and groups) it orders.
 */
export interface RemovedOrdering {
  /** Its id when added back (REMOVING_PREFIX and its own). */
  id: string;
  argv: string[];
  resources: string[];
}

/** The stop before the removal: target-role=Stopped on each marked object. */
export const stopStep = (r: MarkedRemoval): PcsStep => ({
  owner: `${r.owner} (its stop before it is deleted)`,
  argvs: [],
  setMeta: { id: r.id, values: { "target-role": "Stopped" } },
  ifPresent: r.id,
});

/**
 * The one step that deletes what the run removes (what refers to it goes along), the order
 * constraints added back for its stops first: they go by their own ids, not as what pcs's delete
 * of a resource trims (pcs 0.11 leaves a set naming a deleted primitive's clone).
 */
export function removalStep(marked: readonly MarkedRemoval[], addedBack: readonly string[] = []): PcsStep {
  const of = (family: MarkedRemoval["family"]) => marked.filter((r) => r.family === family).map((r) => r.id);
  return {
    owner: `the removal of ${marked.map((r) => r.owner).join(", ")}`,
    argvs: [],
    remove: { constraints: [...addedBack], resources: of("resources"), stonith: of("stonith") },
    phase: 2,
  };
}

/**
 * The remembered order constraints to add back for the stops: those whose resources all go (one
 * that orders a resource staying would outlive the removal, trimmed). A clone or group counts as
 * going when what it holds goes.
 */
export function orderingsToStop(
  orderings: readonly RemovedOrdering[],
  marked: readonly MarkedRemoval[],
  live: LiveCluster | null,
): RemovedOrdering[] {
  const going = new Set(marked.map((m) => m.id));
  for (const r of live?.cib?.resources.values() ?? []) {
    if (r.kind === "clone" && going.has(r.child)) going.add(r.id);
  }
  for (const r of live?.cib?.resources.values() ?? []) {
    if (r.kind === "group" && r.members.every((m) => going.has(m))) going.add(r.id);
  }
  for (const r of live?.cib?.resources.values() ?? []) {
    if (r.kind === "clone" && going.has(r.child)) going.add(r.id);
  }
  return orderings.filter((o) => o.resources.length > 0 && o.resources.every((id) => going.has(id)));
}

/** Whether the live element carries a removal mark (any run's): reads take it as gone. */
export const isMarked = (meta: Record<string, string> | undefined): boolean =>
  meta !== undefined && meta[REMOVE_MARK] !== undefined;

/** What interrupted runs left marked (their process is gone): removed with this run's removals. */
export function leftByInterruptedRuns(
  live: LiveCluster | null,
  alive?: (pid: number) => boolean,
): MarkedRemoval[] {
  return [...(live?.cib?.resources.values() ?? [])]
    .filter((r): r is Primitive => r.kind === "primitive" && isMarked(r.meta))
    .filter((p) => interrupted(p.meta[REMOVE_MARK], alive))
    .map((p) => ({
      id: p.id,
      owner: `resource '${p.id}' (marked for removal by an interrupted run)`,
      family: p.agent.startsWith("stonith:") ? "stonith" : "resources",
      stopTimeoutMs: INTERRUPTED_STOP_TIMEOUT_MS,
    }));
}
