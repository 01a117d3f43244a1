// The repair matrix of PcsResource: every declared property changed by hand with plain pcs is
// reported on that property by `preview --refresh`, repaired by one `up --refresh`, and clean
// afterwards. Each row drifts a resource of its own; the rows go in two batches (the second
// changes what the first's repair leaves alone: agents and deletions).
import { fqdn, ObjectSpec } from "../../../support/cluster-harness";
import {
  constraintById,
  operationsOf,
  parentOf,
  resourceParameter,
  xpathElements,
} from "../../../support/live-cib";
import { onNodeOk } from "../../../support/lab-harness";
import { expectValue, objectsMatrix, repairBatch, RepairRow } from "../../../support/repair-matrix";

jest.setTimeout(900_000);

const dummy = (id: string, more: Record<string, unknown> = {}): ObjectSpec => ({
  kind: "PcsResource",
  name: id,
  args: { resourceId: id, agent: "ocf:pacemaker:Dummy", ...more },
});

const MONITOR = { name: "monitor", interval: "30s", timeout: "20s" };

/** `<rsc> prefers node2 50`: a Constraint of the stack (location-<rsc>-node2.example.com-50). */
const location = (rsc: string, owner: string): ObjectSpec => ({
  kind: "Constraint",
  name: `${rsc}-prefers-node2`,
  args: { constraint: { type: "location", resource: rsc, node: fqdn("node2"), score: "50" } },
  dependsOn: [owner],
});
/** Throws unless the stack's location constraint on `rsc` is there, on `rsc`. */
const locationKept = (rsc: string) =>
  expectValue(`location-${rsc}-node2 on`, constraintById(`location-${rsc}-${fqdn("node2")}-50`)?.rsc, rsc);

const objects: ObjectSpec[] = [
  dummy("r-ia-value", { instanceAttributes: { fake: "declared" } }),
  dummy("r-ia-gone", { instanceAttributes: { fake: "declared" } }),
  dummy("r-ia-extra"),
  dummy("r-meta-value", { metaAttributes: { "resource-stickiness": "100" } }),
  dummy("r-meta-gone", { metaAttributes: { "resource-stickiness": "100" } }),
  dummy("r-meta-extra"),
  dummy("r-op-interval", { operations: [MONITOR] }),
  dummy("r-op-readded", { operations: [MONITOR] }),
  dummy("r-op-timeout", { operations: [MONITOR] }),
  dummy("r-op-option", { operations: [{ ...MONITOR, options: { "on-fail": "restart" } }] }),
  dummy("r-op-gone", { operations: [MONITOR] }),
  dummy("r-op-start", { operations: [{ name: "start", interval: "0s", timeout: "40s" }] }),
  dummy("r-grp-left", { group: "g-left" }),
  dummy("r-grp-left-2", { group: "g-left" }),
  dummy("r-grp-moved", { group: "g-moved" }),
  dummy("r-grp-none"),
  dummy("r-cl-gone", { clone: { meta: { "clone-max": "2" } } }),
  dummy("r-cl-meta", { clone: { meta: { "clone-max": "2" } } }),
  dummy("r-cl-none"),
  {
    kind: "PcsResource",
    name: "r-cl-promotable",
    args: { resourceId: "r-cl-promotable", agent: "ocf:pacemaker:Stateful", clone: { promotable: true } },
  },
  {
    kind: "PcsResource",
    name: "r-clp-meta",
    args: { resourceId: "r-clp-meta", agent: "ocf:pacemaker:Stateful", clone: { promotable: true } },
  },
  dummy("r-op-level", { operations: [{ ...MONITOR, options: { OCF_CHECK_LEVEL: "1" } }] }),
  // constraints other resources of the stack own, on what the repair of a clone changes
  location("r-clp-meta-clone", "r-clp-meta"),
  location("r-cl-none", "r-cl-none"),
  dummy("r-deleted"),
  dummy("r-agent"),
  // a constraint another resource of the stack owns, on the resource the last batch replaces
  location("r-agent", "r-agent"),
  dummy("r-agent-refused"),
];

const param = (rsc: string, name: string, declared: string | undefined, meta = false) =>
  expectValue(`${rsc} ${meta ? "meta" : "instance"} ${name}`, resourceParameter(rsc, name, meta), declared);

/** Throws unless the primitive's operations of this action are exactly the declared one. */
function onlyOperation(rsc: string, action: string, declared: Record<string, string>): void {
  const ops = operationsOf(rsc).filter((o) => o.name === action);
  const matches = ops.length === 1 && Object.entries(declared).every(([k, v]) => ops[0][k] === v);
  if (!matches)
    throw new Error(
      `${rsc}'s ${action} operations: ${JSON.stringify(ops)}, declared ${JSON.stringify(declared)}`,
    );
}

/** The provider of a primitive's agent (pacemaker, heartbeat…), undefined when there is no such primitive. */
const providerOf = (rsc: string): string | undefined =>
  xpathElements(`//primitive[@id='${rsc}']`)[0]?.provider;

const inGroup = (rsc: string, group: string | undefined) =>
  expectValue(`${rsc}'s group`, parentOf(rsc)?.tag === "group" ? parentOf(rsc)?.id : undefined, group);
const inClone = (rsc: string, clone: string | undefined) =>
  expectValue(
    `${rsc}'s clone`,
    parentOf(rsc)?.id && parentOf(rsc)?.tag !== "group" ? parentOf(rsc)?.id : undefined,
    clone,
  );

const attributeRows: RepairRow[] = [
  {
    resource: "r-ia-value",
    property: "instanceAttributes",
    handChange: "pcs resource update r-ia-value fake=by-hand",
    isBack: () => param("r-ia-value", "fake", "declared"),
  },
  {
    resource: "r-ia-gone",
    property: "instanceAttributes",
    handChange: "pcs resource update r-ia-gone fake=",
    isBack: () => param("r-ia-gone", "fake", "declared"),
  },
  {
    resource: "r-ia-extra",
    property: "instanceAttributes",
    handChange: "pcs resource update r-ia-extra fake=undeclared",
    isBack: () => param("r-ia-extra", "fake", undefined),
  },
  {
    resource: "r-meta-value",
    property: "metaAttributes",
    handChange: "pcs resource meta r-meta-value resource-stickiness=50",
    isBack: () => param("r-meta-value", "resource-stickiness", "100", true),
  },
  {
    resource: "r-meta-gone",
    property: "metaAttributes",
    handChange: "pcs resource meta r-meta-gone resource-stickiness=",
    isBack: () => param("r-meta-gone", "resource-stickiness", "100", true),
  },
  {
    resource: "r-meta-extra",
    property: "metaAttributes",
    handChange: "pcs resource meta r-meta-extra migration-threshold=3",
    isBack: () => param("r-meta-extra", "migration-threshold", undefined, true),
  },
];

const operationRows: RepairRow[] = [
  {
    // the case: the declared monitor redefined with another interval
    resource: "r-op-interval",
    property: "operations",
    handChange: "pcs resource update r-op-interval op monitor interval=45s",
    isBack: () => onlyOperation("r-op-interval", "monitor", { interval: "30s", timeout: "20s" }),
  },
  {
    resource: "r-op-readded",
    property: "operations",
    handChange:
      "pcs resource op remove r-op-readded monitor && pcs resource op add r-op-readded monitor interval=45s",
    isBack: () => onlyOperation("r-op-readded", "monitor", { interval: "30s", timeout: "20s" }),
  },
  {
    resource: "r-op-timeout",
    property: "operations",
    handChange: "pcs resource update r-op-timeout op monitor interval=30s timeout=40s",
    isBack: () => onlyOperation("r-op-timeout", "monitor", { interval: "30s", timeout: "20s" }),
  },
  {
    resource: "r-op-option",
    property: "operations",
    handChange: "pcs resource update r-op-option op monitor interval=30s timeout=20s on-fail=block",
    isBack: () => onlyOperation("r-op-option", "monitor", { interval: "30s", "on-fail": "restart" }),
  },
  {
    resource: "r-op-level",
    property: "operations",
    handChange: "pcs resource update r-op-level op monitor interval=30s timeout=20s OCF_CHECK_LEVEL=5",
    isBack: () => {
      onlyOperation("r-op-level", "monitor", { interval: "30s", timeout: "20s" });
      expectValue(
        "r-op-level's monitor OCF_CHECK_LEVEL",
        xpathElements("//primitive[@id='r-op-level']/operations/op/instance_attributes/nvpair")[0]?.value,
        "1",
      );
    },
  },
  {
    resource: "r-op-gone",
    property: "operations",
    handChange: "pcs resource op delete r-op-gone-monitor-interval-30s",
    isBack: () => onlyOperation("r-op-gone", "monitor", { interval: "30s", timeout: "20s" }),
  },
  {
    // an action other than monitor: pcs takes one operation of it only
    resource: "r-op-start",
    property: "operations",
    handChange: "pcs resource update r-op-start op start interval=0s timeout=90s",
    isBack: () => onlyOperation("r-op-start", "start", { interval: "0s", timeout: "40s" }),
  },
];

const structureRows: RepairRow[] = [
  {
    resource: "r-grp-left",
    property: "group",
    handChange: "pcs resource group remove g-left r-grp-left",
    isBack: () => inGroup("r-grp-left", "g-left"),
  },
  {
    resource: "r-grp-moved",
    property: "group",
    handChange: "pcs resource group add g-by-hand r-grp-moved",
    isBack: () => inGroup("r-grp-moved", "g-moved"),
  },
  {
    resource: "r-grp-none",
    property: "group",
    handChange: "pcs resource group add g-none-by-hand r-grp-none",
    isBack: () => inGroup("r-grp-none", undefined),
  },
  {
    resource: "r-cl-gone",
    property: "clone",
    handChange: "pcs resource unclone r-cl-gone",
    isBack: () => {
      inClone("r-cl-gone", "r-cl-gone-clone");
      param("r-cl-gone-clone", "clone-max", "2", true);
    },
  },
  {
    resource: "r-cl-meta",
    property: "clone",
    handChange: "pcs resource meta r-cl-meta-clone clone-max=1",
    isBack: () => param("r-cl-meta-clone", "clone-max", "2", true),
  },
  {
    resource: "r-cl-none",
    property: "clone",
    // pcs moves the constraints on the resource to its new clone; the repair's unclone drops them
    handChange: "pcs resource clone r-cl-none",
    isBack: () => {
      inClone("r-cl-none", undefined);
      locationKept("r-cl-none");
    },
  },
  {
    resource: "r-clp-meta",
    property: "clone",
    handChange: "pcs resource meta r-clp-meta-clone promotable=false",
    isBack: () => {
      param("r-clp-meta-clone", "promotable", "true", true);
      locationKept("r-clp-meta-clone");
    },
  },
  {
    resource: "r-cl-promotable",
    property: "clone",
    handChange: "pcs resource unclone r-cl-promotable && pcs resource clone r-cl-promotable",
    isBack: () => {
      inClone("r-cl-promotable", "r-cl-promotable-clone");
      param("r-cl-promotable-clone", "promotable", "true", true);
    },
  },
];

const replaceRows: RepairRow[] = [
  {
    resource: "r-deleted",
    property: null,
    handChange: "pcs resource delete r-deleted",
    isBack: () => expectValue("r-deleted's agent provider", providerOf("r-deleted"), "pacemaker"),
  },
  {
    // pcs cannot change an agent: by hand, deleted and made again with another
    // made again by the update, in one push with the constraints its delete takes along
    resource: "r-agent",
    property: "agent",
    // the stack's constraint made again too: it is there when the repair deletes the resource
    handChange:
      "pcs resource delete r-agent && pcs resource create r-agent ocf:heartbeat:Dummy && " +
      `pcs constraint location add location-r-agent-${fqdn("node2")}-50 r-agent ${fqdn("node2")} 50`,
    isBack: () => {
      expectValue("r-agent's agent provider", providerOf("r-agent"), "pacemaker");
      // the constraint of another resource of the stack, which the replacement's delete takes along
      locationKept("r-agent");
    },
  },
];

const stack = objectsMatrix("PcsResource", objects);

test("attributes and operations changed by hand: reported on their property, repaired by one up", async () => {
  await repairBatch(stack(), "attributes and operations", [...attributeRows, ...operationRows]);
});

test("group and clone changed by hand: reported, repaired by one up", async () => {
  await repairBatch(stack(), "group and clone", structureRows);
});

test("deleted, or made again with another agent, by hand: made again, keeping the stack's constraints", async () => {
  await repairBatch(stack(), "deleted and replaced", replaceRows);
});

test("another agent by hand, with a constraint pcs cannot add back: the preview refuses on agent, naming it; repaired once that is gone", async () => {
  // a rule with a date expression: no pcs command of this kind writes that, so a remake could not
  // add it back (two rules would do on Pacemaker 2, whose schema Pacemaker 3 no longer has)
  const dated =
    '<rsc_location id="r-agent-dated" rsc="r-agent-refused">' +
    '<rule id="r-agent-dated-rule" score="5"><date_expression id="r-agent-dated-e" operation="gt" start="2020-01-01"/></rule>' +
    "</rsc_location>";
  onNodeOk(
    "node1",
    "pcs resource delete r-agent-refused && pcs resource create r-agent-refused ocf:heartbeat:Dummy && " +
      `cibadmin --create -o constraints -X '${dated}'`,
  );
  const preview = await stack().pulumi(["preview", "--refresh"]);
  const text = preview.stdout + preview.stderr;
  expect(preview.status).not.toBe(0);
  expect(text).toMatch(/PcsResource resource 'r-agent-refused': property agent value .* has a problem:/);
  expect(text).toContain(
    "its delete would take along constraint 'r-agent-dated' (its rule has a date expression), which pcs cannot add back as it is: change the agent by hand",
  );
  // the refused up changed nothing
  const up = await stack().pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(up.status).not.toBe(0);
  expectValue("r-agent-refused's agent provider", providerOf("r-agent-refused"), "heartbeat");
  expectValue("r-agent-dated on", constraintById("r-agent-dated")?.rsc, "r-agent-refused");
  await repairBatch(stack(), "another agent, once nothing is lost", [
    {
      resource: "r-agent-refused",
      property: "agent",
      handChange: "cibadmin --delete -o constraints -X '<rsc_location id=\"r-agent-dated\"/>'",
      isBack: () =>
        expectValue("r-agent-refused's agent provider", providerOf("r-agent-refused"), "pacemaker"),
    },
  ]);
});
