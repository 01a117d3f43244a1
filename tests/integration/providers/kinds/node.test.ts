// Node through the real engine on a real lab node: refused bad input, create, no-op second
// preview, drift made by hand seen and repaired, a changed host key refused, destroy.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  escapeRegExp,
  inNodeOk,
  labCli,
  labStatus,
  nodeAddress,
  onNodeOk,
  rx,
} from "../../../support/lab-harness";
import { TestStack, testStack } from "../../../support/stack-harness";

jest.setTimeout(600_000);

let stack: TestStack;
let fingerprint: string;
let password: string;
let privateKey: string;
const managedBlock = (): string =>
  onNodeOk("node1", "sed -n '/^# BEGIN pcmk-lab/,/^# END pcmk-lab/p' /etc/hosts");

beforeAll(async () => {
  expect(labCli("up", "--fresh", "--nodes", "2").status).toBe(0);
  const status = labStatus();
  fingerprint = status.nodes[0].hostKeyFingerprint!;
  password = readFileSync(status.haclusterPasswordFile, "utf8");
  privateKey = readFileSync(status.sshKeyPath, "utf8");
  stack = await testStack(path.join(__dirname, "..", "fixtures", "node"));
  const set = (key: string, value: string) => stack.pulumiOk(["config", "set", key, value]);
  await set("host", status.nodes[0].address);
  await set("hostKeyFingerprint", fingerprint);
  await set(
    "hosts",
    JSON.stringify(status.nodes.map((n) => ({ address: n.address, names: [n.fqdn, n.name] }))),
  );
  // secrets go in on stdin, never on a command line
  await stack.pulumiOk(["config", "set", "--secret", "sshPrivateKey"], { input: privateKey });
  await stack.pulumiOk(["config", "set", "--secret", "haclusterPassword"], { input: password });
});

afterAll(() => {
  stack?.dispose();
  labCli("down");
});

test("bad input is refused at preview, naming the resource and the field, and nothing is touched", async () => {
  await stack.pulumiOk(["config", "set", "hostname", "node1_example!"]);
  const r = await stack.pulumi(["preview"]);
  expect(r.status).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(/node1[\s\S]*hostname[\s\S]*RFC 1123/);
  expect(managedBlock()).toBe("");
  await stack.pulumiOk(["config", "set", "hostname", "node1.example.com"]);
});

test("up prepares the node; the state holds no secret in plain text", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(managedBlock()).toContain(`${labStatus().nodes[1].address} node2.example.com node2`);
  expect(onNodeOk("node1", "hostname").trim()).toBe("node1.example.com");
  const { raw, resources } = await stack.exportState();
  const node = resources.find((r) => r.urn.endsWith("::node1"))!;
  expect(node.outputs).toMatchObject({
    hostKeyFingerprint: fingerprint,
    // the lab generation's pcs (0.11.5 on bookworm, 0.12.0.2 on trixie), as the node runs it
    pcsVersion: labStatus().nodes[0].versions.pcs,
    passwordInSync: true,
  });
  expect(raw).not.toContain(password);
  expect(raw).not.toContain("PRIVATE KEY");
});

test("a second preview proposes nothing", async () => {
  expect((await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("changes made by hand show as drift on the right properties, and up repairs them", async () => {
  onNodeOk(
    "node1",
    "hostname intruder && sed -i '/node2.example.com/d' /etc/hosts && chpasswd",
    "hacluster:byhand\n",
  );
  const drift = await stack.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]);
  expect(drift.status).not.toBe(0);
  expect(drift.stdout).toMatch(/~ liveHostname\s*: "node1\.example\.com" => "intruder"/);
  expect(drift.stdout).toMatch(/~ passwordInSync\s*: true => false/);
  expect(drift.stdout).toMatch(rx`liveHosts[\s\S]*- address: "${nodeAddress("node2")}"`);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "hostname").trim()).toBe("node1.example.com");
  expect(managedBlock()).toContain("node2.example.com");
  expect((await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("the key given by its file's path: a missing file is refused at preview; the state holds the path, no key", async () => {
  const keyPath = path.resolve(labStatus().sshKeyPath);
  const keyBody = privateKey.split("\n")[1];
  await stack.pulumiOk(["config", "rm", "sshPrivateKey"]);
  await stack.pulumiOk(["config", "set", "sshPrivateKeyPath", "/nonexistent/id_ed25519"]);
  inNodeOk("node1", "hostname intruder");
  const refused = await stack.pulumi(["preview"]);
  expect(refused.status).not.toBe(0);
  expect(refused.stdout + refused.stderr).toMatch(
    /node1[\s\S]*privateKeyPath[\s\S]*cannot read the private key file \/nonexistent\/id_ed25519: ENOENT: no such file or directory/,
  );
  expect(inNodeOk("node1", "hostname").trim()).toBe("intruder");
  await stack.pulumiOk(["config", "set", "sshPrivateKeyPath", keyPath]);
  // the key moves from the state to its file: an update, through that file, and the drift repaired
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "hostname").trim()).toBe("node1.example.com");
  const { raw, resources } = await stack.exportState();
  const node = resources.find((r) => r.urn.endsWith("::node1"))!;
  expect(node.inputs).toMatchObject({ privateKeyPath: keyPath });
  expect(node.inputs).not.toHaveProperty("privateKey");
  expect(node.outputs).not.toHaveProperty("privateKey");
  expect(raw).not.toContain(keyBody);
  expect((await stack.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("a node whose host key changed is refused, naming it and both fingerprints; nothing runs there", async () => {
  inNodeOk(
    "node1",
    "cp /etc/ssh/ssh_host_ed25519_key /root/k.bak && cp /etc/ssh/ssh_host_ed25519_key.pub /root/k.pub.bak && " +
      "rm /etc/ssh/ssh_host_ed25519_key* && ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key && " +
      "kill -HUP $(cat /run/lab/ssh.pid)",
  );
  try {
    inNodeOk("node1", "hostname intruder");
    const r = await stack.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      new RegExp(
        `host key of node1\\.example\\.com \\(${escapeRegExp(nodeAddress("node1"))}\\) does not match: expected ${fingerprint.replace(/[+/]/g, "\\$&")}, the host presented SHA256:`,
      ),
    );
    expect(inNodeOk("node1", "hostname").trim()).toBe("intruder");
  } finally {
    inNodeOk(
      "node1",
      "cp /root/k.bak /etc/ssh/ssh_host_ed25519_key && cp /root/k.pub.bak /etc/ssh/ssh_host_ed25519_key.pub && " +
        "kill -HUP $(cat /run/lab/ssh.pid)",
    );
  }
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "hostname").trim()).toBe("node1.example.com");
});

test("destroy removes the managed hosts block and leaves the rest of the node", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  expect(managedBlock()).toBe("");
  expect(onNodeOk("node1", "grep -c localhost /etc/hosts").trim()).not.toBe("0");
  expect((await stack.exportState()).resources).toEqual([]);
});
