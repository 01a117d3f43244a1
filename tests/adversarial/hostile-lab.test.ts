// Hostile input on the lab (issue 5, point 2; the unit half, tests/unit/adversarial/hostile-
// input.test.ts, tries every corpus string in every string field of every kind against the input
// check and the remote commands built from it). Here the values that reach the CIB go through a
// real `pulumi up` — the provider, the ssh transport, the pcs batch on node1, pacemaker — for the
// fields whose values are free text: resource meta and instance attribute values, resource ids,
// constraint ids and location scores. Each corpus string the input check accepts must be stored
// verbatim (the CIB, read on node1 by python's XML parser, not ours, holds exactly it) and read back
// identically (a clean `preview --refresh`, and the state after `refresh` holds exactly it); an
// update that moves every meta value to another key must do the same. Each string it refuses must
// fail `preview` and `up` naming the resource and the field, with the CIB's configuration
// unchanged. The canary every injection of the corpus aims at must exist on no node, nor here.
// Figures go to results/hostile-lab.json.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { check } from "../../providers/runtime";
import {
  clearObjects,
  ensureCluster,
  fqdn,
  ObjectSpec,
  objectsStack,
  previewIsClean,
} from "../support/cluster-harness";
import { CANARY, canTravelInArgv, hostileCorpus, printableValue } from "../support/hostile-strings";
import { inNodeOk } from "../support/lab-harness";
import { TestStack } from "../support/stack-harness";

jest.setTimeout(30 * 60_000);

const NODES = ["node1", "node2", "node3"];
const RESULTS = "/var/cache/pcmk-lab/results/hostile-lab.json";
// for the input check only: the fixture gives every object its real runOn
const runOn = {
  host: "10.77.0.11",
  privateKey:
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
};
const DUMMY = "ocf:pacemaker:Dummy";
// Dummy's parameters that it never acts on (state, envfile, op_sleep and fail_start_on it does)
const INERT_PARAMETERS = ["fake", "passwd"];
// the fixture reads "@secret" and "@connection:…" as references, not values
const fixtureReads = (v: string) => v === "@secret" || v.startsWith("@connection:");

type Field =
  | "metaAttributes{value}"
  | "metaAttributes{key}"
  | "instanceAttributes{value}"
  | "resourceId"
  | "constraintId"
  | "score";

const resourceArgs = (over: Record<string, unknown>) => ({
  resourceId: "hl_probe",
  agent: DUMMY,
  // never started: the values are the question, not the agent
  metaAttributes: { "target-role": "Stopped" },
  ...over,
});
const locationArgs = (constraintId: string, resource: string, score: string) => ({
  constraintId,
  constraint: { type: "location", resource, node: fqdn("node1"), score },
});

/** Each field as the input check sees it: the inputs of one object with the value in that field. */
const PROBES: Record<
  Field,
  { kind: "PcsResource" | "Constraint"; args: (v: string) => Record<string, unknown> }
> = {
  "metaAttributes{value}": {
    kind: "PcsResource",
    args: (v) => resourceArgs({ metaAttributes: { "target-role": "Stopped", hl: v } }),
  },
  "metaAttributes{key}": {
    kind: "PcsResource",
    args: (v) => resourceArgs({ metaAttributes: { "target-role": "Stopped", [v]: "x" } }),
  },
  "instanceAttributes{value}": {
    kind: "PcsResource",
    args: (v) => resourceArgs({ instanceAttributes: { fake: v } }),
  },
  resourceId: { kind: "PcsResource", args: (v) => resourceArgs({ resourceId: v }) },
  constraintId: { kind: "Constraint", args: (v) => locationArgs(v, "hl_probe", "100") },
  score: { kind: "Constraint", args: (v) => locationArgs("hl_probe_loc", "hl_probe", v) },
};

interface Sorted {
  accepted: string[];
  refused: { value: string; reason: string }[];
  /** Refused values the fixture's config can carry (no NUL, no lone surrogate). */
  refusedCarriable: string[];
}

async function sortCorpus(field: Field): Promise<Sorted> {
  const probe = PROBES[field];
  const out: Sorted = { accepted: [], refused: [], refusedCarriable: [] };
  for (const { value } of hostileCorpus) {
    const { failures } = await check(probe.kind, {}, { runOn, ...probe.args(value) });
    if (failures.length === 0) {
      if (!canTravelInArgv(value)) throw new Error(`${field}: accepted a value no argv can carry`);
      if (!fixtureReads(value)) out.accepted.push(value);
    } else {
      out.refused.push({ value, reason: failures.map((f) => `${f.property}: ${f.reason}`).join("; ") });
      if (canTravelInArgv(value) && !fixtureReads(value)) out.refusedCarriable.push(value);
    }
  }
  return out;
}

// ---- reading the CIB with python's XML parser, inside node1 (no ssh) ----------------------------

const CIB_DUMP = `
import json, subprocess, sys, xml.etree.ElementTree as ET
root = ET.fromstring(subprocess.run(["cibadmin", "--query", "--scope", "configuration"], capture_output=True, check=True).stdout)
def nv(el, tag):
    s = el.find(tag)
    return {} if s is None else {p.get("name"): p.get("value") for p in s.findall("nvpair")}
out = {"primitives": {}, "locations": {}}
for p in root.iter("primitive"):
    out["primitives"][p.get("id")] = {"instance": nv(p, "instance_attributes"), "meta": nv(p, "meta_attributes")}
for c in root.iter("rsc_location"):
    out["locations"][c.get("id")] = {"rsc": c.get("rsc"), "node": c.get("node"), "score": c.get("score")}
json.dump(out, sys.stdout)
`;

interface CibDump {
  primitives: Record<string, { instance: Record<string, string>; meta: Record<string, string> }>;
  locations: Record<string, { rsc: string; node: string; score: string }>;
}

// the script travels base64-encoded: inNodeOk runs a shell line
const readCib = (): CibDump =>
  JSON.parse(
    inNodeOk("node1", `echo ${Buffer.from(CIB_DUMP).toString("base64")} | base64 -d | python3 - `),
  ) as CibDump;

const configuration = () => inNodeOk("node1", "cibadmin --query --scope configuration");

/** The nodes (and this machine) where the canary exists. */
function canaryFoundOn(): string[] {
  const found = NODES.filter((n) => inNodeOk(n, `test -e ${CANARY} && echo yes || echo no`).trim() === "yes");
  return existsSync(CANARY) ? [...found, "local"] : found;
}

// ---- the objects ----------------------------------------------------------------------------------

const key = (i: number) => `h${String(i).padStart(3, "0")}`;
const metaOf = (values: string[], shift: number) =>
  Object.fromEntries([
    ["target-role", "Stopped"],
    ...values.map((_, i) => [key(i), values[(i + shift) % values.length]]),
  ]);

interface Plan {
  objects: ObjectSpec[];
  /** What the CIB must hold: primitive id → instance and meta values; location id → its fields. */
  expected: CibDump;
}

function plan(sorted: Record<Field, Sorted>, shift: number): Plan {
  const expected: CibDump = { primitives: {}, locations: {} };
  const objects: ObjectSpec[] = [];
  const meta = metaOf(sorted["metaAttributes{value}"].accepted, shift);
  objects.push({
    kind: "PcsResource",
    name: "hl-meta",
    args: resourceArgs({ resourceId: "hl_meta", metaAttributes: meta }),
  });
  expected.primitives.hl_meta = { instance: {}, meta };
  const names = sorted["metaAttributes{key}"].accepted.filter((k) => k !== "target-role");
  const named = Object.fromEntries([
    ["target-role", "Stopped"],
    ...names.map((k, i) => [k, `v${(i + shift) % names.length}`]),
  ]);
  objects.push({
    kind: "PcsResource",
    name: "hl-keys",
    args: resourceArgs({ resourceId: "hl_keys", metaAttributes: named }),
  });
  expected.primitives.hl_keys = { instance: {}, meta: named };

  // the instance values, two per resource; the accepted ids (half of them: constraints take the
  // other half, the CIB has one id space) name those resources, then plain ids
  const ids = sorted.resourceId.accepted.filter((_, i) => i % 2 === 0);
  const values = sorted["instanceAttributes{value}"].accepted;
  const resources = Math.ceil(values.length / INERT_PARAMETERS.length);
  const rids = Array.from({ length: Math.max(resources, ids.length) }, (_, i) => ids[i] ?? `hl_r${i}`);
  rids.forEach((rid, i) => {
    const instance = Object.fromEntries(
      INERT_PARAMETERS.map((p, j) => [p, values[i * INERT_PARAMETERS.length + j]]).filter(
        ([, v]) => v !== undefined,
      ),
    );
    objects.push({
      kind: "PcsResource",
      name: `hl-r${i}`,
      args: resourceArgs({
        resourceId: rid,
        ...(Object.keys(instance).length ? { instanceAttributes: instance } : {}),
      }),
    });
    expected.primitives[rid] = { instance, meta: { "target-role": "Stopped" } };
  });

  const constraintIds = sorted.constraintId.accepted.filter(
    (v) => !ids.includes(v) && !(v in expected.primitives),
  );
  const scores = sorted.score.accepted;
  const count = Math.max(constraintIds.length, scores.length);
  for (let i = 0; i < count; i++) {
    const id = constraintIds[i] ?? `hl_loc${i}`;
    const r = i % rids.length;
    const score = scores[i % scores.length];
    objects.push({
      kind: "Constraint",
      name: `hl-loc${i}`,
      args: locationArgs(id, rids[r], score),
      dependsOn: [`hl-r${r}`],
    });
    expected.locations[id] = { rsc: rids[r], node: fqdn("node1"), score };
  }
  return { objects, expected };
}

/** Every expected value that the CIB does not hold exactly: [where, expected, found]. */
function mismatches(expected: CibDump, cib: CibDump): [string, string | undefined, string | undefined][] {
  const out: [string, string | undefined, string | undefined][] = [];
  for (const [id, want] of Object.entries(expected.primitives)) {
    const got = cib.primitives[id];
    if (!got) out.push([`primitive ${printableValue(id)}`, "present", undefined]);
    for (const part of ["instance", "meta"] as const)
      for (const [name, v] of Object.entries(want[part]))
        if (got?.[part][name] !== v)
          out.push([`${printableValue(id)} ${part} ${name}`, v, got?.[part][name]]);
  }
  for (const [id, want] of Object.entries(expected.locations)) {
    const got = cib.locations[id];
    for (const f of ["rsc", "node", "score"] as const)
      if (got?.[f] !== want[f]) out.push([`location ${printableValue(id)} ${f}`, want[f], got?.[f]]);
  }
  return out.map(([w, e, g]) => [
    w,
    e === undefined ? e : printableValue(e),
    g === undefined ? g : printableValue(g),
  ]);
}

// ---- the run ----------------------------------------------------------------------------------------

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };
const sorted = {} as Record<Field, Sorted>;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  for (const f of Object.keys(PROBES) as Field[]) sorted[f] = await sortCorpus(f);
  ensureCluster();
  for (const n of NODES) inNodeOk(n, `rm -f ${CANARY}`);
  rmSync(CANARY, { force: true });
  stack = await objectsStack([]);
});

afterAll(async () => {
  if (stack) {
    await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
    await stack.pulumi(["stack", "rm", "--force", "--yes"]);
    stack.dispose();
  }
  clearObjects();
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2));
});

test("self-check: the canary is seen on a node, and a changed value is a mismatch", () => {
  inNodeOk("node2", `touch ${CANARY}`);
  expect(canaryFoundOn()).toEqual(["node2"]);
  inNodeOk("node2", `rm -f ${CANARY}`);
  expect(canaryFoundOn()).toEqual([]);
  const want: CibDump = { primitives: { a: { instance: { fake: "x\ny" }, meta: {} } }, locations: {} };
  expect(
    mismatches(want, { primitives: { a: { instance: { fake: "x y" }, meta: {} } }, locations: {} }),
  ).toHaveLength(1);
  expect(mismatches(want, want)).toEqual([]);
});

test("the corpus splits into accepted and refused values in every field tried here", () => {
  figures.corpus = { size: hostileCorpus.length, canary: CANARY };
  figures.fields = Object.fromEntries(
    (Object.keys(sorted) as Field[]).map((f) => [
      f,
      { tried: hostileCorpus.length, accepted: sorted[f].accepted.length, refused: sorted[f].refused.length },
    ]),
  );
  for (const f of Object.keys(sorted) as Field[]) {
    expect([f, sorted[f].accepted.length > 0]).toEqual([f, true]);
    expect([f, sorted[f].refusedCarriable.length > 0]).toEqual([f, true]);
  }
});

test("refused values: preview and up fail naming the resource and the field; the CIB is unchanged", async () => {
  const before = configuration();
  const tried: Record<string, number> = {};
  for (const f of Object.keys(sorted) as Field[]) {
    // the injections first (what a refusal protects against); for keys, those Pulumi's SDK cannot pass
    const carriable = sorted[f].refusedCarriable;
    const values = [
      ...(f === "metaAttributes{key}" ? ["toString", "__proto__"].filter((k) => carriable.includes(k)) : []),
      ...carriable.filter((v) => /touch/.test(v)).slice(0, 3),
    ];
    tried[f] = values.length;
    for (const v of values) {
      const probe = PROBES[f];
      await stack.setObjects([{ kind: probe.kind, name: "hl-refused", args: probe.args(v) }]);
      for (const op of [["preview"], ["up", "--yes", "--skip-preview"]]) {
        const r = await stack.pulumi(op);
        const out = r.stdout + r.stderr;
        const property = f.replace(/\{(value|key)\}$/, "");
        expect([f, printableValue(v), op[0], r.status !== 0]).toEqual([f, printableValue(v), op[0], true]);
        expect([f, printableValue(v), op[0], out.includes("'hl-refused'") && out.includes(property)]).toEqual(
          [f, printableValue(v), op[0], true],
        );
      }
    }
  }
  expect(configuration()).toBe(before);
  expect(canaryFoundOn()).toEqual([]);
  figures.refusedThroughCli = tried;
});

test("accepted values: stored verbatim in the CIB and read back identically, on create and on update", async () => {
  const results: Record<string, unknown> = {};
  for (const [phase, shift] of [
    ["create", 0],
    ["update", 1],
  ] as const) {
    const { objects, expected } = plan(sorted, shift);
    // every accepted value is in the plan (the test cannot pass on an empty one)
    expect(Object.keys(expected.primitives.hl_meta.meta)).toHaveLength(
      sorted["metaAttributes{value}"].accepted.length + 1,
    );
    expect(Object.keys(expected.primitives).length).toBeGreaterThan(sorted.resourceId.accepted.length / 2);
    await stack.setObjects(objects);
    const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
    if (up.status !== 0)
      throw new Error(`${phase}: pulumi up exited ${up.status}:\n${(up.stdout + up.stderr).slice(-6000)}`);
    const wrong = mismatches(expected, readCib());
    const preview = await previewIsClean(stack);
    // the provider's own reading, as the state holds it after a refresh
    const refresh = await stack.pulumi(["refresh", "--yes", "--skip-preview"]);
    const state = JSON.parse((await stack.pulumiOk(["stack", "export"])).stdout);
    const inState = (id: string) =>
      state.deployment.resources.find(
        (r: { outputs?: { resourceId?: string } }) => r.outputs?.resourceId === id,
      )?.outputs;
    const stateWrong = ["hl_meta", "hl_keys"].flatMap((id) => {
      const meta = inState(id)?.metaAttributes ?? {};
      return Object.entries(expected.primitives[id].meta)
        .filter(([k, v]) => !Object.hasOwn(meta, k) || meta[k] !== v)
        .map(([k]) => `${id} ${printableValue(k)}`);
    });
    results[phase] = {
      objects: objects.length,
      values:
        Object.values(expected.primitives).reduce(
          (n, p) => n + Object.keys(p.instance).length + Object.keys(p.meta).length - 1,
          0,
        ) +
        Object.keys(expected.locations).length * 2,
      notVerbatim: wrong.length,
      previewClean: preview.clean,
      stateNotIdentical: stateWrong.length,
    };
    expect([phase, wrong.slice(0, 10)]).toEqual([phase, []]);
    expect([phase, preview.clean ? "clean" : preview.output.split("Outputs:")[0].slice(-4000)]).toEqual([
      phase,
      "clean",
    ]);
    expect(refresh.status).toBe(0);
    expect([phase, stateWrong.slice(0, 10)]).toEqual([phase, []]);
  }
  figures.storedVerbatim = results;
  const found = canaryFoundOn();
  figures.injectionsExecuted = found.length;
  expect(found).toEqual([]);
});
