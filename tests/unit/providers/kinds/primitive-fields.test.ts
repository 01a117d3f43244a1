// What PcsResource and StonithDevice share: durations compared by value, operations matched by
// action/interval/role, run-time meta attributes ignored, and the pcs argv that repair drift —
// against the operations and attributes pcs wrote on a lab cluster (cib-objects.xml).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Primitive } from "../../../../providers/cib/model";
import { parseCib } from "../../../../providers/cib/parse";
import { canonical, same } from "../../../../providers/kit/same";
import {
  attributeName,
  attributeValue,
  duration,
  durationMs,
  pacemakerId,
} from "../../../../providers/kit/values";
import {
  attributeChanges,
  blocksAdding,
  DeclaredOperation,
  liveOperationsAsDeclared,
  operationChanges,
  operationKey,
  operationSchema,
  operationsSchema,
  opsArgs,
  ownMeta,
  primitiveChanges,
  watchOf,
  declaredStopped,
  RUNTIME_META,
} from "../../../../providers/kinds/primitive-fields";
import { HOLD_MARK } from "../../../../providers/writer/holds";

const cibXml = readFileSync(path.join(__dirname, "..", "cib", "fixtures", "cib-objects.xml"), "utf8");

function primitiveIn(xml: string, id: string): Primitive {
  const p = parseCib(xml).resources.get(id);
  if (p?.kind !== "primitive") throw new Error(`no primitive ${id} in the fixture`);
  return p;
}

const ops = (o: unknown): DeclaredOperation[] => operationsSchema.parse(o);
// dummy1 was created with exactly this operation; pcs added migrate_*, reload*, start, stop.
const dummy1Ops = ops([{ name: "monitor", interval: "30s", timeout: "20s" }]);

describe("durations", () => {
  test("every unit Pacemaker knows, a bare number being seconds", () => {
    expect(durationMs("30s")).toBe(30_000);
    expect(durationMs("30")).toBe(30_000);
    expect(durationMs("30sec")).toBe(30_000);
    expect(durationMs("30 s")).toBe(30_000);
    expect(durationMs("1min")).toBe(60_000);
    expect(durationMs("1m")).toBe(60_000);
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("500msec")).toBe(500);
    expect(durationMs("2000us")).toBe(2);
    expect(durationMs("1h")).toBe(3_600_000);
    expect(durationMs("1hr")).toBe(3_600_000);
    expect(durationMs("0")).toBe(0);
  });

  test("equal durations spelled differently are equal; unknown spellings equal nothing", () => {
    expect(durationMs("0.5min")).not.toBe(durationMs("30s")); // Pacemaker reads 0.5min as 0
    expect(durationMs("60s")).toBe(durationMs("1min"));
    expect(durationMs("20000ms")).toBe(durationMs("20s"));
    expect(durationMs("abc")).toBeNaN();
    expect(durationMs("30x")).toBeNaN();
    expect(durationMs("-1s")).toBeNaN();
    expect(durationMs("P1D")).toBeNaN();
  });

  test("the schema accepts durations only", () => {
    for (const ok of ["30s", "500ms", "2min", "1h", "30", "0s"])
      expect(duration.safeParse(ok).success).toBe(true);
    for (const bad of ["", "30 seconds", "-1s", "1.5s", "30s; reboot", "30s\n", "s"])
      expect(duration.safeParse(bad).success).toBe(false);
  });
});

describe("operation keys", () => {
  test("action, interval by value and role: 30s, 30 and 30000ms are one key", () => {
    const key = operationKey({ name: "monitor", interval: "30s" });
    expect(operationKey({ name: "monitor", interval: "30" })).toBe(key);
    expect(operationKey({ name: "monitor", interval: "30000ms" })).toBe(key);
    expect(operationKey({ name: "monitor", interval: "31s" })).not.toBe(key);
    expect(operationKey({ name: "start", interval: "30s" })).not.toBe(key);
    expect(operationKey({ name: "monitor", interval: "30s", role: "Promoted" })).not.toBe(key);
  });

  test("the CIB's Master/Slave are Promoted/Unpromoted", () => {
    expect(operationKey({ name: "monitor", interval: "10s", role: "Master" })).toBe(
      operationKey({ name: "monitor", interval: "10s", role: "Promoted" }),
    );
    expect(operationKey({ name: "monitor", interval: "11s", role: "Slave" })).toBe(
      operationKey({ name: "monitor", interval: "11s", role: "Unpromoted" }),
    );
  });
});

describe("schemas", () => {
  test("an operation: defaults, known fields only, an action name", () => {
    expect(operationSchema.parse({ name: "start" })).toEqual({ name: "start", interval: "0s", options: {} });
    expect(operationSchema.safeParse({ name: "monitor", intervall: "10s" }).success).toBe(false);
    expect(operationSchema.safeParse({ name: "monitor --force" }).success).toBe(false);
    expect(operationSchema.safeParse({ name: "monitor", role: "Master" }).success).toBe(false);
    expect(operationSchema.safeParse({ name: "monitor", options: { "on-fail": "a\nb" } }).success).toBe(
      false,
    );
  });

  test("each operation once: the same action and interval twice, spelled differently, is refused", () => {
    const twice = operationsSchema.safeParse([
      { name: "monitor", interval: "60s" },
      { name: "monitor", interval: "1min" },
    ]);
    expect(twice.success).toBe(false);
    expect(twice.error?.issues[0].message).toMatch(/once/);
    // one per role is fine (a promotable clone's monitors)
    const roles = operationsSchema.safeParse([
      { name: "monitor", interval: "10s", role: "Promoted" },
      { name: "monitor", interval: "10s", role: "Unpromoted" },
    ]);
    expect(roles.success).toBe(true);
    expect(operationsSchema.parse(undefined)).toEqual([]);
  });

  test("ids, attribute names and values", () => {
    for (const ok of ["dummy1", "_x", "web-clone", "a.b_c-d", "x".repeat(64)])
      expect(pacemakerId.safeParse(ok).success).toBe(true);
    for (const bad of ["", "-force", "1abc", "a b", "a;b", "x".repeat(65), "ünï"])
      expect(pacemakerId.safeParse(bad).success).toBe(false);
    expect(attributeName.safeParse("pcmk_host_map").success).toBe(true);
    expect(attributeName.safeParse("a:b").success).toBe(true);
    expect(attributeName.safeParse("a=b").success).toBe(false);
    expect(attributeName.safeParse("--force").success).toBe(false);
    expect(attributeValue.safeParse(`it's <xml> & "more" ; $(x) ✓`).success).toBe(true);
    // pcs reads name= as "remove name" (the lab: "Error: fake cannot be empty" at create)
    expect(attributeValue.safeParse("").error?.issues[0].message).toMatch(/^not empty: pcs reads name= as/);
    expect(attributeValue.safeParse(" ").success).toBe(true);
    for (const bad of ["a\nb", "a\tb", "a\u0000b", "a\u007fb", "x".repeat(4097)])
      expect(attributeValue.safeParse(bad).success).toBe(false);
  });
});

describe("live operations in the declared shape", () => {
  const dummy1 = primitiveIn(cibXml, "dummy1");

  test("the fixture's dummy1 reads back exactly as declared: pcs's default operations and ids ignored", () => {
    expect(dummy1.operations.length).toBe(7); // what pcs made
    expect(liveOperationsAsDeclared(dummy1.operations, dummy1Ops)).toEqual(dummy1Ops);
  });

  test("equal durations keep the declared spelling", () => {
    const declared = ops([{ name: "monitor", interval: "30", timeout: "20000ms" }]);
    expect(liveOperationsAsDeclared(dummy1.operations, declared)).toEqual(declared);
    const minutes = ops([{ name: "monitor", interval: "30000ms", timeout: "20s" }]);
    expect(liveOperationsAsDeclared(dummy1.operations, minutes)).toEqual(minutes);
  });

  test("another timeout shows as the live value; a missing timeout or operation is left out", () => {
    const changed = primitiveIn(
      cibXml.replace('interval="30s" timeout="20s"', 'interval="30s" timeout="40s"'),
      "dummy1",
    );
    expect(liveOperationsAsDeclared(changed.operations, dummy1Ops)).toEqual([
      { name: "monitor", interval: "30s", timeout: "40s", options: {} },
    ]);
    const noTimeout = primitiveIn(cibXml.replace('interval="30s" timeout="20s"', 'interval="30s"'), "dummy1");
    expect(liveOperationsAsDeclared(noTimeout.operations, dummy1Ops)).toEqual([
      { name: "monitor", interval: "30s", options: {} },
    ]);
    const otherInterval = primitiveIn(
      cibXml.replace('interval="30s" timeout="20s"', 'interval="31s" timeout="20s"'),
      "dummy1",
    );
    expect(liveOperationsAsDeclared(otherInterval.operations, dummy1Ops)).toEqual([]);
  });

  test("a timeout declared where pcs set none is a difference", () => {
    // labfence's monitor has no timeout in the CIB
    const fence = primitiveIn(cibXml, "labfence");
    const declared = ops([{ name: "monitor", interval: "60s", timeout: "20s" }]);
    expect(liveOperationsAsDeclared(fence.operations, declared)).toEqual([
      { name: "monitor", interval: "60s", options: {} },
    ]);
  });

  test("declared options are compared; options only the live operation has are not", () => {
    const xml = cibXml.replace(
      'interval="30s" timeout="20s"',
      'interval="30s" timeout="20s" on-fail="block" start-delay="5s"',
    );
    const live = primitiveIn(xml, "dummy1").operations;
    expect(liveOperationsAsDeclared(live, dummy1Ops)).toEqual(dummy1Ops);
    const withOnFail = ops([
      { name: "monitor", interval: "30s", timeout: "20s", options: { "on-fail": "restart" } },
    ]);
    expect(liveOperationsAsDeclared(live, withOnFail)[0].options).toEqual({ "on-fail": "block" });
    const notThere = ops([
      { name: "monitor", interval: "30s", timeout: "20s", options: { "record-pending": "true" } },
    ]);
    expect(liveOperationsAsDeclared(live, notThere)[0].options).toEqual({});
  });

  test("roles: the promotable clone's monitors, also when the CIB says Master", () => {
    const declared = ops([
      { name: "monitor", interval: "10s", timeout: "20s", role: "Promoted" },
      { name: "monitor", interval: "11s", timeout: "20s", role: "Unpromoted" },
    ]);
    const stateful = primitiveIn(cibXml, "stateful");
    expect(liveOperationsAsDeclared(stateful.operations, declared)).toEqual(declared);
    const legacy = primitiveIn(cibXml.replace('role="Promoted"', 'role="Master"'), "stateful");
    expect(liveOperationsAsDeclared(legacy.operations, declared)).toEqual(declared);
    // the same interval in another role is another operation
    const swapped = ops([{ name: "monitor", interval: "10s", timeout: "20s", role: "Unpromoted" }]);
    expect(liveOperationsAsDeclared(stateful.operations, swapped)).toEqual([]);
  });
});

describe("meta attributes", () => {
  test("run-time meta attributes are not the program's unless it declares them", () => {
    expect(RUNTIME_META).toEqual(["target-role", "is-managed", HOLD_MARK]);
    const live = {
      "resource-stickiness": "100",
      "target-role": "Stopped",
      "is-managed": "false",
      [HOLD_MARK]: "true",
      "migration-threshold": "3",
    };
    expect(ownMeta(live, { "resource-stickiness": "100" })).toEqual({
      "resource-stickiness": "100",
      "migration-threshold": "3",
    });
    expect(ownMeta(live, { "target-role": "Started" })).toEqual({
      "resource-stickiness": "100",
      "target-role": "Stopped",
      "migration-threshold": "3",
    });
    expect(ownMeta({ promotable: "true", "promoted-max": "1" }, {}, ["promotable"])).toEqual({
      "promoted-max": "1",
    });
    expect(ownMeta({ promotable: "true" }, { promotable: "true" }, ["promotable"])).toEqual({
      promotable: "true",
    });
  });

  test("attribute changes: changed and new values set, undeclared ones emptied, equal ones untouched", () => {
    expect(attributeChanges({ a: "1", b: "2", c: "3" }, { a: "1", b: "20", d: "4" })).toEqual({
      b: "20",
      d: "4",
      c: "",
    });
    expect(attributeChanges({ a: "1" }, { a: "1" })).toEqual({});
    expect(attributeChanges({}, {})).toEqual({});
    expect(attributeChanges({ a: "" }, { a: "" })).toEqual({});
  });

  test("keys named like Object's own members are keys like any other (found by the lab's hostile input)", () => {
    expect(attributeChanges({ constructor: "1" }, {})).toEqual({ constructor: "" });
    expect(attributeChanges({}, { toString: "x" })).toEqual({ toString: "x" });
    expect(attributeChanges({ valueOf: "1" }, { valueOf: "1" })).toEqual({});
    expect(ownMeta({ constructor: "1", "target-role": "Started" }, {})).toEqual({ constructor: "1" });
  });
});

describe("canonical comparison", () => {
  test("key order does not matter, array order and values do", () => {
    expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe(canonical({ a: { c: 3, d: 2 }, b: 1 }));
    expect(same({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(same([1, 2], [2, 1])).toBe(false);
    expect(same({ a: "1" }, { a: 1 })).toBe(false);
    expect(same(null, {})).toBe(false);
  });
});

describe("pcs argv", () => {
  test("operations after `op`, each with interval, timeout, role and options", () => {
    expect(
      opsArgs(
        ops([
          {
            name: "monitor",
            interval: "10s",
            timeout: "20s",
            role: "Promoted",
            options: { "on-fail": "block" },
          },
          { name: "start" },
        ]),
      ),
    ).toEqual([
      "op",
      "monitor",
      "interval=10s",
      "timeout=20s",
      "role=Promoted",
      "on-fail=block",
      "start",
      "interval=0s",
    ]);
    expect(opsArgs([])).toEqual([]);
  });

  describe("operation changes", () => {
    const dummy1 = primitiveIn(cibXml, "dummy1");

    test("as declared: nothing to do, pcs's own operations left alone", () => {
      expect(operationChanges("resource", "dummy1", dummy1.operations, dummy1Ops, dummy1Ops)).toEqual([]);
      // declared before and now with another spelling of the same values
      const respelled = ops([{ name: "monitor", interval: "30", timeout: "20000ms" }]);
      expect(operationChanges("resource", "dummy1", dummy1.operations, dummy1Ops, respelled)).toEqual([]);
    });

    test("a changed operation is deleted by its id and added as declared", () => {
      const longer = ops([{ name: "monitor", interval: "30s", timeout: "40s" }]);
      expect(operationChanges("resource", "dummy1", dummy1.operations, dummy1Ops, longer)).toEqual([
        ["resource", "op", "delete", "dummy1-monitor-interval-30s"],
        ["resource", "op", "add", "dummy1", "monitor", "interval=30s", "timeout=40s"],
      ]);
    });

    test("a new interval replaces the operation declared before; pcs's defaults stay", () => {
      const faster = ops([{ name: "monitor", interval: "10s", timeout: "20s" }]);
      expect(operationChanges("resource", "dummy1", dummy1.operations, dummy1Ops, faster)).toEqual([
        ["resource", "op", "delete", "dummy1-monitor-interval-30s"],
        ["resource", "op", "add", "dummy1", "monitor", "interval=10s", "timeout=20s"],
      ]);
      // an operation dropped from the program goes; one never declared (pcs's start) does not
      expect(operationChanges("resource", "dummy1", dummy1.operations, dummy1Ops, [])).toEqual([
        ["resource", "op", "delete", "dummy1-monitor-interval-30s"],
      ]);
    });

    test("a declared operation deleted by hand is added back", () => {
      const xml = cibXml.replace(/<op name="monitor" interval="30s"[^>]*\/>/, "");
      const live = primitiveIn(xml, "dummy1").operations;
      expect(operationChanges("resource", "dummy1", live, dummy1Ops, dummy1Ops)).toEqual([
        ["resource", "op", "add", "dummy1", "monitor", "interval=30s", "timeout=20s"],
      ]);
    });

    test("a pcs default operation that becomes declared with other values is replaced", () => {
      const start = ops([{ name: "start", interval: "0s", timeout: "60s" }]);
      expect(operationChanges("resource", "dummy1", dummy1.operations, [], start)).toEqual([
        ["resource", "op", "delete", "dummy1-start-interval-0s"],
        ["resource", "op", "add", "dummy1", "start", "interval=0s", "timeout=60s"],
      ]);
    });

    test("the declared monitor redefined by hand with another interval is deleted before the add pcs would refuse", () => {
      const xml = cibXml.replace(
        '<op name="monitor" interval="30s" timeout="20s" id="dummy1-monitor-interval-30s"/>',
        '<op name="monitor" interval="45s" id="dummy1-monitor-interval-45s"/>',
      );
      const live = primitiveIn(xml, "dummy1").operations;
      expect(operationChanges("resource", "dummy1", live, dummy1Ops, dummy1Ops)).toEqual([
        ["resource", "op", "delete", "dummy1-monitor-interval-45s"],
        ["resource", "op", "add", "dummy1", "monitor", "interval=30s", "timeout=20s"],
      ]);
    });

    test("pcs's refusal rule: same action (monitor: same role and check level), or same action and interval", () => {
      const live = (attrs: string, levelNvpair = "") =>
        primitiveIn(
          cibXml.replace(
            '<op name="monitor" interval="30s" timeout="20s" id="dummy1-monitor-interval-30s"/>',
            `<op name="monitor" ${attrs} id="m1">${levelNvpair}</op>`,
          ),
          "dummy1",
        ).operations.find((o) => o.id === "m1")!;
      const monitor = (o: object) => operationSchema.parse({ name: "monitor", interval: "30s", ...o });
      expect(blocksAdding(live('interval="45s"'), monitor({}))).toBe(true);
      expect(blocksAdding(live('interval="45s" role="Promoted"'), monitor({}))).toBe(false);
      expect(blocksAdding(live('interval="45s" role="Master"'), monitor({ role: "Promoted" }))).toBe(true);
      // the same interval blocks whatever the role
      expect(blocksAdding(live('interval="30" role="Promoted"'), monitor({}))).toBe(true);
      const level =
        '<instance_attributes id="m1-ia"><nvpair id="m1-l" name="OCF_CHECK_LEVEL" value="10"/></instance_attributes>';
      expect(blocksAdding(live('interval="45s"', level), monitor({}))).toBe(false);
      expect(
        blocksAdding(live('interval="45s"', level), monitor({ options: { OCF_CHECK_LEVEL: "10" } })),
      ).toBe(true);
      // any other action: one of a kind
      const start = primitiveIn(cibXml, "dummy1").operations.find((o) => o.name === "start")!;
      expect(blocksAdding(start, operationSchema.parse({ name: "start", interval: "10s" }))).toBe(true);
      expect(blocksAdding(start, operationSchema.parse({ name: "stop" }))).toBe(false);
    });

    test("OCF_CHECK_LEVEL, which pcs writes as the operation's instance attribute, is read as its option", () => {
      const xml = cibXml.replace(
        '<op name="monitor" interval="30s" timeout="20s" id="dummy1-monitor-interval-30s"/>',
        '<op name="monitor" interval="30s" timeout="20s" id="dummy1-monitor-interval-30s">' +
          '<instance_attributes id="p-m"><nvpair id="p-m-l" name="OCF_CHECK_LEVEL" value="10"/></instance_attributes></op>',
      );
      const declared = ops([
        { name: "monitor", interval: "30s", timeout: "20s", options: { OCF_CHECK_LEVEL: "10" } },
      ]);
      expect(
        operationChanges("resource", "dummy1", primitiveIn(xml, "dummy1").operations, declared, declared),
      ).toEqual([]);
    });

    test("stonith devices use pcs stonith op", () => {
      const fence = primitiveIn(cibXml, "labfence");
      const monitor = ops([{ name: "monitor", interval: "60s" }]);
      expect(operationChanges("stonith", "labfence", fence.operations, monitor, monitor)).toEqual([]);
      expect(
        operationChanges(
          "stonith",
          "labfence",
          fence.operations,
          monitor,
          ops([{ name: "monitor", interval: "2min" }]),
        ),
      ).toEqual([
        ["stonith", "op", "delete", "labfence-monitor-interval-60s"],
        ["stonith", "op", "add", "labfence", "monitor", "interval=2min"],
      ]);
    });
  });

  describe("primitive changes", () => {
    const vipDeclared = {
      instanceAttributes: { ip: "10.77.0.100", cidr_netmask: "24" },
      metaAttributes: { "resource-stickiness": "100" },
      operations: [],
    };

    test("the fixture's vip as declared: nothing to do", () => {
      expect(primitiveChanges("resource", primitiveIn(cibXml, "vip"), [], vipDeclared)).toEqual([]);
    });

    test("instance attributes: changed ones set, removed ones emptied, with pcs resource update", () => {
      const vip = primitiveIn(cibXml, "vip");
      expect(
        primitiveChanges("resource", vip, [], {
          ...vipDeclared,
          instanceAttributes: { ip: "10.77.0.101", nic: "eth1" },
        }),
      ).toEqual([["resource", "update", "vip", "ip=10.77.0.101", "nic=eth1", "cidr_netmask="]]);
    });

    test("meta attributes with pcs resource meta; run-time ones left alone unless declared", () => {
      const xml = cibXml.replace(
        'name="resource-stickiness" value="100"/>',
        'name="resource-stickiness" value="50"/><nvpair id="v-tr" name="target-role" value="Stopped"/>' +
          '<nvpair id="v-im" name="is-managed" value="false"/>',
      );
      const vip = primitiveIn(xml, "vip");
      expect(primitiveChanges("resource", vip, [], vipDeclared)).toEqual([
        ["resource", "meta", "vip", "resource-stickiness=100"],
      ]);
      expect(
        primitiveChanges("resource", vip, [], {
          ...vipDeclared,
          metaAttributes: { "resource-stickiness": "50", "target-role": "Started" },
        }),
      ).toEqual([["resource", "meta", "vip", "target-role=Started"]]);
    });

    test("a hold left by an interrupted run is released, to the declared target-role if any", () => {
      const xml = cibXml.replace(
        'name="resource-stickiness" value="100"/>',
        `name="resource-stickiness" value="100"/><nvpair id="v-tr" name="target-role" value="Stopped"/>` +
          `<nvpair id="v-h" name="${HOLD_MARK}" value="true"/>`,
      );
      const vip = primitiveIn(xml, "vip");
      expect(primitiveChanges("resource", vip, [], vipDeclared)).toEqual([
        ["resource", "meta", "vip", `${HOLD_MARK}=`, "target-role="],
      ]);
      expect(
        primitiveChanges("resource", vip, [], {
          ...vipDeclared,
          metaAttributes: { "resource-stickiness": "100", "target-role": "Started" },
        }),
      ).toEqual([["resource", "meta", "vip", "target-role=Started", `${HOLD_MARK}=`]]);
    });

    test("a run-time meta attribute the program declared before, and no longer, goes; never declared, it stays", () => {
      const xml = cibXml.replace(
        'name="resource-stickiness" value="100"/>',
        `name="resource-stickiness" value="100"/><nvpair id="v-tr" name="target-role" value="Stopped"/>`,
      );
      const vip = primitiveIn(xml, "vip");
      expect(primitiveChanges("resource", vip, [], vipDeclared)).toEqual([]);
      expect(primitiveChanges("resource", vip, [], vipDeclared, { "target-role": "Stopped" })).toEqual([
        ["resource", "meta", "vip", "target-role="],
      ]);
    });

    test("attributes, meta and operations together, in that order", () => {
      const dummy1 = primitiveIn(cibXml, "dummy1");
      expect(
        primitiveChanges("resource", dummy1, dummy1Ops, {
          instanceAttributes: { fake: "x" },
          metaAttributes: { "migration-threshold": "3" },
          operations: ops([{ name: "monitor", interval: "1min", timeout: "20s" }]),
        }),
      ).toEqual([
        ["resource", "update", "dummy1", "fake=x"],
        ["resource", "meta", "dummy1", "migration-threshold=3"],
        ["resource", "op", "delete", "dummy1-monitor-interval-30s"],
        ["resource", "op", "add", "dummy1", "monitor", "interval=1min", "timeout=20s"],
      ]);
    });
  });
});

describe("what an up waits for after writing a primitive", () => {
  const settle = { settleSeconds: 30, allowFailedActions: false };

  test("the primitive, for its settleSeconds; a change cleans its earlier failures up", () => {
    expect(watchOf("vip", "PcsResource 'vip'", settle, true, false)).toEqual([
      { id: "vip", owner: "PcsResource 'vip'", timeoutMs: 30_000, allowFailed: false, cleanup: true },
    ]);
    expect(watchOf("vip", "x", { settleSeconds: 30, allowFailedActions: true }, false, false)).toMatchObject([
      { allowFailed: true, cleanup: false },
    ]);
  });

  test("nothing when declared stopped, on it or its clone (any case), or with settleSeconds 0", () => {
    expect(declaredStopped({ "target-role": "Stopped" })).toBe(true);
    expect(declaredStopped({}, { "target-role": "stopped" })).toBe(true);
    expect(declaredStopped({ "target-role": "Started" }, undefined)).toBe(false);
    expect(watchOf("vip", "x", settle, false, true)).toEqual([]);
    expect(watchOf("vip", "x", { settleSeconds: 0, allowFailedActions: false }, false, false)).toEqual([]);
  });
});
