// Holds left by interrupted runs: whose they are, and which of the CIB's are over.
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { HOLDER, interrupted, interruptedHolds, madeByHeldRuns } from "../../../../providers/writer/holds";
import { HOLD_MARK } from "../../../../providers/writer/holds";
import { cibXml, liveFrom } from "../../../support/cib-fixtures";

/** The fixture with these meta attributes added to one <meta_attributes> (empty or not). */
function held(xml: string, setId: string, mark: string): string {
  const nvpairs =
    `<nvpair id="${setId}-tr" name="target-role" value="Stopped"/>` +
    `<nvpair id="${setId}-h" name="${HOLD_MARK}" value="${mark}"/>`;
  const empty = `<meta_attributes id="${setId}"/>`;
  if (xml.includes(empty))
    return xml.replace(empty, `<meta_attributes id="${setId}">${nvpairs}</meta_attributes>`);
  const open = `<meta_attributes id="${setId}">`;
  if (!xml.includes(open)) throw new Error(`no ${setId} in the fixture`);
  return xml.replace(open, open + nvpairs);
}

test("this process names itself, by host and pid, and its own holds are not over", () => {
  expect(HOLDER).toBe(`${hostname()}/${process.pid}`);
  expect(interrupted(HOLDER)).toBe(false);
});

test("a hold of this host's process is over when the process is gone", () => {
  expect(interrupted("labhost/4242", () => false, "labhost")).toBe(true);
  expect(interrupted("labhost/4242", () => true, "labhost")).toBe(false);
  // a real process, asked the real way
  const gone = spawnSync("true").pid!;
  expect(interrupted(`${hostname()}/${gone}`)).toBe(true);
});

test("another host's process cannot be asked: its holds are left to it", () => {
  expect(interrupted("elsewhere.example.com/4242", () => false, "labhost")).toBe(false);
});

test("an unnamed mark, as earlier versions set it, is over", () => {
  expect(interrupted("true", () => true, "labhost")).toBe(true);
});

test("the holds that are over: on primitives and clones, not a running run's, not another host's", () => {
  let xml = held(cibXml, "dummy1-meta_attributes", "labhost/101"); // gone
  xml = held(xml, "web-clone-meta_attributes", "labhost/102"); // gone, on the clone
  xml = held(xml, "vip-meta_attributes", "labhost/103"); // still running
  xml = held(xml, "g1a-meta_attributes", "elsewhere/101"); // another host's
  const alive = (pid: number) => pid === 103;
  expect(interruptedHolds(liveFrom(xml), alive, "labhost").sort()).toEqual(["dummy1", "web-clone"]);
  expect(interruptedHolds(liveFrom(cibXml), alive, "labhost")).toEqual([]);
  expect(interruptedHolds(null)).toEqual([]);
});

test("a constraint is an interrupted run's when every resource it names is held by a run that is over, or by this one", () => {
  let xml = held(cibXml, "dummy1-meta_attributes", "labhost/101"); // gone
  xml = held(xml, "vip-meta_attributes", `labhost/${process.pid}`); // this run's, taken over
  xml = held(xml, "g1a-meta_attributes", "labhost/103"); // another run, still running
  const live = liveFrom(xml);
  const alive = (pid: number) => pid === 103 || pid === process.pid;
  expect(madeByHeldRuns(live, ["dummy1"], alive, "labhost")).toBe(true);
  expect(madeByHeldRuns(live, ["dummy1", "vip"], alive, "labhost")).toBe(true);
  // a resource released (or never held), held by a running run, or missing: not taken over
  expect(madeByHeldRuns(live, ["dummy1", "web-clone"], alive, "labhost")).toBe(false);
  expect(madeByHeldRuns(live, ["g1a"], alive, "labhost")).toBe(false);
  expect(madeByHeldRuns(live, ["nothere"], alive, "labhost")).toBe(false);
  expect(madeByHeldRuns(live, [], alive, "labhost")).toBe(false);
  expect(madeByHeldRuns(null, ["dummy1"], alive, "labhost")).toBe(false);
});
