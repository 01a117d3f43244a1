// The per-cluster write queue with a fake batch runner: batching of concurrent steps, phases,
// per-step failures, held resources released once quiet, by the last step to finish.
import { Secret } from "../../../../providers/secrets";
import { ClusterWriter, HOLD_MARK } from "../../../../providers/writer/cluster-writer";
import { BatchOutcome, PcsError, PcsStep } from "../../../../providers/writer/pcs-batch";

const target = { host: "10.77.0.11", privateKey: new Secret("k"), label: "node1" };

function fakeRunner(fail: (s: PcsStep) => string | null = () => null) {
  const batches: PcsStep[][] = [];
  const run = async (steps: readonly PcsStep[]): Promise<BatchOutcome> => {
    batches.push([...steps]);
    await new Promise((r) => setTimeout(r, 20));
    return {
      results: steps.map((s) => {
        const why = fail(s);
        return why ? { ok: false, argv: s.argvs[0], stderr: why } : { ok: true };
      }),
      pushed: { ok: true, stderr: "" },
      cib: null,
    };
  };
  return { batches, run };
}

const step = (owner: string, phase = 0): PcsStep => ({
  owner,
  argvs: [["resource", "create", owner]],
  phase,
});
const timing = { collectMs: 10, fillWaitMs: 200, quietMs: 50, settleMs: 50, needsWaitMs: 400 };

test("steps submitted together go out as one batch, resources before constraints", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing);
  await Promise.all([w.submit(step("c1", 1)), w.submit(step("r1")), w.submit(step("r2"))]);
  expect(batches).toHaveLength(1);
  expect(batches[0].map((s) => s.owner)).toEqual(["r1", "r2", "c1"]);
});

test("steps arriving while a batch runs form the next batch", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing);
  const first = w.submit(step("a"));
  await new Promise((r) => setTimeout(r, 15)); // the first batch is running now
  await Promise.all([first, w.submit(step("b")), w.submit(step("c"))]);
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([["a"], ["b", "c"]]);
});

test("a batch waits a little for as many steps as were once in flight together, while they keep coming", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing);
  await Promise.all([w.submit(step("a1")), w.submit(step("a2")), w.submit(step("a3"))]);
  // three in flight were seen: two now, the third 30 ms later (past collectMs, within quietMs), go together
  const early = [w.submit(step("b1")), w.submit(step("b2"))];
  await new Promise((r) => setTimeout(r, 30));
  await Promise.all([...early, w.submit(step("b3"))]);
  // never three again: the lone step goes once nothing came for quietMs, not after fillWaitMs
  const t0 = Date.now();
  await w.submit(step("c1"));
  const waited = Date.now() - t0;
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([["a1", "a2", "a3"], ["b1", "b2", "b3"], ["c1"]]);
  expect(waited).toBeGreaterThanOrEqual(timing.quietMs);
  expect(waited).toBeLessThan(timing.collectMs + timing.fillWaitMs);
});

test("steps that keep trickling in wait no longer than fillWaitMs", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, { ...timing, quietMs: 1000 });
  await Promise.all([1, 2, 3, 4].map((i) => w.submit(step(`a${i}`)))); // four in flight seen
  const submitted = [w.submit(step("b1"))];
  for (let i = 2; i <= 3; i++) {
    await new Promise((r) => setTimeout(r, 20));
    submitted.push(w.submit(step(`b${i}`)));
  }
  await new Promise((r) => setTimeout(r, timing.collectMs + timing.fillWaitMs));
  submitted.push(w.submit(step("late")));
  await Promise.all(submitted);
  expect(batches.slice(1).map((b) => b.map((s) => s.owner))).toEqual([["b1", "b2", "b3"], ["late"]]);
});

test("a refused step fails alone, with the owner, the host, the command and pcs's message", async () => {
  const { run } = fakeRunner((s) => (s.owner === "bad" ? "Error: Unable to find agent 'Nope'" : null));
  const w = new ClusterWriter(run, target, timing);
  const [good, bad] = await Promise.allSettled([w.submit(step("good")), w.submit(step("bad"))]);
  expect(good.status).toBe("fulfilled");
  expect(bad.status).toBe("rejected");
  const err = (bad as PromiseRejectedResult).reason as PcsError;
  expect(err).toBeInstanceOf(PcsError);
  expect(err.message).toBe(
    "bad: `pcs resource create bad` failed on node1 (10.77.0.11): Error: Unable to find agent 'Nope'",
  );
});

test("held resources are released in one batch once quiet, by the last step to finish", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing);
  const order: string[] = [];
  const r1 = w.submit(step("r1"), ["r1"]).then(() => order.push("r1"));
  const r2 = w.submit(step("r2"), ["r2"]).then(() => order.push("r2"));
  await new Promise((r) => setTimeout(r, 25)); // the first batch is running
  // a constraint naming r1 by its plain id arrives while the queue is busy (engine parallelism)
  const c1 = w.submit(step("c1", 1)).then(() => order.push("c1"));
  await Promise.all([r1, r2, c1]);
  const owners = batches.map((b) => b.map((s) => s.owner));
  expect(owners).toEqual([
    ["r1", "r2"],
    ["c1"],
    ["release of held resource 'r1'", "release of held resource 'r2'"],
  ]);
  expect(batches[2][0]).toMatchObject({
    argvs: [],
    dropMeta: { id: "r1", names: ["target-role", HOLD_MARK] },
  });
  // the resources returned at once; the constraint, last, returned only after the release
  expect(order).toEqual(["r1", "r2", "c1"]);
});

test("with nothing else arriving, the release happens within the last step's call", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing);
  await w.submit(step("r1"), ["r1"]);
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([["r1"], ["release of held resource 'r1'"]]);
});

test("a step skipped because the object exists holds nothing", async () => {
  const batches: PcsStep[][] = [];
  const w = new ClusterWriter(
    async (steps) => {
      batches.push([...steps]);
      return {
        results: steps.map(() => ({ ok: true, skipped: "exists" as const })),
        pushed: null,
        cib: null,
      };
    },
    target,
    timing,
  );
  await w.submit(step("r1"), ["r1"]);
  expect(batches).toHaveLength(1);
});

test("a step that comes and goes while the releaser waits delays the release, never cancels it", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, { ...timing, settleMs: 100 });
  const r1 = w.submit(step("r1"), ["r1"]);
  await new Promise((r) => setTimeout(r, 60)); // r1 is done and waiting for quiet
  await w.submit(step("c1", 1)); // finishes before the releaser wakes
  await r1;
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([
    ["r1"],
    ["c1"],
    ["release of held resource 'r1'"],
  ]);
});

test("a constraint arriving before its resource waits for it and goes with it, resource first", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing);
  const constraint = w.submit({ ...step("c1", 1), needs: ["r1"] });
  await new Promise((r) => setTimeout(r, 60)); // several batch windows later
  await Promise.all([constraint, w.submit({ ...step("r1"), makes: ["r1"] })]);
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([["r1", "c1"]]);
});

test("a step needing an id that exists in the CIB goes at once", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, timing, undefined, async () => new Set(["old"]));
  const t0 = Date.now();
  await w.submit({ ...step("c1", 1), needs: ["old"] });
  expect(Date.now() - t0).toBeLessThan(300);
  expect(batches).toHaveLength(1);
});

test("a step whose needs never come goes after needsWaitMs, and pcs's refusal is its error", async () => {
  const { batches, run } = fakeRunner((s) =>
    s.owner === "c1" ? "Error: Resource 'nope' does not exist" : null,
  );
  const w = new ClusterWriter(run, target, timing);
  const t0 = Date.now();
  await expect(w.submit({ ...step("c1", 1), needs: ["nope"] })).rejects.toThrow(
    /Resource 'nope' does not exist/,
  );
  expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  expect(batches).toHaveLength(1);
});
