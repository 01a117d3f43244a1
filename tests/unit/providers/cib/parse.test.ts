// CIB parsing against XML written by the real tools: `cibadmin --empty` and `pcs -f` on a file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseCib } from "../../../../providers/cib/parse";
import { Cib } from "../../../../providers/cib/model";

jest.setTimeout(120_000);

let cib: Cib;
let xml: string;

beforeAll(() => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pcmk-cib-"));
  const file = path.join(dir, "cib.xml");
  try {
    writeFileSync(file, execFileSync("cibadmin", ["--empty"], { encoding: "utf8" }));
    const pcs = (...args: string[]): void => {
      execFileSync("pcs", ["-f", file, ...args], { stdio: "pipe" });
    };
    pcs(
      "resource",
      "create",
      "dummy1",
      "ocf:pacemaker:Dummy",
      "fake=it's <xml> & more",
      "meta",
      "resource-stickiness=5",
    );
    pcs(
      "resource",
      "create",
      "vip",
      "IPaddr2",
      "ip=10.77.0.100",
      "cidr_netmask=24",
      "op",
      "monitor",
      "interval=10s",
      "--group",
      "web",
    );
    pcs("resource", "create", "state", "ocf:pacemaker:Stateful", "promotable", "promoted-max=1");
    pcs(
      "stonith",
      "create",
      "fence1",
      "fence_virsh",
      "ip=10.77.0.254",
      "username=root",
      "pcmk_host_list=node1 node2",
    );
    pcs("constraint", "location", "dummy1", "prefers", "node1.example.com=100");
    pcs("constraint", "location", "web", "rule", "score=-INFINITY", "#uname", "eq", "node3.example.com");
    pcs("constraint", "order", "start", "dummy1", "then", "promote", "state-clone", "kind=Optional");
    pcs("constraint", "colocation", "add", "web", "with", "Promoted", "state-clone", "INFINITY");
    pcs("constraint", "order", "set", "dummy1", "web", "sequential=true", "setoptions", "kind=Serialize");
    pcs("property", "set", "no-quorum-policy=freeze", "--force");
    pcs("stonith", "level", "add", "1", "node1.example.com", "fence1", "--force");
    xml = readFileSync(file, "utf8");
    cib = parseCib(xml);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("primitives keep agent, attributes (verbatim), meta and the operations pcs added", () => {
  const dummy = cib.resources.get("dummy1");
  expect(dummy).toMatchObject({
    kind: "primitive",
    agent: "ocf:pacemaker:Dummy",
    instance: { fake: "it's <xml> & more" },
    meta: { "resource-stickiness": "5" },
  });
  const ops = dummy?.kind === "primitive" ? dummy.operations.map((o) => `${o.name}/${o.interval}`) : [];
  expect(ops).toEqual(expect.arrayContaining(["monitor/10s", "start/0s", "stop/0s"]));
  expect(cib.resources.get("fence1")).toMatchObject({
    agent: "stonith:fence_virsh",
    instance: { ip: "10.77.0.254", username: "root", pcmk_host_list: "node1 node2" },
  });
});

test("groups and promotable clones link both ways", () => {
  expect(cib.resources.get("web")).toEqual({ kind: "group", id: "web", members: ["vip"], meta: {} });
  expect(cib.resources.get("vip")).toMatchObject({ parent: "web", instance: { ip: "10.77.0.100" } });
  expect(cib.resources.get("state-clone")).toMatchObject({
    kind: "clone",
    child: "state",
    promotable: true,
    meta: { "promoted-max": "1" },
  });
  const state = cib.resources.get("state");
  expect(state?.kind === "primitive" && state.operations.find((o) => o.role === "Promoted")).toBeTruthy();
});

test("constraints of every type, with rules and sets", () => {
  const byType = (t: string) => cib.constraints.filter((c) => c.type === t);
  expect(byType("location")).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ rsc: "dummy1", node: "node1.example.com", score: "100" }),
      expect.objectContaining({
        rsc: "web",
        rules: [
          expect.objectContaining({
            score: "-INFINITY",
            expressions: [
              expect.objectContaining({ attribute: "#uname", operation: "eq", value: "node3.example.com" }),
            ],
          }),
        ],
      }),
    ]),
  );
  expect(byType("order")).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        first: "dummy1",
        then: "state-clone",
        thenAction: "promote",
        kind: "Optional",
      }),
      expect.objectContaining({
        kind: "Serialize",
        sets: [expect.objectContaining({ resources: ["dummy1", "web"], options: { sequential: "true" } })],
      }),
    ]),
  );
  expect(byType("colocation")).toEqual([
    expect.objectContaining({
      rsc: "web",
      withRsc: "state-clone",
      withRscRole: "Promoted",
      score: "INFINITY",
    }),
  ]);
});

test("cluster properties, fencing levels and the CIB version", () => {
  expect(cib.properties).toEqual({ "no-quorum-policy": "freeze" });
  expect(cib.fencingLevels).toEqual([
    expect.objectContaining({ target: "node1.example.com", index: 1, devices: ["fence1"] }),
  ]);
  expect(cib.version).toMatch(/^0\.\d+\.0$/);
});

test("anything but a CIB is refused", () => {
  expect(() => parseCib("<html/>")).toThrow(/not a CIB/);
  expect(() => parseCib("Error: unable to get cib")).toThrow(/not a CIB/);
});

test("values as pacemaker wrote them: spaces kept, every XML reference decoded once (found on the lab)", () => {
  const values: [string, string][] = [
    ["  ", "  "],
    [" a ", " a "],
    ["&amp;lt;", "&lt;"],
    ["&#x2028;", "\u2028"],
    ["&#10;", "\n"],
    ["&#128512;", "😀"],
    ["x &gt; &lt;", "x > <"],
  ];
  const xml =
    `<cib epoch="1" num_updates="0" admin_epoch="0">\n  <configuration>\n    <crm_config/>\n    <nodes/>\n    <resources>\n` +
    values
      .map(
        ([v], i) =>
          `      <primitive id="r${i}" class="ocf" provider="pacemaker" type="Dummy">\n` +
          `        <instance_attributes id="r${i}-ia">\n          <nvpair id="r${i}-f" name="fake" value="${v}"/>\n` +
          `        </instance_attributes>\n      </primitive>\n`,
      )
      .join("") +
    `    </resources>\n    <constraints>\n    </constraints>\n  </configuration>\n</cib>\n`;
  const parsed = parseCib(xml);
  values.forEach(([, want], i) =>
    expect(parsed.resources.get(`r${i}`)).toMatchObject({ instance: { fake: want } }),
  );
  expect(parsed.constraints).toEqual([]);
});
