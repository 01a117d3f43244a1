// A running ha_cluster_lab for the tests of the objects inside a cluster (resources, constraints,
// fence devices), made with plain pcs when it is not there yet, and a stack of the `objects`
// fixture whose program is its config: change the config, change the program.
import * as path from "node:path";
import { readFileSync } from "node:fs";
import { LabStatus } from "../../lab/lab";
import { hypervisorAddress } from "../../lab/config";
import { lab, labCli, labStatus, onNode, onNodeOk } from "./lab-harness";
import { configureRunOnNode1, TestStack, testStack } from "./stack-harness";

export const NODES = ["node1", "node2", "node3"];
export const fqdn = (n: string): string => `${n}.example.com`;

/** fence_virsh against the lab hypervisor, for the 3-node cluster (the lab's fence key on every node). */
export const LAB_FENCE_PARAMETERS = {
  ip: hypervisorAddress(lab.config),
  username: "root",
  identity_file: "/root/.ssh/fence_key",
  pcmk_host_map: NODES.map((n) => `${fqdn(n)}:${n}`).join(";"),
};

const running = (): boolean => {
  const mon = onNode("node1", "crm_mon -1 --output-as=xml");
  return (
    mon.status === 0 &&
    NODES.every((n) => mon.stdout.includes(`name="${fqdn(n)}" id="`) && !/online="false"/.test(mon.stdout))
  );
};

/** A fresh lab of n nodes (also used by the benchmarks: no jest here). */
function bootLab(n: number): void {
  const r = labCli("up", "--fresh", "--nodes", String(n));
  if (r.status !== 0) throw new Error(`lab up --nodes ${n} failed: ${r.stderr}`);
}

/**
 * Whether the running lab is the one asked for: its node count, and the generation LAB_RELEASE
 * names (a lab left running by a run of the other generation is not reused).
 */
const labIs = (status: LabStatus, nodes: number): boolean =>
  status.running &&
  status.nodes.length === nodes &&
  (!process.env.LAB_RELEASE || status.release === process.env.LAB_RELEASE);

/**
 * `pcs cluster setup` of these nodes, started and enabled, run on `first`: pcs waits up to 120 s
 * for them to start (a loaded machine has taken longer than that), and ssh is given more.
 */
function setUpCluster(first: string, name: string, members: readonly string[]): void {
  const setup = `pcs cluster setup ${name} ${members.map(fqdn).join(" ")} --start --enable --wait=120`;
  onNodeOk(first, setup, undefined, 300_000);
}

/** The lab up, of the generation asked for (LAB_RELEASE): its nodes, not necessarily a cluster. */
export function ensureLab(): void {
  if (!labIs(labStatus(), NODES.length)) bootLab(NODES.length);
}

/** The lab up and a 3-node cluster online with stonith off; leftover objects removed. */
export function ensureCluster(): void {
  ensureLab();
  if (!running()) {
    const password = readFileSync(labStatus().haclusterPasswordFile, "utf8");
    // each node on its own: a suite that failed before may have left some in another cluster
    for (const n of NODES) onNode(n, "pcs cluster destroy >/dev/null 2>&1; true");
    onNodeOk("node1", `pcs host auth ${NODES.map(fqdn).join(" ")} -u hacluster`, password);
    setUpCluster("node1", "ha_cluster_lab", NODES);
  }
  onNodeOk("node1", "pcs property set stonith-enabled=false");
  clearObjects();
}

/** Every resource, fence device, constraint and fencing level gone, as after the course's cleanup. */
export function clearObjects(): void {
  onNodeOk(
    "node1",
    "cibadmin --replace --scope constraints --xml-text '<constraints/>' && " +
      "cibadmin --replace --scope resources --xml-text '<resources/>' && " +
      "(cibadmin --delete --xml-text '<fencing-topology/>' >/dev/null 2>&1; true)",
  );
}

export interface ObjectSpec {
  kind: "PcsResource" | "Constraint" | "ClusterObjects" | "StonithDevice" | "DrbdVolume" | "DrSite";
  name: string;
  args: Record<string, unknown>;
  dependsOn?: string[];
}

/** A stack of tests/integration/providers/fixtures/objects running pcs on node1. */
export async function objectsStack(
  objects: ObjectSpec[],
  secret?: string,
  runOnKey: { keyFile?: boolean } = {},
): Promise<TestStack & { setObjects(o: ObjectSpec[]): Promise<void> }> {
  const stack = await testStack(
    path.join(__dirname, "..", "integration", "providers", "fixtures", "objects"),
  );
  await configureRunOnNode1(stack, runOnKey);
  const labNodes = Object.fromEntries(
    labStatus().nodes.map((n) => [n.name, { host: n.address, hostKeyFingerprint: n.hostKeyFingerprint }]),
  );
  await stack.pulumiOk(["config", "set", "labNodes", JSON.stringify(labNodes)]);
  if (secret !== undefined) await stack.pulumiOk(["config", "set", "--secret", "secret"], { input: secret });
  const setObjects = async (o: ObjectSpec[]) => {
    await stack.pulumiOk(["config", "set", "objects", JSON.stringify(o)]);
  };
  await setObjects(objects);
  return Object.assign(stack, { setObjects });
}

/** 0 when `preview --refresh --expect-no-changes` finds the cluster as declared. */
export async function previewIsClean(stack: TestStack): Promise<{ clean: boolean; output: string }> {
  const r = await stack.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]);
  return { clean: r.status === 0, output: r.stdout + r.stderr };
}

/** Nodes of the 3-node lab where the resource's start was ever recorded (the CIB status keeps the history). */
export const startedOn = (rsc: string): string[] =>
  ["node1", "node2", "node3"].filter((n) =>
    onNode(
      "node1",
      `cibadmin --query --scope status --xpath "//node_state[@uname='${fqdn(n)}']//lrm_resource[@id='${rsc}']/lrm_rsc_op[@operation='start']"`,
    ).stdout.includes("lrm_rsc_op"),
  );

/** pcs's view of the cluster, for test failure messages. */
export const clusterView = (): string => onNode("node1", "pcs status --full; pcs constraint --full").stdout;

export const SITE_A = ["node1", "node2"];
export const SITE_B = ["node3", "node4"];

/** A 4-node lab as the course's DR pair: site_a (node1+node2) and site_b (node3+node4), each node knowing all four. */
export function ensureDrPair(): void {
  if (!labIs(labStatus(), 4)) bootLab(4);
  const password = readFileSync(labStatus().haclusterPasswordFile, "utf8");
  const all = [...SITE_A, ...SITE_B].map(fqdn).join(" ");
  for (const [first, members, name] of [
    [SITE_A[0], SITE_A, "site_a"],
    [SITE_B[0], SITE_B, "site_b"],
  ] as const) {
    const mon = onNode(first, "crm_mon -1 --output-as=xml");
    if (mon.status === 0 && members.every((n) => mon.stdout.includes(`name="${fqdn(n)}" id="`))) continue;
    onNode(first, "pcs cluster destroy --all >/dev/null 2>&1; true");
    onNodeOk(first, `pcs host auth ${all} -u hacluster`, password);
    setUpCluster(first, name, members);
    onNodeOk(first, "pcs property set stonith-enabled=false");
  }
}
