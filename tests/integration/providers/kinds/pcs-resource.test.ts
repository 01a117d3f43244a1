// PcsResource through the real engine on the lab: the course's resources (short agent names, a
// group, a clone, a promotable clone) created and read back as declared; run-time changes that
// are not drift; drift made by hand with plain pcs seen on the right property and repaired; an
// in-place update; adopt; destroy leaves no resource.
import { eventually, nodeAddress, onNode, onNodeOk, rx, vip } from "../../../support/lab-harness";
import {
  clusterView,
  ensureCluster,
  fqdn,
  ObjectSpec,
  objectsStack,
  previewIsClean,
} from "../../../support/cluster-harness";
import { changedProperties } from "../../../support/project-stack";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const resources = (vipAddress = vip(0)): ObjectSpec[] => [
  {
    kind: "PcsResource",
    name: "dummy1",
    args: {
      resourceId: "dummy1",
      agent: "ocf:pacemaker:Dummy",
      operations: [{ name: "monitor", interval: "30s", timeout: "20s" }],
    },
  },
  {
    kind: "PcsResource",
    name: "vip",
    args: {
      resourceId: "vip",
      agent: "IPaddr2",
      instanceAttributes: { ip: vipAddress, cidr_netmask: "24" },
      metaAttributes: { "resource-stickiness": "100" },
    },
  },
  {
    kind: "PcsResource",
    name: "web",
    args: { resourceId: "web", agent: "ocf:pacemaker:Dummy", clone: { meta: { "clone-max": "2" } } },
  },
  {
    kind: "PcsResource",
    name: "stateful",
    args: {
      resourceId: "stateful",
      agent: "ocf:pacemaker:Stateful",
      clone: { promotable: true, meta: { "promoted-max": "1" } },
    },
  },
  {
    kind: "PcsResource",
    name: "g1a",
    args: { resourceId: "g1a", agent: "ocf:pacemaker:Dummy", group: "g1" },
  },
];

const param = (rsc: string, name: string, meta = false): string =>
  onNode(
    "node1",
    `crm_resource --resource ${rsc} ${meta ? "--meta " : ""}--get-parameter ${name} --quiet`,
  ).stdout.trim();
const started = (): string => onNodeOk("node1", "crm_mon -1");

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };

beforeAll(async () => {
  ensureCluster();
  stack = await objectsStack(resources());
});

afterAll(() => stack?.dispose());

test("up creates them as declared, all started, with pcs's full agent names", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "crm_resource --resource vip --query-xml")).toContain(
    'class="ocf" type="IPaddr2" provider="heartbeat"',
  );
  expect(param("vip", "ip")).toBe(vip(0));
  expect(param("vip", "resource-stickiness", true)).toBe("100");
  expect(onNodeOk("node1", "cibadmin --query --xpath \"//op[@id='dummy1-monitor-interval-30s']\"")).toContain(
    'timeout="20s"',
  );
  expect(onNodeOk("node1", "cibadmin --query --xpath \"//group[@id='g1']\"")).toContain('primitive id="g1a"');
  await eventually(
    "everything started",
    60_000,
    () => {
      const mon = started();
      return (
        /dummy1\s.*Started/.test(mon) &&
        /vip\s.*Started/.test(mon) &&
        /Promoted: \[/.test(mon) &&
        /g1a\s.*Started/.test(mon) &&
        mon
      );
    },
    clusterView,
  );
  // held while being created, released at the end: nothing is left stopped or marked
  expect(onNodeOk("node1", "cibadmin --query")).not.toMatch(/pcmk-lab-held|target-role/);
  // what up recorded is what a refresh reads, outputs included (placement is not state)
  await stack.pulumiOk(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
  const state = await stack.exportState();
  const outputs = (name: string) => state.resources.find((r) => r.urn.endsWith(`::${name}`))!.outputs;
  expect(outputs("web")).not.toHaveProperty("runningOn");
  expect(outputs("vip")).toMatchObject({ agentResolved: "ocf:heartbeat:IPaddr2", held: false });
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("move, disable and standby are run-time changes, not drift", async () => {
  const now = onNodeOk("node1", "crm_resource --resource dummy1 --locate");
  const elsewhere = ["node1", "node2", "node3"].map(fqdn).find((n) => !now.includes(n))!;
  onNodeOk(
    "node1",
    `pcs resource move-with-constraint dummy1 ${elsewhere} && pcs resource disable vip && pcs node standby ${fqdn("node3")}`,
  );
  try {
    expect(onNodeOk("node1", "cibadmin --query --scope constraints")).toContain("cli-prefer-dummy1");
    const preview = await previewIsClean(stack);
    expect(preview.output).not.toContain("error:");
    expect(preview.clean).toBe(true);
  } finally {
    onNodeOk(
      "node1",
      `pcs resource clear dummy1 && pcs resource enable vip && pcs node unstandby ${fqdn("node3")}`,
    );
  }
});

test("drift made by hand is seen on the right property, and up --refresh repairs it", async () => {
  onNodeOk(
    "node1",
    `pcs resource update vip ip=${vip(1)} && pcs resource meta vip resource-stickiness=50 && ` +
      "pcs resource op delete dummy1-monitor-interval-30s && pcs resource meta web-clone clone-max=1 && pcs resource delete g1a",
  );
  const drift = await previewIsClean(stack);
  expect(drift.clean).toBe(false);
  // the update step marks the drifted properties, and those alone
  expect(changedProperties(drift.output, "vip")).toEqual(["instanceAttributes", "metaAttributes"]);
  expect(changedProperties(drift.output, "dummy1")).toEqual(["operations"]);
  expect(changedProperties(drift.output, "web")).toEqual(["clone"]);
  // the refresh part of the preview shows each resource's live values on the changed property
  expect(drift.output).toMatch(rx`\[id=vip\][\s\S]*~ ip\s*: "${vip(0)}" => "${vip(1)}"`);
  expect(drift.output).toMatch(/\[id=vip\][\s\S]*~ resource-stickiness\s*: "100" => "50"/);
  expect(drift.output).toMatch(/\[id=web\][\s\S]*~ clone-max\s*: "2" => "1"/);
  expect(drift.output).toMatch(/\[id=dummy1\][\s\S]*~ operations\s*: \[\s*- \[0\]: \{\s*- interval: "30s"/);
  expect(drift.output).toMatch(
    /\+ pulumi-nodejs:dynamic\/pcmk:PcsResource: \(create\)[\s\S]*resourceId\s*: "g1a"/,
  );
  expect(drift.output).toMatch(/\+ 1 to create\s*~ 3 to update/);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(param("vip", "ip")).toBe(vip(0));
  expect(param("vip", "resource-stickiness", true)).toBe("100");
  expect(param("web-clone", "clone-max", true)).toBe("2");
  expect(onNodeOk("node1", "cibadmin --query --xpath \"//op[@id='dummy1-monitor-interval-30s']\"")).toContain(
    'interval="30s"',
  );
  expect(onNodeOk("node1", "cibadmin --query --xpath \"//group[@id='g1']\"")).toContain('primitive id="g1a"');
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a new address is an in-place update", async () => {
  await stack.setObjects(resources(vip(2)));
  const up = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toMatch(/1 updated/);
  expect(param("vip", "ip")).toBe(vip(2));
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("an existing resource is refused unless adopt: true, then managed as declared", async () => {
  onNodeOk("node1", "pcs resource create adopted ocf:pacemaker:Dummy fake=by-hand");
  const spec = (adopt: boolean): ObjectSpec => ({
    kind: "PcsResource",
    name: "adopted",
    args: {
      resourceId: "adopted",
      agent: "ocf:pacemaker:Dummy",
      instanceAttributes: { fake: "declared" },
      adopt,
    },
  });
  await stack.setObjects([...resources(vip(2)), spec(false)]);
  const refused = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  expect(refused.status).not.toBe(0);
  expect(refused.stdout + refused.stderr).toMatch(
    rx`PcsResource 'adopted'.*failed on ${nodeAddress("node1")}: Error: 'adopted' already exists.*set adopt: true`,
  );
  await stack.setObjects([...resources(vip(2)), spec(true)]);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(param("adopted", "fake")).toBe("declared");
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("agent-dependent inputs pcs would refuse are refused at preview, in pcs's words; nothing changes", async () => {
  const before = onNodeOk("node1", "cibadmin --query --scope configuration");
  const refused: ObjectSpec[] = [
    {
      kind: "PcsResource",
      name: "badname",
      args: { resourceId: "badname", agent: "ocf:pacemaker:Dummy", instanceAttributes: { nope: "1" } },
    },
    {
      kind: "PcsResource",
      name: "badop",
      args: {
        resourceId: "badop",
        agent: "ocf:pacemaker:Dummy",
        operations: [{ name: "bogus", interval: "10s" }],
      },
    },
    {
      kind: "PcsResource",
      name: "noagent",
      args: { resourceId: "noagent", agent: "ocf:heartbeat:NoSuchAgent" },
    },
    { kind: "PcsResource", name: "noip", args: { resourceId: "noip", agent: "IPaddr2" } },
  ];
  const expected = [
    rx`badname.*property instanceAttributes .*PcsResource: pcs on ${nodeAddress("node1")} refuses it: invalid resource option 'nope', allowed options are: `,
    rx`badop.*property operations .*PcsResource: pcs on ${nodeAddress("node1")} refuses it: 'bogus' is not a valid operation name value, use `,
    rx`noagent.*property agent .*PcsResource: pcs on ${nodeAddress("node1")} refuses it: Agent 'ocf:heartbeat:NoSuchAgent' is not installed`,
    rx`noip.*property instanceAttributes .*PcsResource: pcs on ${nodeAddress("node1")} refuses it: required resource option 'ip' is missing`,
  ];
  // the engine stops at the first refusal: one at a time
  for (const [i, object] of refused.entries()) {
    await stack.setObjects([...resources(vip(2)), object]);
    const preview = await stack.pulumi(["preview"]);
    expect(preview.status).not.toBe(0);
    expect(preview.stdout + preview.stderr).toMatch(expected[i]);
  }
  // up stops at the same check: nothing was made, nothing changed
  const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  expect(up.status).not.toBe(0);
  expect(up.stdout + up.stderr).toMatch(expected[refused.length - 1]);
  expect(onNodeOk("node1", "cibadmin --query --scope configuration")).toBe(before);
  await stack.setObjects(resources(vip(2)));
});

test("a refused resource fails alone, with pcs's own message; the others of its batch are made", async () => {
  // two Dummy resources with the same state file: pcs refuses the second (its state parameter is
  // unique), which only the CIB of the batch can tell, so it passes preview and fails at create
  const state = { state: "/run/pcmk-lab-clash.state" };
  const more: ObjectSpec[] = [
    {
      kind: "PcsResource",
      name: "clash1",
      args: { resourceId: "clash1", agent: "ocf:pacemaker:Dummy", instanceAttributes: state },
    },
    {
      kind: "PcsResource",
      name: "clash2",
      args: { resourceId: "clash2", agent: "ocf:pacemaker:Dummy", instanceAttributes: state },
    },
    { kind: "PcsResource", name: "fine", args: { resourceId: "fine", agent: "ocf:pacemaker:Dummy" } },
  ];
  await stack.setObjects([...resources(vip(2)), ...more]);
  const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  expect(up.status).not.toBe(0);
  const failed =
    rx`PcsResource '(clash[12])': \`pcs resource create clash[12] ocf:pacemaker:Dummy.*\` failed on ${nodeAddress("node1")}: Error: Value '\/run\/pcmk-lab-clash\.state' of option 'state' is not unique across 'ocf:pacemaker:Dummy' resources`.exec(
      up.stdout,
    );
  expect(failed).not.toBeNull();
  expect(up.stdout).toMatch(/\+ 2 created/);
  const made = onNodeOk("node1", "crm_resource --list-raw");
  expect(made).toMatch(/^fine$/m);
  const other = failed![1] === "clash1" ? "clash2" : "clash1";
  expect(made).toMatch(new RegExp(`^${other}$`, "m"));
  expect(onNode("node1", `crm_resource --resource ${failed![1]} --query-xml`).status).not.toBe(0);
  await stack.setObjects(resources(vip(2)));
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
});

test("destroy leaves no resource", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "cibadmin --query --scope resources")).toMatch(
    /<resources\/>|<resources>\s*<\/resources>/,
  );
});
