// Constraint through the real engine on the lab: location (node and rule), order, colocation and
// an order set, each with its stable id; resources created in the same run start only where their
// constraints allow (they are held until the constraints exist); drift by hand seen and repaired;
// destroy removes the constraints and leaves the resources to their own stack.
import { eventually, onNode, onNodeOk } from "../../../support/lab-harness";
import {
  clusterView,
  ensureCluster,
  fqdn,
  ObjectSpec,
  objectsStack,
  previewIsClean,
  startedOn,
} from "../../../support/cluster-harness";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const dummy = (id: string): ObjectSpec => ({
  kind: "PcsResource",
  name: id,
  args: { resourceId: id, agent: "ocf:pacemaker:Dummy" },
});
const constraint = (name: string, c: Record<string, unknown>): ObjectSpec => ({
  kind: "Constraint",
  name,
  args: { constraint: c },
});

const objects: ObjectSpec[] = [
  dummy("c-a"),
  constraint("c-a-prefers-node2", { type: "location", resource: "c-a", node: fqdn("node2"), score: "100" }),
  dummy("c-b"),
  constraint("c-b-with-c-a", { type: "colocation", resource: "c-b", withResource: "c-a" }),
  constraint("c-a-then-c-b", { type: "order", first: "c-a", then: "c-b" }),
  dummy("c-c"),
  constraint("c-c-avoids-node1", {
    type: "location",
    resource: "c-c",
    rule: `#uname eq ${fqdn("node1")}`,
    score: "-INFINITY",
  }),
  constraint("c-set", {
    type: "order-set",
    sets: [{ resources: ["c-c", "c-a"], options: { sequential: "true" } }],
  }),
];

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };

beforeAll(async () => {
  ensureCluster();
  stack = await objectsStack(objects);
});

afterAll(() => stack?.dispose());

test("up creates the constraints with their ids; no resource ever started where they forbid", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  const constraints = onNodeOk("node1", "cibadmin --query --scope constraints");
  for (const id of [
    "location-c-a-node2.example.com-100",
    "colocation-c-b-c-a-INFINITY",
    "order-c-a-c-b-Mandatory",
    "location-c-c-rule",
  ]) {
    expect(constraints).toContain(`id="${id}"`);
  }
  expect(constraints).toMatch(/<rsc_order id="order-set-[0-9a-f]{8}"/);
  await eventually(
    "c-a and c-b on node2, c-c started",
    60_000,
    () => {
      const mon = onNodeOk("node1", "crm_mon -1");
      return (
        /c-a\s.*Started node2/.test(mon) &&
        /c-b\s.*Started node2/.test(mon) &&
        /c-c\s.*Started/.test(mon) &&
        mon
      );
    },
    clusterView,
  );
  // held until the constraints existed: c-a and c-b never started anywhere but node2, c-c never on node1
  expect(startedOn("c-a")).toEqual(["node2"]);
  expect(startedOn("c-b")).toEqual(["node2"]);
  expect(startedOn("c-c")).not.toContain("node1");
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a constraint removed or changed by hand is drift, and up --refresh puts it back", async () => {
  onNodeOk("node1", "pcs constraint delete location-c-a-node2.example.com-100");
  onNodeOk(
    "node1",
    "pcs constraint delete order-c-a-c-b-Mandatory && pcs constraint order c-a then c-b kind=Optional id=order-c-a-c-b-Mandatory",
  );
  const drift = await previewIsClean(stack);
  expect(drift.clean).toBe(false);
  expect(drift.output).toMatch(/\[id=order-c-a-c-b-Mandatory\][\s\S]*~ kind\s*: "Mandatory" => "Optional"/);
  expect(drift.output).toMatch(
    /\+ pulumi-nodejs:dynamic\/pcmk:Constraint: \(create\)[\s\S]*node\s*: "node2\.example\.com"/,
  );
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  const constraints = onNodeOk("node1", "cibadmin --query --scope constraints");
  expect(constraints).toContain('id="location-c-a-node2.example.com-100"');
  expect(constraints).toMatch(/id="order-c-a-c-b-Mandatory"[^>]*kind="Mandatory"/);
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a changed score is an in-place update under the same id", async () => {
  const changed = objects.map((o) =>
    o.name === "c-b-with-c-a"
      ? {
          ...o,
          args: {
            constraintId: "colocation-c-b-c-a-INFINITY",
            constraint: { type: "colocation", resource: "c-b", withResource: "c-a", score: "500" },
          },
        }
      : o,
  );
  await stack.setObjects(changed);
  const up = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/1 updated/);
  expect(onNodeOk("node1", "cibadmin --query --scope constraints")).toMatch(
    /<rsc_colocation rsc="c-b" with-rsc="c-a" score="500" id="colocation-c-b-c-a-INFINITY"\/>/,
  );
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("destroy removes constraints and resources", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "cibadmin --query --scope constraints")).toMatch(
    /<constraints\/>|<constraints>\s*<\/constraints>/,
  );
  expect(onNodeOk("node1", "cibadmin --query --scope resources")).not.toMatch(/id="c-/);
  // a removed resource still running is listed until the cluster has stopped it (see cluster-objects)
  const list = () => onNode("node1", "crm_resource --list-raw").stdout;
  await eventually("the removed resources stopped", 60_000, () => !/^c-/m.test(list()), list);
});
