// The repair matrix of ClusterObjects: each kind of item (resource, constraint) changed or deleted
// by hand with plain pcs is reported on `resources` or `constraints` by `preview --refresh`,
// repaired by one `up --refresh`, and clean afterwards — an item made again with another agent
// among them, whose delete takes the set's constraints on it along. One batch.
import { fqdn, ObjectSpec } from "../../../support/cluster-harness";
import {
  constraintById,
  operationsOf,
  parentOf,
  resourceParameter,
  xpathElements,
} from "../../../support/live-cib";
import { expectValue, objectsMatrix, repairBatch, RepairRow } from "../../../support/repair-matrix";

jest.setTimeout(900_000);

const dummy = (id: string, more: Record<string, unknown> = {}) => ({
  resourceId: id,
  agent: "ocf:pacemaker:Dummy",
  ...more,
});
const prefers = (rsc: string, node: string, score: string) => ({
  constraint: { type: "location", resource: rsc, node: fqdn(node), score },
});

const objects: ObjectSpec[] = [
  {
    kind: "ClusterObjects",
    name: "objects",
    args: {
      resources: [
        dummy("o-attr", { instanceAttributes: { fake: "declared" } }),
        dummy("o-meta", { metaAttributes: { "resource-stickiness": "10" } }),
        dummy("o-op", { operations: [{ name: "monitor", interval: "30s", timeout: "20s" }] }),
        dummy("o-grp", { group: "o-group" }),
        dummy("o-grp-2", { group: "o-group" }),
        dummy("o-clone", { clone: { meta: { "clone-max": "2" } } }),
        dummy("o-deleted"),
        dummy("o-agent"),
      ],
      constraints: [
        prefers("o-attr", "node2", "100"),
        prefers("o-meta", "node3", "100"),
        { constraint: { type: "order", first: "o-attr", then: "o-meta" } },
        // on the item the hand change makes again with another agent: its repair must keep it
        prefers("o-agent", "node3", "20"),
      ],
    },
  },
];

const L_ATTR = `location-o-attr-${fqdn("node2")}-100`;
const ORDER = "order-o-attr-o-meta-Mandatory";
const L_AGENT = `location-o-agent-${fqdn("node3")}-20`;

const providerOf = (rsc: string) => xpathElements(`//primitive[@id='${rsc}']`)[0]?.provider;

const rows: RepairRow[] = [
  {
    resource: "objects",
    property: "resources",
    handChange: "pcs resource update o-attr fake=by-hand",
    isBack: () => expectValue("o-attr's fake", resourceParameter("o-attr", "fake"), "declared"),
  },
  {
    resource: "objects",
    property: "resources",
    handChange: "pcs resource meta o-meta resource-stickiness=20",
    isBack: () =>
      expectValue("o-meta's stickiness", resourceParameter("o-meta", "resource-stickiness", true), "10"),
  },
  {
    resource: "objects",
    property: "resources",
    handChange: "pcs resource update o-op op monitor interval=45s",
    isBack: () =>
      expectValue(
        "o-op's monitors",
        operationsOf("o-op")
          .filter((o) => o.name === "monitor")
          .map((o) => `${o.interval}/${o.timeout}`)
          .join(),
        "30s/20s",
      ),
  },
  {
    resource: "objects",
    property: "resources",
    handChange: "pcs resource group remove o-group o-grp",
    isBack: () => expectValue("o-grp's group", parentOf("o-grp")?.id, "o-group"),
  },
  {
    resource: "objects",
    property: "resources",
    handChange: "pcs resource meta o-clone-clone clone-max=1",
    isBack: () =>
      expectValue("o-clone-clone's clone-max", resourceParameter("o-clone-clone", "clone-max", true), "2"),
  },
  {
    resource: "objects",
    property: "resources",
    handChange: "pcs resource delete o-deleted",
    isBack: () => expectValue("o-deleted's agent provider", providerOf("o-deleted"), "pacemaker"),
  },
  {
    resource: "objects",
    property: "resources",
    // the constraint made again too: it is there when the repair deletes the item
    handChange:
      "pcs resource delete o-agent && pcs resource create o-agent ocf:heartbeat:Dummy && " +
      `pcs constraint location add ${L_AGENT} o-agent ${fqdn("node3")} 20`,
    isBack: () => {
      expectValue("o-agent's agent provider", providerOf("o-agent"), "pacemaker");
      expectValue(`${L_AGENT}'s resource`, constraintById(L_AGENT)?.rsc, "o-agent");
    },
  },
  {
    resource: "objects",
    property: "constraints",
    handChange: `pcs constraint delete ${L_ATTR} && pcs constraint location add ${L_ATTR} o-attr ${fqdn("node2")} 50`,
    isBack: () => expectValue(`${L_ATTR}'s score`, constraintById(L_ATTR)?.score, "100"),
  },
  {
    resource: "objects",
    property: "constraints",
    handChange: `pcs constraint delete ${ORDER}`,
    isBack: () => expectValue(`${ORDER}'s kind`, constraintById(ORDER)?.kind, "Mandatory"),
  },
];

const stack = objectsMatrix("ClusterObjects", objects);

test("items of each kind changed, deleted or made again by hand: reported on the set, repaired by one up", async () => {
  await repairBatch(stack(), "every item kind", rows);
});
