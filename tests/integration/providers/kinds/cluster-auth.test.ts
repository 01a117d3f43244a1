// ClusterAuth through the real engine on the lab: auth, clean second preview, a deauth made by
// hand seen and repaired, destroy.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { labCli, labStatus, onNode, onNodeOk } from "../../../support/lab-harness";
import { configureRunOnNode1, TestStack, testStack } from "../../../support/stack-harness";

jest.setTimeout(600_000);

let stack: TestStack;
let password: string;
const knownHosts = (): string =>
  onNodeOk("node1", "cat /var/lib/pcsd/known-hosts 2>/dev/null || true")
    .match(/"node\d\.example\.com"/g)
    ?.sort()
    .join(" ") ?? "";

beforeAll(async () => {
  expect(labCli("up", "--fresh", "--nodes", "3").status).toBe(0);
  const status = labStatus();
  password = readFileSync(status.haclusterPasswordFile, "utf8");
  stack = await testStack(path.join(__dirname, "..", "fixtures", "cluster-auth"));
  await configureRunOnNode1(stack);
  const nodes = status.nodes.slice(0, 2).map((n) => ({ name: n.fqdn, addresses: [n.address] }));
  await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(nodes)]);
});

afterAll(() => {
  stack?.dispose();
  labCli("down");
});

test("up authenticates node1's pcsd to the declared nodes; the password is not in the state", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(knownHosts()).toBe('"node1.example.com" "node2.example.com"');
  // pcs lists the nodes in the order they answer
  const pcsd = onNodeOk("node1", "pcs pcsd status node1.example.com node2.example.com");
  expect(pcsd).toMatch(/node1\.example\.com: Online/);
  expect(pcsd).toMatch(/node2\.example\.com: Online/);
  const { raw, resources } = await stack.exportState();
  expect(resources.find((r) => r.urn.endsWith("::auth"))?.outputs.authenticated).toEqual([
    "node1.example.com",
    "node2.example.com",
  ]);
  expect(raw).not.toContain(password);
});

test("a second preview proposes nothing", async () => {
  expect((await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("a pcs host deauth made by hand shows as drift, and up authenticates again", async () => {
  onNodeOk("node1", "pcs host deauth node2.example.com");
  const drift = await stack.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]);
  expect(drift.status).not.toBe(0);
  expect(drift.stdout).toMatch(/authenticated[\s\S]*- \[1\]: "node2\.example\.com"/);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(knownHosts()).toBe('"node1.example.com" "node2.example.com"');
  expect((await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("adding a node to the program authenticates it too", async () => {
  const nodes = labStatus().nodes.map((n) => ({ name: n.fqdn, addresses: [n.address] }));
  await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(nodes)]);
  const r = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(r.stdout).toMatch(/~ 1 updated/);
  expect(knownHosts()).toBe('"node1.example.com" "node2.example.com" "node3.example.com"');
});

test("destroy deauthenticates the nodes; destroying again finds nothing to do", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  expect(knownHosts()).toBe("");
  expect(onNode("node1", "pcs pcsd status node2.example.com").status).not.toBe(0);
  expect((await stack.exportState()).resources).toEqual([]);
});
