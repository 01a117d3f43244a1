// Settling: after an up's writes, wait (bounded) until the cluster has nothing in flight or
// planned for the resources this up wrote, then name those that failed an operation. Only those
// objects: crm_resource --wait waits for the whole cluster, and `pcs status wait` is not in pcs
// 0.11.5. A watch whose object changed while it had failures has them cleaned up first
// (`crm_resource --cleanup`), so the fixed object is started again.
import { ClusterActivity, describeFailure, FailedOperation } from "../cib/activity";

/** A resource this up wrote, to wait for. */
export interface Watch {
  /** The primitive's id (a clone's instances are reported under it). */
  id: string;
  /** Who wrote it, as errors name it: "StonithDevice 'labfence'". */
  owner: string;
  /** How long to wait for it; 0: not at all. */
  timeoutMs: number;
  /** Its failed operations are not an error (declared acceptable). */
  allowFailed: boolean;
  /** Its earlier failures are cleaned up before the wait. */
  cleanup: boolean;
  /** Only failures of these operations count (a removal's stop); all by default. */
  tasks?: readonly string[];
}

/** A watched object that failed an operation: its id, and one message naming its owner and failures. */
export interface SettleFailure {
  id: string;
  message: string;
}

/** A watched object still busy when its wait ended. */
export interface StillBusy {
  id: string;
  owner: string;
}

export interface Settled {
  failed: SettleFailure[];
  unsettled: StillBusy[];
}

export interface SettleIo {
  activity(): Promise<ClusterActivity>;
  cleanup(ids: string[]): Promise<void>;
  /**
   * What the agents of objects whose failures carry no exit reason printed, where the cluster
   * keeps it (a fence agent's stderr, in the fencer's log): id -> a message naming where from.
   */
  reasons(ids: string[]): Promise<Map<string, string>>;
}

export const POLL_MS = 1000;

const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));

/** The message for an object's failures: "PcsResource 'x': start on node1…: rc 1 (error); …". */
const failureMessage = (w: Watch, failures: FailedOperation[], reason?: string) =>
  `${w.owner}: ${failures.map(describeFailure).join("; ")}${reason ? ` — ${reason}` : ""}`;

/**
 * Waits for the watched objects to settle, each at most its timeout. Null when `interrupted`
 * says to stop (a new step arrived: the run goes on, and its last step settles instead).
 */
export async function settle(
  io: SettleIo,
  watches: readonly Watch[],
  interrupted: () => boolean,
  pollMs = POLL_MS,
): Promise<Settled | null> {
  const waited = watches.filter((w) => w.timeoutMs > 0);
  if (waited.length === 0) return { failed: [], unsettled: [] };
  const start = Date.now();
  let activity = await io.activity();
  const failedBefore = new Set(activity.failures.map((f) => f.resource));
  const toClean = waited.filter((w) => w.cleanup && failedBefore.has(w.id)).map((w) => w.id);
  if (toClean.length) {
    await io.cleanup(toClean);
    activity = await io.activity();
  }
  const busy = () => waited.filter((w) => activity.busy.has(w.id) && Date.now() - start < w.timeoutMs);
  while (busy().length > 0) {
    if (interrupted()) return null;
    await sleep(pollMs);
    activity = await io.activity();
  }
  const failed = waited
    .filter((w) => !w.allowFailed)
    .map((w) => ({
      w,
      failures: activity.failures.filter(
        (f) => f.resource === w.id && (!w.tasks || w.tasks.includes(f.task)),
      ),
    }))
    .filter(({ failures }) => failures.length > 0);
  const unexplained = failed
    .filter(({ failures }) => failures.every((f) => !f.exitReason))
    .map(({ w }) => w.id);
  const reasons = unexplained.length ? await io.reasons(unexplained) : new Map<string, string>();
  return {
    failed: failed.map(({ w, failures }) => ({
      id: w.id,
      message: failureMessage(w, failures, reasons.get(w.id)),
    })),
    unsettled: waited.filter((w) => activity.busy.has(w.id)).map((w) => ({ id: w.id, owner: w.owner })),
  };
}
