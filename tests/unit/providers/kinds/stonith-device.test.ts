// StonithDevice without a cluster: inputs, pcs argv, fencing levels, and how the fence device pcs
// made on a lab cluster (labfence in cib-objects.xml, level 1 for node1) reads back — as
// declared, drift on the right field, and a secret parameter's live value never copied.
import { checkInputs } from "../../../../providers/checks/inputs";
import { cibXml, liveFrom, runOn } from "../../../support/cib-fixtures";
import { Primitive } from "../../../../providers/cib/model";
import { primitiveChanges } from "../../../../providers/kinds/primitive-fields";
import { CHANGED_OUTSIDE } from "../../../../providers/kit/secrets";
import {
  createArgv,
  deviceAsLive,
  levelChanges,
  levelsOf,
  stonithDiff,
  StonithInputs,
  stonithInputsSchema,
  StonithOutputs,
} from "../../../../providers/kinds/stonith-device";

const live = liveFrom();
const parse = (args: object): StonithInputs => stonithInputsSchema.parse({ runOn, ...args });

// What labfence was created from.
const declared = parse({
  deviceId: "labfence",
  agent: "fence_virsh",
  parameters: {
    ip: "10.77.0.254",
    username: "root",
    identity_file: "/root/.ssh/fence_key",
    pcmk_host_map: "node1.example.com:node1;node2.example.com:node2",
  },
  secretParameters: { passwd: "fixture-password" },
  operations: [{ name: "monitor", interval: "60s" }],
  fencingLevels: [{ target: "node1.example.com", level: 1 }],
});
const agentResolved = "stonith:fence_virsh";

function read(xml = cibXml, d: StonithInputs = declared): StonithOutputs {
  const outs = deviceAsLive(liveFrom(xml), d, agentResolved);
  if (!outs) throw new Error("labfence not found");
  return outs;
}

const noChange = { changes: false, replaces: [], deleteBeforeReplace: true };
const inPlace = { changes: true, replaces: [], deleteBeforeReplace: true };

describe("inputs", () => {
  test("defaults: no parameters, operations, meta or levels; not adopted; settled within 120 s", () => {
    expect(parse({ deviceId: "f", agent: "fence_ipmilan" })).toEqual({
      runOn: { ...runOn, port: 22, user: "root" },
      deviceId: "f",
      agent: "fence_ipmilan",
      parameters: {},
      secretParameters: {},
      metaAttributes: {},
      operations: [],
      fencingLevels: [],
      adopt: false,
      settleSeconds: 120,
      allowFailedActions: false,
    });
  });

  test("fence agents only, with or without stonith:", () => {
    for (const agent of ["fence_virsh", "fence_ilo4_ssh", "stonith:fence_virsh"])
      expect(stonithInputsSchema.safeParse({ runOn, deviceId: "f", agent }).success).toBe(true);
    for (const agent of [
      "",
      "IPaddr2",
      "ocf:heartbeat:IPaddr2",
      "fence_virsh --force",
      "stonith:fence_",
      "fence-virsh",
    ])
      expect(stonithInputsSchema.safeParse({ runOn, deviceId: "f", agent }).success).toBe(false);
  });

  test("a parameter is either plain or secret, not both", () => {
    expect(
      checkInputs(stonithInputsSchema, {
        runOn,
        deviceId: "f",
        agent: "fence_virsh",
        parameters: { passwd: "a", ip: "10.77.0.254" },
        secretParameters: { passwd: "b" },
      }).failures,
    ).toEqual([
      {
        property: "secretParameters",
        reason: expect.stringMatching(/either in parameters or in secretParameters/),
      },
    ]);
  });

  test("bad input is refused with the field named", () => {
    const { failures } = checkInputs(stonithInputsSchema, {
      runOn,
      deviceId: "1f",
      agent: "fence_virsh",
      secretParameters: { "pass wd": "x", passwd: "a\nb" },
      fencingLevels: [
        { target: "node1.example.com", level: 0 },
        { target: "node 2", level: 1 },
      ],
    });
    expect(failures.map((f) => f.property).sort()).toEqual([
      "deviceId",
      "fencingLevels[0].level",
      "fencingLevels[1].target",
      "secretParameters.passwd",
      'secretParameters["pass wd"]',
    ]);
  });
});

describe("pcs argv", () => {
  test("stonith create: parameters, secret ones after them, operations, meta", () => {
    expect(createArgv(declared)).toEqual([
      "stonith",
      "create",
      "labfence",
      "fence_virsh",
      "ip=10.77.0.254",
      "username=root",
      "identity_file=/root/.ssh/fence_key",
      "pcmk_host_map=node1.example.com:node1;node2.example.com:node2",
      "passwd=fixture-password",
      "op",
      "monitor",
      "interval=60s",
    ]);
    const withMeta = parse({
      deviceId: "f",
      agent: "fence_virsh",
      metaAttributes: { "failure-timeout": "60s" },
    });
    expect(createArgv(withMeta)).toEqual([
      "stonith",
      "create",
      "f",
      "fence_virsh",
      "meta",
      "failure-timeout=60s",
    ]);
  });

  test("fencing levels: the fixture's, and what is added and deleted", () => {
    expect(levelsOf(live, "labfence")).toEqual([{ target: "node1.example.com", level: 1 }]);
    expect(levelsOf(live, "dummy1")).toEqual([]);
    expect(levelsOf({ ...live, cib: null }, "labfence")).toEqual([]);
    expect(levelChanges("labfence", levelsOf(live, "labfence"), declared.fencingLevels)).toEqual([]);
    expect(
      levelChanges("labfence", levelsOf(live, "labfence"), [
        { target: "node2.example.com", level: 1 },
        { target: "node1.example.com", level: 2 },
      ]),
    ).toEqual([
      ["stonith", "level", "delete", "1", "target", "node1.example.com", "stonith", "labfence"],
      ["stonith", "level", "add", "1", "node2.example.com", "labfence"],
      ["stonith", "level", "add", "2", "node1.example.com", "labfence"],
    ]);
    expect(levelChanges("f", [], [{ target: "n1", level: 1 }])).toEqual([
      ["stonith", "level", "add", "1", "n1", "f"],
    ]);
  });

  test("a level shared with another device counts for this one too", () => {
    const xml = cibXml.replace('devices="labfence"', 'devices="other,labfence"');
    expect(levelsOf(liveFrom(xml), "labfence")).toEqual([{ target: "node1.example.com", level: 1 }]);
    expect(levelsOf(liveFrom(xml), "other")).toEqual([{ target: "node1.example.com", level: 1 }]);
  });

  test("updates go through pcs stonith, the secret value set back when changed by hand", () => {
    const p = (xml: string) => liveFrom(xml).cib!.resources.get("labfence") as Primitive;
    const want = {
      instanceAttributes: { ...declared.parameters, ...declared.secretParameters },
      metaAttributes: declared.metaAttributes,
      operations: declared.operations,
    };
    expect(primitiveChanges("stonith", p(cibXml), declared.operations, want)).toEqual([]);
    const changed = cibXml.replace('value="fixture-password"', 'value="changed-by-hand"');
    expect(primitiveChanges("stonith", p(changed), declared.operations, want)).toEqual([
      ["stonith", "update", "labfence", "passwd=fixture-password"],
    ]);
  });
});

describe("reading back", () => {
  test("labfence reads back exactly as declared: no drift", () => {
    const outs = read();
    const { agentResolved: resolved, held, ...asInputs } = outs;
    expect(asInputs).toEqual(declared);
    expect(resolved).toBe(agentResolved);
    expect(held).toBe(false);
    expect(stonithDiff(outs, declared)).toEqual(noChange);
  });

  test("pcs's default monitor is not drift when no operation is declared; 1min is 60s", () => {
    const noOps = parse({ ...declared, operations: [] });
    expect(stonithDiff(read(cibXml, noOps), noOps)).toEqual(noChange);
    const minute = parse({ ...declared, operations: [{ name: "monitor", interval: "1min" }] });
    const outs = read(cibXml, minute);
    expect(outs.operations).toEqual(minute.operations);
    expect(stonithDiff(outs, minute)).toEqual(noChange);
  });

  test("only fence devices: another primitive or id is none", () => {
    expect(deviceAsLive(live, parse({ ...declared, deviceId: "dummy1" }), agentResolved)).toBeNull();
    expect(deviceAsLive(live, parse({ ...declared, deviceId: "nope" }), agentResolved)).toBeNull();
    expect(deviceAsLive({ ...live, cib: null }, declared, agentResolved)).toBeNull();
  });

  test("a secret changed by hand is CHANGED_OUTSIDE, its live value nowhere in the outputs", () => {
    const outs = read(cibXml.replace('value="fixture-password"', 'value="changed-by-hand"'));
    expect(outs.secretParameters).toEqual({ passwd: CHANGED_OUTSIDE });
    expect(outs.parameters).toEqual(declared.parameters);
    expect(JSON.stringify(outs)).not.toContain("changed-by-hand");
    expect(stonithDiff(outs, declared)).toEqual(inPlace);
    // the next read, from state that holds CHANGED_OUTSIDE, still says so
    const again = deviceAsLive(
      liveFrom(cibXml.replace('value="fixture-password"', 'value="changed-by-hand"')),
      outs,
      agentResolved,
    );
    expect(again?.secretParameters).toEqual({ passwd: CHANGED_OUTSIDE });
  });

  test("a secret removed by hand is CHANGED_OUTSIDE", () => {
    const outs = read(cibXml.replace(/<nvpair id="labfence-instance_attributes-passwd"[^>]*\/>/, ""));
    expect(outs.secretParameters).toEqual({ passwd: CHANGED_OUTSIDE });
    expect(stonithDiff(outs, declared).changes).toBe(true);
  });

  test("the secret's value is never among the plain parameters", () => {
    const outs = read();
    expect(outs.parameters).not.toHaveProperty("passwd");
    expect(JSON.stringify({ ...outs, secretParameters: undefined })).not.toContain("fixture-password");
  });

  test("a plain parameter changed, added or removed by hand shows on parameters", () => {
    const changed = read(cibXml.replace('name="ip" value="10.77.0.254"', 'name="ip" value="10.77.0.253"'));
    expect(changed.parameters).toEqual({ ...declared.parameters, ip: "10.77.0.253" });
    expect(changed.secretParameters).toEqual(declared.secretParameters);
    expect(stonithDiff(changed, declared)).toEqual(inPlace);
    const added = read(
      cibXml.replace(
        '<nvpair id="labfence-instance_attributes-ip"',
        '<nvpair id="labfence-instance_attributes-delay" name="delay" value="10"/><nvpair id="labfence-instance_attributes-ip"',
      ),
    );
    expect(added.parameters).toEqual({ ...declared.parameters, delay: "10" });
    const removed = read(cibXml.replace(/<nvpair id="labfence-instance_attributes-username"[^>]*\/>/, ""));
    const rest = Object.fromEntries(Object.entries(declared.parameters).filter(([k]) => k !== "username"));
    expect(removed.parameters).toEqual(rest);
    expect(removed.parameters).not.toHaveProperty("username");
    expect(stonithDiff(removed, declared).changes).toBe(true);
  });

  test("the monitor changed by hand shows on operations", () => {
    const outs = read(
      cibXml.replace('<op name="monitor" interval="60s"', '<op name="monitor" interval="60s" timeout="30s"'),
    );
    expect(outs.operations).toEqual([{ name: "monitor", interval: "60s", timeout: "30s", options: {} }]);
    expect(stonithDiff(outs, declared)).toEqual(inPlace);
  });

  test("a fencing level deleted or moved by hand shows on fencingLevels", () => {
    const gone = read(cibXml.replace(/<fencing-level [^>]*\/>/, ""));
    expect(gone.fencingLevels).toEqual([]);
    expect(stonithDiff(gone, declared)).toEqual(inPlace);
    const moved = read(cibXml.replace('index="1" devices="labfence"', 'index="2" devices="labfence"'));
    expect(moved.fencingLevels).toEqual([{ target: "node1.example.com", level: 2 }]);
    expect(stonithDiff(moved, declared).changes).toBe(true);
  });

  test("run-time meta is not drift; declared meta is compared", () => {
    const xml = cibXml.replace(
      '<operations>\n          <op name="monitor" interval="60s"',
      '<meta_attributes id="labfence-meta_attributes"><nvpair id="m1" name="target-role" value="Stopped"/>' +
        '<nvpair id="m2" name="is-managed" value="false"/></meta_attributes>' +
        '<operations>\n          <op name="monitor" interval="60s"',
    );
    expect(xml).not.toBe(cibXml);
    const outs = read(xml);
    expect(outs.metaAttributes).toEqual({});
    expect(stonithDiff(outs, declared)).toEqual(noChange);
    const started = parse({ ...declared, metaAttributes: { "target-role": "Started" } });
    expect(read(xml, started).metaAttributes).toEqual({ "target-role": "Stopped" });
    expect(stonithDiff(read(xml, started), started)).toEqual(inPlace);
  });
});

describe("diff", () => {
  const current = read();

  test("another id or agent replaces, delete first", () => {
    expect(stonithDiff(current, { ...declared, deviceId: "fence2" })).toEqual({
      changes: true,
      replaces: ["deviceId"],
      deleteBeforeReplace: true,
    });
    expect(stonithDiff(current, { ...declared, agent: "fence_xvm" }).replaces).toEqual(["agent"]);
  });

  test("a new secret, parameter, level or runOn is an in-place update; level order is not", () => {
    for (const news of [
      { ...declared, secretParameters: { passwd: "new-password" } },
      { ...declared, parameters: { ...declared.parameters, delay: "5" } },
      { ...declared, fencingLevels: [...declared.fencingLevels, { target: "node2.example.com", level: 1 }] },
      { ...declared, runOn: { ...declared.runOn, host: "10.77.0.12" } },
    ])
      expect(stonithDiff(current, news)).toEqual(inPlace);
    const two = [
      { target: "node1.example.com", level: 1 },
      { target: "node2.example.com", level: 1 },
    ];
    expect(
      stonithDiff({ ...current, fencingLevels: two }, { ...declared, fencingLevels: [...two].reverse() }),
    ).toEqual(noChange);
  });
});
