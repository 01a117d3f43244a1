// The per-cluster write queue with a fake batch runner: batching of concurrent steps, phases,
// per-step failures, held resources released once quiet, by the last step to finish.
import { Secret } from "../../../../providers/kit/secrets";
import { parseCib } from "../../../../providers/cib/parse";
import { ClusterWriter, Settler } from "../../../../providers/writer/cluster-writer";
import { SettleFailure, StillBusy, Watch } from "../../../../providers/writer/settle";
import { asStep } from "../../../../providers/kit/step-context";
import { HOLD_MARK, HOLDER } from "../../../../providers/writer/holds";
import { MarkedRemoval, REMOVE_MARK, REMOVING_PREFIX } from "../../../../providers/writer/removals";
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
// one batch at a time unless a test says otherwise
const timing = { collectMs: 10, fillWaitMs: 200, quietMs: 50, settleMs: 50, needsWaitMs: 400, maxBatches: 1 };

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
  // wide margins between the waits: the test must hold on a loaded machine
  const wide = { ...timing, quietMs: 150, fillWaitMs: 3000 };
  const w = new ClusterWriter(run, target, wide);
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
  expect(waited).toBeGreaterThanOrEqual(wide.quietMs);
  expect(waited).toBeLessThan(wide.fillWaitMs / 2);
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

test("after a batch, what came meanwhile waits for the engine to refill the slots the batch freed", async () => {
  const { batches, run } = fakeRunner();
  // wide margins: the refill comes well after quietMs (the old rule sent the straggler alone)
  const w = new ClusterWriter(run, target, { ...timing, quietMs: 50, fillWaitMs: 3000 });
  const first = [1, 2, 3].map((i) => w.submit(step(`a${i}`)));
  await new Promise((r) => setTimeout(r, 15)); // the first batch runs
  const straggler = w.submit(step("s"));
  await Promise.all(first);
  await new Promise((r) => setTimeout(r, 150)); // the engine handles the replies
  const refill = [1, 2, 3].map((i) => w.submit(step(`n${i}`)));
  await Promise.all([straggler, ...refill]);
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([
    ["a1", "a2", "a3"],
    ["s", "n1", "n2", "n3"],
  ]);
});

test("a refill that never comes delays what waits by fillWaitMs at most", async () => {
  const { batches, run } = fakeRunner();
  const wide = { ...timing, quietMs: 50, fillWaitMs: 400 };
  const w = new ClusterWriter(run, target, wide);
  const first = [1, 2, 3].map((i) => w.submit(step(`a${i}`)));
  await new Promise((r) => setTimeout(r, 15));
  const straggler = w.submit(step("s"));
  await Promise.all(first);
  const t0 = Date.now();
  await straggler;
  const waited = Date.now() - t0;
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([["a1", "a2", "a3"], ["s"]]);
  expect(waited).toBeGreaterThanOrEqual(wide.fillWaitMs - 50);
  expect(waited).toBeLessThan(wide.fillWaitMs + 1000);
});

test("with two batches allowed, a step arriving while one runs goes at once in a second, not a third", async () => {
  const starts: { owners: string[]; at: number }[] = [];
  const t0 = Date.now();
  const run = async (steps: readonly PcsStep[]): Promise<BatchOutcome> => {
    starts.push({ owners: steps.map((s) => s.owner), at: Date.now() - t0 });
    await new Promise((r) => setTimeout(r, 150));
    return { results: steps.map(() => ({ ok: true })), pushed: { ok: true, stderr: "" }, cib: null };
  };
  const w = new ClusterWriter(run, target, { ...timing, maxBatches: 2 });
  const a = w.submit(step("a"));
  await new Promise((r) => setTimeout(r, 40)); // a's batch runs
  const b = w.submit(step("b"));
  await new Promise((r) => setTimeout(r, 40)); // b's batch runs beside it
  const c = w.submit(step("c"));
  await Promise.all([a, b, c]);
  expect(starts.map((s) => s.owners)).toEqual([["a"], ["b"], ["c"]]);
  expect(starts[1].at).toBeLessThan(150); // b did not wait for a
  expect(starts[2].at).toBeGreaterThanOrEqual(150); // c waited: two were running
});

test("a step needing what a running batch makes waits for that batch, even with a second free", async () => {
  const starts: { owners: string[]; at: number }[] = [];
  const t0 = Date.now();
  const withR1 = parseCib(
    '<cib epoch="2" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources>' +
      '<primitive id="r1" class="ocf" provider="pacemaker" type="Dummy"/></resources><constraints/></configuration></cib>',
  );
  const run = async (steps: readonly PcsStep[]): Promise<BatchOutcome> => {
    starts.push({ owners: steps.map((s) => s.owner), at: Date.now() - t0 });
    await new Promise((r) => setTimeout(r, 100));
    const cib = steps.some((s) => s.makes?.includes("r1")) ? withR1 : null;
    return { results: steps.map(() => ({ ok: true })), pushed: { ok: true, stderr: "" }, cib };
  };
  const slowNeeds = { ...timing, maxBatches: 2, needsWaitMs: 5000 };
  const w = new ClusterWriter(run, target, slowNeeds, undefined, async () => new Set());
  const made = w.submit({ ...step("rsc"), makes: ["r1"] });
  await new Promise((r) => setTimeout(r, 30));
  const needing = w.submit({ ...step("loc", 1), needs: ["r1"] });
  const other = w.submit(step("other"));
  await Promise.all([made, needing, other]);
  expect(starts.map((s) => s.owners)).toEqual([["rsc"], ["other"], ["loc"]]);
  // loc went when rsc's batch came back with r1, not after needsWaitMs
  expect(starts[2].at).toBeGreaterThanOrEqual(100);
  expect(starts[2].at).toBeLessThan(slowNeeds.needsWaitMs / 2);
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

test("the step waiting for quiet returns as soon as another step arrives, which then releases", async () => {
  const { batches, run } = fakeRunner();
  const w = new ClusterWriter(run, target, { ...timing, settleMs: 1000 });
  const started = Date.now();
  let r1ReturnedAt = 0;
  const r1 = w.submit(step("r1"), ["r1"]).then(() => (r1ReturnedAt = Date.now() - started));
  await new Promise((r) => setTimeout(r, 60)); // r1 is done and waiting for quiet
  const c1 = w.submit(step("c1", 1)); // the engine's next step: r1's slot and dependents go free
  await r1;
  expect(r1ReturnedAt).toBeLessThan(500);
  expect(batches.map((b) => b.map((s) => s.owner))).toEqual([["r1"]]); // not released yet
  await c1; // c1, last, waited for quiet and released
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

/** A fake runner that also takes staged steps, and records what was staged when. */
function stagingRunner() {
  const { batches, run } = fakeRunner();
  const staged: string[][] = [];
  const events: string[] = [];
  const stage = (steps: readonly PcsStep[]) => {
    staged.push(steps.map((s) => s.owner));
    events.push(`stage ${steps.map((s) => s.owner).join(",")}`);
  };
  const runner = Object.assign(
    async (steps: readonly PcsStep[]) => {
      events.push(`batch ${steps.map((s) => s.owner).join(",")}`);
      return run(steps);
    },
    { stage },
  );
  return { batches, staged, events, runner };
}

test("with a staging runner, steps are staged as they come and the batch follows with them", async () => {
  const { staged, events, runner } = stagingRunner();
  const w = new ClusterWriter(runner, target, timing);
  await w.submit(step("first")); // the CIB's ids are known from the first batch on
  events.length = 0;
  const a = w.submit(step("a"));
  await new Promise((r) => setTimeout(r, 5));
  const b = w.submit(step("b"));
  await Promise.all([a, b]);
  expect(staged.slice(-2)).toEqual([["a"], ["b"]]);
  expect(events).toEqual(["stage a", "stage b", "batch a,b"]);
});

test("with a staging runner, nothing is staged while a batch runs, a need not in the CIB waits, phases only go up", async () => {
  const { events, runner } = stagingRunner();
  const w = new ClusterWriter(
    runner,
    target,
    { ...timing, fillWaitMs: 0 },
    undefined,
    async () => new Set(["old"]),
  );
  await w.submit(step("first"));
  events.length = 0;
  const c = w.submit({ ...step("c-old", 1), needs: ["old"] }); // staged: its resource exists
  const r = w.submit(step("r0")); // phase 0 after a phase 1 staged: waits for the batch
  const n = w.submit({ ...step("c-new", 1), needs: ["new"] }); // not in the CIB: waits
  await new Promise((res) => setTimeout(res, 5));
  const m = w.submit({ ...step("maker"), makes: ["new"] });
  await Promise.all([c, r, n, m]);
  expect(events[0]).toBe("stage c-old");
  expect(events.filter((e) => e.startsWith("stage"))).toEqual(["stage c-old"]);
  expect(events.find((e) => e.startsWith("batch"))).toBe("batch r0,maker,c-old,c-new");
});

test("with a staging runner, steps submitted in one turn are staged in one request, from the first step on", async () => {
  const { staged, runner } = stagingRunner();
  const w = new ClusterWriter(runner, target, timing);
  await Promise.all(["a", "b", "c"].map((id) => w.submit(step(id))));
  // the CIB's ids are read when the first step comes, so even the first batch is staged
  expect(staged).toEqual([["a", "b", "c"]]);
});

describe("settling: the run's last step waits for what the run wrote, after the release", () => {
  const watch = (id: string): Watch => ({
    id,
    owner: `PcsResource '${id}'`,
    timeoutMs: 1000,
    allowFailed: false,
    cleanup: false,
  });

  /** A settler that records what it was asked, when, and answers with these failures. */
  function recordingSettler(batches: PcsStep[][], failed: SettleFailure[] = []) {
    const asked: { ids: string[]; batchesBefore: number }[] = [];
    const settler: Settler = async (watches) => {
      asked.push({ ids: watches.map((w) => w.id), batchesBefore: batches.length });
      return { failed, unsettled: [] };
    };
    return { asked, settler };
  }

  test("once, by the last step, for every watched object, after the held ones are released", async () => {
    const { batches, run } = fakeRunner();
    const { asked, settler } = recordingSettler(batches);
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const order: string[] = [];
    const r1 = w.submit(step("r1"), ["r1"], [watch("r1")]).then(() => order.push("r1"));
    const r2 = w.submit(step("r2"), [], [watch("r2")]).then(() => order.push("r2"));
    await Promise.all([r1, r2]);
    expect(asked).toEqual([{ ids: ["r1", "r2"], batchesBefore: 2 }]); // the create batch, then the release
    expect(batches[1][0].owner).toBe("release of held resource 'r1'");
  });

  test("failures found go to the step that settled, as its own (asStep), not thrown", async () => {
    const { batches, run } = fakeRunner();
    const { settler } = recordingSettler(batches, [
      { id: "r1", message: "PcsResource 'r1': start on node1: rc 1 (error)" },
    ]);
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const { failures } = await asStep(() => w.submit(step("r1"), [], [watch("r1")]));
    expect(failures).toEqual([
      "failed operations after this up:\nPcsResource 'r1': start on node1: rc 1 (error)",
    ]);
  });

  test("outside a step, the failures are thrown", async () => {
    const { batches, run } = fakeRunner();
    const { settler } = recordingSettler(batches, [
      { id: "r1", message: "PcsResource 'r1': start on node1: rc 1 (error)" },
    ]);
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    await expect(w.submit(step("r1"), [], [watch("r1")])).rejects.toThrow(/PcsResource 'r1': start on node1/);
  });

  test("a cluster that cannot be asked whether it settled fails no step: a warning says so", async () => {
    const { run } = fakeRunner();
    const settler: Settler = async () => {
      throw new Error("node1: connection lost");
    };
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const { failures } = await asStep(() => w.submit(step("r1"), [], [watch("r1")]));
    expect(failures).toEqual([]);
  });

  test("an update that wrote nothing still has its object settled and its failures named", async () => {
    const { batches, run } = fakeRunner();
    const { asked, settler } = recordingSettler(batches);
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    await w.settleAfter([watch("r1")]);
    expect(batches).toEqual([]);
    expect(asked).toEqual([{ ids: ["r1"], batchesBefore: 0 }]);
  });

  test("a step arriving while the last one settles takes the settling over", async () => {
    const { batches, run } = fakeRunner();
    const asked: string[][] = [];
    let first = true;
    const settler: Settler = async (watches, interrupted) => {
      asked.push(watches.map((w) => w.id));
      if (first) {
        first = false;
        while (!interrupted()) await new Promise((r) => setTimeout(r, 5));
        return null;
      }
      return { failed: [], unsettled: [] };
    };
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const a = w.submit(step("a"), [], [{ ...watch("a"), cleanup: true }]);
    while (asked.length === 0) await new Promise((r) => setTimeout(r, 5));
    await Promise.all([a, w.submit(step("b"), [], [watch("b")])]);
    expect(asked).toEqual([["a"], ["a", "b"]]);
    expect(batches).toHaveLength(2);
  });
});

describe("removals: marked by their steps, stopped together, then deleted in one push by the last step", () => {
  const removal = (id: string, stopTimeoutMs = 1000): MarkedRemoval => ({
    id,
    owner: `PcsResource '${id}'`,
    family: "resources",
    stopTimeoutMs,
  });
  const describeStep = (s: PcsStep): string =>
    s.setMeta
      ? `meta ${s.setMeta.id} ${JSON.stringify(s.setMeta.values)}`
      : s.remove
        ? `remove ${JSON.stringify(s.remove)} ${JSON.stringify(s.argvs)}`
        : JSON.stringify(s.argvs);
  function stopsSettler(failed: SettleFailure[] = [], unsettled: StillBusy[] = []) {
    const asked: Watch[][] = [];
    const settler: Settler = async (watches) => {
      asked.push([...watches]);
      return { failed, unsettled };
    };
    return { asked, settler };
  }

  test("each step marks; once quiet: the stops in one batch with the deleted order constraints added back, a wait, then one removal", async () => {
    const { batches, run } = fakeRunner();
    const { asked, settler } = stopsSettler();
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const addBack = (id: string, first: string, then: string) => ({
      id: `${REMOVING_PREFIX}${id}`,
      argv: ["constraint", "order", first, "then", then, `id=${REMOVING_PREFIX}${id}`],
      resources: [first, then],
    });
    // the engine deletes constraints first, each step returning before the resources' come
    await w.deleteConstraint("Constraint 'o1'", "o1", addBack("o1", "a", "b"));
    await w.deleteConstraint("Constraint 'o2'", "o2", addBack("o2", "b", "kept"));
    await w.deleteConstraint("Constraint 'l1'", "l1");
    await Promise.all([w.removeLater(removal("a")), w.removeLater(removal("b"))]);
    expect(batches.map((b) => b.map(describeStep))).toEqual([
      ['remove {"constraints":["o1"]} []'],
      ['remove {"constraints":["o2"]} []'],
      ['remove {"constraints":["l1"]} []'],
      [`meta a {"${REMOVE_MARK}":"${HOLDER}"}`, `meta b {"${REMOVE_MARK}":"${HOLDER}"}`],
      // o2 orders a resource that stays: not added back, it would outlive the removal
      [
        'meta a {"target-role":"Stopped"}',
        'meta b {"target-role":"Stopped"}',
        `[["constraint","order","a","then","b","id=${REMOVING_PREFIX}o1"]]`,
      ],
      // the constraint added back goes by its id, before the resources
      [`remove {"constraints":["${REMOVING_PREFIX}o1"],"resources":["a","b"],"stonith":[]} []`],
    ]);
    expect(asked.map((ws) => ws.map((x) => [x.id, x.tasks]))).toEqual([
      [
        ["a", ["stop"]],
        ["b", ["stop"]],
      ],
    ]);
  });

  test("a removal without a stop wait is deleted at once; an object gone already marks nothing", async () => {
    const { batches, run } = fakeRunner();
    const { asked, settler } = stopsSettler();
    const gone = (s: PcsStep) => s.setMeta?.id === "gone";
    const w = new ClusterWriter(
      async (steps) => {
        const out = await run(steps);
        return {
          ...out,
          results: steps.map((s, i) => (gone(s) ? { ok: true, skipped: "absent" as const } : out.results[i])),
        };
      },
      target,
      timing,
      undefined,
      undefined,
      settler,
    );
    await Promise.all([w.removeLater(removal("now", 0)), w.removeLater(removal("gone"))]);
    expect(asked).toEqual([]);
    expect(batches.map((b) => b.map(describeStep)).slice(-1)).toEqual([
      ['remove {"constraints":[],"resources":["now"],"stonith":[]} []'],
    ]);
  });

  test("what did not stop is not deleted, and the step that removed says so", async () => {
    const { run, batches } = fakeRunner();
    const { settler } = stopsSettler(
      [{ id: "a", message: "PcsResource 'a': stop on node1: rc 1 (error)" }],
      [{ id: "c", owner: "PcsResource 'c'" }],
    );
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const { failures } = await asStep(() =>
      Promise.all(["a", "b", "c"].map((id) => w.removeLater(removal(id)))),
    );
    expect(batches[batches.length - 1].map(describeStep)).toEqual([
      'remove {"constraints":[],"resources":["b"],"stonith":[]} []',
    ]);
    expect(failures).toEqual([
      "removals of this run:\n" +
        "not deleted, as it did not stop: PcsResource 'c': still stopping when its wait ended\n" +
        "not deleted, as it did not stop: PcsResource 'a': stop on node1: rc 1 (error)",
    ]);
  });

  test("a create of an id this run marked removes the marked one first, in its own step, and it is not removed again", async () => {
    const { batches, run } = fakeRunner();
    const { settler } = stopsSettler();
    const w = new ClusterWriter(run, target, timing, undefined, undefined, settler);
    const replaced = w.removeLater(removal("vip"));
    // the mark's batch (20 ms) done, the run not yet quiet (settleMs after it): the create comes
    while (batches.length === 0) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 35));
    await Promise.all([replaced, w.create(step("vip"), "vip", false)]);
    const creates = batches.flat().filter((s) => s.owner === "vip");
    expect(creates.map((s) => s.removeFirst)).toEqual([{ resources: ["vip"] }]);
    expect(batches.flat().filter((s) => s.remove)).toEqual([]);
  });
});
