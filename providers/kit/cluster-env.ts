// A cluster's environment, as pcs's use cases take one `env`: the one live read of the cluster
// and its one write queue, whichever of its nodes a resource runs pcs on. Kinds ask it for the
// configuration, for the status, to write, or tell it that they ran pcs themselves (the read is
// then read again). Keyed by the cluster (its cluster_uuid, or its name and members, from the
// node's corosync.conf), found through the first node a resource names; what is per host stays
// per host (the ssh pool, the agent judge). Writes run pcs on the first node the cluster was
// found through.
import { LiveCluster } from "../cib/live";
import { LiveReads } from "../cib/snapshot";
import { keyOf, SshPool, SshTarget } from "../transport/ssh";
import { ClusterWriter, defaultTiming, resourceIds } from "../writer/cluster-writer";
import { pcsBatchRunner } from "../writer/pcs-batch";
import { settle, SettleIo } from "../writer/settle";
import {
  ACTIVITY_SCRIPT,
  FENCER_REASON_SCRIPT,
  PACEMAKER_LOG,
  parseActivityOutput,
  parseFencerReasons,
} from "../cib/activity";
import { shellLine } from "../transport/shell";

export class ClusterEnv {
  #writer: ClusterWriter | null = null;

  constructor(
    /** The cluster's uuid, or its name and members; the node's for a node in no cluster. */
    readonly key: string,
    private readonly pool: SshPool,
    /** The node pcs runs on for this cluster's writes. */
    readonly home: SshTarget,
    private readonly reads: LiveReads,
  ) {}

  /** The live state: corosync.conf, the CIB, the status, enabled at boot. */
  live(): Promise<LiveCluster> {
    return this.reads.live();
  }

  /** The live state of a running cluster; `status: false` when the configuration is all needed. */
  running(options?: { status?: boolean }): Promise<LiveCluster> {
    return this.reads.running(options);
  }

  /** The cluster's write queue: steps that arrive together go as one batch, one push. */
  get writer(): ClusterWriter {
    this.#writer ??= new ClusterWriter(
      pcsBatchRunner(this.pool, this.home, { sideBySide: defaultTiming.maxBatches > 1 }),
      this.home,
      defaultTiming,
      (cib) => this.reads.remember(cib),
      async () => resourceIds(await this.reads.live()),
      (watches, interrupted) => settle(this.settleIo, watches, interrupted),
    );
    return this.#writer;
  }

  /** What settling asks of the node pcs runs on: the cluster's activity, and cleanups. */
  private get settleIo(): SettleIo {
    return {
      activity: async () =>
        parseActivityOutput(await this.pool.run(this.home, ["sh", "-c", ACTIVITY_SCRIPT])),
      cleanup: async (ids) => {
        // crm_resource, not pcs: one short C process per id, not pcs's start-up each
        const cleanups = ids.map((id) => shellLine(["crm_resource", "--cleanup", "--resource", id]));
        await this.pool.run(this.home, ["sh", "-c", cleanups.join(" && ")]);
      },
      reasons: async (ids) => {
        const out = await this.pool.run(this.home, [
          "sh",
          "-c",
          FENCER_REASON_SCRIPT,
          "sh",
          PACEMAKER_LOG,
          ...ids,
        ]);
        const where = `the fencer's log on ${this.home.label}`;
        return new Map([...parseFencerReasons(out)].map(([id, line]) => [id, `${where}: ${line}`]));
      },
    };
  }

  /** A read just made through another node of the cluster: the next readers take it. */
  seed(live: LiveCluster): void {
    this.reads.seed(live);
  }

  /** A kind ran pcs outside the writer: the next reader asks the node again. */
  ranPcs(): void {
    this.reads.forget();
  }
}

/** The key of the cluster a live read shows, or null when the node is in none. */
export function clusterKeyOf(live: LiveCluster): string | null {
  const c = live.corosync;
  if (!c) return null;
  return c.uuid
    ? `uuid:${c.uuid}`
    : `${c.name}:${c.nodes
        .map((n) => n.name)
        .sort()
        .join(",")}`;
}

const byHost = new Map<string, Promise<ClusterEnv>>();
const byCluster = new Map<string, ClusterEnv>();

/**
 * The environment of the cluster `target` is a node of. The first time a node is named, its
 * cluster is learnt from its live read (the read its caller would make anyway, kept by the env
 * found); a node whose read fails gets an environment of its own, found again at the next call,
 * so its caller meets the failure where it reads or writes, as before.
 */
export function clusterEnv(pool: SshPool, target: SshTarget): Promise<ClusterEnv> {
  const host = keyOf(target);
  let found = byHost.get(host);
  if (!found) {
    found = discover(pool, target);
    byHost.set(host, found);
  }
  return found;
}

async function discover(pool: SshPool, target: SshTarget): Promise<ClusterEnv> {
  const host = keyOf(target);
  const reads = new LiveReads(pool, target);
  const live = await reads.live().catch(() => null);
  if (!live) {
    byHost.delete(host);
    return new ClusterEnv(`node:${host}`, pool, target, reads);
  }
  const key = clusterKeyOf(live) ?? `node:${host}`;
  const known = byCluster.get(key);
  if (known) {
    known.seed(live);
    return known;
  }
  const env = new ClusterEnv(key, pool, target, reads);
  byCluster.set(key, env);
  return env;
}

/**
 * A kind ran pcs that may change which cluster the node is in (set one up, destroyed it, added or
 * removed nodes): the environment's read is dropped, and the node's cluster is learnt again at
 * the next call (the same cluster_uuid finds the same environment, its writer with it).
 */
export async function clusterChanged(target: SshTarget): Promise<void> {
  const host = keyOf(target);
  const env = await byHost.get(host)?.catch(() => null);
  byHost.delete(host);
  env?.ranPcs();
}
