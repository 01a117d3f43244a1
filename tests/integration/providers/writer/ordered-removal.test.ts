// A destroy stops an ordered chain in its order before it deletes it (writer/removals.ts), as a
// live `pcs resource delete` stops what it deletes: three Dummies that sleep in every action
// (op_sleep), ordered d1 then d2 then d3 by two Constraints of the stack. The engine deletes the
// constraints first; the run adds them back for the stops. The cluster's history (each node's
// pacemaker log: when a stop was asked for, when its result came) must show d3 stopped before d2
// was asked to stop, and d2 before d1; then the three are gone, with the constraints.
import { ensureCluster, NODES, ObjectSpec, objectsStack, startedOn } from "../../../support/cluster-harness";
import { eventually, onNode, onNodeOk } from "../../../support/lab-harness";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const SLEEP_S = 3;
const dummy = (id: string): ObjectSpec => ({
  kind: "PcsResource",
  name: id,
  args: { resourceId: id, agent: "ocf:pacemaker:Dummy", instanceAttributes: { op_sleep: String(SLEEP_S) } },
});
const order = (first: string, then: string): ObjectSpec => ({
  kind: "Constraint",
  name: `${first}-then-${then}`,
  args: { constraint: { type: "order", first, then } },
  dependsOn: [first, then],
});
const CHAIN = ["chain1", "chain2", "chain3"];

/** `Dec 05 09:03:39.463`: ms since the start of the year (the runs compared are minutes apart). */
function msOf(stamp: string): number {
  const [month, day, time] = stamp.split(/\s+/);
  const m = "JanFebMarAprMayJunJulAugSepOctNovDec".indexOf(month) / 3;
  const [h, min, s] = time.split(":").map(Number);
  return Date.UTC(2000, m, Number(day), h, min) + s * 1000;
}

/** Per resource of the chain: when its stop was asked for and when it ended, from every node's log. */
function stopTimes(since: number): Map<string, { asked: number; done: number }> {
  const times = new Map<string, { asked: number; done: number }>();
  for (const node of NODES) {
    const log = onNode(
      node,
      "grep -h ' stop operation for chain' /var/log/pacemaker/pacemaker.log || true",
    ).stdout;
    for (const line of log.split("\n")) {
      const m =
        /^(\w{3}\s+\d+ [\d:.]+) .*(Requesting local execution of|Result of) stop operation for (chain\d)\b/.exec(
          line,
        );
      if (!m || msOf(m[1]) < since) continue;
      const t = times.get(m[3]) ?? { asked: NaN, done: NaN };
      if (m[2] === "Result of") t.done = msOf(m[1]);
      else t.asked = msOf(m[1]);
      times.set(m[3], t);
    }
  }
  return times;
}

let stack: TestStack;
beforeAll(async () => {
  ensureCluster();
  stack = await objectsStack([...CHAIN.map(dummy), order("chain1", "chain2"), order("chain2", "chain3")]);
});
afterAll(() => stack?.dispose());

test("destroy stops the chain last first, each stop after the one before it ended, then deletes it all", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  await eventually("the chain started", 120_000, () => CHAIN.every((id) => startedOn(id).length === 1));
  const clock = onNodeOk("node1", "date '+%b %d %H:%M:%S.%3N'").trim();
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  const times = stopTimes(msOf(clock));
  const [t1, t2, t3] = CHAIN.map((id) => times.get(id));
  const t0 = Math.min(...[t1, t2, t3].map((t) => t?.asked ?? Infinity));
  console.log(
    CHAIN.map(
      (id, i) =>
        `${id}: stop asked +${([t1, t2, t3][i]?.asked ?? NaN) - t0} ms, done +${([t1, t2, t3][i]?.done ?? NaN) - t0} ms`,
    ).join("; "),
  );
  expect([t1, t2, t3].every((t) => t && !Number.isNaN(t.asked) && !Number.isNaN(t.done))).toBe(true);
  // a stop takes SLEEP_S: unordered, the three would be asked for together
  expect(t2!.asked).toBeGreaterThanOrEqual(t3!.done);
  expect(t1!.asked).toBeGreaterThanOrEqual(t2!.done);
  expect(t1!.done - t3!.asked).toBeGreaterThanOrEqual(3 * SLEEP_S * 1000 - 500);
  const cib = onNodeOk("node1", "cibadmin --query --scope configuration");
  expect(cib).not.toMatch(/chain\d/);
});
