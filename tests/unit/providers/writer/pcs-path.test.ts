// The batch process's two paths, chosen at its start: the fast path on every pcs whose internals it
// knows (the stand-in plays pcs 0.11.5, 0.12.0.2 and 0.12.1), the plain path on a simulated unknown
// pcs (internals the fast path does not know: its self-test fails, or pcs does not even import) and
// when PCMK_LAB_WRITER_PATH=plain forces it. Each applies every step of a batch in which a refused
// step comes between good ones, and pushes it to the cluster's CIB; a fallback is announced once
// per host, naming the host, its pcs version and why.
import { readFileSync } from "node:fs";
import { SshPool, SshTarget } from "../../../../providers/transport/ssh";
import { BatchRunner, PcsStep, pcsBatchRunner } from "../../../../providers/writer/pcs-batch";
import {
  fallbackWarning,
  helloLine,
  helloOf,
  PathAnnouncer,
  PathHello,
  PATH_ENV,
  RequestedPath,
  requestedPath,
} from "../../../../providers/writer/pcs-path";
import { FakeNode, fakeNode, FakePcsFlavour } from "../../../support/fake-pcs/node";
import { LoopbackSshd, startLoopbackSshd } from "../../../support/loopback-sshd";

let sshd: LoopbackSshd;
let pool: SshPool;
let target: SshTarget;
let node: FakeNode | null = null;
let warnings: string[];
let announcer: PathAnnouncer;

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});
afterAll(() => sshd.close());
beforeEach(() => {
  pool = new SshPool({ connectRetries: 0 });
  target = { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey, label: "node1" };
  warnings = [];
  announcer = new PathAnnouncer((message) => warnings.push(message));
});
afterEach(() => {
  pool.close();
  node?.dispose();
  node = null;
});

const create = (id: string): PcsStep => ({
  owner: `PcsResource '${id}'`,
  argvs: [["resource", "create", id, "ocf:pacemaker:Dummy"]],
});

/** A runner on a node whose pcs plays `flavour`; `hellos` gets what each of its processes said. */
function runnerOn(flavour: FakePcsFlavour, path?: RequestedPath): { run: BatchRunner; hellos: PathHello[] } {
  node = fakeNode(flavour);
  const hellos: PathHello[] = [];
  const run = pcsBatchRunner(pool, target, {
    argv: node.argv,
    path,
    announcer: {
      heard: (key, name, hello) => {
        hellos.push(hello);
        announcer.heard(key, name, hello);
      },
    },
  });
  return { run, hellos };
}

const liveIds = (): string[] =>
  [...readFileSync(node!.cib, "utf8").matchAll(/<primitive id="([^"]+)"/g)].map((m) => m[1]).sort();

/**
 * Two batches, each with a step pcs refuses between good ones (the trap of a pcs that fails every
 * command after a refused one), each pushed to the cluster's CIB (the trap of a push bound to an
 * earlier command's copy): every good step must be there.
 */
async function everyStepApplied(run: BatchRunner): Promise<void> {
  const first = await run([create("a"), create("a"), create("b")]);
  expect(first.results.map((r) => r.ok)).toEqual([true, false, true]);
  expect(first.results[1].stderr).toContain("'a' already exists");
  expect(first.pushed).toMatchObject({ ok: true });
  const second = await run([create("b"), create("c"), create("old-d")]);
  expect(second.results.map((r) => r.ok)).toEqual([false, true, true]);
  // only these: nothing of the self-test ever reached the cluster
  expect(liveIds()).toEqual(["a", "b", "c", "old-d"]);
}

describe.each<FakePcsFlavour>(["0.11.5", "0.12.0.2", "0.12.1"])(
  "pcs %s, whose internals the fast path knows",
  (flavour) => {
    test("runs the fast path, applies every step, announces nothing", async () => {
      const { run, hellos } = runnerOn(flavour);
      await everyStepApplied(run);
      expect(hellos).toEqual([{ path: "fast", pcsVersion: flavour, ms: expect.any(Number) }]);
      expect(node!.pcsCommandLines()).toEqual([]); // nothing ran as a pcs process of its own
      expect(warnings).toEqual([]);
    });
  },
);

describe.each<[FakePcsFlavour, RegExp]>([
  // a library kept between commands where the fast path does not look: fails after a refusal
  ["unknown-cache", /pcs resource create pcmk-lab-self-test-b .* was refused: Error: Errors have occurred/],
  // a runner kept in a way the fast path cannot reset: a push writes an earlier command's copy
  ["unknown-runner", /the second copy holds pcmk-lab-self-test-c \(ocf:pacemaker:Dummy\), not/],
  // a push that goes to the cluster despite -f: the self-test's is refused, never run
  ["push-ignores-f", /pcs cluster cib-push .* was refused: Error: unable to push cib/],
  ["no-import", /ImportError: fake pcs: cannot be imported here/],
])("a simulated unknown pcs (%s)", (flavour, why) => {
  test("fails the fast path's self-test, falls back to the plain path, and still applies every step", async () => {
    const { run, hellos } = runnerOn(flavour);
    await everyStepApplied(run);
    expect(hellos).toHaveLength(1);
    expect(hellos[0]).toMatchObject({ path: "plain", pcsVersion: "0.99.0" });
    expect(hellos[0].fallback).toMatch(why);
    expect(node!.pcsCommandLines().length).toBeGreaterThan(0);
  });

  test("the fallback is announced once per host, naming it, its pcs version and why", async () => {
    const { run, hellos } = runnerOn(flavour);
    // two batches at once: two processes on the host, each falling back
    await Promise.all([run([create("a")]), run([create("b")])]);
    await run([create("c")]);
    expect(hellos.map((h) => h.path)).toEqual(["plain", "plain"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("pcs 0.99.0 on node1 (127.0.0.1)");
    expect(warnings[0]).toMatch(why);
    expect(warnings[0]).toContain("plain path");
  });
});

describe("forcing the plain path", () => {
  const saved = process.env[PATH_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PATH_ENV];
    else process.env[PATH_ENV] = saved;
  });

  test(`${PATH_ENV}=plain in the provider's environment: the plain path on a pcs the fast path knows, unannounced`, async () => {
    process.env[PATH_ENV] = "plain";
    const { run, hellos } = runnerOn("0.11.5");
    await everyStepApplied(run);
    expect(hellos).toEqual([{ path: "plain", pcsVersion: "0.11.5", ms: expect.any(Number) }]);
    expect(warnings).toEqual([]);
  });

  test("the plain path never imports pcs: forced, it runs where pcs cannot be imported, with no fallback to tell", async () => {
    const { run, hellos } = runnerOn("no-import", "plain");
    await everyStepApplied(run);
    expect(hellos).toEqual([{ path: "plain", pcsVersion: "0.99.0", ms: expect.any(Number) }]);
    expect(warnings).toEqual([]);
  });

  test.each([
    [undefined, "auto"],
    ["", "auto"],
    ["auto", "auto"],
    [" plain ", "plain"],
  ])("%j asks for %s", (value, path) => {
    expect(requestedPath(value === undefined ? {} : { [PATH_ENV]: value })).toBe(path);
  });

  test("any other value is refused, saying which are allowed", () => {
    expect(() => requestedPath({ [PATH_ENV]: "fast" })).toThrow(
      `${PATH_ENV}=fast: use "plain" (pcs run as a process per command) or "auto" (the default)`,
    );
  });
});

describe("the hello", () => {
  test("is one base64 line asking for a path", () => {
    const line = helloLine("plain");
    expect(line).toMatch(/^[A-Za-z0-9+/=]+\n$/);
    expect(JSON.parse(Buffer.from(line, "base64").toString("utf8"))).toEqual({ op: "hello", path: "plain" });
  });

  test("a reply that is not a hello is an error, with the process's own when it gave one", () => {
    expect(helloOf({ hello: { path: "fast", pcsVersion: "0.12.0.2" } })).toEqual({
      path: "fast",
      pcsVersion: "0.12.0.2",
    });
    expect(() => helloOf({ error: "pcs_batch.py: KeyError: 'x'" })).toThrow(
      "no hello from the pcs batch process: pcs_batch.py: KeyError: 'x'",
    );
    expect(() => helloOf({ hello: { path: "other", pcsVersion: "1" } })).toThrow("no hello");
    expect(() => helloOf(null)).toThrow("no hello");
  });

  test("announcements: once per host, for fallbacks only", () => {
    const fallback: PathHello = { path: "plain", pcsVersion: "0.13.0", fallback: "self-test: x" };
    announcer.heard("10.0.0.1:22", "node1 (10.0.0.1)", { path: "fast", pcsVersion: "0.11.5" });
    announcer.heard("10.0.0.1:22", "node1 (10.0.0.1)", fallback);
    announcer.heard("10.0.0.1:22", "node1 (10.0.0.1)", fallback);
    announcer.heard("10.0.0.2:22", "node2 (10.0.0.2)", fallback);
    announcer.heard("10.0.0.3:22", "node3 (10.0.0.3)", { path: "plain", pcsVersion: "0.11.5" });
    expect(warnings).toEqual([
      fallbackWarning("node1 (10.0.0.1)", fallback),
      fallbackWarning("node2 (10.0.0.2)", fallback),
    ]);
    expect(warnings[0]).toBe(
      "pcmk-lab: pcs 0.13.0 on node1 (10.0.0.1) failed the self-test of the writer's fast path " +
        "(self-test: x), so pcs runs there as a process per command (the plain path: the same " +
        "changes, slower)",
    );
  });
});
