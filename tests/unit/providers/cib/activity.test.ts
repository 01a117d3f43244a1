// The cluster's activity as an up's settling reads it: operations in flight (crm_mon's pending
// roles and `pending`), operations the scheduler would run now (crm_simulate's transition), and
// the failed operations of the history. Fixtures: the lab's Pacemaker 2.1.5, shortened.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import {
  describeFailure,
  FENCER_REASON_SCRIPT,
  parseActivity,
  parseActivityOutput,
  parseFencerReasons,
} from "../../../../providers/cib/activity";

const fixture = (name: string) => readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const mon = fixture("activity-crm_mon.xml");
const simulate = fixture("activity-crm_simulate.xml");

test("busy: a clone instance starting, a first monitor pending, actions the scheduler would run", () => {
  const { busy } = parseActivity(mon, simulate);
  expect([...busy].sort()).toEqual(["queued", "slow", "stateful", "web"]);
});

test("idle and started, or with a failure history only, is not busy", () => {
  const { busy } = parseActivity(mon, simulate);
  for (const id of ["idle", "bad", "g1a"]) expect(busy.has(id)).toBe(false);
});

test("failures name the resource (from op_key), node, task, interval, rc and the agent's reason", () => {
  const { failures } = parseActivity(mon, simulate);
  expect(failures).toEqual([
    {
      resource: "bad",
      node: "node1.example.com",
      task: "start",
      interval: 0,
      exitCode: 1,
      exitStatus: "error",
      exitReason: "",
    },
    {
      resource: "ilofence",
      node: "node3.example.com",
      task: "monitor",
      interval: 60000,
      exitCode: 1,
      exitStatus: "error",
      exitReason: "Unable to connect/login to fencing device",
    },
  ]);
  expect(failures.map(describeFailure)).toEqual([
    "start on node1.example.com: rc 1 (error)",
    "monitor (every 60s) on node3.example.com: rc 1 (error): Unable to connect/login to fencing device",
  ]);
});

test("the two documents as the one remote command prints them", () => {
  const both = parseActivityOutput(`${mon}\n<!-- pcmk-lab -->\n${simulate}`);
  expect(both.busy.has("queued")).toBe(true);
  expect(both.failures).toHaveLength(2);
  expect(() => parseActivityOutput(mon)).toThrow(/no cluster activity/);
});

test("a fence agent's reason from the fencer's log: the last stderr line of its failed operation's process", () => {
  const log = path.join(__dirname, "fixtures", "pacemaker-log.txt");
  const run = spawnSync(
    "sh",
    ["-c", FENCER_REASON_SCRIPT, "sh", log, "labfence", "quiet", "absent", "x'; y"],
    {
      encoding: "utf8",
    },
  );
  expect(run.status).toBe(0);
  expect(parseFencerReasons(run.stdout)).toEqual(
    new Map([["labfence", "ERROR: Unable to connect/login to fencing device"]]),
  );
});
