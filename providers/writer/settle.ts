// Settling: after an up's writes, wait (bounded) until the cluster has nothing in flight or
// planned for the resources this up wrote, then name those that failed an operation. Only those
// objects: crm_resource --wait waits for the whole cluster, and `pcs status wait` is not in pcs
// 0.11.5. A watch whose object changed while it had failures has them cleaned up first (`pcs
// resource cleanup`), so the fixed object is started again.
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
}

export interface Settled {
  /** Per object that failed an operation: its owner and the failures, one message. */
  failed: string[];
  /** Objects still busy when their wait ended. */
  unsettled: string[];
}

export interface SettleIo {
  activity(): Promise<ClusterActivity>;
  cleanup(ids: string[]): Promise<void>;
}

export const POLL_MS = 1000;

const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));

/** The message for an object's failures: "PcsResource 'x': start on node1…: rc 1 (error); …". */
const failureMessage = (w: Watch, failures: FailedOperation[]) =>
  `${w.owner}: ${failures.map(describeFailure).join("; ")}`;

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
  const toClean = waited.filter((w) => w.cleanup).map((w) => w.id);
  if (toClean.length) await io.cleanup(toClean);
  const start = Date.now();
  let activity = await io.activity();
  const busy = () => waited.filter((w) => activity.busy.has(w.id) && Date.now() - start < w.timeoutMs);
  while (busy().length > 0) {
    if (interrupted()) return null;
    await sleep(pollMs);
    activity = await io.activity();
  }
  return {
    failed: waited.flatMap((w) => {
      const failures = activity.failures.filter((f) => f.resource === w.id);
      return !w.allowFailed && failures.length ? [failureMessage(w, failures)] : [];
    }),
    unsettled: waited.filter((w) => activity.busy.has(w.id)).map((w) => w.owner),
  };
}
