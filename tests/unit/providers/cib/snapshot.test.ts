// The shared read per cluster: the configuration a write pushed replaces the CIB part of it, and
// the rest as last read (status, corosync.conf, enabled at boot) stays, for the next readers and
// for the writer's callers.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseCib } from "../../../../providers/cib/parse";
import { LiveReads } from "../../../../providers/cib/snapshot";
import { Secret } from "../../../../providers/kit/secrets";
import { SshPool } from "../../../../providers/transport/ssh";

const fixture = (name: string): string => readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const target = { host: "192.0.2.1", privateKey: new Secret("k"), label: "node1" };
/** One cluster's reads per fake pool, as its ClusterEnv holds them; the last made is the test's. */
const readsOf = new Map<SshPool | undefined, LiveReads>();
let lastReads = new LiveReads(undefined as unknown as SshPool, target);
function readsFor(pool: SshPool): LiveReads {
  let found = readsOf.get(pool);
  if (!found) {
    found = new LiveReads(pool, target);
    readsOf.set(pool, found);
  }
  lastReads = found;
  return found;
}
beforeEach(() => {
  readsOf.clear();
  lastReads = new LiveReads(undefined as unknown as SshPool, target);
});
const cib = fixture("cib-objects.xml");
/** A node answering the one read: corosync.conf, the CIB, crm_mon, enabled (as live.ts reads them). */
function fakePool(): { pool: SshPool; reads: () => number; commands: string[] } {
  let reads = 0;
  const answer = [fixture("corosync.conf"), cib, fixture("crm_mon.xml"), "enabled\n"].join(
    "@@pcmk-lab-section@@\n",
  );
  const commands: string[] = [];
  const pool = {
    run: async (_t: unknown, argv: string[]) => (reads++, commands.push(argv.join(" ")), answer),
  } as unknown as SshPool;
  return { pool, reads: () => reads, commands };
}

test("a write's configuration replaces the CIB; status, corosync.conf and enabled stay as last read", async () => {
  const { pool, reads } = fakePool();
  const before = await readsFor(pool).live();
  expect(before.status?.nodes.length).toBeGreaterThan(0);
  const pushed = parseCib(
    cib.replace(
      /<resources>/,
      '<resources><primitive id="new" class="ocf" provider="pacemaker" type="Dummy"/>',
    ),
  );
  const merged = await lastReads.remember(pushed);
  expect(merged.cib?.resources.has("new")).toBe(true);
  expect(merged.status).toEqual(before.status);
  expect(merged.corosync).toEqual(before.corosync);
  expect(merged.enabled).toBe(true);
  // the next reader gets it without a read
  expect(await readsFor(pool).live()).toEqual(merged);
  expect(reads()).toBe(1);
});

test("with nothing read before, a write's configuration stands alone", async () => {
  const merged = await lastReads.remember(parseCib(cib));
  expect(merged.cib).not.toBeNull();
  expect(merged).toMatchObject({ corosync: null, status: null, enabled: false });
});

test("of two batches' read-backs, the later CIB stays, whichever comes back last", async () => {
  const { pool } = fakePool();
  await readsFor(pool).live();
  const at = (epoch: number) => parseCib(cib.replace(/ epoch="\d+"/, ` epoch="${epoch}"`));
  await lastReads.remember(at(100));
  const merged = await lastReads.remember(at(90)); // read before the other batch's push
  expect(merged.cib?.version).toBe(at(100).version);
  expect((await lastReads.remember(at(101))).cib?.version).toBe(at(101).version);
});

test("a configuration reader runs no crm_mon, takes a fresh full read, and a write's configuration", async () => {
  const { pool, reads, commands } = fakePool();
  await readsFor(pool).configuration();
  await readsFor(pool).configuration();
  expect(reads()).toBe(1);
  expect(commands[0]).toContain("cibadmin --query --scope configuration");
  expect(commands[0]).not.toContain("crm_mon");
  // a full read (with the status) serves configuration readers too
  lastReads.forget();
  await readsFor(pool).live();
  expect(commands[1]).toContain("crm_mon");
  await readsFor(pool).configuration();
  expect(reads()).toBe(2);
  // after a write, configuration readers see what it pushed
  const pushed = parseCib(
    cib.replace(
      /<resources>/,
      '<resources><primitive id="new" class="ocf" provider="pacemaker" type="Dummy"/>',
    ),
  );
  await lastReads.remember(pushed);
  expect((await readsFor(pool).configuration()).cib?.resources.has("new")).toBe(true);
  expect(reads()).toBe(2);
});
