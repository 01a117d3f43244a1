// The repair matrices of Cluster and ClusterAuth (one stack holds both, as in the course): each
// declared property changed by hand on the running cluster — with pcs, or corosync.conf edited on
// the nodes — is reported on that property by `preview --refresh`, repaired by one `up --refresh`,
// and clean afterwards. The stack adopts the cluster the other suites use, and forgets it at the
// end without destroying it.
import * as path from "node:path";
import { ensureCluster, fqdn, NODES } from "../../../support/cluster-harness";
import { labStatus, onNode, onNodeOk } from "../../../support/lab-harness";
import { batchSeconds, expectValue, repairBatch, RepairRow } from "../../../support/repair-matrix";
import { configureRunOnNode1, TestStack, testStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const property = (name: string): string | undefined =>
  /value=(\S+)/.exec(onNode("node2", `crm_attribute --type crm_config --name ${name} --query`).stdout)?.[1];
/**
 * The token as node3's corosync has loaded it (cmap's totem.token: what a reload read; the runtime
 * value adds token_coefficient per node past two) and as its corosync.conf has it.
 */
const token = (): string =>
  `${onNodeOk("node3", "corosync-cmapctl -g totem.token").trim().split(" = ").pop()} ` +
  `${onNodeOk("node3", "sed -n 's/^\\s*token: //p' /etc/corosync/corosync.conf").trim()}`;
/** Hosts node1's pcsd knows, as `name addr,…` lines. */
const knownHosts = (): string =>
  onNodeOk(
    "node1",
    'python3 -c \'import json; h = json.load(open("/var/lib/pcsd/known-hosts"))["known_hosts"]; ' +
      '[print(n, ",".join(d["addr"] for d in v["dest_list"])) for n, v in sorted(h.items())]\'',
  );

const clusterRows: RepairRow[] = [
  {
    resource: "cluster",
    property: "properties",
    handChange: "pcs property set stonith-enabled=true",
    isBack: () => expectValue("stonith-enabled", property("stonith-enabled"), "false"),
  },
  {
    resource: "cluster",
    property: "properties",
    handChange: "pcs property unset cluster-recheck-interval",
    isBack: () => expectValue("cluster-recheck-interval", property("cluster-recheck-interval"), "5min"),
  },
  {
    // pcs changes no totem option of a running cluster: by hand, corosync.conf on every node
    resource: "cluster",
    property: "totem",
    handChange:
      "sed -i 's/^\\(\\s*token:\\).*/\\1 3000/' /etc/corosync/corosync.conf && pcs cluster sync corosync && corosync-cfgtool -R",
    isBack: () => expectValue("node3's token (loaded, file)", token(), "5000 5000"),
  },
  {
    resource: "cluster",
    property: "enable",
    handChange: "pcs cluster disable --all",
    isBack: () =>
      expectValue(
        "corosync at boot on node3",
        onNode("node3", "systemctl is-enabled corosync").stdout.trim(),
        "enabled",
      ),
  },
];

const stoppedRow: RepairRow = {
  resource: "cluster",
  property: "start",
  handChange: "pcs cluster stop --all",
  isBack: () =>
    expectValue(
      "nodes online",
      NODES.filter((n) =>
        /Online:/.test(onNode("node1", `pcs status nodes | grep -w ${fqdn(n)}`).stdout),
      ).join(),
      NODES.join(),
    ),
};

const authRows: RepairRow[] = [
  {
    resource: "auth",
    property: "nodes",
    handChange: `pcs host deauth ${fqdn("node3")}`,
    isBack: () =>
      expectValue("node3 known to node1", /^node3\.example\.com /m.test(knownHosts()) ? "yes" : "no", "yes"),
  },
  {
    // the file on the node: node2's token spoilt in pcsd's known hosts
    resource: "auth",
    property: "nodes",
    handChange:
      'python3 -c \'import json; p = "/var/lib/pcsd/known-hosts"; k = json.load(open(p)); ' +
      'k["known_hosts"]["node2.example.com"]["token"] = "spoilt"; json.dump(k, open(p, "w"))\'',
    isBack: () =>
      expect(onNode("node1", `pcs pcsd status ${fqdn("node2")}`).stdout).toMatch(
        /node2\.example\.com: Online/,
      ),
  },
];

let stack: TestStack;
const t0 = Date.now();

beforeAll(async () => {
  ensureCluster();
  stack = await testStack(path.join(__dirname, "..", "fixtures", "cluster"));
  await configureRunOnNode1(stack);
  await stack.pulumiOk(["config", "set", "name", "ha_cluster_lab"]);
  // as ensureCluster set it up: names only (pcs's default, the name as the address)
  const nodes = labStatus().nodes.map((n) => ({ name: n.fqdn, addresses: [] }));
  await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(nodes)]);
  await stack.pulumiOk(["config", "set", "adopt", "true"]);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
});

afterAll(async () => {
  // forget the adopted cluster without destroying it; stonith back off for the other suites
  await stack?.pulumi(["stack", "rm", "--force", "--yes"]);
  stack?.dispose();
  onNode("node1", "pcs property set stonith-enabled=false");
  console.log(
    `Cluster and ClusterAuth repair matrix: ${JSON.stringify(batchSeconds)}, ${(Date.now() - t0) / 1000} s in all`,
  );
});

test("Cluster: properties, totem options and enable changed by hand, and the auth's hosts: reported, repaired by one up", async () => {
  await repairBatch(stack, "running cluster", [...clusterRows, ...authRows]);
});

test("Cluster: stopped by hand on every node: reported, started by one up", async () => {
  await repairBatch(stack, "stopped cluster", [stoppedRow]);
});
