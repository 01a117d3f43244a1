// What every object inside a cluster (resource, fence device, constraint) does the same way:
// read from the shared live CIB, and change in place through the cluster's write queue.
import { LiveCluster } from "../cib/live";
import { Connection, targetOf } from "../kit/connection";
import { GONE, ReadResult } from "../kit/kind";
import { Secret } from "../kit/secrets";
import { SshPool } from "../transport/ssh";
import { clusterEnv } from "../kit/cluster-env";
import { Watch } from "./settle";

/** A read for `pulumi refresh`: the object as the live CIB has it, or gone (empty id). */
export async function readInCluster<O extends object>(
  pool: SshPool,
  id: string,
  runOn: Connection,
  asLive: (live: LiveCluster) => O | null,
): Promise<ReadResult<O>> {
  const env = await clusterEnv(pool, targetOf(runOn));
  const outs = asLive(await env.running());
  return outs ? { id, props: outs } : GONE;
}

/**
 * An update in place: `found` is the object in the live CIB (missing: it was deleted by hand),
 * `changes` the pcs argv that make it as declared, `watches` what the run then waits for (the
 * object changed or not). Returns the live cluster after them.
 */
export async function updateInCluster<T>(
  pool: SshPool,
  runOn: Connection,
  owner: string,
  found: (live: LiveCluster) => T | null,
  changes: (live: LiveCluster, object: T) => string[][],
  secrets?: readonly Secret[],
  watches: (changed: boolean) => readonly Watch[] = () => [],
): Promise<LiveCluster> {
  const target = targetOf(runOn);
  const env = await clusterEnv(pool, target);
  const live = await env.running();
  const object = found(live);
  if (!object)
    throw new Error(`${owner}: not in the CIB of ${target.label} (deleted by hand? run pulumi refresh)`);
  const argvs = changes(live, object);
  if (argvs.length) return (await env.writer.submit({ owner, argvs, secrets }, [], watches(true))).live;
  await env.writer.settleAfter(watches(false));
  return live;
}
