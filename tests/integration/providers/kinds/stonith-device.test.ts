// StonithDevice through the real engine on the lab: fence_virsh against the lab hypervisor with a
// secret parameter and a fencing level; the secret never in state; drift by hand (a parameter, the
// secret itself) seen and repaired; destroy removes the device and its level.
import { cibElements, eventually, nodeAddress, onNode, onNodeOk, rx } from "../../../support/lab-harness";
import {
  clusterView,
  ensureCluster,
  LAB_FENCE_PARAMETERS,
  fqdn,
  ObjectSpec,
  objectsStack,
  previewIsClean,
} from "../../../support/cluster-harness";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const SECRET = "fence-Secret-4711";
const device: ObjectSpec = {
  kind: "StonithDevice",
  name: "labfence",
  args: {
    deviceId: "labfence",
    agent: "fence_virsh",
    parameters: LAB_FENCE_PARAMETERS,
    secretParameters: { passwd: "@secret" },
    operations: [{ name: "monitor", interval: "60s" }],
    fencingLevels: [{ target: fqdn("node3"), level: 1 }],
  },
};

/** The lab nodes a text names. */
const NODES_OF = (text: string): string[] => [...new Set(text.match(/node\d\.example\.com/g) ?? [])];

const param = (name: string): string =>
  onNode("node1", `crm_resource --resource labfence --get-parameter ${name} --quiet`).stdout.trim();

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };

beforeAll(async () => {
  ensureCluster();
  stack = await objectsStack([device], SECRET);
});

afterAll(() => stack?.dispose());

test("up creates the device and its level; the secret is in the CIB, never in state", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "crm_resource --resource labfence --query-xml")).toContain('type="fence_virsh"');
  expect(param("passwd")).toBe(SECRET);
  expect(cibElements("node1", "fencing-level")).toContainEqual(
    expect.objectContaining({ target: "node3.example.com", index: "1", devices: "labfence" }),
  );
  const state = await stack.exportState();
  expect(state.raw).not.toContain(SECRET);
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a device that cannot log in fails the up, naming it, the nodes and the agent's reason; declared stopped, or fixed, the up succeeds", async () => {
  const args = device.args as { parameters: Record<string, string> };
  const withLogin = (username: string, meta: Record<string, string> = {}): ObjectSpec => ({
    ...device,
    args: { ...device.args, parameters: { ...args.parameters, username }, metaAttributes: meta },
  });
  await stack.setObjects([withLogin("nobody")]);
  const failed = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  const output = failed.stdout + failed.stderr;
  // a failed up: its output shown when it did not fail
  expect(failed.status === 0 ? output : "").toBe("");
  expect(output).toMatch(
    /StonithDevice 'labfence': start on node\d\.example\.com: rc 1 \([^)]+\)[^\n]*Unable to connect\/login to fencing device/,
  );
  const nodesNamed = NODES_OF(output.match(/StonithDevice 'labfence': .*/)![0]);
  expect(nodesNamed.length).toBeGreaterThan(1);
  // recorded as made, with the failure: a refresh and the next up see the device
  expect((await stack.exportState()).raw).toContain("nobody");
  // declared stopped: nothing to wait for, no failure counts
  await stack.setObjects([withLogin("nobody", { "target-role": "Stopped" })]);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  // fixed: its failures cleaned up, it starts
  await stack.setObjects([device]);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "crm_mon -1 --output-as=xml --include=none,resources")).toMatch(
    /<resource id="labfence" [^>]*role="Started" active="true"/,
  );
  expect(onNodeOk("node1", "crm_mon -1 --output-as=xml --include=none,failures")).not.toContain("labfence_");
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("parameters the fence agent does not take are refused at preview, in pcs's words, secret unshown", async () => {
  const args = device.args as { parameters: Record<string, string> };
  await stack.setObjects([
    { ...device, args: { ...device.args, parameters: { ...args.parameters, action: "off", nosuch: "1" } } },
  ]);
  const preview = await stack.pulumi(["preview"]);
  const out = preview.stdout + preview.stderr;
  expect(preview.status).not.toBe(0);
  expect(out).toMatch(
    rx`labfence.*property parameters .*StonithDevice: pcs on ${nodeAddress("node1")} refuses it: invalid stonith option 'nosuch', allowed options are: `,
  );
  expect(out).toMatch(
    rx`StonithDevice: pcs on ${nodeAddress("node1")} refuses it: stonith option 'action' is deprecated and (might be removed in a future release, therefore it )?should not be used`,
  );
  expect(out).not.toContain(SECRET);
  await stack.setObjects([device]);
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a parameter and the secret changed by hand are drift; up --refresh repairs both", async () => {
  onNodeOk("node1", "pcs stonith update labfence delay=7 passwd=changed-by-hand");
  const drift = await previewIsClean(stack);
  expect(drift.clean).toBe(false);
  expect(drift.output).toMatch(/\[id=labfence\][\s\S]*\+ delay\s*: "7"/);
  expect(drift.output).not.toContain("changed-by-hand");
  expect(drift.output).not.toContain(SECRET);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(param("delay")).toBe("");
  expect(param("passwd")).toBe(SECRET);
  expect((await stack.exportState()).raw).not.toContain("changed-by-hand");
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("the device Pulumi made fences: node3 power-cycled through the lab hypervisor, and it rejoins", async () => {
  const boots = () => (onNodeOk("node3", "cat /var/log/lab/boot.log").match(/ boot node/g) ?? []).length;
  const before = boots();
  onNodeOk("node1", "pcs property set stonith-enabled=true");
  try {
    await eventually(
      "labfence started",
      60_000,
      () => /labfence\s.*Started/.test(onNode("node1", "crm_mon -1").stdout),
      clusterView,
    );
    const fence = onNode("node1", `pcs stonith fence ${fqdn("node3")}`);
    expect(fence.stdout + fence.stderr).toContain("Node: node3.example.com fenced");
    expect(onNodeOk("node1", `pcs stonith history show ${fqdn("node3")}`)).toMatch(
      /reboot of node3\.example\.com successful/,
    );
    await eventually(
      "node3 back online",
      180_000,
      () =>
        /Online:.*node3\.example\.com/.test(onNode("node1", "pcs status nodes").stdout) &&
        boots() === before + 1,
      clusterView,
    );
  } finally {
    onNodeOk("node1", "pcs property set stonith-enabled=false");
  }
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("destroy removes the device and its fencing level", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  expect(onNode("node1", "crm_resource --resource labfence --query-xml").status).not.toBe(0);
  expect(onNodeOk("node1", "cibadmin --query --scope configuration")).not.toContain("fencing-level");
});
