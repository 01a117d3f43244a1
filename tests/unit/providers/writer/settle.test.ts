// Settling after an up: waits for the watched objects only, each at most its own time; cleans up
// the earlier failures of changed ones first; names each failed object with its failures.
import { ClusterActivity, FailedOperation } from "../../../../providers/cib/activity";
import { settle, SettleIo, Watch } from "../../../../providers/writer/settle";

const watch = (id: string, over: Partial<Watch> = {}): Watch => ({
  id,
  owner: `PcsResource '${id}'`,
  timeoutMs: 5_000,
  allowFailed: false,
  cleanup: false,
  ...over,
});

const failure = (resource: string, node = "node1.example.com"): FailedOperation => ({
  resource,
  node,
  task: "start",
  interval: 0,
  exitCode: 1,
  exitStatus: "error",
  exitReason: "login refused",
});

/** A cluster whose reads go through `script` one by one (the last repeats). */
function cluster(script: ClusterActivity[]) {
  const calls: string[] = [];
  let read = 0;
  const io: SettleIo = {
    activity: async () => {
      calls.push("activity");
      return script[Math.min(read++, script.length - 1)];
    },
    cleanup: async (ids) => {
      calls.push(`cleanup ${ids.join(",")}`);
    },
    reasons: async (ids) => {
      calls.push(`reasons ${ids.join(",")}`);
      return new Map(
        ids.filter((id) => id === "fence").map((id) => [id, "the fencer's log on node1: login refused"]),
      );
    },
  };
  return { io, calls };
}

const busy = (...ids: string[]) => new Set(ids);

test("waits while a watched object is busy, then reports its failures, naming it", async () => {
  const { io, calls } = cluster([
    { busy: busy("a"), failures: [] },
    { busy: busy("a"), failures: [] },
    { busy: busy(), failures: [failure("a"), failure("a", "node2.example.com")] },
  ]);
  const settled = await settle(io, [watch("a")], () => false, 1);
  expect(calls).toEqual(["activity", "activity", "activity"]);
  expect(settled).toEqual({
    failed: [
      {
        id: "a",
        message:
          "PcsResource 'a': start on node1.example.com: rc 1 (error): login refused; " +
          "start on node2.example.com: rc 1 (error): login refused",
      },
    ],
    unsettled: [],
  });
});

test("others' activity and failures are not waited for nor reported", async () => {
  const { io, calls } = cluster([{ busy: busy("other"), failures: [failure("other")] }]);
  expect(await settle(io, [watch("a")], () => false, 1)).toEqual({ failed: [], unsettled: [] });
  expect(calls).toEqual(["activity"]);
});

test("declared acceptable: its failures do not fail the up", async () => {
  const { io } = cluster([{ busy: busy(), failures: [failure("a")] }]);
  expect((await settle(io, [watch("a", { allowFailed: true })], () => false, 1))?.failed).toEqual([]);
});

test("a changed object's earlier failures are cleaned up first, in one call; then it is waited for", async () => {
  const { io, calls } = cluster([
    { busy: busy(), failures: [failure("a"), failure("b"), failure("c")] },
    { busy: busy("a"), failures: [failure("b")] },
    { busy: busy(), failures: [failure("b")] },
  ]);
  const watches = [
    watch("a", { cleanup: true }),
    watch("b", { allowFailed: true }),
    watch("c", { cleanup: true }),
    watch("d", { cleanup: true }),
  ];
  expect(await settle(io, watches, () => false, 1)).toEqual({ failed: [], unsettled: [] });
  expect(calls).toEqual(["activity", "cleanup a,c", "activity", "activity"]);
});

test("bounded: an object still busy at its time is named as unsettled", async () => {
  const { io } = cluster([{ busy: busy("a", "b"), failures: [] }]);
  const settled = await settle(
    io,
    [watch("a", { timeoutMs: 30 }), watch("b", { timeoutMs: 30 })],
    () => false,
    5,
  );
  expect(settled).toEqual({
    failed: [],
    unsettled: [
      { id: "a", owner: "PcsResource 'a'" },
      { id: "b", owner: "PcsResource 'b'" },
    ],
  });
});

test("a wait of 0 is no wait: nothing is read", async () => {
  const { io, calls } = cluster([{ busy: busy("a"), failures: [failure("a")] }]);
  expect(await settle(io, [watch("a", { timeoutMs: 0 })], () => false, 1)).toEqual({
    failed: [],
    unsettled: [],
  });
  expect(calls).toEqual([]);
});

test("interrupted (a new step came): null, for the run's next last step to settle", async () => {
  const { io } = cluster([{ busy: busy("a"), failures: [] }]);
  expect(await settle(io, [watch("a")], () => true, 1)).toBeNull();
});

test("failures with no exit reason get what the agent printed, where the cluster keeps it", async () => {
  const silent = (resource: string) => ({ ...failure(resource), exitReason: "" });
  const { io, calls } = cluster([
    { busy: busy(), failures: [silent("fence"), silent("other"), failure("a")] },
  ]);
  const settled = await settle(io, [watch("fence"), watch("other"), watch("a")], () => false, 1);
  expect(calls).toEqual(["activity", "reasons fence,other"]);
  expect(settled?.failed).toEqual([
    {
      id: "fence",
      message:
        "PcsResource 'fence': start on node1.example.com: rc 1 (error) — the fencer's log on node1: login refused",
    },
    { id: "other", message: "PcsResource 'other': start on node1.example.com: rc 1 (error)" },
    { id: "a", message: "PcsResource 'a': start on node1.example.com: rc 1 (error): login refused" },
  ]);
});
