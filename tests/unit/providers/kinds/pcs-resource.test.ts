// PcsResource without a cluster: inputs, the pcs argv it sends, and how it reads the CIB and
// crm_mon XML captured from a lab cluster made with these very declarations (cib-objects.xml,
// crm_mon-objects.xml): read back as declared, drift on the right field, repairs as pcs argv.
import { checkInputs } from "../../../../providers/checks/inputs";
import { cibXml, liveFrom, runOn } from "../../../support/cib-fixtures";
import { PCS_0_11_SYNTAX } from "../../../../providers/kinds/constraint";
import {
  agentChanged,
  createArgv,
  createsHeld,
  findPrimitive,
  heldId,
  pcsResourceDiff,
  PcsResourceInputs,
  pcsResourceInputsSchema,
  PcsResourceOutputs,
  remakeFailures,
  resourceAsLive,
  resumeArgvs,
  updateArgvs,
} from "../../../../providers/kinds/pcs-resource";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { SshPool } from "../../../../providers/transport/ssh";
import { HOLDER } from "../../../../providers/writer/holds";
import { HOLD_MARK } from "../../../../providers/writer/holds";

const live = liveFrom();
const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, "..", "cib", "fixtures", name), "utf8");
const parse = (args: object): PcsResourceInputs => pcsResourceInputsSchema.parse({ runOn, ...args });

// What the lab cluster's resources were created from (tests/integration/providers/pcs-resource.test.ts).
const declared = {
  dummy1: parse({
    resourceId: "dummy1",
    agent: "ocf:pacemaker:Dummy",
    operations: [{ name: "monitor", interval: "30s", timeout: "20s" }],
  }),
  vip: parse({
    resourceId: "vip",
    agent: "IPaddr2",
    instanceAttributes: { ip: "10.77.0.100", cidr_netmask: "24" },
    metaAttributes: { "resource-stickiness": "100" },
  }),
  web: parse({ resourceId: "web", agent: "Dummy", clone: { meta: { "clone-max": "2" } } }),
  stateful: parse({
    resourceId: "stateful",
    agent: "ocf:pacemaker:Stateful",
    clone: { promotable: true, meta: { "promoted-max": "1" } },
  }),
  g1a: parse({ resourceId: "g1a", agent: "ocf:pacemaker:Dummy", group: "g1" }),
};
// pcs resolved the short names at create
const resolved: Record<keyof typeof declared, string> = {
  dummy1: "ocf:pacemaker:Dummy",
  vip: "ocf:heartbeat:IPaddr2",
  web: "ocf:pacemaker:Dummy",
  stateful: "ocf:pacemaker:Stateful",
  g1a: "ocf:pacemaker:Dummy",
};

function read(
  name: keyof typeof declared,
  xml = cibXml,
  d: PcsResourceInputs = declared[name],
): PcsResourceOutputs {
  const outs = resourceAsLive(liveFrom(xml), d, resolved[name]);
  if (!outs) throw new Error(`${name} not found`);
  return outs;
}

/** The fixture with one primitive's/clone's <meta_attributes> (possibly empty) holding these nvpairs too. */
function withMeta(xml: string, setId: string, nvpairs: Record<string, string>): string {
  const extra = Object.entries(nvpairs)
    .map(([k, v]) => `<nvpair id="${setId}-${k}" name="${k}" value="${v}"/>`)
    .join("");
  const empty = `<meta_attributes id="${setId}"/>`;
  if (xml.includes(empty))
    return xml.replace(empty, `<meta_attributes id="${setId}">${extra}</meta_attributes>`);
  const open = `<meta_attributes id="${setId}">`;
  if (!xml.includes(open)) throw new Error(`no ${setId} in the fixture`);
  return xml.replace(open, open + extra);
}

describe("inputs", () => {
  test("defaults: no attributes, no operations, not adopted; a clone named as pcs names it", () => {
    expect(parse({ resourceId: "d", agent: "Dummy" })).toEqual({
      runOn: { ...runOn, port: 22, user: "root" },
      resourceId: "d",
      settleSeconds: 120,
      allowFailedActions: false,
      agent: "Dummy",
      instanceAttributes: {},
      metaAttributes: {},
      operations: [],
      adopt: false,
    });
    expect(declared.web.clone).toEqual({ id: "web-clone", promotable: false, meta: { "clone-max": "2" } });
    expect(parse({ resourceId: "w", agent: "Dummy", clone: { id: "my-clone" } }).clone).toEqual({
      id: "my-clone",
      promotable: false,
      meta: {},
    });
  });

  test("agents: full, class:type and pcs's short form; nothing else", () => {
    for (const agent of ["ocf:heartbeat:IPaddr2", "systemd:httpd", "systemd:getty@tty1", "IPaddr2", "Dummy"])
      expect(pcsResourceInputsSchema.safeParse({ runOn, resourceId: "r", agent }).success).toBe(true);
    for (const agent of ["", "a:b:c:d", "IPaddr2 --force", "ocf:heartbeat:IP;addr", "-x", "ocf::Dummy"])
      expect(pcsResourceInputsSchema.safeParse({ runOn, resourceId: "r", agent }).success).toBe(false);
  });

  test("bad input is refused with each field named", () => {
    const { failures } = checkInputs(pcsResourceInputsSchema, {
      runOn,
      resourceId: "-x",
      agent: "a b",
      bogus: 1,
      metaAttributes: { x: "a\nb" },
      operations: [{ name: "monitor", interval: "1 hour" }],
    });
    expect(failures.map((f) => f.property).sort()).toEqual([
      "(inputs)",
      "agent",
      "metaAttributes.x",
      "operations[0].interval",
      "resourceId",
    ]);
    expect(failures.find((f) => f.property === "(inputs)")?.reason).toMatch(/bogus/);
  });

  test("a group member cannot be cloned by itself; an operation only once", () => {
    expect(
      checkInputs(pcsResourceInputsSchema, { runOn, resourceId: "x", agent: "Dummy", group: "g", clone: {} })
        .failures,
    ).toEqual([{ property: "clone", reason: expect.stringMatching(/clone the group/) }]);
    expect(
      checkInputs(pcsResourceInputsSchema, {
        runOn,
        resourceId: "x",
        agent: "Dummy",
        operations: [
          { name: "monitor", interval: "60s" },
          { name: "monitor", interval: "1min" },
        ],
      }).failures,
    ).toEqual([{ property: "operations", reason: expect.stringMatching(/once/) }]);
  });
});

describe("pcs resource create", () => {
  test("a plain resource: attributes, operations, meta, created held (stopped and marked)", () => {
    expect(createArgv(declared.dummy1)).toEqual([
      "resource",
      "create",
      "dummy1",
      "ocf:pacemaker:Dummy",
      "op",
      "monitor",
      "interval=30s",
      "timeout=20s",
      "meta",
      "target-role=Stopped",
      `${HOLD_MARK}=${HOLDER}`,
    ]);
    expect(createArgv(declared.vip)).toEqual([
      "resource",
      "create",
      "vip",
      "IPaddr2",
      "ip=10.77.0.100",
      "cidr_netmask=24",
      "meta",
      "resource-stickiness=100",
      "target-role=Stopped",
      `${HOLD_MARK}=${HOLDER}`,
    ]);
    expect(heldId(declared.vip)).toBe("vip");
  });

  test("not held: no meta at all when none is declared", () => {
    expect(createArgv(declared.dummy1, false)).toEqual([
      "resource",
      "create",
      "dummy1",
      "ocf:pacemaker:Dummy",
      "op",
      "monitor",
      "interval=30s",
      "timeout=20s",
    ]);
  });

  test("a clone is held on the clone, not on the primitive", () => {
    expect(createArgv(declared.web)).toEqual([
      "resource",
      "create",
      "web",
      "Dummy",
      "clone",
      "web-clone",
      "clone-max=2",
      "target-role=Stopped",
      `${HOLD_MARK}=${HOLDER}`,
    ]);
    expect(createArgv(declared.stateful)).toEqual([
      "resource",
      "create",
      "stateful",
      "ocf:pacemaker:Stateful",
      "promotable",
      "stateful-clone",
      "promoted-max=1",
      "target-role=Stopped",
      `${HOLD_MARK}=${HOLDER}`,
    ]);
    expect(heldId(declared.web)).toBe("web-clone");
    expect(heldId(declared.stateful)).toBe("stateful-clone");
    expect(createArgv(declared.web, false)).toEqual([
      "resource",
      "create",
      "web",
      "Dummy",
      "clone",
      "web-clone",
      "clone-max=2",
    ]);
  });

  test("a group member: held itself, --group last", () => {
    expect(createArgv(declared.g1a)).toEqual([
      "resource",
      "create",
      "g1a",
      "ocf:pacemaker:Dummy",
      "meta",
      "target-role=Stopped",
      `${HOLD_MARK}=${HOLDER}`,
      "--group",
      "g1",
    ]);
    expect(heldId(declared.g1a)).toBe("g1a");
  });

  test("a program that sets target-role itself is not held", () => {
    const stopped = parse({ resourceId: "d", agent: "Dummy", metaAttributes: { "target-role": "Stopped" } });
    expect(createsHeld(stopped)).toBe(false);
    expect(createArgv(stopped)).toEqual(["resource", "create", "d", "Dummy", "meta", "target-role=Stopped"]);
    const cloneStopped = parse({
      resourceId: "w",
      agent: "Dummy",
      clone: { meta: { "target-role": "Started" } },
    });
    expect(createsHeld(cloneStopped)).toBe(false);
    expect(createArgv(cloneStopped)).toEqual([
      "resource",
      "create",
      "w",
      "Dummy",
      "clone",
      "w-clone",
      "target-role=Started",
    ]);
    for (const d of Object.values(declared)) expect(createsHeld(d)).toBe(true);
  });
});

describe("finding a primitive", () => {
  test("with its group or clone", () => {
    expect(findPrimitive(live, "dummy1")).toEqual({ primitive: expect.objectContaining({ id: "dummy1" }) });
    expect(findPrimitive(live, "g1a")).toEqual({
      primitive: expect.objectContaining({ id: "g1a" }),
      group: "g1",
    });
    const web = findPrimitive(live, "web");
    expect(web?.clone).toMatchObject({ id: "web-clone", promotable: false, meta: { "clone-max": "2" } });
    expect(web?.group).toBeUndefined();
    expect(findPrimitive(live, "stateful")?.clone).toMatchObject({ id: "stateful-clone", promotable: true });
  });

  test("groups, clones, unknown ids and a stopped cluster are no primitive", () => {
    for (const id of ["g1", "web-clone", "stateful-clone", "nope"])
      expect(findPrimitive(live, id)).toBeNull();
    expect(findPrimitive({ ...live, cib: null }, "dummy1")).toBeNull();
  });
});

describe("reading back", () => {
  test.each(Object.keys(declared) as (keyof typeof declared)[])(
    "%s reads back exactly as declared: no drift",
    (name) => {
      const outs = read(name);
      const { agentResolved, held, ...asInputs } = outs;
      expect(asInputs).toEqual(declared[name]);
      expect(agentResolved).toBe(resolved[name]);
      expect(held).toBe(false);
      expect(pcsResourceDiff(outs, declared[name])).toEqual({
        changes: false,
        replaces: [],
        deleteBeforeReplace: true,
      });
    },
  );

  test("placement is not state: a read without crm_mon's status reads the same", () => {
    for (const name of Object.keys(declared) as (keyof typeof declared)[])
      expect(resourceAsLive(liveFrom(cibXml, null), declared[name], resolved[name])).toEqual(read(name));
  });

  test("gone from the CIB: null", () => {
    const d = parse({ resourceId: "gone", agent: "Dummy" });
    expect(resourceAsLive(live, d, "ocf:pacemaker:Dummy")).toBeNull();
  });

  test("equal durations spelled otherwise are no change", () => {
    const respelled = parse({
      resourceId: "dummy1",
      agent: "ocf:pacemaker:Dummy",
      operations: [{ name: "monitor", interval: "30", timeout: "20000ms" }],
    });
    const outs = read("dummy1", cibXml, respelled);
    expect(outs.operations).toEqual(respelled.operations);
    expect(pcsResourceDiff(outs, respelled).changes).toBe(false);
    const liveRespelled = cibXml.replace(
      'interval="30s" timeout="20s"',
      'interval="0.5min" timeout="20000ms"',
    );
    // Pacemaker reads 0.5min as 0 (decimals are truncated): that is another interval
    expect(read("dummy1", liveRespelled).operations).toEqual([]);
    const liveMinutes = cibXml.replace('interval="30s" timeout="20s"', 'interval="30000ms" timeout="20"');
    expect(pcsResourceDiff(read("dummy1", liveMinutes), declared.dummy1).changes).toBe(false);
  });

  test("an instance attribute changed by hand shows on instanceAttributes", () => {
    const outs = read("vip", cibXml.replace('value="10.77.0.100"', 'value="10.77.0.101"'));
    expect(outs.instanceAttributes).toEqual({ ip: "10.77.0.101", cidr_netmask: "24" });
    expect(outs.metaAttributes).toEqual(declared.vip.metaAttributes);
    expect(pcsResourceDiff(outs, declared.vip)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  test("an attribute added by hand shows too", () => {
    const xml = cibXml.replace(
      '<nvpair id="vip-instance_attributes-ip"',
      '<nvpair id="vip-instance_attributes-nic" name="nic" value="eth1"/><nvpair id="vip-instance_attributes-ip"',
    );
    expect(read("vip", xml).instanceAttributes).toEqual({
      ip: "10.77.0.100",
      cidr_netmask: "24",
      nic: "eth1",
    });
  });

  test("a meta attribute changed by hand shows on metaAttributes", () => {
    const outs = read(
      "vip",
      cibXml.replace('name="resource-stickiness" value="100"', 'name="resource-stickiness" value="50"'),
    );
    expect(outs.metaAttributes).toEqual({ "resource-stickiness": "50" });
    expect(outs.instanceAttributes).toEqual(declared.vip.instanceAttributes);
    expect(pcsResourceDiff(outs, declared.vip).changes).toBe(true);
  });

  test("an operation changed or deleted by hand shows on operations", () => {
    const longer = read(
      "dummy1",
      cibXml.replace('interval="30s" timeout="20s"', 'interval="30s" timeout="40s"'),
    );
    expect(longer.operations).toEqual([{ name: "monitor", interval: "30s", timeout: "40s", options: {} }]);
    expect(pcsResourceDiff(longer, declared.dummy1).changes).toBe(true);
    const deleted = read("dummy1", cibXml.replace(/<op name="monitor" interval="30s"[^>]*\/>/, ""));
    expect(deleted.operations).toEqual([]);
    expect(pcsResourceDiff(deleted, declared.dummy1).changes).toBe(true);
  });

  test("pcs's default operations changed by hand are not drift", () => {
    const xml = cibXml.replace(
      '<op name="start" interval="0s" timeout="20s" id="dummy1-start-interval-0s"/>',
      '<op name="start" interval="0s" timeout="90s" id="dummy1-start-interval-0s"/>',
    );
    expect(pcsResourceDiff(read("dummy1", xml), declared.dummy1).changes).toBe(false);
  });

  test("clone meta changed by hand shows on clone.meta; promotable is pcs's, not drift", () => {
    const outs = read("web", cibXml.replace('name="clone-max" value="2"', 'name="clone-max" value="1"'));
    expect(outs.clone).toEqual({ id: "web-clone", promotable: false, meta: { "clone-max": "1" } });
    expect(pcsResourceDiff(outs, declared.web).changes).toBe(true);
    expect(read("stateful").clone).toEqual({
      id: "stateful-clone",
      promotable: true,
      meta: { "promoted-max": "1" },
    });
    const unpromoted = read(
      "stateful",
      cibXml.replace('name="promotable" value="true"', 'name="promotable" value="false"'),
    );
    expect(unpromoted.clone?.promotable).toBe(false);
    expect(pcsResourceDiff(unpromoted, declared.stateful).changes).toBe(true);
  });

  test("taken out of its group by hand: group shows it", () => {
    const xml = cibXml.replace(
      /<group id="g1">\s*(<primitive id="g1a"[\s\S]*?<\/primitive>)\s*<\/group>/,
      "$1",
    );
    const outs = read("g1a", xml);
    expect(outs.group).toBeUndefined();
    expect(pcsResourceDiff(outs, declared.g1a).changes).toBe(true);
  });

  test("another agent than the one pcs resolved is shown in full and is an update (made again)", () => {
    const xml = cibXml.replace(
      'id="vip" class="ocf" type="IPaddr2" provider="heartbeat"',
      'id="vip" class="ocf" type="IPaddr2" provider="custom"',
    );
    const outs = read("vip", xml);
    expect(outs.agent).toBe("ocf:custom:IPaddr2");
    expect(pcsResourceDiff(outs, declared.vip)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
  });

  test("target-role, is-managed and the hold mark are not the program's unless declared", () => {
    const runtime = { "target-role": "Stopped", "is-managed": "false" };
    const vip = read("vip", withMeta(cibXml, "vip-meta_attributes", runtime));
    expect(vip.metaAttributes).toEqual({ "resource-stickiness": "100" });
    expect(pcsResourceDiff(vip, declared.vip).changes).toBe(false);
    // on an empty <meta_attributes/> (dummy1), and on a clone
    expect(
      pcsResourceDiff(read("dummy1", withMeta(cibXml, "dummy1-meta_attributes", runtime)), declared.dummy1)
        .changes,
    ).toBe(false);
    const web = read("web", withMeta(cibXml, "web-clone-meta_attributes", runtime));
    expect(web.clone?.meta).toEqual({ "clone-max": "2" });
    expect(pcsResourceDiff(web, declared.web).changes).toBe(false);
    // declared: then it is compared
    const started = parse({
      ...declared.vip,
      metaAttributes: { "resource-stickiness": "100", "target-role": "Started" },
    });
    const outs = read("vip", withMeta(cibXml, "vip-meta_attributes", runtime), started);
    expect(outs.metaAttributes).toEqual({ "resource-stickiness": "100", "target-role": "Stopped" });
    expect(pcsResourceDiff(outs, started).changes).toBe(true);
  });

  test("a resource still held by an interrupted run is not drift in its attributes, but is a change", () => {
    const held = { "target-role": "Stopped", [HOLD_MARK]: "true" };
    const vip = read("vip", withMeta(cibXml, "vip-meta_attributes", held));
    expect(vip.metaAttributes).toEqual({ "resource-stickiness": "100" });
    expect(vip.held).toBe(true);
    expect(pcsResourceDiff(vip, declared.vip)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: true,
    });
    // a clone is held on the clone
    const web = read("web", withMeta(cibXml, "web-clone-meta_attributes", held));
    expect(web.held).toBe(true);
    expect(web.clone?.meta).toEqual({ "clone-max": "2" });
    expect(
      read("web", withMeta(cibXml, "web-clone-meta_attributes", { "target-role": "Stopped" })).held,
    ).toBe(false);
  });
});

describe("diff", () => {
  const current = read("vip");

  test("another id replaces, delete first; another agent is an update (the resource made again in it)", () => {
    expect(pcsResourceDiff(current, { ...declared.vip, resourceId: "vip2" })).toEqual({
      changes: true,
      replaces: ["resourceId"],
      deleteBeforeReplace: true,
    });
    expect(pcsResourceDiff(current, { ...declared.vip, agent: "ocf:custom:IPaddr2" })).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  test("attributes, group, clone and runOn are in-place updates", () => {
    for (const news of [
      { ...declared.vip, instanceAttributes: { ip: "10.77.0.102", cidr_netmask: "24" } },
      { ...declared.vip, metaAttributes: {} },
      { ...declared.vip, group: "g1" },
      { ...declared.vip, clone: { id: "vip-clone", promotable: false, meta: {} } },
      { ...declared.vip, operations: [{ name: "monitor", interval: "10s", options: {} }] },
      { ...declared.vip, runOn: { ...declared.vip.runOn, host: "10.77.0.12" } },
    ])
      expect(pcsResourceDiff(current, news)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: true,
      });
  });

  test("the order operations are declared in is not a change", () => {
    const two = parse({
      resourceId: "stateful",
      agent: "ocf:pacemaker:Stateful",
      clone: { promotable: true, meta: { "promoted-max": "1" } },
      operations: [
        { name: "monitor", interval: "10s", timeout: "20s", role: "Promoted" },
        { name: "monitor", interval: "11s", timeout: "20s", role: "Unpromoted" },
      ],
    });
    const outs = read("stateful", cibXml, two);
    expect(outs.operations).toEqual(two.operations);
    expect(pcsResourceDiff(outs, { ...two, operations: [...two.operations].reverse() }).changes).toBe(false);
  });
});

describe("updates", () => {
  const found = (xml = cibXml, id: string) => {
    const f = findPrimitive(liveFrom(xml), id);
    if (!f) throw new Error(`${id} not found`);
    return f;
  };

  test.each(Object.keys(declared) as (keyof typeof declared)[])("%s as declared: nothing to do", (name) => {
    expect(updateArgvs(found(cibXml, name), declared[name], declared[name])).toEqual([]);
  });

  test("drift made by hand is set back to the declared values", () => {
    const xml = cibXml
      .replace('value="10.77.0.100"', 'value="10.77.0.101"')
      .replace('name="resource-stickiness" value="100"', 'name="resource-stickiness" value="50"');
    expect(updateArgvs(found(xml, "vip"), declared.vip, declared.vip)).toEqual([
      ["resource", "update", "vip", "ip=10.77.0.100"],
      ["resource", "meta", "vip", "resource-stickiness=100"],
    ]);
    const noMonitor = cibXml.replace(/<op name="monitor" interval="30s"[^>]*\/>/, "");
    expect(updateArgvs(found(noMonitor, "dummy1"), declared.dummy1, declared.dummy1)).toEqual([
      ["resource", "op", "add", "dummy1", "monitor", "interval=30s", "timeout=20s"],
    ]);
  });

  test("a new address in the program", () => {
    const news = parse({ ...declared.vip, instanceAttributes: { ip: "10.77.0.102", cidr_netmask: "24" } });
    expect(updateArgvs(found(cibXml, "vip"), declared.vip, news)).toEqual([
      ["resource", "update", "vip", "ip=10.77.0.102"],
    ]);
  });

  test("group membership: into a group, out of it, into another", () => {
    expect(
      updateArgvs(found(cibXml, "dummy1"), declared.dummy1, { ...declared.dummy1, group: "g2" }),
    ).toEqual([["resource", "group", "add", "g2", "dummy1"]]);
    const ungrouped = { ...declared.g1a, group: undefined };
    expect(updateArgvs(found(cibXml, "g1a"), declared.g1a, ungrouped)).toEqual([
      ["resource", "group", "remove", "g1", "g1a"],
    ]);
    expect(updateArgvs(found(cibXml, "g1a"), declared.g1a, { ...declared.g1a, group: "g2" })).toEqual([
      ["resource", "group", "add", "g2", "g1a"],
    ]);
  });

  test("clone meta is set on the clone; promotable and run-time meta are left alone", () => {
    const more = parse({ ...declared.web, clone: { meta: { "clone-max": "3" } } });
    expect(updateArgvs(found(cibXml, "web"), declared.web, more)).toEqual([
      ["resource", "meta", "web-clone", "clone-max=3"],
    ]);
    const runtime = withMeta(cibXml, "stateful-clone-meta_attributes", { "target-role": "Stopped" });
    expect(updateArgvs(found(runtime, "stateful"), declared.stateful, declared.stateful)).toEqual([]);
  });

  test("clone to promotable and back: the clone's meta attribute, set in place (unclone would take its constraints)", () => {
    const promotable = parse({ ...declared.web, clone: { promotable: true, meta: { "clone-max": "2" } } });
    expect(updateArgvs(found(cibXml, "web"), declared.web, promotable)).toEqual([
      ["resource", "meta", "web-clone", "promotable=true"],
    ]);
    const plain = parse({
      ...declared.stateful,
      clone: { promotable: false, meta: { "promoted-max": "1" } },
    });
    expect(updateArgvs(found(cibXml, "stateful"), declared.stateful, plain)).toEqual([
      ["resource", "meta", "stateful-clone", "promotable="],
    ]);
    // a legacy <master> has no such attribute: made again
    const master = cibXml
      .replace(/<clone id="stateful-clone">([\s\S]*?)<\/clone>/, '<master id="stateful-clone">$1</master>')
      .replace(/<nvpair[^>]*name="promotable" value="true"\/>/, "");
    expect(updateArgvs(found(master, "stateful"), declared.stateful, plain)).toEqual([
      ["resource", "unclone", "stateful-clone"],
      ["resource", "clone", "stateful", "stateful-clone", "promoted-max=1"],
    ]);
  });

  test("to another clone id, or no clone: unclone first", () => {
    const renamed = parse({ ...declared.web, clone: { id: "webs", meta: { "clone-max": "2" } } });
    expect(updateArgvs(found(cibXml, "web"), declared.web, renamed)).toEqual([
      ["resource", "unclone", "web-clone"],
      ["resource", "clone", "web", "webs", "clone-max=2"],
    ]);
    expect(updateArgvs(found(cibXml, "web"), declared.web, { ...declared.web, clone: undefined })).toEqual([
      ["resource", "unclone", "web-clone"],
    ]);
    const cloned = parse({ ...declared.dummy1, clone: {} });
    expect(updateArgvs(found(cibXml, "dummy1"), declared.dummy1, cloned)).toEqual([
      ["resource", "clone", "dummy1", "dummy1-clone"],
    ]);
  });

  describe("another agent: made again in one step, keeping what pcs's delete takes along", () => {
    const ctx = (xml = cibXml) => ({ live: liveFrom(xml), syntax: PCS_0_11_SYNTAX });
    const outsOf = (name: keyof typeof declared, xml = cibXml) => read(name, xml);
    const custom = (xml: string) =>
      xml.replace(
        'id="dummy1" class="ocf" type="Dummy" provider="pacemaker"',
        'id="dummy1" class="ocf" type="Dummy" provider="heartbeat"',
      );

    test("changed by hand (not what create resolved), or in the program; pcs's short form of the same agent is not", () => {
      const byHand = found(custom(cibXml), "dummy1");
      expect(agentChanged(byHand, outsOf("dummy1", custom(cibXml)), declared.dummy1)).toBe(true);
      const asMade = found(cibXml, "dummy1");
      expect(agentChanged(asMade, outsOf("dummy1"), declared.dummy1)).toBe(false);
      expect(
        agentChanged(asMade, outsOf("dummy1"), { ...declared.dummy1, agent: "ocf:heartbeat:Dummy" }),
      ).toBe(true);
      expect(
        agentChanged(found(cibXml, "vip"), outsOf("vip"), {
          ...declared.vip,
          agent: "ocf:heartbeat:IPaddr2",
        }),
      ).toBe(false);
    });

    test("its constraints deleted, the resource deleted and made as declared, the constraints added back as they were", () => {
      const xml = custom(cibXml);
      const order = "order-dummy1-vip-Mandatory";
      expect(updateArgvs(found(xml, "dummy1"), declared.dummy1, declared.dummy1, ctx(xml))).toEqual([
        ["constraint", "delete", "location-dummy1-node1.example.com-100"],
        ["constraint", "delete", order],
        ["constraint", "delete", "colocation-vip-dummy1-INFINITY"],
        ["resource", "delete", "dummy1"],
        createArgv(declared.dummy1, false),
        [
          "constraint",
          "location",
          "add",
          "location-dummy1-node1.example.com-100",
          "dummy1",
          "node1.example.com",
          "100",
        ],
        [
          "constraint",
          "order",
          "start",
          "dummy1",
          "then",
          "start",
          "vip",
          `id=${order}`,
          "kind=Mandatory",
          "symmetrical=true",
        ],
        [
          "constraint",
          "colocation",
          "add",
          "vip",
          "with",
          "dummy1",
          "INFINITY",
          "id=colocation-vip-dummy1-INFINITY",
        ],
      ]);
    });

    test("a group member goes back before the member that followed it; a clone's constraints go with it", () => {
      const xml = cibXml.replace(
        /(<primitive id="g1a"[\s\S]*?<\/primitive>)/,
        '$1<primitive id="g1b" class="ocf" type="Dummy" provider="pacemaker"/>',
      );
      const argvs = updateArgvs(
        found(xml, "g1a"),
        declared.g1a,
        { ...declared.g1a, agent: "ocf:heartbeat:Dummy" },
        ctx(xml),
      );
      expect(argvs[argvs.length - 1]).toEqual([
        ...createArgv({ ...declared.g1a, agent: "ocf:heartbeat:Dummy" }, false),
        "--before",
        "g1b",
      ]);
      const onClone = cibXml.replace(
        "<constraints>",
        '<constraints><rsc_location id="web-clone-avoids" rsc="web-clone" node="node3.example.com" score="-INFINITY"/>',
      );
      expect(
        updateArgvs(
          found(onClone, "web"),
          declared.web,
          { ...declared.web, agent: "ocf:heartbeat:Dummy" },
          ctx(onClone),
        ),
      ).toEqual([
        ["constraint", "delete", "web-clone-avoids"],
        ["resource", "delete", "web"],
        createArgv({ ...declared.web, agent: "ocf:heartbeat:Dummy" }, false),
        ["constraint", "location", "add", "web-clone-avoids", "web-clone", "node3.example.com", "-INFINITY"],
      ]);
    });

    test("a constraint pcs cannot add back as it is refuses the update, naming it", () => {
      const xml = custom(cibXml).replace(
        "<constraints>",
        '<constraints><rsc_location id="by-pattern" rsc-pattern="dummy.*" node="node2.example.com" score="5"/>' +
          '<rsc_location id="two-rules" rsc="dummy1"><rule id="r1" score="5"><expression id="e1" attribute="a" operation="defined"/></rule>' +
          '<rule id="r2" score="5"><expression id="e2" attribute="b" operation="defined"/></rule></rsc_location>',
      );
      expect(() => updateArgvs(found(xml, "dummy1"), declared.dummy1, declared.dummy1, ctx(xml))).toThrow(
        "PcsResource 'dummy1': another agent means making it again, and its delete would take along constraint 'two-rules' (it has several rules), which pcs cannot add back as it is: change the agent by hand",
      );
    });

    describe("the preview says so first (checkOnNode)", () => {
      const twoRules = cibXml.replace(
        "<constraints>",
        '<constraints><rsc_location id="two-rules" rsc="dummy1"><rule id="r1" score="5"><expression id="e1" attribute="a" operation="defined"/></rule>' +
          '<rule id="r2" score="5"><expression id="e2" attribute="b" operation="defined"/></rule></rsc_location>',
      );
      let nextHost = 1;
      /** The check of `news` after `olds`, against a node whose live read gives this CIB. */
      async function checkAgainst(xml: string, olds: object, news: object) {
        const host = `198.51.100.${nextHost++}`; // a cluster of its own: environments are kept per process
        const answer = [
          fixture("corosync.conf").replace(/cluster_uuid: \w+/, `cluster_uuid: c0ffee${host}`),
          xml,
          fixture("crm_mon.xml"),
          "enabled\n",
        ].join("@@pcmk-lab-section@@\n");
        const reads: string[] = [];
        const pool = {
          run: async (t: { host: string }) => {
            reads.push(t.host);
            return answer;
          },
        } as unknown as SshPool;
        const at = (o: object) => ({ ...declared.dummy1, runOn: { ...runOn, host }, ...o });
        return { failures: await remakeFailures(pool, at(olds), at(news)), reads };
      }

      test("another agent in the program, with a constraint pcs cannot add back: refused on agent, naming it", async () => {
        const { failures } = await checkAgainst(twoRules, {}, { agent: "ocf:heartbeat:Dummy" });
        expect(failures).toEqual([
          {
            property: "agent",
            reason:
              "another agent means making it again, and its delete would take along constraint 'two-rules' (it has several rules), which pcs cannot add back as it is: change the agent by hand",
          },
        ]);
      });

      test("by hand, as a refresh read it (the live agent in olds): refused the same", async () => {
        const byHand = twoRules.replace(
          'id="dummy1" class="ocf" type="Dummy" provider="pacemaker"',
          'id="dummy1" class="ocf" type="Dummy" provider="heartbeat"',
        );
        const { failures } = await checkAgainst(byHand, { agent: "ocf:heartbeat:Dummy" }, {});
        expect(failures.map((f) => f.property)).toEqual(["agent"]);
      });

      test("nothing to say, and no read, when the agent is the one before; nothing when it can be remade", async () => {
        expect(await checkAgainst(twoRules, {}, {})).toEqual({ failures: [], reads: [] });
        expect((await checkAgainst(cibXml, {}, { agent: "ocf:heartbeat:Dummy" })).failures).toEqual([]);
        // pcs's short form of the live agent: not another agent
        expect((await checkAgainst(twoRules, {}, { agent: "Dummy" })).failures).toEqual([]);
      });
    });
  });

  test("a hold left by an interrupted run is released on the primitive or on the clone", () => {
    const held = { "target-role": "Stopped", [HOLD_MARK]: "true" };
    expect(
      updateArgvs(found(withMeta(cibXml, "vip-meta_attributes", held), "vip"), declared.vip, declared.vip),
    ).toEqual([["resource", "meta", "vip", `${HOLD_MARK}=`, "target-role="]]);
    expect(
      updateArgvs(
        found(withMeta(cibXml, "web-clone-meta_attributes", held), "web"),
        declared.web,
        declared.web,
      ),
    ).toEqual([["resource", "meta", "web-clone", `${HOLD_MARK}=`, "target-role="]]);
  });
});

describe("an interrupted create, resumed", () => {
  // pushed held by a run that ended before its reply (and its release): the state does not have it
  const orphan = (setId: string, id: string) =>
    findPrimitive(
      liveFrom(withMeta(cibXml, setId, { "target-role": "Stopped", [HOLD_MARK]: "labhost/4242" })),
      id,
    )!;
  const heldHere = (id: string) => ["resource", "meta", id, "target-role=Stopped", `${HOLD_MARK}=${HOLDER}`];

  test("as declared: only held again, by this process, for this run's release", () => {
    expect(resumeArgvs(orphan("vip-meta_attributes", "vip"), declared.vip)).toEqual([heldHere("vip")]);
  });

  test("made as declared where it differs, and never released on the way", () => {
    const changed = parse({ ...declared.vip, instanceAttributes: { ip: "10.77.0.101", cidr_netmask: "24" } });
    const argvs = resumeArgvs(orphan("vip-meta_attributes", "vip"), changed);
    expect(argvs).toEqual([["resource", "update", "vip", "ip=10.77.0.101"], heldHere("vip")]);
    expect(argvs.flat()).not.toContain(`${HOLD_MARK}=`);
  });

  test("a clone is held again on the clone", () => {
    expect(resumeArgvs(orphan("web-clone-meta_attributes", "web"), declared.web)).toEqual([
      heldHere("web-clone"),
    ]);
  });
});
