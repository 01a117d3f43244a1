// Holds left by interrupted runs. A new resource is created held (stopped, marked with
// HOLD_MARK) and released by the writer once its run's steps are done; the mark's value names the
// process that holds it (host/pid). A run that ends before its release — the node pcs runs on
// powered off mid-run, the engine killed — leaves its holds behind, and a create whose push
// reached the CIB but whose reply was lost leaves a resource the state does not record. A hold
// whose process is gone is the next run's: that run completes such a resource instead of
// refusing it as existing (pcs-resource.ts), and releases every such hold with its own, once its
// steps — the constraints the interrupted run did not make among them — are done.
import { hostname } from "node:os";
import { LiveCluster } from "../cib/live";
import { NvPairs } from "../cib/model";
import type { PcsStep } from "./pcs-batch";

/** The meta attribute that marks a resource held (with target-role=Stopped). */
export const HOLD_MARK = "pcmk-lab-held";

const HOST = hostname();

/** The mark's value on the resources this process holds. */
export const HOLDER = `${HOST}/${process.pid}`;

/** The meta attributes a resource is created held with (none when not held). */
export const holdMeta = (held: boolean): NvPairs =>
  held ? { "target-role": "Stopped", [HOLD_MARK]: HOLDER } : {};

/**
 * Changes to a live resource's meta attributes that also release a hold left on it: the mark
 * goes, and target-role becomes the declared one (or goes). Unchanged when it holds no mark.
 */
export const releasing = (liveMeta: NvPairs, change: NvPairs, declaredTargetRole?: string): NvPairs =>
  liveMeta[HOLD_MARK] !== undefined
    ? { ...change, [HOLD_MARK]: "", "target-role": declaredTargetRole ?? "" }
    : change;

/** Releases a held resource: its target-role and mark go, in the batch's copy of the CIB. */
export const releaseStep = (id: string): PcsStep => ({
  owner: `release of held resource '${id}'`,
  argvs: [],
  dropMeta: { id, names: ["target-role", HOLD_MARK] },
  ifPresent: id,
  phase: 2,
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a hold mark was left by a run that is over: its process, on this host, is gone; or it
 * is an unnamed mark of an earlier version. A process of another host cannot be asked: its holds
 * are left to that run (and to `pulumi up --refresh`, which releases any hold).
 */
export function interrupted(mark: string, alive: (pid: number) => boolean = isAlive, host = HOST): boolean {
  const holder = /^(.+)\/(\d+)$/.exec(mark);
  if (!holder) return true;
  return holder[1] === host && !alive(Number(holder[2]));
}

/** The resources (primitives, or the clones that carry the mark) held by runs that are over. */
export function interruptedHolds(
  live: LiveCluster | null,
  alive: (pid: number) => boolean = isAlive,
  host = HOST,
): string[] {
  return [...(live?.cib?.resources.values() ?? [])]
    .filter((r) => r.kind !== "group" && r.meta[HOLD_MARK] !== undefined)
    .filter((r) => interrupted(r.meta[HOLD_MARK], alive, host))
    .map((r) => r.id);
}

/**
 * Whether a constraint on these resources, found existing under the id a create declares, was made
 * by an interrupted run (its push reached the CIB, its reply did not): every resource it names is
 * still held, by a run that is over or by this one (which took the resource over). Held means not
 * released since its create, and pacemaker refuses a constraint on a resource that does not exist
 * yet, so such a constraint was made during those runs: the create takes it over as declared.
 */
export function madeByHeldRuns(
  live: LiveCluster | null,
  resources: readonly string[],
  alive: (pid: number) => boolean = isAlive,
  host = HOST,
): boolean {
  const mark = (id: string) => live?.cib?.resources.get(id)?.meta[HOLD_MARK];
  return (
    resources.length > 0 &&
    resources.every((id) => {
      const m = mark(id);
      return m !== undefined && (m === `${host}/${process.pid}` || interrupted(m, alive, host));
    })
  );
}
