// Cluster through the real engine on the lab: from nothing to all nodes online, a clean second
// preview (a node in standby is not drift), drift made by hand repaired, adopt, destroy.
import * as path from "node:path";
import { labCli, labStatus, onNode, onNodeOk } from "../../../support/lab-harness";
import { configureRunOnNode1, TestStack, testStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const fixture = path.join(__dirname, "..", "fixtures", "cluster");
let stack: TestStack;

async function configure(s: TestStack): Promise<void> {
  await configureRunOnNode1(s);
  const status = labStatus();
  await s.pulumiOk(["config", "set", "name", "ha_cluster_lab"]);
  const nodes = status.nodes.map((n) => ({ name: n.fqdn, addresses: [n.address] }));
  await s.pulumiOk(["config", "set", "nodes", JSON.stringify(nodes)]);
}

const noChanges = async (): Promise<number> =>
  (await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status;

beforeAll(async () => {
  expect(labCli("up", "--fresh", "--nodes", "3").status).toBe(0);
  stack = await testStack(fixture);
  await configure(stack);
});

afterAll(() => {
  stack?.dispose();
  labCli("down");
});

test("up builds the cluster: all nodes online, totem and properties as declared", async () => {
  const t0 = Date.now();
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  console.log(`auth + cluster setup until all online: ${(Date.now() - t0) / 1000} s`);
  const out = JSON.parse((await stack.pulumiOk(["stack", "output", "--json"])).stdout);
  expect(out.nodesOnline).toEqual(["node1.example.com", "node2.example.com", "node3.example.com"]);
  expect(out.quorate).toBe(true);
  expect(out.dc).toMatch(/^node\d\.example\.com$/);
  expect(onNodeOk("node3", "grep token: /etc/corosync/corosync.conf")).toContain("token: 5000");
  expect(onNodeOk("node2", "crm_attribute --type crm_config --name stonith-enabled --query")).toContain(
    "value=false",
  );
});

test("a second preview proposes nothing, even with a node in standby", async () => {
  expect(await noChanges()).toBe(0);
  onNodeOk("node1", "pcs node standby node3.example.com");
  try {
    expect(await noChanges()).toBe(0);
  } finally {
    onNodeOk("node1", "pcs node unstandby node3.example.com");
  }
});

test("a property changed by hand and a disabled cluster are drift, and up repairs both", async () => {
  onNodeOk("node2", "pcs property set stonith-enabled=true && pcs cluster disable --all");
  const drift = await stack.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]);
  expect(drift.status).not.toBe(0);
  expect(drift.stdout).toMatch(/~ enabled\s*: true => false/);
  expect(drift.stdout).toMatch(/~ stonith-enabled\s*: "false" => "true"/);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(onNodeOk("node2", "crm_attribute --type crm_config --name stonith-enabled --query")).toContain(
    "value=false",
  );
  expect(onNode("node3", "systemctl is-enabled corosync").stdout.trim()).toBe("enabled");
  expect(await noChanges()).toBe(0);
});

test("a second stack declaring the existing cluster is refused unless it adopts it", async () => {
  const other = await testStack(fixture, "adopter");
  try {
    await configure(other);
    const refused = await other.pulumi(["up", "--yes", "--skip-preview"]);
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(
      "cluster 'ha_cluster_lab' (node1.example.com, node2.example.com, node3.example.com) already exists: set adopt: true",
    );
    await other.pulumiOk(["config", "set", "adopt", "true"]);
    await other.pulumiOk(["up", "--yes", "--skip-preview"]);
    expect(JSON.parse((await other.pulumiOk(["stack", "output", "--json"])).stdout).nodesOnline).toHaveLength(
      3,
    );
    // forget the adopted cluster without destroying it
    await other.pulumiOk(["stack", "rm", "--force", "--yes"]);
  } finally {
    other.dispose();
  }
  expect(await noChanges()).toBe(0);
});

test("a member removed and added back in place: an update, never a new cluster", async () => {
  const status = labStatus();
  const all = status.nodes.map((n) => ({ name: n.fqdn, addresses: [n.address] }));
  const uuid = () => onNodeOk("node1", "grep cluster_uuid /etc/corosync/corosync.conf").trim();
  const before = uuid();
  await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(all.slice(0, 2))]);
  const shrink = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(shrink.stdout).not.toMatch(/replace/);
  expect(onNode("node3", "test -e /etc/corosync/corosync.conf").status).not.toBe(0);
  expect(onNodeOk("node1", "pcs status nodes corosync")).not.toContain("node3");
  let out = JSON.parse((await stack.pulumiOk(["stack", "output", "--json"])).stdout);
  expect(out.nodesOnline).toEqual(["node1.example.com", "node2.example.com"]);
  expect(await noChanges()).toBe(0);

  await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(all)]);
  const grow = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(grow.stdout).not.toMatch(/replace/);
  out = JSON.parse((await stack.pulumiOk(["stack", "output", "--json"])).stdout);
  expect(out.nodesOnline).toEqual(["node1.example.com", "node2.example.com", "node3.example.com"]);
  expect(onNodeOk("node3", "grep token: /etc/corosync/corosync.conf")).toContain("token: 5000");
  expect(uuid()).toBe(before);
  expect(await noChanges()).toBe(0);
});

test("destroy leaves every node without a cluster", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  for (const node of ["node1", "node2", "node3"]) {
    expect(onNode(node, "test -e /etc/corosync/corosync.conf").status).not.toBe(0);
  }
  expect((await stack.exportState()).resources).toEqual([]);
});
