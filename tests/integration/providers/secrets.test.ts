// How the state keeps a connection's key, through the real engine on the lab: secret however the
// program holds it (a Pulumi secret or a plain string), and with privateKeyPath not at all (the
// path in clear). Each way reaches the cluster.
import { readFileSync } from "node:fs";
import { ensureCluster, objectsStack } from "../../support/cluster-harness";
import { labStatus, onNodeOk } from "../../support/lab-harness";
import { TestStack } from "../../support/stack-harness";

jest.setTimeout(600_000);

const dummy = (id: string) => [
  { kind: "PcsResource" as const, name: id, args: { resourceId: id, agent: "ocf:pacemaker:Dummy" } },
];
const keyBody = () => readFileSync(labStatus().sshKeyPath, "utf8").split("\n")[1];
const isCiphertext = (v: unknown) => typeof v === "object" && v !== null && "ciphertext" in v;

let stack: TestStack | undefined;
beforeAll(() => ensureCluster());
afterEach(async () => {
  await stack?.pulumi(["destroy", "--yes", "--skip-preview"]);
  stack?.dispose();
  stack = undefined;
});

async function upAndExport(id: string) {
  await stack!.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", `pcs resource config ${id}`)).toContain(`Resource: ${id}`);
  const { raw, resources } = await stack!.exportState();
  return { raw, resource: resources.find((r) => r.urn.endsWith(`::${id}`))! };
}

test("a key the program holds as a plain string is secret in the state, as input and as output", async () => {
  stack = await objectsStack(dummy("plainkey"));
  await stack.pulumiOk(["config", "set", "runOnPlain", "true"]);
  const { raw, resource } = await upAndExport("plainkey");
  expect(raw).not.toContain(keyBody());
  // the key is the secret part; the rest of the connection stays readable
  for (const runOn of [resource.inputs.runOn, resource.outputs.runOn] as Record<string, unknown>[]) {
    expect(isCiphertext(runOn.privateKey)).toBe(true);
    expect(runOn.host).toBe(labStatus().nodes[0].address);
  }
});

test("a key named by its file: the state holds the path in clear, and no key", async () => {
  stack = await objectsStack(dummy("keyfile"), undefined, { keyFile: true });
  await stack.pulumiOk(["config", "set", "runOnPlain", "true"]);
  const { raw, resource } = await upAndExport("keyfile");
  expect(raw).not.toContain(keyBody());
  expect(raw).not.toContain("PRIVATE KEY");
  for (const runOn of [resource.inputs.runOn, resource.outputs.runOn])
    expect(runOn).toMatchObject({
      host: labStatus().nodes[0].address,
      privateKeyPath: expect.stringMatching(/^\//),
    });
  expect((await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});
