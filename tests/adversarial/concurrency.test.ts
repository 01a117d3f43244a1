// Issue 5, point 5: 50 resources and their constraints made by one `pulumi up` on one cluster at
// Pulumi's default parallelism: all present and as declared, no error, and no resource ever
// started before its constraints existed. The last is watched from inside node1 (no ssh): the CIB
// is read every ~50 ms, and each read is one atomic view of the configuration and the status, so
// a resource active in a read whose constraints are not in that same read is a violation. Every
// constraint is declared after its resources (dependsOn), as the README asks: with bare names and no
// order, more constraints than the engine has slots can hold every slot waiting for resources
// that then cannot start (seen on a fresh lab: pcs refused them once the writer's needs wait ran
// out). Figures go to results/concurrency.json.
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  clearObjects,
  clusterView,
  ensureCluster,
  fqdn,
  NODES,
  ObjectSpec,
  objectsStack,
  previewIsClean,
} from "../support/cluster-harness";
import { eventually, inNodeOk, lab } from "../support/lab-harness";
import { TestStack } from "../support/stack-harness";

jest.setTimeout(30 * 60_000);

const N = 50;
const rsc = (i: number) => `conc${i}`;

/** What each resource must not start without: its location, and its pair's order and colocation. */
function required(i: number): string[] {
  const pair = Math.floor(i / 2);
  return [`conc-loc-${i}`, `conc-ord-${pair}`, `conc-col-${pair}`];
}

function objects(): ObjectSpec[] {
  const out: ObjectSpec[] = [];
  for (let i = 0; i < N; i++) {
    out.push({
      kind: "PcsResource",
      name: rsc(i),
      args: { resourceId: rsc(i), agent: "ocf:pacemaker:Dummy" },
    });
  }
  for (let i = 0; i < N; i++) {
    const node = fqdn(NODES[i % NODES.length]);
    out.push({
      kind: "Constraint",
      name: `conc-loc-${i}`,
      args: {
        constraintId: `conc-loc-${i}`,
        constraint: { type: "location", resource: rsc(i), node, score: "100" },
      },
      dependsOn: [rsc(i)],
    });
  }
  for (let pair = 0; pair < N / 2; pair++) {
    const [a, b] = [rsc(2 * pair), rsc(2 * pair + 1)];
    const dependsOn = [a, b];
    out.push(
      {
        kind: "Constraint",
        name: `conc-ord-${pair}`,
        args: {
          constraintId: `conc-ord-${pair}`,
          constraint: { type: "order", first: a, then: b },
        },
        dependsOn,
      },
      {
        kind: "Constraint",
        name: `conc-col-${pair}`,
        args: {
          constraintId: `conc-col-${pair}`,
          constraint: { type: "colocation", resource: b, withResource: a, score: "INFINITY" },
        },
        dependsOn,
      },
    );
  }
  return out;
}

// Inside node1: one line of JSON per read of the CIB: the resources active somewhere (their last
// operation on a node a successful start, promote or monitor) and the constraint ids present.
const CIB_WATCH = `
import json, subprocess, sys, threading, time, os
import xml.etree.ElementTree as ET
threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
while True:
    t0 = time.monotonic()
    q = subprocess.run(["cibadmin", "--query"], capture_output=True, text=True)
    if q.returncode == 0:
        root = ET.fromstring(q.stdout)
        constraints = sorted(el.get("id") for el in root.find("configuration/constraints") if el.get("id", "").startswith("conc-"))
        active = set()
        for r in root.iter("lrm_resource"):
            rid = r.get("id", "")
            if not rid.startswith("conc"):
                continue
            ops = sorted(r.findall("lrm_rsc_op"), key=lambda o: int(o.get("call-id", "0")))
            last = ops[-1] if ops else None
            if last is not None and last.get("rc-code") == "0" and last.get("operation") in ("start", "promote", "monitor"):
                active.add(rid)
        print(json.dumps({"at": time.time(), "active": sorted(active), "constraints": constraints}), flush=True)
    time.sleep(max(0.0, 0.05 - (time.monotonic() - t0)))
`;

interface Sample {
  at: number;
  active: string[];
  constraints: string[];
}

function watchCib(): { samples: Sample[]; stop: () => Promise<Sample[]> } {
  const [cmd, ...args] = lab.execArgv("node1", ["python3", "-u", "-c", CIB_WATCH]);
  const child: ChildProcessWithoutNullStreams = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  const samples: Sample[] = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) samples.push(JSON.parse(l));
  });
  return {
    samples,
    stop: async () => {
      child.stdin.end();
      await new Promise((r) => child.once("close", r));
      return samples;
    },
  };
}

/** Resources active in a sample without all their constraints in the same sample. */
function violations(samples: Sample[]): { at: number; resource: string; missing: string[] }[] {
  const out: { at: number; resource: string; missing: string[] }[] = [];
  for (const s of samples) {
    const present = new Set(s.constraints);
    for (const id of s.active) {
      const i = Number(id.slice("conc".length));
      const missing = required(i).filter((c) => !present.has(c));
      if (missing.length) out.push({ at: s.at, resource: id, missing });
    }
  }
  return out;
}

let stack: TestStack;

beforeAll(async () => {
  ensureCluster();
  stack = await objectsStack(objects());
});

afterAll(async () => {
  clearObjects();
  await stack?.pulumi(["stack", "rm", "--force", "--yes"]);
  stack?.dispose();
});

test("the watch would see a resource started without its constraints (the check can fail)", () => {
  const planted = [{ at: 0, active: ["conc3"], constraints: ["conc-loc-3", "conc-ord-1"] }];
  expect(violations(planted)).toEqual([{ at: 0, resource: "conc3", missing: ["conc-col-1"] }]);
});

test("50 resources with 100 constraints in one up: all made, no error, none started before its constraints", async () => {
  const watch = watchCib();
  const t0 = Date.now();
  const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  const upSeconds = (Date.now() - t0) / 1000;
  if (up.status !== 0) {
    await watch.stop();
    throw new Error(`pulumi up exited ${up.status}:\n${(up.stdout + up.stderr).slice(-6000)}`);
  }
  // keep watching while the released resources start
  await eventually(
    "every resource started",
    180_000,
    () => {
      const n = Number(
        inNodeOk(
          "node1",
          'crm_mon -1 --output-as=xml | grep -c \'<resource id="conc[0-9]*".* role="Started"\' || true',
        ).trim(),
      );
      return n === N || undefined;
    },
    clusterView,
  );
  // crm_mon can report the last start before the watcher's next read: wait for a read that has
  // them all (the watcher reads the same CIB, so it must see it; if it never does, the test fails)
  await eventually(
    "a CIB read with every resource active",
    60_000,
    () => watch.samples.some((s) => s.active.length === N) || undefined,
    () => `last read: ${JSON.stringify(watch.samples.at(-1)?.active.length)} active`,
  );
  const samples = await watch.stop();
  expect({ status: up.status, errors: (up.stdout + up.stderr).match(/error:.*/gi) ?? [] }).toEqual({
    status: 0,
    errors: [],
  });

  // all there, as declared
  const cib = inNodeOk("node1", "cibadmin --query --scope configuration");
  for (let i = 0; i < N; i++) expect(cib).toContain(`<primitive id="${rsc(i)}"`);
  const constraintIds = [
    ...cib.matchAll(/<rsc_(?:location|order|colocation)\b[^>]*\bid="(conc-[^"]+)"/g),
  ].map((m) => m[1]);
  expect(constraintIds.sort()).toEqual(
    [...new Set(Array.from({ length: N }, (_, i) => required(i)).flat())].sort(),
  );
  expect((await previewIsClean(stack)).clean).toBe(true);

  // never active without its constraints, in any read; and the watch saw the resources start
  const bad = violations(samples);
  const sawActive = samples.some((s) => s.active.length === N);
  const report = {
    resources: N,
    constraints: constraintIds.length,
    upSeconds,
    upExit: up.status,
    cibReads: samples.length,
    readIntervalMs:
      samples.length > 1
        ? Math.round(((samples.at(-1)!.at - samples[0].at) * 1000) / (samples.length - 1))
        : null,
    readsWithAllActive: samples.filter((s) => s.active.length === N).length,
    violations: bad.length,
  };
  const dir = "/var/cache/pcmk-lab/results";
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "concurrency.json"),
    JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2),
  );
  expect(samples.length).toBeGreaterThan(20);
  expect(sawActive).toBe(true);
  expect(bad.slice(0, 5)).toEqual([]);
});
