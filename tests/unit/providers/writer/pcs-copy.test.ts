// The batch process serves pcs's reads and writes of its copy of the CIB in process (no cibadmin,
// crm_diff or crm_resource started per step). Checked against the real thing: every kind of pcs
// command the providers build runs once with pacemaker's tools and once served, on this machine's
// pcs and pacemaker (the lab's own packages), and both give the same CIB and the same results,
// refusals and pcs's messages included. Likewise the fast path (pcs in process, chosen by its
// self-test on this pcs) against the plain path (a pcs process per command).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createArgv as constraintArgv, ConstraintSpec } from "../../../../providers/kinds/constraint";
import { createArgv as resourceArgv, PcsResourceInputs } from "../../../../providers/kinds/pcs-resource";
import { operationsSchema } from "../../../../providers/kinds/primitive-fields";
import { createArgv as stonithArgv, StonithInputs } from "../../../../providers/kinds/stonith-device";
import { releaseStep } from "../../../../providers/writer/holds";

const writerDir = join(__dirname, "..", "..", "..", "..", "providers", "writer");
const compareScript = join(__dirname, "..", "..", "..", "support", "pcs-compare.py");

interface Run {
  results: { ok: boolean; stderr?: string; stdout?: string }[];
  cib: string;
}

function compare(argvs: string[][]): { exact: Run; served: Run; diffExit: number; diff: string } {
  const steps = argvs.map((argv) => ({ argvs: [argv] }));
  const r = spawnSync("/usr/bin/python3", ["-EsB", compareScript, "copy", writerDir], {
    input: JSON.stringify({ steps }),
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`pcs-compare.py copy exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const resource = (r: Partial<PcsResourceInputs> & { resourceId: string }): string[] =>
  resourceArgv({
    agent: "ocf:pacemaker:Dummy",
    instanceAttributes: {},
    metaAttributes: {},
    adopt: false,
    ...r,
    operations: operationsSchema.parse(r.operations ?? []),
  } as PcsResourceInputs);

const constraint = (id: string, c: object): string[] => constraintArgv(id, c as ConstraintSpec);

const stonith: StonithInputs = {
  deviceId: "fence1",
  agent: "fence_virsh",
  parameters: { ip: "10.77.0.254", username: "root", pcmk_host_map: "n1:node1;n2:node2" },
  secretParameters: { password: "it's a $(secret)" },
  operations: operationsSchema.parse([{ name: "monitor", interval: "60s" }]),
  metaAttributes: {},
} as unknown as StonithInputs;

test("every kind of command the providers build gives the same CIB and results served as with pacemaker's tools", () => {
  const { exact, served, diffExit, diff } = compare([
    ["property", "set", "stonith-enabled=false", "no-quorum-policy=stop"],
    resource({
      resourceId: "a",
      instanceAttributes: { state: "/run/a.state", fake: "x y 'z'" },
      metaAttributes: { "resource-stickiness": "100" },
      operations: [{ name: "monitor", interval: "10s", timeout: "20s" }],
    } as never),
    resource({ resourceId: "b" }),
    resource({ resourceId: "c", clone: { id: "c-clone", promotable: false, meta: { "clone-max": "2" } } }),
    resource({
      resourceId: "p",
      agent: "ocf:pacemaker:Stateful",
      clone: { id: "p-clone", promotable: true, meta: {} },
    }),
    resource({ resourceId: "g1", group: "g" }),
    resource({ resourceId: "g2", group: "g" }),
    resource({
      resourceId: "vip",
      agent: "ocf:heartbeat:IPaddr2",
      instanceAttributes: { ip: "10.77.0.100", cidr_netmask: "24" },
    }),
    stonithArgv(stonith),
    constraint("loc-a", { type: "location", resource: "a", node: "node1", score: "100" }),
    constraint("loc-b", {
      type: "location",
      resource: "b",
      node: "node2",
      score: "-INFINITY",
      resourceDiscovery: "never",
    }),
    constraint("loc-rule", { type: "location", resource: "b", rule: "#uname eq node1", score: "50" }),
    constraint("ord", {
      type: "order",
      first: "a",
      firstAction: "start",
      then: "b",
      thenAction: "start",
      kind: "Mandatory",
      symmetrical: "true",
    }),
    constraint("col", {
      type: "colocation",
      resource: "b",
      with: undefined,
      withResource: "a",
      score: "INFINITY",
    }),
    constraint("col-role", {
      type: "colocation",
      resource: "vip",
      withRole: "Promoted",
      withResource: "p-clone",
      score: "INFINITY",
    }),
    constraint("oset", {
      type: "order-set",
      sets: [
        { resources: ["a", "b"], options: { sequential: "true" } },
        { resources: ["vip"], options: {} },
      ],
      options: { kind: "Optional" },
    }),
    constraint("cset", {
      type: "colocation-set",
      sets: [{ resources: ["a", "b"], options: {} }],
      options: { score: "100" },
    }),
    // what updateArgvs and operationChanges build
    ["resource", "update", "a", "fake=changed"],
    ["resource", "meta", "b", "resource-stickiness=5", "pcmk-lab-held=", "target-role="],
    ["resource", "op", "delete", "b-monitor-interval-10s"],
    ["resource", "op", "add", "b", "monitor", "interval=30s", "timeout=15s"],
    ["resource", "unclone", "c-clone"],
    ["resource", "clone", "c", "c-clone2", "clone-max=1"],
    ["resource", "group", "remove", "g", "g1"],
    ["resource", "group", "add", "g2grp", "g1"],
    ["stonith", "update", "fence1", "username=admin"],
    ["constraint", "delete", "loc-b"],
    ["resource", "delete", "g2"],
  ]);
  expect(exact.results.filter((r) => !r.ok)).toEqual([]);
  expect(served.results).toEqual(exact.results);
  expect({ diffExit, diff }).toEqual({ diffExit: 0, diff: "" });
  expect(served.cib).toContain('id="loc-rule"'); // the run made what it says, not two empty CIBs
  expect(served.cib).toContain('id="fence1"');
});

test("refusals are the same, with pcs's own messages, and leave both copies alike", () => {
  const { exact, served, diffExit, diff } = compare([
    resource({ resourceId: "a" }),
    resource({ resourceId: "a" }), // exists
    resource({ resourceId: "x", agent: "ocf:pacemaker:NoSuchAgent" }),
    constraint("loc-missing", { type: "location", resource: "missing", node: "node1", score: "10" }),
    ["resource", "update", "missing", "a=b"],
    ["constraint", "order", "start", "a", "then", "start", "missing"],
    resource({ resourceId: "b" }),
  ]);
  expect(exact.results.map((r) => r.ok)).toEqual([true, false, false, false, false, false, true]);
  expect(served.results).toEqual(exact.results);
  expect(served.results[1].stderr).toMatch(/'a' already exists/);
  expect({ diffExit, diff }).toEqual({ diffExit: 0, diff: "" });
});

test("a release of the writer's hold edits both copies alike", () => {
  const hold = resource({ resourceId: "h" });
  expect(hold.join(" ")).toContain("target-role=Stopped");
  const steps = [hold];
  const r = spawnSync("/usr/bin/python3", ["-EsB", compareScript, "copy", writerDir], {
    input: JSON.stringify({ steps: [...steps.map((argv) => ({ argvs: [argv] })), releaseStep("h")] }),
    encoding: "utf8",
  });
  const out = JSON.parse(r.stdout);
  expect(out.diffExit).toBe(0);
  expect(out.served.cib).not.toContain("target-role");
  expect(out.served.cib).toContain('id="h"');
});

interface PathRun extends Run {
  hello: { path: string; pcsVersion: string; fallback?: string };
}

function comparePaths(argvs: string[][]): { auto: PathRun; plain: PathRun; diffExit: number; diff: string } {
  const r = spawnSync("/usr/bin/python3", ["-EsB", compareScript, "path", writerDir], {
    input: JSON.stringify({ steps: argvs.map((argv) => ({ argvs: [argv] })) }),
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`pcs-compare.py path exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test("the plain path (a pcs process per command) gives the same results and CIB as the fast path", () => {
  const { auto, plain, diffExit, diff } = comparePaths([
    ["property", "set", "stonith-enabled=false"],
    resource({
      resourceId: "a",
      instanceAttributes: { state: "/run/a.state" },
      metaAttributes: { "resource-stickiness": "100" },
      operations: [{ name: "monitor", interval: "10s", timeout: "20s" }],
    } as never),
    resource({ resourceId: "a" }), // exists
    resource({ resourceId: "x", agent: "ocf:pacemaker:NoSuchAgent" }),
    resource({ resourceId: "c", clone: { id: "c-clone", promotable: false, meta: { "clone-max": "2" } } }),
    resource({ resourceId: "g1", group: "g" }),
    stonithArgv(stonith),
    constraint("loc-a", { type: "location", resource: "a", node: "node1", score: "100" }),
    constraint("loc-rule", { type: "location", resource: "g", rule: "#uname eq node1", score: "50" }),
    constraint("ord", {
      type: "order",
      first: "a",
      firstAction: "start",
      then: "g",
      thenAction: "start",
      kind: "Mandatory",
      symmetrical: "true",
    }),
    constraint("loc-missing", { type: "location", resource: "missing", node: "node1", score: "10" }),
    ["resource", "update", "a", "state=/run/a2.state"],
    ["resource", "meta", "g1", "resource-stickiness=5"],
    ["constraint", "delete", "loc-a"],
    ["resource", "delete", "c"],
  ]);
  expect(auto.hello).toMatchObject({ path: "fast" });
  expect(auto.hello.fallback).toBeUndefined();
  expect(plain.hello).toEqual({ ...auto.hello, path: "plain", ms: expect.any(Number) });
  expect(plain.results.map((r) => r.ok)).toEqual([
    ...[true, true, false, false, true, true, true, true, true, true, false],
    ...[true, true, true, true],
  ]);
  expect(plain.results).toEqual(auto.results);
  expect({ diffExit, diff }).toEqual({ diffExit: 0, diff: "" });
  expect(plain.cib).toContain('id="loc-rule"');
});
