// The live-state parsers on output captured from a lab cluster (pcs cluster setup ... totem
// token=5000; dummy1, a group, a promotable clone, node3 in standby).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { corosyncCluster } from "../../../../providers/cib/corosync-conf";
import { cibOf, parseLive } from "../../../../providers/cib/live";
import { activeOn, parseCrmMon } from "../../../../providers/cib/status";

const fixture = (name: string): string => readFileSync(path.join(__dirname, "fixtures", name), "utf8");

test("corosync.conf: name, uuid, transport, the user's totem options (not pcs's own), nodes with addresses", () => {
  expect(corosyncCluster(fixture("corosync.conf"))).toEqual({
    name: "ha_cluster_lab",
    uuid: "df28edd66d60474b97c79f8b5485e270",
    transport: "knet",
    totem: { token: "5000" },
    nodes: [
      { name: "node1.example.com", id: "1", addresses: ["10.77.0.11"] },
      { name: "node2.example.com", id: "2", addresses: ["10.77.0.12"] },
      { name: "node3.example.com", id: "3", addresses: ["10.77.0.13"] },
    ],
  });
});

test("crm_mon: DC, quorum, nodes with standby, and where each resource runs in which role", () => {
  const status = parseCrmMon(fixture("crm_mon.xml"));
  expect(status.dc).toBe("node2.example.com");
  expect(status.quorate).toBe(true);
  expect(status.nodes).toEqual([
    { name: "node1.example.com", online: true, standby: false },
    { name: "node2.example.com", online: true, standby: false },
    { name: "node3.example.com", online: true, standby: true },
  ]);
  expect(status.resources["dummy1"]).toEqual([{ node: "node1.example.com", role: "Started" }]);
  expect(status.resources["web-ip"]).toEqual([{ node: "node2.example.com", role: "Started" }]);
  expect(status.resources["st"]).toEqual([
    { node: "node1.example.com", role: "Promoted" },
    { node: "node2.example.com", role: "Unpromoted" },
  ]);
});

test("a resource called like an Object member or __proto__ is found by its own entry only", () => {
  const mon = (id: string) =>
    `<pacemaker-result><summary/><nodes/><resources><resource id="${id}" role="Started" active="true">` +
    `<node name="node1.example.com"/></resource></resources></pacemaker-result>`;
  for (const id of ["constructor", "__proto__", "toString"]) {
    expect(activeOn(parseCrmMon(mon(id)), id)).toEqual([{ node: "node1.example.com", role: "Started" }]);
    expect(activeOn(parseCrmMon(mon("other")), id)).toEqual([]);
  }
  expect(activeOn(null, "constructor")).toEqual([]);
});

test("the one-round-trip reader splits its sections, and tells a node without a cluster", () => {
  const mark = "@@pcmk-lab-section@@\n";
  const live = parseLive(
    fixture("corosync.conf") +
      mark +
      "<cib epoch='1'><configuration/></cib>\n" +
      mark +
      fixture("crm_mon.xml") +
      mark +
      "enabled\n",
  );
  expect(live.corosync?.name).toBe("ha_cluster_lab");
  expect(live.status?.dc).toBe("node2.example.com");
  expect(live.enabled).toBe(true);
  expect(parseLive(mark + mark + mark)).toEqual({ corosync: null, cib: null, status: null, enabled: false });
});

test("the CIB from its root element and its configuration, read apart (no status section)", () => {
  const root =
    '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="247" num_updates="2884" admin_epoch="0" ' +
    'cib-last-written="Wed Nov 25 18:47:15 2026" have-quorum="1" dc-uuid="2"/>\n';
  const configuration =
    '<configuration><crm_config/><nodes/><resources><primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>' +
    "</resources><constraints/></configuration>\n";
  const apart = cibOf(root + configuration);
  expect(apart?.version).toBe("0.247.2884");
  expect([...(apart?.resources.keys() ?? [])]).toEqual(["d1"]);
  // the same CIB read whole, as the writer's fallback and older callers give it
  const whole = cibOf(root.replace("/>", ">") + configuration + "<status/></cib>");
  expect(whole).toEqual(apart);
  // the cluster stopped between the two queries, or not running at all: no CIB
  expect(cibOf(root)).toBeNull();
  expect(cibOf("")).toBeNull();
});

test("pcs's constraint capabilities, read beside the CIB from pcsd's list; absent without one", () => {
  // the read's output on a node without a cluster (corosync.conf left out): Debian 12's pcs 0.11.5
  // and a Debian 13 root's pcs 0.12.0.2
  const read = (name: string) => readFileSync(path.join(__dirname, "..", "fixtures", "live", name), "utf8");
  const bookworm = parseLive(read("no-cluster-pcs-0.11.5.txt"));
  const trixie = parseLive(read("no-cluster-pcs-0.12.0.2.txt"));
  expect(bookworm).toMatchObject({ corosync: null, cib: null, status: null });
  expect(bookworm.pcsCapabilities).toContain("pcmk.constraint.location.simple");
  expect(bookworm.pcsCapabilities).not.toContain("pcmk.constraint.location.simple.options.score");
  expect(trixie.pcsCapabilities).toEqual(
    expect.arrayContaining([
      "pcmk.constraint.location.simple.options.score",
      "pcmk.constraint.colocation.simple.options.score",
      "pcmk.constraint.location.simple.rule.rule-as-one-argument",
    ]),
  );
  const mark = "@@pcmk-lab-section@@\n";
  expect(parseLive(`${mark}${mark}${mark}enabled\n`).pcsCapabilities).toBeUndefined();
  expect(parseLive(`${mark}${mark}${mark}enabled\n${mark}`).pcsCapabilities).toBeUndefined();
});
