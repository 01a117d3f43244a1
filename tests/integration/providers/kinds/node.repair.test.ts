// The repair matrix of Node: each declared property changed by hand on the node (its hostname,
// /etc/hosts, the hacluster password, pcsd) is reported on that property by `preview --refresh`,
// repaired by one `up --refresh`, and clean afterwards. On node3 of whatever lab runs (a cluster
// member keeps its name in corosync.conf, so a moment under another hostname harms nothing).
// Not here: packages and fence agents (a reinstall needs the distribution's mirror, which the lab
// has not) and openFirewall (the lab runs no firewalld).
import * as path from "node:path";
import { readFileSync } from "node:fs";
import { ensureCluster } from "../../../support/cluster-harness";
import { labStatus, onNode, onNodeOk } from "../../../support/lab-harness";
import { batchSeconds, expectValue, repairBatch, RepairRow } from "../../../support/repair-matrix";
import { TestStack, testStack } from "../../../support/stack-harness";

jest.setTimeout(600_000);

let password = "";

/** Whether hacluster's shadow hash is of the declared password (checked on the node, from stdin). */
const passwordIsDeclared = (): string =>
  onNodeOk(
    "node3",
    `perl -e '$p = <STDIN>; chomp $p; $h = (getpwnam("hacluster"))[1]; print crypt($p, $h) eq $h ? "yes" : "no"'`,
    password,
  );

const rows: RepairRow[] = [
  {
    resource: "node1",
    property: "hostname",
    node: "node3",
    handChange: "hostname intruder",
    isBack: () => expectValue("node3's hostname", onNodeOk("node3", "hostname").trim(), "node3.example.com"),
  },
  {
    resource: "node1",
    property: "hosts",
    node: "node3",
    handChange: "sed -i '/^# BEGIN pcmk-lab/,/^# END pcmk-lab/{/node2.example.com/d}' /etc/hosts",
    isBack: () =>
      expectValue(
        "node2 in node3's managed hosts block",
        /node2\.example\.com/.test(
          onNodeOk("node3", "sed -n '/^# BEGIN pcmk-lab/,/^# END pcmk-lab/p' /etc/hosts"),
        )
          ? "yes"
          : "no",
        "yes",
      ),
  },
  {
    resource: "node1",
    property: "haclusterPassword",
    secret: true,
    node: "node3",
    handChange: "echo hacluster:by-hand | chpasswd",
    isBack: () => expectValue("hacluster's password is the declared one", passwordIsDeclared(), "yes"),
  },
  {
    resource: "node1",
    property: "pcsd",
    node: "node3",
    handChange: "systemctl stop pcsd && systemctl disable pcsd",
    isBack: () =>
      expectValue(
        "pcsd on node3",
        onNode("node3", "systemctl is-enabled pcsd; systemctl is-active pcsd")
          .stdout.trim()
          .split("\n")
          .join(" "),
        "enabled active",
      ),
  },
];

let stack: TestStack;
const t0 = Date.now();

beforeAll(async () => {
  ensureCluster();
  const status = labStatus();
  const node3 = status.nodes[2];
  password = readFileSync(status.haclusterPasswordFile, "utf8");
  stack = await testStack(path.join(__dirname, "..", "fixtures", "node"));
  const set = (key: string, value: string) => stack.pulumiOk(["config", "set", key, value]);
  await set("host", node3.address);
  await set("hostKeyFingerprint", node3.hostKeyFingerprint!);
  await set("hostname", node3.fqdn);
  await set(
    "hosts",
    JSON.stringify(status.nodes.map((n) => ({ address: n.address, names: [n.fqdn, n.name] }))),
  );
  await stack.pulumiOk(["config", "set", "--secret", "sshPrivateKey"], {
    input: readFileSync(status.sshKeyPath, "utf8"),
  });
  await stack.pulumiOk(["config", "set", "--secret", "haclusterPassword"], { input: password });
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
});

afterAll(async () => {
  await stack?.pulumi(["destroy", "--yes", "--skip-preview"]);
  stack?.dispose();
  console.log(`Node repair matrix: ${JSON.stringify(batchSeconds)}, ${(Date.now() - t0) / 1000} s in all`);
});

test("hostname, hosts, the hacluster password and pcsd changed by hand: reported, repaired by one up", async () => {
  await repairBatch(stack, "every property", rows);
});
