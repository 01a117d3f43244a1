// Constraint without a cluster: inputs and default ids, the pcs argv for every form, and how the
// constraints pcs wrote on a lab cluster (cib-objects.xml) read back — as declared, with drift on
// the right field. Rule and set constraints are in the XML `pcs -f` (0.11) wrote for these argv.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { checkInputs } from "../../../../providers/checks/inputs";
import { parseLive } from "../../../../providers/cib/live";
import { parseCib } from "../../../../providers/cib/parse";
import { parseOptionFacts } from "../../../../providers/checks/node-facts";
import { cibXml, liveFrom, runOn } from "../../../support/cib-fixtures";
import {
  constraintAsLive,
  constraintDiff,
  ConstraintInputs,
  constraintInputsSchema,
  ConstraintOutputs,
  ConstraintSpec,
  constraintSyntax,
  createArgv,
  defaultId,
  deleteArgv,
  normalScore,
  PCS_0_11_SYNTAX,
  ruleAsText,
  ruleResolvedOf,
  score,
} from "../../../../providers/kinds/constraint";

/** The fixture with these elements added to <constraints>. */
const withConstraints = (xml: string): string => cibXml.replace("<constraints>", `<constraints>${xml}`);
const parse = (args: object): ConstraintInputs => constraintInputsSchema.parse({ runOn, ...args });

// What the lab cluster's constraints were created from: their ids are the default ids.
const declared = {
  location: parse({
    constraint: { type: "location", resource: "dummy1", node: "node1.example.com", score: "100" },
  }),
  order: parse({ constraint: { type: "order", first: "dummy1", then: "vip" } }),
  colocation: parse({ constraint: { type: "colocation", resource: "vip", withResource: "dummy1" } }),
};

/** What read records: the declared inputs, the constraint as live, ruleResolved as at create. */
function read(
  c: ConstraintInputs,
  xml = cibXml,
  ruleResolved: string | null = null,
): ConstraintOutputs | null {
  const live = liveFrom(xml);
  const constraint = constraintAsLive(live, { ...c, ruleResolved });
  return constraint && { ...c, ruleResolved, constraint };
}

const noChange = { changes: false, replaces: [], deleteBeforeReplace: true };
const inPlace = { changes: true, replaces: [], deleteBeforeReplace: true };

describe("inputs", () => {
  test("defaults, and the ids pcs itself would give", () => {
    expect(declared.location.constraintId).toBe("location-dummy1-node1.example.com-100");
    expect(declared.order).toMatchObject({
      constraintId: "order-dummy1-vip-Mandatory",
      adopt: false,
      constraint: { firstAction: "start", thenAction: "start", kind: "Mandatory", symmetrical: true },
    });
    expect(declared.colocation).toMatchObject({
      constraintId: "colocation-vip-dummy1-INFINITY",
      constraint: { score: "INFINITY" },
    });
    expect(
      parse({ constraint: { type: "location", resource: "dummy1", rule: "#uname eq node2.example.com" } }),
    ).toMatchObject({ constraintId: "location-dummy1-rule", constraint: { score: "INFINITY" } });
    expect(parse({ constraintId: "mine", constraint: declared.order.constraint }).constraintId).toBe("mine");
  });

  test("default ids are safe ids whatever the score", () => {
    expect(defaultId({ type: "location", resource: "dummy1", node: "node1", score: "-INFINITY" })).toBe(
      "location-dummy1-node1--INFINITY",
    );
    expect(defaultId({ type: "location", resource: "dummy1", node: "node1", score: "+100" })).toBe(
      "location-dummy1-node1-_100",
    );
  });

  test("sets get an id from their content: the same sets the same id, other sets another", () => {
    const sets = (resources: string[]) =>
      parse({ constraint: { type: "order-set", sets: [{ resources }] } }).constraintId;
    expect(sets(["dummy1", "vip"])).toMatch(/^order-set-[0-9a-f]{8}$/);
    expect(sets(["dummy1", "vip"])).toBe(sets(["dummy1", "vip"]));
    expect(sets(["vip", "dummy1"])).not.toBe(sets(["dummy1", "vip"]));
    expect(
      parse({ constraint: { type: "colocation-set", sets: [{ resources: ["dummy1", "vip"] }] } })
        .constraintId,
    ).toMatch(/^colocation-set-[0-9a-f]{8}$/);
  });

  test("scores: integers and INFINITY as pcs takes them", () => {
    for (const ok of ["0", "100", "-100", "+100", "INFINITY", "+INFINITY", "-INFINITY"])
      expect(score.safeParse(ok).success).toBe(true);
    // pcs 0.11 refuses "inf" and "Infinity" ("invalid score 'inf', use integer or INFINITY or -INFINITY")
    for (const bad of ["", "inf", "-inf", "Infinity", "1.5", "100 --force", "1234567890", "red"])
      expect(score.safeParse(bad).success).toBe(false);
  });

  test("bad input is refused with the field named", () => {
    const both = { type: "location", resource: "r", node: "n", rule: "#uname eq n" };
    expect(checkInputs(constraintInputsSchema, { runOn, constraint: both }).failures).toEqual([
      { property: "constraint.node", reason: "either node or rule, not both" },
    ]);
    const neither = { type: "location", resource: "r" };
    expect(checkInputs(constraintInputsSchema, { runOn, constraint: neither }).failures).toEqual([
      { property: "constraint.node", reason: "either node or rule, not both" },
    ]);
    const role = { type: "location", resource: "r", node: "n", role: "Promoted" };
    expect(checkInputs(constraintInputsSchema, { runOn, constraint: role }).failures).toEqual([
      { property: "constraint.role", reason: expect.stringMatching(/rule form/) },
    ]);
    expect(
      checkInputs(constraintInputsSchema, { runOn, constraint: { type: "bogus" } }).failures.map(
        (f) => f.property,
      ),
    ).toEqual(["constraint.type"]);
    const bad = checkInputs(constraintInputsSchema, {
      runOn,
      constraintId: "-x",
      constraint: { type: "colocation", resource: "a b", withResource: "b", score: "100; x", bogus: 1 },
    });
    expect(bad.failures.map((f) => f.property).sort()).toEqual([
      "constraint",
      "constraint.resource",
      "constraint.score",
      "constraintId",
    ]);
    const rule = { type: "location", resource: "r", rule: "#uname eq n; reboot" };
    expect(checkInputs(constraintInputsSchema, { runOn, constraint: rule }).failures[0].property).toBe(
      "constraint.rule",
    );
    const emptySet = { type: "order-set", sets: [{ resources: [] }] };
    expect(checkInputs(constraintInputsSchema, { runOn, constraint: emptySet }).failures[0].property).toBe(
      "constraint.sets[0].resources",
    );
  });
});

describe("pcs argv", () => {
  test("location on a node, with its id given explicitly", () => {
    const c = declared.location;
    expect(createArgv(c.constraintId, c.constraint)).toEqual([
      "constraint",
      "location",
      "add",
      "location-dummy1-node1.example.com-100",
      "dummy1",
      "node1.example.com",
      "100",
    ]);
    expect(
      createArgv("l", {
        type: "location",
        resource: "r",
        node: "n",
        score: "-INFINITY",
        resourceDiscovery: "never",
      }),
    ).toEqual(["constraint", "location", "add", "l", "r", "n", "-INFINITY", "resource-discovery=never"]);
  });

  test("location by rule: ids, options, score, then the expression word by word", () => {
    expect(
      createArgv("prefer-promoted", {
        type: "location",
        resource: "stateful-clone",
        rule: " #uname eq node1.example.com  and pingd gt integer 0",
        score: "50",
        role: "Promoted",
        resourceDiscovery: "exclusive",
      }),
    ).toEqual([
      "constraint",
      "location",
      "stateful-clone",
      "rule",
      "constraint-id=prefer-promoted",
      "id=prefer-promoted-rule",
      "resource-discovery=exclusive",
      "role=Promoted",
      "score=50",
      "#uname",
      "eq",
      "node1.example.com",
      "and",
      "pingd",
      "gt",
      "integer",
      "0",
    ]);
  });

  test("order", () => {
    expect(createArgv(declared.order.constraintId, declared.order.constraint)).toEqual([
      "constraint",
      "order",
      "start",
      "dummy1",
      "then",
      "start",
      "vip",
      "id=order-dummy1-vip-Mandatory",
      "kind=Mandatory",
      "symmetrical=true",
    ]);
    const promote = parse({
      constraint: {
        type: "order",
        first: "dummy1",
        then: "stateful-clone",
        thenAction: "promote",
        kind: "Optional",
        symmetrical: false,
      },
    });
    expect(createArgv("o", promote.constraint)).toEqual([
      "constraint",
      "order",
      "start",
      "dummy1",
      "then",
      "promote",
      "stateful-clone",
      "id=o",
      "kind=Optional",
      "symmetrical=false",
    ]);
  });

  test("colocation, with roles when declared", () => {
    expect(createArgv(declared.colocation.constraintId, declared.colocation.constraint)).toEqual([
      "constraint",
      "colocation",
      "add",
      "vip",
      "with",
      "dummy1",
      "INFINITY",
      "id=colocation-vip-dummy1-INFINITY",
    ]);
    expect(
      createArgv("c", {
        type: "colocation",
        resource: "stateful-clone",
        withResource: "dummy1",
        score: "-INFINITY",
        resourceRole: "Promoted",
        withRole: "Started",
      }),
    ).toEqual([
      "constraint",
      "colocation",
      "add",
      "Promoted",
      "stateful-clone",
      "with",
      "Started",
      "dummy1",
      "-INFINITY",
      "id=c",
    ]);
  });

  test("sets: each set with its options, then setoptions with the id", () => {
    const sets: { resources: string[]; options: Record<string, string> }[] = [
      { resources: ["dummy1", "vip"], options: {} },
      { resources: ["stateful-clone"], options: { sequential: "false" } },
    ];
    expect(createArgv("os", { type: "order-set", sets, options: { kind: "Optional" } })).toEqual([
      "constraint",
      "order",
      "set",
      "dummy1",
      "vip",
      "set",
      "stateful-clone",
      "sequential=false",
      "setoptions",
      "id=os",
      "kind=Optional",
    ]);
    expect(createArgv("cs", { type: "colocation-set", sets: sets.slice(0, 1), options: {} })).toEqual([
      "constraint",
      "colocation",
      "set",
      "dummy1",
      "vip",
      "setoptions",
      "id=cs",
    ]);
    expect(deleteArgv("cs")).toEqual(["constraint", "delete", "cs"]);
  });
});

describe("scores and rules as text", () => {
  test("INFINITY in any spelling Pacemaker keeps; integers as they are", () => {
    expect(normalScore("INFINITY")).toBe("INFINITY");
    expect(normalScore("+INFINITY")).toBe("INFINITY");
    expect(normalScore("inf")).toBe("INFINITY");
    expect(normalScore("-INFINITY")).toBe("-INFINITY");
    expect(normalScore("-inf")).toBe("-INFINITY");
    expect(normalScore(" 100 ")).toBe("100");
    expect(normalScore("+100")).toBe("100");
    expect(normalScore("-100")).toBe("-100");
    expect(normalScore(undefined)).toBeUndefined();
  });

  test("a rule as pcs writes it", () => {
    expect(
      ruleAsText({
        id: "r",
        expressions: [{ id: "e", attribute: "#uname", operation: "eq", value: "node1" }],
      }),
    ).toBe("#uname eq node1");
    expect(
      ruleAsText({
        id: "r",
        booleanOp: "or",
        expressions: [
          { id: "e1", attribute: "pingd", operation: "gt", type: "integer", value: "0" },
          { id: "e2", attribute: "maintenance", operation: "not_defined" },
          { id: "e3", attribute: "ok", operation: "defined" },
        ],
      }),
    ).toBe("pingd gt integer 0 or not_defined maintenance or defined ok");
    expect(
      ruleAsText({
        id: "r",
        expressions: [
          { id: "e1", attribute: "a", operation: "eq", value: "1" },
          { id: "e2", attribute: "b", operation: "eq", value: "2" },
        ],
      }),
    ).toBe("a eq 1 and b eq 2");
  });
});

describe("reading back", () => {
  test.each(Object.keys(declared) as (keyof typeof declared)[])(
    "the fixture's %s constraint reads back exactly as declared: no drift",
    (kind) => {
      const outs = read(declared[kind]);
      expect(outs?.constraint).toEqual(declared[kind].constraint);
      expect(constraintDiff(outs!, declared[kind])).toEqual(noChange);
    },
  );

  test("another id is no constraint", () => {
    expect(read(parse({ constraintId: "nope", constraint: declared.order.constraint }))).toBeNull();
    expect(
      constraintAsLive({ ...liveFrom(), cib: null }, { ...declared.order, ruleResolved: null }),
    ).toBeNull();
  });

  test("a score changed by hand shows on score", () => {
    const xml = cibXml.replace('node="node1.example.com" score="100"', 'node="node1.example.com" score="50"');
    const outs = read(declared.location, xml)!;
    expect(outs.constraint).toEqual({ ...declared.location.constraint, score: "50" });
    expect(constraintDiff(outs, declared.location)).toEqual(inPlace);
    const colo = read(
      declared.colocation,
      cibXml.replace('with-rsc="dummy1" score="INFINITY"', 'with-rsc="dummy1" score="-INFINITY"'),
    )!;
    expect(colo.constraint).toEqual({ ...declared.colocation.constraint, score: "-INFINITY" });
    expect(constraintDiff(colo, declared.colocation)).toEqual(inPlace);
  });

  test("INFINITY spelled +INFINITY on either side is no change", () => {
    const plus = parse({
      constraintId: "colocation-vip-dummy1-INFINITY",
      constraint: { type: "colocation", resource: "vip", withResource: "dummy1", score: "+INFINITY" },
    });
    const outs = read(plus)!;
    expect(outs.constraint).toEqual(plus.constraint);
    expect(constraintDiff(outs, plus)).toEqual(noChange);
    const livePlus = cibXml.replace(
      'with-rsc="dummy1" score="INFINITY"',
      'with-rsc="dummy1" score="+INFINITY"',
    );
    expect(constraintDiff(read(declared.colocation, livePlus)!, declared.colocation)).toEqual(noChange);
  });

  test("another node or resource shows on the field", () => {
    const xml = cibXml.replace('rsc="dummy1" node="node1.example.com"', 'rsc="vip" node="node2.example.com"');
    expect(read(declared.location, xml)?.constraint).toEqual({
      ...declared.location.constraint,
      resource: "vip",
      node: "node2.example.com",
    });
  });

  test("order: kind, actions and symmetry changed by hand show; absent attributes are Pacemaker's defaults", () => {
    const order = (attrs: string) =>
      read(
        declared.order,
        cibXml.replace(/<rsc_order [^>]*\/>/, `<rsc_order id="order-dummy1-vip-Mandatory" ${attrs}/>`),
      )!;
    expect(order('first="dummy1" then="vip"').constraint).toEqual(declared.order.constraint);
    expect(order('first="dummy1" then="vip" kind="Optional"').constraint).toMatchObject({ kind: "Optional" });
    expect(order('first="dummy1" then="vip" kind="Serialize"').constraint).toMatchObject({
      kind: "Serialize",
      symmetrical: false,
    });
    expect(order('first="dummy1" then="vip" symmetrical="false"').constraint).toMatchObject({
      symmetrical: false,
    });
    const promote = order('first="dummy1" then="vip" first-action="promote" then-action="stop"');
    expect(promote.constraint).toMatchObject({ firstAction: "promote", thenAction: "stop" });
    expect(constraintDiff(promote, declared.order)).toEqual(inPlace);
    expect(order('first="vip" then="dummy1" kind="Mandatory"').constraint).toMatchObject({
      first: "vip",
      then: "dummy1",
    });
  });

  test("colocation roles: Started is the default, Master is Promoted", () => {
    const withRoles = (attrs: string) =>
      read(
        declared.colocation,
        cibXml.replace(
          /<rsc_colocation [^>]*\/>/,
          `<rsc_colocation rsc="vip" with-rsc="dummy1" score="INFINITY" id="colocation-vip-dummy1-INFINITY" ${attrs}/>`,
        ),
      )!;
    expect(withRoles('rsc-role="Started" with-rsc-role="Started"').constraint).toEqual(
      declared.colocation.constraint,
    );
    const promoted = withRoles('rsc-role="Master"');
    expect(promoted.constraint).toEqual({ ...declared.colocation.constraint, resourceRole: "Promoted" });
    expect(constraintDiff(promoted, declared.colocation)).toEqual(inPlace);
    expect(withRoles('with-rsc-role="Slave"').constraint).toMatchObject({ withRole: "Unpromoted" });
  });

  // `pcs -f` 0.11.5 wrote these for createArgv's argv (see the pcs argv tests above)
  describe("rules", () => {
    const avoid = parse({
      constraint: {
        type: "location",
        resource: "dummy1",
        rule: "#uname eq node2.example.com",
        score: "-INFINITY",
        resourceDiscovery: "never",
      },
    });
    const avoidXml =
      '<rsc_location resource-discovery="never" id="location-dummy1-rule" rsc="dummy1">' +
      '<rule id="location-dummy1-rule-rule" score="-INFINITY">' +
      '<expression id="location-dummy1-rule-rule-expr" operation="eq" attribute="#uname" value="node2.example.com"/>' +
      "</rule></rsc_location>";
    const promoted = parse({
      constraintId: "prefer-promoted",
      constraint: {
        type: "location",
        resource: "stateful-clone",
        rule: "#uname eq node1.example.com and pingd gt integer 0",
        score: "50",
        role: "Promoted",
      },
    });
    const promotedXml =
      '<rsc_location id="prefer-promoted" rsc="stateful-clone">' +
      '<rule id="prefer-promoted-rule" boolean-op="and" role="Promoted" score="50">' +
      '<expression id="prefer-promoted-rule-expr" operation="eq" attribute="#uname" value="node1.example.com"/>' +
      '<expression id="prefer-promoted-rule-expr-1" operation="gt" attribute="pingd" type="integer" value="0"/>' +
      "</rule></rsc_location>";

    test("read back as declared, the rule's score and role included", () => {
      const xml = withConstraints(avoidXml + promotedXml);
      expect(ruleResolvedOf(liveFrom(xml), "location-dummy1-rule")).toBe("#uname eq node2.example.com");
      for (const c of [avoid, promoted]) {
        const outs = read(c, xml, ruleResolvedOf(liveFrom(xml), c.constraintId))!;
        expect(outs.constraint).toEqual(c.constraint);
        expect(constraintDiff(outs, c)).toEqual(noChange);
      }
      expect(ruleResolvedOf(liveFrom(xml), declared.location.constraintId)).toBeNull();
      expect(ruleResolvedOf(liveFrom(xml), "nope")).toBeNull();
    });

    test("the declared spelling of a rule is kept while the CIB has what it was created as", () => {
      const spaced = parse({ constraint: { ...avoid.constraint, rule: "  #uname   eq node2.example.com " } });
      const xml = withConstraints(avoidXml);
      const outs = read(spaced, xml, "#uname eq node2.example.com")!;
      expect(outs.constraint).toEqual(spaced.constraint);
      expect(constraintDiff(outs, spaced)).toEqual(noChange);
    });

    test("resource-discovery changed or removed by hand shows on the field", () => {
      const resolved = "#uname eq node2.example.com";
      const exclusive = read(
        avoid,
        withConstraints(avoidXml.replace('resource-discovery="never"', 'resource-discovery="exclusive"')),
        resolved,
      )!;
      expect(exclusive.constraint).toEqual({ ...avoid.constraint, resourceDiscovery: "exclusive" });
      expect(constraintDiff(exclusive, avoid)).toEqual(inPlace);
      const gone = read(
        avoid,
        withConstraints(avoidXml.replace('resource-discovery="never" ', "")),
        resolved,
      )!;
      expect(gone.constraint).not.toHaveProperty("resourceDiscovery");
      expect(constraintDiff(gone, avoid)).toEqual(inPlace);
    });

    test("a rule, its score or its role changed by hand shows on the field", () => {
      const resolved = "#uname eq node2.example.com";
      const otherNode = read(
        avoid,
        withConstraints(avoidXml.replace('value="node2', 'value="node3')),
        resolved,
      )!;
      expect(otherNode.constraint).toEqual({ ...avoid.constraint, rule: "#uname eq node3.example.com" });
      expect(constraintDiff(otherNode, avoid)).toEqual(inPlace);
      const otherScore = read(
        avoid,
        withConstraints(avoidXml.replace('score="-INFINITY"', 'score="-100"')),
        resolved,
      )!;
      expect(otherScore.constraint).toEqual({ ...avoid.constraint, score: "-100" });
      const resolvedP = "#uname eq node1.example.com and pingd gt integer 0";
      const unpromoted = read(
        promoted,
        withConstraints(promotedXml.replace('role="Promoted"', 'role="Slave"')),
        resolvedP,
      )!;
      expect(unpromoted.constraint).toEqual({ ...promoted.constraint, role: "Unpromoted" });
      const or = read(
        promoted,
        withConstraints(promotedXml.replace('boolean-op="and"', 'boolean-op="or"')),
        resolvedP,
      )!;
      expect(or.constraint).toEqual({
        ...promoted.constraint,
        rule: "#uname eq node1.example.com or pingd gt integer 0",
      });
    });
  });

  describe("sets", () => {
    const orderSet = parse({
      constraint: {
        type: "order-set",
        sets: [
          { resources: ["dummy1", "vip"] },
          { resources: ["stateful-clone"], options: { sequential: "false" } },
        ],
        options: { kind: "Optional" },
      },
    });
    const orderSetXml = (id: string, kind = 'kind="Optional"') =>
      `<rsc_order id="${id}" ${kind}>` +
      `<resource_set id="${id}_set"><resource_ref id="dummy1"/><resource_ref id="vip"/></resource_set>` +
      `<resource_set sequential="false" id="${id}_set-1"><resource_ref id="stateful-clone"/></resource_set>` +
      "</rsc_order>";
    const colocationSet = parse({
      constraint: { type: "colocation-set", sets: [{ resources: ["vip", "dummy1"] }] },
    });
    // pcs writes score="INFINITY" when none is given
    const colocationSetXml = (id: string, score = "INFINITY") =>
      `<rsc_colocation id="${id}" score="${score}">` +
      `<resource_set id="${id}_set"><resource_ref id="vip"/><resource_ref id="dummy1"/></resource_set>` +
      "</rsc_colocation>";

    test("read back as declared: pcs's set ids are not compared", () => {
      const xml = withConstraints(
        orderSetXml(orderSet.constraintId) + colocationSetXml(colocationSet.constraintId),
      );
      for (const c of [orderSet, colocationSet]) {
        const outs = read(c, xml)!;
        expect(outs.constraint).toEqual(c.constraint);
        expect(constraintDiff(outs, c)).toEqual(noChange);
      }
    });

    test("pcs's default score is not drift; another score set by hand is", () => {
      const id = colocationSet.constraintId;
      const other = read(colocationSet, withConstraints(colocationSetXml(id, "100")))!;
      expect(other.constraint).toEqual({ ...colocationSet.constraint, options: { score: "100" } });
      expect(constraintDiff(other, colocationSet)).toEqual(inPlace);
      const explicit = parse({ constraint: { ...colocationSet.constraint, options: { score: "INFINITY" } } });
      const outs = read(explicit, withConstraints(colocationSetXml(explicit.constraintId)))!;
      expect(outs.constraint).toEqual(explicit.constraint);
      expect(constraintDiff(outs, explicit)).toEqual(noChange);
    });

    test("a declared colocation-set score is compared", () => {
      const scored = parse({ constraint: { ...colocationSet.constraint, options: { score: "100" } } });
      const same = read(scored, withConstraints(colocationSetXml(scored.constraintId, "100")))!;
      expect(constraintDiff(same, scored)).toEqual(noChange);
      const other = read(scored, withConstraints(colocationSetXml(scored.constraintId, "50")))!;
      expect(other.constraint).toEqual({ ...scored.constraint, options: { score: "50" } });
      expect(constraintDiff(other, scored)).toEqual(inPlace);
    });

    test("set members, set options and constraint options changed by hand show", () => {
      const id = orderSet.constraintId;
      const kind = read(orderSet, withConstraints(orderSetXml(id, 'kind="Mandatory"')))!;
      expect(kind.constraint).toEqual({ ...orderSet.constraint, options: { kind: "Mandatory" } });
      expect(constraintDiff(kind, orderSet)).toEqual(inPlace);
      const noKind = read(orderSet, withConstraints(orderSetXml(id, "")))!;
      expect(noKind.constraint).toMatchObject({ options: {} });
      const seq = read(
        orderSet,
        withConstraints(orderSetXml(id).replace('sequential="false"', 'sequential="true"')),
      )!;
      expect(seq.constraint).toMatchObject({
        sets: [
          { resources: ["dummy1", "vip"], options: {} },
          { resources: ["stateful-clone"], options: { sequential: "true" } },
        ],
      });
      expect(constraintDiff(seq, orderSet)).toEqual(inPlace);
      const members = read(
        orderSet,
        withConstraints(orderSetXml(id).replace('<resource_ref id="vip"/>', "")),
      )!;
      expect(members.constraint).toMatchObject({
        sets: [{ resources: ["dummy1"] }, { resources: ["stateful-clone"] }],
      });
      expect(constraintDiff(members, orderSet)).toEqual(inPlace);
    });
  });
});

describe("diff", () => {
  const current = read(declared.order)!;

  test("another id is another constraint: replaced, the old one deleted first", () => {
    expect(constraintDiff(current, { ...declared.order, constraintId: "other" })).toEqual({
      changes: true,
      replaces: ["constraintId"],
      deleteBeforeReplace: true,
    });
  });

  test("another constraint under the same id, or another runOn, is an update", () => {
    expect(
      constraintDiff(current, {
        ...declared.order,
        constraint: { ...declared.order.constraint, then: "web-clone" } as ConstraintInputs["constraint"],
      }),
    ).toEqual(inPlace);
    expect(
      constraintDiff(current, { ...declared.order, runOn: { ...declared.order.runOn, port: 2222 } }),
    ).toEqual(inPlace);
  });
});

describe("the form each pcs wants", () => {
  // Captured: these specs' createArgv for each pcs, run with `pcs -f` on a file from `cibadmin
  // --empty` (Debian 12: pcs 0.11.5; a Debian 13 root: pcs 0.12.0.2), each command with what pcs
  // printed, then the constraints pcs wrote. The syntax comes from the node's capability ids.
  const specs: [string, ConstraintSpec][] = [
    ["L1", { type: "location", resource: "A", node: "node1", score: "100" }],
    ["L2", { type: "location", resource: "A", node: "node2", score: "-50", resourceDiscovery: "never" }],
    ["R1", { type: "location", resource: "A", rule: "#uname eq node1 and pingd gt 0", score: "10" }],
    [
      "R2",
      {
        type: "location",
        resource: "B-clone",
        rule: "#uname  eq node2",
        score: "INFINITY",
        role: "Promoted",
      },
    ],
    ["C1", { type: "colocation", resource: "A", withResource: "B-clone", withRole: "Promoted", score: "50" }],
    [
      "C2",
      {
        type: "colocation",
        resource: "A",
        withResource: "B-clone",
        resourceRole: "Unpromoted",
        withRole: "Promoted",
        score: "-20",
      },
    ],
    [
      "O1",
      {
        type: "order",
        first: "B-clone",
        then: "A",
        firstAction: "promote",
        thenAction: "start",
        kind: "Mandatory",
        symmetrical: true,
      },
    ],
  ];
  const fixture = (dir: string, name: string) =>
    readFileSync(path.join(__dirname, "..", "fixtures", dir, name), "utf8");
  const captured = (version: string) => {
    const text = fixture("constraints", `pcs-${version}.txt`);
    const commands = text
      .split("\n")
      .filter((l) => l.startsWith("== pcs "))
      .map((l) => [...l.slice("== pcs ".length).matchAll(/'([^']*)'/g)].map((m) => m[1]));
    const xml = text.slice(text.indexOf("<constraints>"));
    return { text, commands, cib: parseCib(`<cib><configuration>${xml}</configuration></cib>`) };
  };
  const syntaxOf = (facts: string) =>
    constraintSyntax(parseOptionFacts("node1", fixture("node-facts", facts))!.pcs.capabilities);

  test.each([
    ["0.11.5", "pcs-0.11.5-pacemaker-2.1.5.txt", PCS_0_11_SYNTAX],
    [
      "0.12.0.2",
      "pcs-0.12.0.2-pacemaker-3.0.0.txt",
      { locationScoreOption: true, colocationScoreOption: true, ruleAsOneArgument: true },
    ],
  ])("pcs %s: the argv built, what pcs made of it", (version, facts, expected) => {
    const syntax = syntaxOf(facts);
    expect(syntax).toEqual(expected);
    const { text, commands, cib } = captured(version);
    expect(specs.map(([id, c]) => createArgv(id, c, syntax))).toEqual(commands);
    // pcs 0.12's deprecations are not met; pcs 0.11 takes a bare negative number with a warning
    expect(text).not.toMatch(/standalone value is deprecated|rule as multiple arguments is deprecated/);
    expect(text).not.toMatch(/^Error/m);
    const live = { corosync: null, cib, status: null, enabled: true };
    for (const [id, c] of specs) {
      const declaredHere: ConstraintOutputs = {
        ...parse({ constraintId: id, constraint: c }),
        ruleResolved: null,
      };
      const ruleResolved = ruleResolvedOf(live, id);
      const read = constraintAsLive(live, { ...declaredHere, ruleResolved });
      // as declared, the rule's own spelling included
      expect([id, read]).toEqual([id, c]);
    }
  });

  test("pcsd's list read beside the CIB says the same as pcs --version --full", () => {
    for (const [version, facts] of [
      ["0.11.5", "pcs-0.11.5-pacemaker-2.1.5.txt"],
      ["0.12.0.2", "pcs-0.12.0.2-pacemaker-3.0.0.txt"],
    ]) {
      const live = parseLive(fixture("live", `no-cluster-pcs-${version}.txt`));
      expect(constraintSyntax(live.pcsCapabilities ?? null)).toEqual(syntaxOf(facts));
    }
  });

  test("a pcs that could not be asked gets the form every pcs takes", () => {
    expect(constraintSyntax(null)).toEqual(PCS_0_11_SYNTAX);
  });
});
