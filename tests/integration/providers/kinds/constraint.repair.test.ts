// The repair matrix of Constraint, for each type (location by node and by rule, order,
// colocation, order and colocation sets): every declared field changed by hand is reported on
// `constraint` by `preview --refresh`, repaired by one `up --refresh`, and clean afterwards. pcs
// cannot edit a constraint, so an administrator deletes it and adds it again, under the same id,
// with another value; one row deletes one. One batch.
import { fqdn, ObjectSpec } from "../../../support/cluster-harness";
import { constraintById, xpathElements } from "../../../support/live-cib";
import { expectValue, objectsMatrix, repairBatch, RepairRow } from "../../../support/repair-matrix";

jest.setTimeout(900_000);

const dummy = (id: string): ObjectSpec => ({
  kind: "PcsResource",
  name: id,
  args: { resourceId: id, agent: "ocf:pacemaker:Dummy" },
});
const RESOURCES = ["c-a", "c-b", "c-c", "c-d", "c-e", "c-f"];

/** A constraint on the stack's resources (named by dependsOn, so the engine makes them first). */
const constraint = (name: string, c: Record<string, unknown>, constraintId?: string): ObjectSpec => ({
  kind: "Constraint",
  name,
  args: { ...(constraintId ? { constraintId } : {}), constraint: c },
  dependsOn: [...RESOURCES, "c-s"],
});

const n = (i: number) => fqdn(`node${i}`);
const L1 = `location-c-a-${n(2)}-100`;
const L2 = `location-c-b-${n(2)}-100`;
const L3 = `location-c-c-${n(3)}--INFINITY`;
const L4 = `location-c-d-${n(1)}-10`;
const D1 = `location-c-e-${n(1)}-5`;
const O1 = "order-c-a-c-b-Mandatory";
const O2 = "order-c-c-c-d-Mandatory";
const O3 = "order-c-b-c-c-Mandatory";
const C1 = "colocation-c-b-c-a-INFINITY";
const C2 = "colocation-c-c-c-s-clone-INFINITY";
const C3 = "colocation-c-d-c-c-50";

const objects: ObjectSpec[] = [
  ...RESOURCES.map(dummy),
  {
    kind: "PcsResource",
    name: "c-s",
    args: { resourceId: "c-s", agent: "ocf:pacemaker:Stateful", clone: { promotable: true } },
  },
  constraint("l1", { type: "location", resource: "c-a", node: n(2), score: "100" }),
  constraint("l2", { type: "location", resource: "c-b", node: n(2), score: "100" }),
  constraint("l3", {
    type: "location",
    resource: "c-c",
    node: n(3),
    score: "-INFINITY",
    resourceDiscovery: "never",
  }),
  constraint("l4", { type: "location", resource: "c-d", node: n(1), score: "10" }),
  constraint("d1", { type: "location", resource: "c-e", node: n(1), score: "5" }),
  constraint(
    "r1",
    { type: "location", resource: "c-a", rule: `#uname eq ${n(3)}`, score: "-INFINITY" },
    "r1",
  ),
  constraint(
    "r2",
    { type: "location", resource: "c-b", rule: `#uname eq ${n(3)}`, score: "-INFINITY" },
    "r2",
  ),
  constraint(
    "r3",
    { type: "location", resource: "c-s-clone", rule: `#uname eq ${n(1)}`, score: "50", role: "Promoted" },
    "r3",
  ),
  constraint("o1", { type: "order", first: "c-a", then: "c-b" }),
  constraint("o2", { type: "order", first: "c-c", then: "c-d" }),
  constraint("o3", { type: "order", first: "c-b", then: "c-c" }),
  constraint("c1", { type: "colocation", resource: "c-b", withResource: "c-a" }),
  constraint("c2", { type: "colocation", resource: "c-c", withResource: "c-s-clone", withRole: "Promoted" }),
  constraint("c3", { type: "colocation", resource: "c-d", withResource: "c-c", score: "50" }),
  constraint("s-order", { type: "order-set", sets: [{ resources: ["c-e", "c-f"] }] }, "s-order"),
  constraint(
    "s-set-options",
    { type: "order-set", sets: [{ resources: ["c-c", "c-d"], options: { sequential: "false" } }] },
    "s-set-options",
  ),
  constraint(
    "s-coloc",
    { type: "colocation-set", sets: [{ resources: ["c-f", "c-e"] }], options: { score: "100" } },
    "s-coloc",
  ),
];

/** `pcs constraint delete ID`, then the administrator's new version of it. */
const remade = (id: string, add: string) => `pcs constraint delete ${id} && pcs constraint ${add}`;

const attribute = (id: string, name: string, declared: string | undefined) =>
  expectValue(`${id}'s ${name}`, constraintById(id)?.[name], declared);

/** A role as the CIB may spell it: Pacemaker 2.1 with an older schema writes Master. */
const promoted = (role: string | undefined) => (role === "Master" ? "Promoted" : role);

const ruleOf = (id: string) => xpathElements(`//rsc_location[@id='${id}']/rule`)[0];
const expressionOf = (id: string) => xpathElements(`//rsc_location[@id='${id}']/rule/expression`)[0];
const setMembers = (id: string): string =>
  xpathElements(`//*[@id='${id}']/resource_set/resource_ref`)
    .map((r) => r.id)
    .join(" ");

const rows: RepairRow[] = [
  {
    resource: "l1",
    property: "constraint",
    handChange: remade(L1, `location add ${L1} c-a ${n(2)} 50`),
    isBack: () => attribute(L1, "score", "100"),
  },
  {
    resource: "l2",
    property: "constraint",
    handChange: remade(L2, `location add ${L2} c-b ${n(3)} 100`),
    isBack: () => attribute(L2, "node", n(2)),
  },
  {
    resource: "l3",
    property: "constraint",
    handChange: remade(L3, `location add ${L3} c-c ${n(3)} -INFINITY`),
    isBack: () => attribute(L3, "resource-discovery", "never"),
  },
  {
    resource: "l4",
    property: "constraint",
    handChange: remade(L4, `location add ${L4} c-a ${n(1)} 10`),
    isBack: () => attribute(L4, "rsc", "c-d"),
  },
  {
    resource: "d1",
    property: null,
    handChange: `pcs constraint delete ${D1}`,
    isBack: () => attribute(D1, "score", "5"),
  },
  {
    resource: "r1",
    property: "constraint",
    handChange: remade(
      "r1",
      `location c-a rule constraint-id=r1 id=r1-rule score=-INFINITY '#uname' eq ${n(1)}`,
    ),
    isBack: () => expectValue("r1's expression", expressionOf("r1")?.value, n(3)),
  },
  {
    resource: "r2",
    property: "constraint",
    handChange: remade("r2", `location c-b rule constraint-id=r2 id=r2-rule score=-100 '#uname' eq ${n(3)}`),
    isBack: () => expectValue("r2's rule score", ruleOf("r2")?.score, "-INFINITY"),
  },
  {
    resource: "r3",
    property: "constraint",
    handChange: remade(
      "r3",
      `location c-s-clone rule constraint-id=r3 id=r3-rule role=Unpromoted score=50 '#uname' eq ${n(1)}`,
    ),
    isBack: () => expectValue("r3's rule role", promoted(ruleOf("r3")?.role), "Promoted"),
  },
  {
    resource: "o1",
    property: "constraint",
    handChange: remade(O1, `order start c-a then start c-b kind=Optional id=${O1}`),
    isBack: () => attribute(O1, "kind", "Mandatory"),
  },
  {
    resource: "o2",
    property: "constraint",
    handChange: remade(O2, `order stop c-c then stop c-d kind=Mandatory id=${O2}`),
    isBack: () => attribute(O2, "first-action", "start"),
  },
  {
    resource: "o3",
    property: "constraint",
    handChange: remade(O3, `order start c-b then start c-c kind=Mandatory symmetrical=false id=${O3}`),
    isBack: () => attribute(O3, "symmetrical", "true"),
  },
  {
    resource: "c1",
    property: "constraint",
    handChange: remade(C1, `colocation add c-b with c-a 100 id=${C1}`),
    isBack: () => attribute(C1, "score", "INFINITY"),
  },
  {
    resource: "c2",
    property: "constraint",
    handChange: remade(C2, `colocation add c-c with c-s-clone INFINITY id=${C2}`),
    isBack: () =>
      expectValue(`${C2}'s with-rsc-role`, promoted(constraintById(C2)?.["with-rsc-role"]), "Promoted"),
  },
  {
    resource: "c3",
    property: "constraint",
    handChange: remade(C3, `colocation add c-c with c-d 50 id=${C3}`),
    isBack: () => attribute(C3, "rsc", "c-d"),
  },
  {
    resource: "s-order",
    property: "constraint",
    handChange: remade("s-order", "order set c-f c-e setoptions id=s-order"),
    isBack: () => expectValue("s-order's set", setMembers("s-order"), "c-e c-f"),
  },
  {
    resource: "s-set-options",
    property: "constraint",
    handChange: remade("s-set-options", "order set c-c c-d sequential=true setoptions id=s-set-options"),
    isBack: () =>
      expectValue(
        "s-set-options' sequential",
        xpathElements("//*[@id='s-set-options']/resource_set")[0]?.sequential,
        "false",
      ),
  },
  {
    resource: "s-coloc",
    property: "constraint",
    handChange: remade("s-coloc", "colocation set c-f c-e setoptions id=s-coloc score=50"),
    isBack: () => attribute("s-coloc", "score", "100"),
  },
];

const stack = objectsMatrix("Constraint", objects);

test("every field of every constraint type made otherwise by hand, one deleted: reported, repaired by one up", async () => {
  await repairBatch(stack(), "every type", rows);
});
