// One environment per cluster, whichever node a resource runs pcs on: one read and one writer;
// a node whose read fails is asked again at the next call; pcs run by a kind outside the writer
// (Cluster's setup, node add or remove, destroy) makes the next reader ask the node again.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { clusterChanged, clusterEnv } from "../../../../providers/kit/cluster-env";
import { Secret } from "../../../../providers/kit/secrets";
import { SshPool, SshTarget } from "../../../../providers/transport/ssh";

const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, "..", "cib", "fixtures", name), "utf8");
const SECTION = "@@pcmk-lab-section@@\n";
const node = (n: number, host = `192.0.2.${n}`): SshTarget => ({
  host,
  privateKey: new Secret("k"),
  label: `node${n}`,
});

/** Nodes answering the live read with this corosync.conf; `down` hosts refuse. */
function fakePool(conf: string, down: Set<string> = new Set()) {
  const reads: string[] = [];
  const answer = [conf, fixture("cib-objects.xml"), fixture("crm_mon.xml"), "enabled\n"].join(SECTION);
  const pool = {
    run: async (t: SshTarget) => {
      reads.push(t.host);
      if (down.has(t.host)) throw new Error(`${t.label}: connect ECONNREFUSED`);
      return answer;
    },
  } as unknown as SshPool;
  return { pool, reads };
}

// each test its own hosts and cluster: the environments live as long as the provider process
let next = 10;
const hosts = () => [node(1, `198.51.100.${next++}`), node(2, `198.51.100.${next++}`)] as const;
const conf = () => fixture("corosync.conf").replace(/cluster_uuid: \w+/, `cluster_uuid: c0ffee${next++}`);

test("two nodes of one cluster share its environment: one read, one writer", async () => {
  const { pool, reads } = fakePool(conf());
  const [a, b] = hosts();
  const envA = await clusterEnv(pool, a);
  const envB = await clusterEnv(pool, b);
  expect(envB).toBe(envA);
  expect(envA.key).toMatch(/^uuid:c0ffee\d+$/);
  expect(envB.writer).toBe(envA.writer);
  await envB.live();
  expect(reads).toEqual([a.host, b.host]); // each node asked once, to learn its cluster
  expect(envA.home).toBe(a);
});

test("without a cluster_uuid, the cluster is its name and members", async () => {
  const { pool } = fakePool(fixture("corosync.conf").replace(/ *cluster_uuid:.*\n/, ""));
  const [a, b] = hosts();
  const env = await clusterEnv(pool, a);
  expect(env.key).toBe("ha_cluster_lab:node1.example.com,node2.example.com,node3.example.com");
  expect(await clusterEnv(pool, b)).toBe(env);
});

test("a node whose read fails has an environment of its own, and is asked again at the next call", async () => {
  const down = new Set<string>();
  const { pool, reads } = fakePool(conf(), down);
  const [a] = hosts();
  down.add(a.host);
  const alone = await clusterEnv(pool, a);
  expect(alone.key).toBe(`node:root@${a.host}:22`);
  await expect(alone.live()).rejects.toThrow(/ECONNREFUSED/); // where its caller reads, as before
  down.delete(a.host);
  const found = await clusterEnv(pool, a);
  expect(found.key).toMatch(/^uuid:/);
  expect(reads.filter((h) => h === a.host).length).toBe(3);
});

test("pcs run outside the writer: the next reader asks the node, the writer stays the cluster's", async () => {
  const { pool, reads } = fakePool(conf());
  const [a] = hosts();
  const env = await clusterEnv(pool, a);
  await env.live();
  expect(reads.length).toBe(1); // the read that found the cluster serves its readers
  const writer = env.writer;
  await clusterChanged(a);
  const again = await clusterEnv(pool, a);
  await again.live();
  expect(reads.length).toBe(2); // the read that found it again serves its readers
  expect(again).toBe(env);
  expect(again.writer).toBe(writer);
});
