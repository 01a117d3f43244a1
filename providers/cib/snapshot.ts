// One read of a cluster's live state per `pulumi` operation, shared by every resource's read and
// diff: concurrent readers wait for the same round trip, later ones get the cached result until a
// write through this process replaces it (the writer hands over the state it read after pushing).
import { keyOf, SshPool, SshTarget } from "../transport/ssh";
import { LiveCluster, readLive } from "./live";
import { Cib } from "./model";

interface Entry {
  live: Promise<LiveCluster>;
  at: number;
}

/** Older than this, a cached read is read again (a long `pulumi` run should not act on old news). */
export const MAX_AGE_MS = 30_000;

const entries = new Map<string, Entry>();
/** Reads without the status (crm_mon), by target: for readers of the configuration only. */
const configurationEntries = new Map<string, Entry>();

const isFresh = (entry: Entry | undefined, now: number): entry is Entry =>
  entry !== undefined && now - entry.at < MAX_AGE_MS;

function cachedRead(
  cache: Map<string, Entry>,
  key: string,
  now: number,
  read: () => Promise<LiveCluster>,
): Promise<LiveCluster> {
  const cached = cache.get(key);
  if (isFresh(cached, now)) return cached.live;
  const live = read();
  cache.set(key, { live, at: now });
  live.catch(() => cache.get(key)?.live === live && cache.delete(key));
  return live;
}

export function sharedLive(pool: SshPool, target: SshTarget, now = Date.now()): Promise<LiveCluster> {
  return cachedRead(entries, keyOf(target), now, () => readLive(pool, target));
}

/**
 * The shared read for a reader of the configuration alone: a full read still fresh, else one
 * without the status. crm_mon runs the scheduler over every resource (most of a refresh's read at
 * hundreds of resources: docs/BENCHMARKS.md, "Figures behind the design"), for facts such a
 * reader does not record.
 */
export function sharedConfiguration(
  pool: SshPool,
  target: SshTarget,
  now = Date.now(),
): Promise<LiveCluster> {
  const key = keyOf(target);
  const full = entries.get(key);
  if (isFresh(full, now)) return full.live;
  return cachedRead(configurationEntries, key, now, () => readLive(pool, target, { status: false }));
}

/**
 * The shared read of a cluster that must be running: objects inside it live in its CIB. With
 * `status: false`, the configuration alone is needed (sharedConfiguration).
 */
export async function runningCluster(
  pool: SshPool,
  target: SshTarget,
  { status = true } = {},
): Promise<LiveCluster> {
  const live = await (status ? sharedLive(pool, target) : sharedConfiguration(pool, target));
  if (!live.cib) throw new Error(`${target.label}: no running cluster to read (is pacemaker running there?)`);
  return live;
}

/**
 * The configuration a write read back after its push replaces the cached one, unless the cache
 * already has a later one (two batches run at once, and their read-backs can come back in either
 * order): the next reader sees the cluster after it. The rest (corosync.conf, the status, enabled
 * at boot) is as last read: a push changes none of it, and pacemaker acts on it only afterwards.
 */
export function rememberCib(target: SshTarget, cib: Cib | null, now = Date.now()): Promise<LiveCluster> {
  const key = keyOf(target);
  configurationEntries.delete(key); // the next configuration reader takes this one
  const previous = entries.get(key)?.live ?? Promise.reject(new Error("nothing read"));
  const merged = previous.then(
    (before) => ({ ...before, cib: newer(before.cib, cib) }),
    (): LiveCluster => ({ corosync: null, cib, status: null, enabled: false }),
  );
  entries.set(key, { live: merged, at: now });
  return merged;
}

/** Of two reads of a CIB, the later one: admin_epoch.epoch.num_updates only grows. */
function newer(a: Cib | null, b: Cib | null): Cib | null {
  if (!a || !b) return b ?? a;
  const parts = (c: Cib) => c.version.split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i] ? a : b;
  return b;
}

/** A change made outside the writer (pcs run directly): the next reader must ask the node. */
export function forgetLive(target: SshTarget): void {
  entries.delete(keyOf(target));
  configurationEntries.delete(keyOf(target));
}
