import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseLive } from "../../../../providers/cib/live";
import { checkInputs } from "../../../../providers/checks/inputs";
import {
  clusterDiff,
  membershipChanges,
  nodeAddArgv,
  nodeRemoveArgv,
  clusterFacts,
  clusterInputsSchema,
  ClusterOutputs,
  optionFailures,
  setupArgv,
  totemUpdateArgv,
  totemUpdateRunningArgv,
} from "../../../../providers/kinds/cluster";
import { SshPool } from "../../../../providers/transport/ssh";

const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, "..", "cib", "fixtures", name), "utf8");
const runOn = {
  host: "10.77.0.11",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
};
const declared = clusterInputsSchema.parse({
  runOn,
  name: "ha_cluster_lab",
  nodes: [1, 2, 3].map((i) => ({ name: `node${i}.example.com`, addresses: [`10.77.0.1${i}`] })),
  totem: { token: "5000" },
  properties: { "stonith-enabled": "false" },
});
// The live cluster the fixtures were captured from matches `declared`.
const cib =
  '<cib><configuration><crm_config><cluster_property_set id="cib-bootstrap-options">' +
  '<nvpair id="a" name="stonith-enabled" value="false"/><nvpair id="b" name="dc-version" value="2.1.5"/>' +
  "</cluster_property_set></crm_config></configuration></cib>";
const mark = "@@pcmk-lab-section@@\n";
const live = parseLive(
  fixture("corosync.conf") + mark + cib + "\n" + mark + fixture("crm_mon.xml") + mark + "enabled\n",
);
const current: ClusterOutputs = { ...declared, ...clusterFacts(live, declared) };

test("pcs cluster setup: nodes with addr=, transport, totem, --enable --start", () => {
  expect(setupArgv(declared)).toEqual([
    "pcs",
    "cluster",
    "setup",
    "ha_cluster_lab",
    "node1.example.com",
    "addr=10.77.0.11",
    "node2.example.com",
    "addr=10.77.0.12",
    "node3.example.com",
    "addr=10.77.0.13",
    "transport",
    "knet",
    "totem",
    "token=5000",
    "--enable",
    "--start",
  ]);
});

test("facts: only declared properties are compared; pacemaker's own (dc-version) are not drift", () => {
  expect(current.liveProperties).toEqual({ "stonith-enabled": "false" });
  expect(current).toMatchObject({ dc: "node2.example.com", quorate: true, enabled: true });
  expect(current.nodesOnline).toHaveLength(3);
  expect(clusterDiff(current, declared)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
});

test("a standby node or another DC is runtime, not drift", () => {
  const moved = { ...current, dc: "node1.example.com" };
  expect(clusterDiff(moved, declared).changes).toBe(false);
});

test("a property changed by hand, a property dropped from the program, or a disabled cluster is an update", () => {
  expect(clusterDiff({ ...current, liveProperties: { "stonith-enabled": "true" } }, declared)).toMatchObject({
    changes: true,
    replaces: [],
  });
  expect(clusterDiff(current, { ...declared, properties: {} }).changes).toBe(true);
  expect(clusterDiff({ ...current, enabled: false }, declared).changes).toBe(true);
  expect(clusterDiff(current, { ...declared, totem: { token: "10000" } })).toMatchObject({
    changes: true,
    replaces: [],
  });
});

test("another name is a new cluster (delete before replace); other members change in place", () => {
  expect(clusterDiff(current, { ...declared, name: "other" }).replaces).toEqual(["name"]);
  expect(clusterDiff(current, { ...declared, nodes: declared.nodes.slice(0, 2) })).toMatchObject({
    changes: true,
    replaces: [],
  });
});

test("membership changes: added, removed, and a readdressed member removed and added again", () => {
  const live = declared.nodes;
  const node4 = { name: "node4.example.com", addresses: ["10.77.0.14"] };
  expect(membershipChanges(live, [...declared.nodes, node4])).toEqual({ remove: [], add: [node4] });
  expect(membershipChanges(live, declared.nodes.slice(0, 2))).toEqual({
    remove: ["node3.example.com"],
    add: [],
  });
  const moved = { name: "node2.example.com", addresses: ["10.77.0.22"] };
  expect(membershipChanges(live, [declared.nodes[0], moved, declared.nodes[2]])).toEqual({
    remove: ["node2.example.com"],
    add: [moved],
  });
  // no addresses declared: whatever pcs resolved is fine
  expect(
    membershipChanges(
      live,
      live.map((n) => ({ name: n.name, addresses: [] })),
    ),
  ).toEqual({ remove: [], add: [] });
  expect(nodeAddArgv(node4, 180)).toEqual([
    "pcs",
    "cluster",
    "node",
    "add",
    "node4.example.com",
    "addr=10.77.0.14",
    "--start",
    "--enable",
    "--wait=180",
  ]);
  expect(nodeRemoveArgv("node3.example.com")).toEqual([
    "pcs",
    "cluster",
    "node",
    "remove",
    "node3.example.com",
  ]);
});

test("bad input is refused with the field named", () => {
  const { failures } = checkInputs(clusterInputsSchema, {
    runOn,
    name: "has space",
    nodes: [{ name: "node1" }],
    totem: { token: "5000 --force" },
    start: false,
    properties: { "stonith-enabled": "false" },
  });
  expect(failures.map((f) => f.property).sort()).toEqual(["name", "properties", "totem.token"]);
  const stopped = checkInputs(clusterInputsSchema, {
    runOn,
    name: "c",
    nodes: [{ name: "n1" }],
    start: false,
    properties: { "maintenance-mode": "true" },
  });
  expect(stopped.failures).toEqual([
    { property: "properties", reason: expect.stringMatching(/start: true/) },
  ]);
});

test("totem options and cluster properties: the names pcs accepts, with values of their type", async () => {
  // no node answers in unit tests (tests/support/no-nodes.ts): the built-in lists judge
  const failures = async (totem: Record<string, string>, properties: Record<string, string>) => {
    const news = { runOn, name: "c", nodes: [{ name: "n1" }], totem, properties };
    expect(checkInputs(clusterInputsSchema, news).failures).toEqual([]);
    return optionFailures(new SshPool(), {}, news);
  };
  expect(
    await failures(
      { token: "5000", block_unlisted_ips: "yes" },
      {
        "no-quorum-policy": "freeze",
        "stonith-enabled": "FALSE",
        "stonith-timeout": "60s",
        "load-threshold": "80%",
        "batch-limit": "-INFINITY",
      },
    ),
  ).toEqual([]);
  expect(
    (
      await failures(
        { token: "5s", tokenx: "1", block_unlisted_ips: "maybe" },
        {
          "no-quorum-policy": "Stop",
          "stonith-enabled": "2",
          "stonith-timeout": "1 min",
          "load-threshold": "80",
          "dc-version": "2.1",
          nonsense: "1",
        },
      )
    ).map((f) => `${f.property}: ${f.reason}`),
  ).toEqual([
    "totem.token: token: a non-negative integer",
    "totem.tokenx: not one of the totem options pcs accepts (block_unlisted_ips, consensus, downcheck, fail_recv_const, … 18 in all)",
    "totem.block_unlisted_ips: block_unlisted_ips: one of yes, no",
    "properties.no-quorum-policy: no-quorum-policy: one of stop, freeze, ignore, demote, fence, suicide",
    "properties.stonith-enabled: stonith-enabled: a pacemaker boolean (true, on, yes, y, 1, false, off, no, n, 0)",
    "properties.stonith-timeout: stonith-timeout: a time interval such as 60, 30s, 5min or 1h",
    "properties.load-threshold: load-threshold: a non-negative integer followed by % (e.g. 80%)",
    expect.stringMatching(/^properties.dc-version: not one of the cluster properties pcs accepts/),
    expect.stringMatching(/^properties.nonsense: not one of the cluster properties pcs accepts/),
  ]);
});

describe("totem options", () => {
  test("of a stopped cluster: pcs cluster config update, which writes every member's file", () => {
    expect(totemUpdateArgv({ token: "5000" })).toEqual([
      "pcs",
      "cluster",
      "config",
      "update",
      "totem",
      "token=5000",
    ]);
  });

  test("of a running cluster: a copy edited by pcs, renamed over the file, synced, reloaded; values as arguments", () => {
    const [sh, c, script, name, ...args] = totemUpdateRunningArgv({ token: "5000", join: "60" });
    expect([sh, c, name, args]).toEqual(["sh", "-c", "sh", ["token=5000", "join=60"]]);
    const steps = script.split("\n");
    const at = (text: string) => steps.findIndex((l) => l.includes(text));
    expect(steps[0]).toBe("set -e");
    expect(at('pcs cluster config update totem "$@" --corosync_conf "$copy"')).toBeGreaterThan(
      at('cp -p "$conf" "$copy"'),
    );
    expect(at('mv "$copy" "$conf"')).toBeGreaterThan(at("pcs cluster config update"));
    expect(at("pcs cluster sync corosync")).toBeGreaterThan(at('mv "$copy" "$conf"'));
    expect(at("corosync-cfgtool -R")).toBeGreaterThan(at("pcs cluster sync corosync"));
  });
});
