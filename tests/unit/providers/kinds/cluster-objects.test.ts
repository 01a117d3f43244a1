// ClusterObjects without a cluster: its items take their kinds' fields and rules, ids are unique
// in a set, an update is planned item by item with each kind's own diff, and a read keeps each
// item as the captured lab CIB has it (the same declarations as the kinds' own tests).
import { checkInputs } from "../../../../providers/checks/inputs";
import {
  clusterObjectsDiff,
  ClusterObjectsInputs,
  clusterObjectsInputsSchema,
  clusterObjectsKind,
  ClusterObjectsOutputs,
  compactInputs,
  compactOutputs,
  expandOutputs,
  objectsAsLive,
  planOf,
} from "../../../../providers/kinds/cluster-objects";
import { check, diff, useAgentJudge } from "../../../../providers/runtime";
import { AgentQuestion } from "../../../../providers/checks/agent-check";
import { liveFrom, runOn } from "../../../support/cib-fixtures";

const parse = (args: object): ClusterObjectsInputs => clusterObjectsInputsSchema.parse({ runOn, ...args });

const dummy1 = {
  resourceId: "dummy1",
  agent: "ocf:pacemaker:Dummy",
  operations: [{ name: "monitor", interval: "30s", timeout: "20s" }],
};
const vip = {
  resourceId: "vip",
  agent: "IPaddr2",
  instanceAttributes: { ip: "10.77.0.100", cidr_netmask: "24" },
  metaAttributes: { "resource-stickiness": "100" },
};
const location = {
  constraint: { type: "location", resource: "dummy1", node: "node1.example.com", score: "100" },
};
const order = { constraint: { type: "order", first: "dummy1", then: "vip" } };

/** What a create records: each item as declared, with its kind's facts. */
function created(inputs: ClusterObjectsInputs): ClusterObjectsOutputs {
  const agentResolved: Record<string, string> = {
    dummy1: "ocf:pacemaker:Dummy",
    vip: "ocf:heartbeat:IPaddr2",
  };
  return {
    runOn: inputs.runOn,
    settleSeconds: inputs.settleSeconds,
    allowFailedActions: inputs.allowFailedActions,
    resources: inputs.resources.map((r) => ({
      ...r,
      agentResolved: agentResolved[r.resourceId] ?? r.agent,
      held: false,
    })),
    constraints: inputs.constraints.map((k) => ({ ...k, ruleResolved: null })),
  };
}

describe("ClusterObjects inputs", () => {
  it("takes each item with its kind's defaults: a clone's id, a constraint's derived id", () => {
    const c = parse({
      resources: [dummy1, { resourceId: "web", agent: "Dummy", clone: {} }],
      constraints: [location],
    });
    expect(c.resources[1].clone?.id).toBe("web-clone");
    expect(c.resources[0]).toMatchObject({ adopt: false, instanceAttributes: {}, metaAttributes: {} });
    expect(c.constraints[0].constraintId).toBe("location-dummy1-node1.example.com-100");
    expect(parse({}).resources).toEqual([]);
  });

  it("refuses an item its kind refuses, at the item's path", () => {
    const { failures } = checkInputs(clusterObjectsInputsSchema, {
      runOn,
      resources: [dummy1, { resourceId: "x", agent: "Dummy", group: "g", clone: {} }],
      constraints: [{ constraint: { type: "location", resource: "dummy1", score: "inf", node: "n1" } }],
    });
    expect(failures).toEqual([
      expect.objectContaining({
        property: "resources[1].clone",
        reason: expect.stringMatching(/group member/),
      }),
      expect.objectContaining({
        property: "constraints[0].constraint.score",
        reason: expect.stringMatching(/INFINITY/),
      }),
    ]);
  });

  it("refuses an unknown field of an item, and a connection on an item (the set has one)", () => {
    const { failures } = checkInputs(clusterObjectsInputsSchema, {
      runOn,
      resources: [{ ...dummy1, runOn }],
      constraints: [{ ...location, colour: "red" }],
    });
    expect(failures.map((f) => f.property).sort()).toEqual(["constraints[0]", "resources[0]"]);
  });

  it("refuses an id declared twice, naming the second, and two constraints alike", () => {
    const { failures } = checkInputs(clusterObjectsInputsSchema, {
      runOn,
      resources: [dummy1, vip, { ...dummy1, agent: "Stateful" }],
      constraints: [location, order, location],
    });
    expect(failures).toEqual([
      { property: "resources[2].resourceId", reason: expect.stringMatching(/'dummy1' is declared twice/) },
      { property: "constraints[2].constraintId", reason: expect.stringMatching(/constraintId of its own/) },
    ]);
  });
});

describe("ClusterObjects plan and diff", () => {
  const before = created(parse({ resources: [dummy1, vip], constraints: [location, order] }));

  it("no change: nothing planned, no diff", () => {
    const news = parse({ resources: [vip, dummy1], constraints: [order, location] });
    expect(Object.values(planOf(before, news)).flat()).toEqual([]);
    expect(clusterObjectsDiff(before, news)).toMatchObject({ changes: false, replaces: [] });
    // the state's connection in the engine's key order is the same connection
    const reordered = Object.fromEntries(Object.entries(before.runOn).reverse()) as typeof before.runOn;
    expect(clusterObjectsDiff({ ...before, runOn: reordered }, news).changes).toBe(false);
  });

  it("an added item is created, a missing one deleted, a changed one updated in place", () => {
    const news = parse({
      resources: [
        { ...vip, metaAttributes: {} },
        { resourceId: "extra", agent: "Dummy" },
      ],
      constraints: [location],
    });
    const plan = planOf(before, news);
    expect(plan.createResources.map((r) => r.resourceId)).toEqual(["extra"]);
    expect(plan.deleteResources.map((r) => r.resourceId)).toEqual(["dummy1"]);
    expect(plan.updateResources.map((u) => [u.old.metaAttributes, u.new.metaAttributes])).toEqual([
      [{ "resource-stickiness": "100" }, {}],
    ]);
    expect(plan.deleteConstraints.map((k) => k.constraintId)).toEqual(["order-dummy1-vip-Mandatory"]);
    expect(plan.createConstraints).toEqual([]);
    expect(clusterObjectsDiff(before, news)).toMatchObject({ changes: true, replaces: [] });
  });

  it("an item of another agent is its kind's update (made again, keeping its constraints), the set is not replaced", () => {
    const news = parse({
      resources: [{ ...dummy1, agent: "ocf:pacemaker:Stateful" }, vip],
      constraints: [location, order],
    });
    const plan = planOf(before, news);
    expect(plan.deleteResources).toEqual([]);
    expect(plan.createResources).toEqual([]);
    expect(plan.updateResources.map((u) => u.new.agent)).toEqual(["ocf:pacemaker:Stateful"]);
    // its constraints are the resource's update's to keep: not planned here
    expect(plan.updateConstraints).toEqual([]);
    expect(clusterObjectsDiff(before, news).replaces).toEqual([]);
  });

  it("a constraint changed under its id is updated; a resource still held by an interrupted run too", () => {
    const held = {
      ...before,
      resources: before.resources.map((r, i) => (i === 0 ? { ...r, held: true } : r)),
    };
    const news = parse({
      resources: [dummy1, vip],
      constraints: [
        {
          ...location,
          constraintId: "location-dummy1-node1.example.com-100",
          constraint: { ...location.constraint, score: "200" },
        },
        order,
      ],
    });
    const plan = planOf(held, news);
    expect(plan.updateConstraints.map((u) => u.new.constraint)).toEqual([
      expect.objectContaining({ score: "200" }),
    ]);
    expect(plan.updateResources.map((u) => u.new.resourceId)).toEqual(["dummy1"]);
  });

  it("a new connection alone is a change with nothing to do on the cluster", () => {
    const news = parse({ resources: [dummy1, vip], constraints: [location, order] });
    const moved = { ...news, runOn: { ...news.runOn, port: 2222 } };
    expect(Object.values(planOf(before, moved)).flat()).toEqual([]);
    expect(clusterObjectsDiff(before, moved).changes).toBe(true);
  });
});

describe("ClusterObjects read", () => {
  const declared = created(parse({ resources: [dummy1, vip], constraints: [location, order] }));

  it("reads every item as the lab's CIB has it", () => {
    const read = objectsAsLive(liveFrom(), declared);
    expect(read.resources.map((r) => [r.resourceId, r.agent, r.held])).toEqual([
      ["dummy1", "ocf:pacemaker:Dummy", false],
      ["vip", "IPaddr2", false],
    ]);
    expect(read.resources[1].metaAttributes).toEqual({ "resource-stickiness": "100" });
    // configuration only: where each runs is not recorded (its read runs no crm_mon)
    expect(read.resources[0]).not.toHaveProperty("runningOn");
    expect(read.resources[0]).not.toHaveProperty("role");
    expect(read.constraints).toEqual(declared.constraints);
    expect(
      clusterObjectsDiff(read, parse({ resources: [dummy1, vip], constraints: [location, order] })).changes,
    ).toBe(false);
  });

  it("leaves out an item gone from the cluster: the next up creates it again", () => {
    const gone = {
      ...declared,
      resources: [...declared.resources, { ...declared.resources[0], resourceId: "gone" }],
    };
    const read = objectsAsLive(liveFrom(), gone);
    expect(read.resources.map((r) => r.resourceId)).toEqual(["dummy1", "vip"]);
    const plan = planOf(
      read,
      parse({ resources: [dummy1, vip, { ...dummy1, resourceId: "gone" }], constraints: [] }),
    );
    expect(plan.createResources.map((r) => r.resourceId)).toEqual(["gone"]);
  });

  it("gives the inputs stored at up when nothing drifted, and the drifted value where it did", () => {
    const stored = compactInputs(parse({ resources: [dummy1, vip], constraints: [location, order] }));
    const readInputs = (o: ClusterObjectsOutputs) => compactInputs(expandOutputs(compactOutputs(o)));
    expect(readInputs(objectsAsLive(liveFrom(), declared))).toEqual(stored);
    const drifted = declared.resources.map((r) =>
      r.resourceId === "vip" ? { ...r, metaAttributes: { "resource-stickiness": "1" } } : r,
    );
    const asRead = readInputs({ ...declared, resources: drifted });
    expect(asRead.resources).toEqual([
      (stored.resources as unknown[])[0],
      { ...(stored.resources as object[])[1], metaAttributes: { "resource-stickiness": "1" } },
    ]);
    expect(asRead.constraints).toEqual(stored.constraints);
  });

  it("shows drift on the item that drifted", () => {
    const drifted = declared.resources.map((r) =>
      r.resourceId === "vip" ? { ...r, metaAttributes: { "resource-stickiness": "1" } } : r,
    );
    const read = objectsAsLive(liveFrom(), { ...declared, resources: drifted });
    // the read says what the CIB has, so the diff against the program is on vip alone
    expect(read.resources[1].metaAttributes).toEqual({ "resource-stickiness": "100" });
    const plan = planOf(
      { ...declared, resources: drifted },
      parse({ resources: [dummy1, vip], constraints: [location, order] }),
    );
    expect(plan.updateResources.map((u) => u.new.resourceId)).toEqual(["vip"]);
  });
});

describe("ClusterObjects check asks the node's pcs once per distinct question", () => {
  const asked: AgentQuestion[] = [];
  beforeAll(() =>
    useAgentJudge(async (_target, question) => {
      asked.push(question);
      return question.agent === "NoSuchAgent"
        ? {
            host: "node1",
            agent: null,
            errors: { agent: ["Agent 'NoSuchAgent' is not installed"], attributes: [], operations: [] },
          }
        : {
            host: "node1",
            agent: "ocf:pacemaker:Dummy",
            errors: { agent: [], attributes: [], operations: [] },
          };
    }),
  );
  beforeEach(() => (asked.length = 0));

  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ resourceId: `d${i}`, agent: "Dummy" }));

  it("300 alike resources: one question", async () => {
    const r = await check("ClusterObjects", {}, { runOn, resources: many(300) });
    expect(r.failures).toEqual([]);
    expect(asked).toHaveLength(1);
  });

  it("a refusal goes to the first item that asks it, at its path, with pcs's words", async () => {
    const r = await check(
      "ClusterObjects",
      {},
      {
        runOn,
        resources: [
          ...many(2),
          { resourceId: "bad", agent: "NoSuchAgent" },
          { resourceId: "bad2", agent: "NoSuchAgent" },
        ],
      },
    );
    expect(asked).toHaveLength(2);
    expect(r.failures).toEqual([
      {
        property: "resources[2].agent",
        reason: "ClusterObjects: pcs on node1 refuses it: Agent 'NoSuchAgent' is not installed",
      },
    ]);
  });

  it("questions asked before (the old inputs') are not asked again", async () => {
    const olds = { runOn, resources: many(3) };
    await check("ClusterObjects", olds, {
      runOn,
      resources: [...many(5), { resourceId: "v", agent: "IPaddr2" }],
    });
    expect(asked.map((q) => q.agent)).toEqual(["IPaddr2"]);
  });

  it("has a question per resource, at its path", () => {
    const qs = clusterObjectsKind.agentQuestions!(parse({ resources: [dummy1, vip] }));
    expect(qs.map((q) => [q.at, q.question.agent, q.attributesField])).toEqual([
      ["resources[0]", "ocf:pacemaker:Dummy", "instanceAttributes"],
      ["resources[1]", "IPaddr2", "instanceAttributes"],
    ]);
  });
});

describe("ClusterObjects in the state: without the fields at their defaults", () => {
  const full = created(
    parse({ resources: [dummy1, { resourceId: "held", agent: "Dummy" }], constraints: [location] }),
  );
  full.resources[1].held = true;

  it("outputs lose their defaults and get them back", () => {
    const compact = compactOutputs(full);
    expect(compact.resources[0]).toEqual({
      resourceId: "dummy1",
      agent: "ocf:pacemaker:Dummy",
      agentResolved: "ocf:pacemaker:Dummy",
      operations: [{ ...dummy1.operations[0], options: {} }],
    });
    expect(compact.resources[1]).toMatchObject({ held: true });
    expect(compact.constraints[0]).toEqual({
      constraintId: "location-dummy1-node1.example.com-100",
      constraint: { ...location.constraint },
    });
    expect(expandOutputs(compact)).toEqual(full);
    expect(expandOutputs(full)).toEqual(full); // a state that kept them all
    const items = (o: ClusterObjectsOutputs) => JSON.stringify([o.resources, o.constraints]).length;
    expect(items(compact)).toBeLessThan(items(full) * 0.75);
  });

  it("the check stores the inputs without their defaults; the diff parses them", async () => {
    const given = {
      runOn,
      resources: [{ ...dummy1, metaAttributes: {}, adopt: false }],
      constraints: [location],
    };
    const { inputs, failures } = await check("ClusterObjects", given, given);
    expect(failures).toEqual([]);
    // parsed (pcs's defaults given: the port, the user, the constraint's id), then without defaults
    expect(inputs).toEqual({
      runOn: { ...runOn, port: 22, user: "root" },
      settleSeconds: 120,
      allowFailedActions: false,
      resources: [{ ...dummy1, operations: [{ ...dummy1.operations[0], options: {} }] }],
      constraints: [{ ...location, constraintId: "location-dummy1-node1.example.com-100" }],
    });
    const stored = compactOutputs(created(parse(given))) as unknown as Record<string, unknown>;
    const d = await diff("ClusterObjects", "id", stored, inputs);
    expect(d.changes).toBe(false);
    expect((await diff("ClusterObjects", "id", stored, { ...inputs, resources: [] })).changes).toBe(true);
  });
});
