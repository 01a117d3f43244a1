// One read of a cluster's live state per `pulumi` operation, shared by every resource's read and
// diff: concurrent readers wait for the same round trip, later ones get the cached result until a
// write through this process replaces it (the writer hands over the state it read after pushing),
// or a kind says it ran pcs itself.
import { SshPool, SshTarget } from "../transport/ssh";
import { LiveCluster, readLive } from "./live";
import { Cib } from "./model";

interface Entry {
  live: Promise<LiveCluster>;
  at: number;
}

/** Older than this, a cached read is read again (a long `pulumi` run should not act on old news). */
export const MAX_AGE_MS = 30_000;

const isFresh = (entry: Entry | null, now: number): entry is Entry =>
  entry !== null && now - entry.at < MAX_AGE_MS;

/**
 * The reads of one cluster through one of its nodes: concurrent readers wait for the same round
 * trip, later ones get it until it is older than MAX_AGE_MS or a write replaces it. A cluster's
 * ClusterEnv (kit/cluster-env.ts) holds its one LiveReads.
 */
export class LiveReads {
  private full: Entry | null = null;
  /** A read without the status (crm_mon), for readers of the configuration only. */
  private configurationOnly: Entry | null = null;

  constructor(
    private readonly pool: SshPool,
    readonly target: SshTarget,
  ) {}

  private cached(which: "full" | "configurationOnly", now: number, read: () => Promise<LiveCluster>) {
    const entry = this[which];
    if (isFresh(entry, now)) return entry.live;
    const live = read();
    this[which] = { live, at: now };
    live.catch(() => this[which]?.live === live && (this[which] = null));
    return live;
  }

  /** The cluster's live state: corosync.conf, the CIB, the status, enabled at boot. */
  live(now = Date.now()): Promise<LiveCluster> {
    return this.cached("full", now, () => readLive(this.pool, this.target));
  }

  /**
   * The read for a reader of the configuration alone: a full read still fresh, else one without
   * the status. crm_mon runs the scheduler over every resource (most of a refresh's read at
   * hundreds of resources: docs/BENCHMARKS.md, "Figures behind the design"), for facts such a
   * reader does not record.
   */
  configuration(now = Date.now()): Promise<LiveCluster> {
    if (isFresh(this.full, now)) return this.full.live;
    return this.cached("configurationOnly", now, () => readLive(this.pool, this.target, { status: false }));
  }

  /**
   * The read of a cluster that must be running: objects inside it live in its CIB. With `status:
   * false`, the configuration alone is needed.
   */
  async running({ status = true } = {}): Promise<LiveCluster> {
    const live = await (status ? this.live() : this.configuration());
    if (!live.cib)
      throw new Error(`${this.target.label}: no running cluster to read (is pacemaker running there?)`);
    return live;
  }

  /**
   * The configuration a write read back after its push replaces the cached one, unless the cache
   * already has a later one (two batches run at once, and their read-backs can come back in either
   * order): the next reader sees the cluster after it. The rest (corosync.conf, the status,
   * enabled at boot) is as last read: a push changes none of it, and pacemaker acts on it only
   * afterwards.
   */
  remember(cib: Cib | null, now = Date.now()): Promise<LiveCluster> {
    this.configurationOnly = null; // the next configuration reader takes this one
    const previous = this.full?.live ?? Promise.reject(new Error("nothing read"));
    const merged = previous.then(
      (before) => ({ ...before, cib: newer(before.cib, cib) }),
      (): LiveCluster => ({ corosync: null, cib, status: null, enabled: false }),
    );
    this.full = { live: merged, at: now };
    return merged;
  }

  /** A read made elsewhere (through another node of the cluster), for the next readers. */
  seed(live: LiveCluster, now = Date.now()): void {
    if (!isFresh(this.full, now)) this.full = { live: Promise.resolve(live), at: now };
  }

  /** A change made outside the writer (pcs run directly): the next reader must ask the node. */
  forget(): void {
    this.full = null;
    this.configurationOnly = null;
  }
}

/** Of two reads of a CIB, the later one: admin_epoch.epoch.num_updates only grows. */
function newer(a: Cib | null, b: Cib | null): Cib | null {
  if (!a || !b) return b ?? a;
  const parts = (c: Cib) => c.version.split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i] ? a : b;
  return b;
}
