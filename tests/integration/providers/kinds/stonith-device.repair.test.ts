// The repair matrix of StonithDevice: every declared property changed by hand with plain pcs is
// reported on that property by `preview --refresh`, repaired by one `up --refresh`, and clean
// afterwards. Devices of fence_virsh against the lab hypervisor, a few rows each; one batch.
import { cibElements } from "../../../support/lab-harness";
import {
  ensureCluster,
  fqdn,
  LAB_FENCE_PARAMETERS,
  ObjectSpec,
  objectsStack,
} from "../../../support/cluster-harness";
import { operationsOf, resourceParameter, xpathElements } from "../../../support/live-cib";
import { batchSeconds, expectValue, repairBatch, RepairRow } from "../../../support/repair-matrix";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const SECRET = "fence-Secret-0815";

/**
 * A fence_virsh device against the lab hypervisor. Few of them, each with several rows, and a
 * start given a minute: each start and monitor logs in to the hypervisor, and nine devices
 * starting at once on a loaded machine overran pcs's default 20 s (trixie, once).
 */
const START = { name: "start", interval: "0s", timeout: "60s" };
const device = (id: string, more: Record<string, unknown> = {}): ObjectSpec => ({
  kind: "StonithDevice",
  name: id,
  args: {
    deviceId: id,
    agent: "fence_virsh",
    parameters: LAB_FENCE_PARAMETERS,
    operations: [START],
    ...more,
  },
});
const withDelay = { ...LAB_FENCE_PARAMETERS, delay: "5" };
const MONITOR = { name: "monitor", interval: "60s", timeout: "20s" };

const objects: ObjectSpec[] = [
  device("f-params", {
    parameters: withDelay,
    secretParameters: { passwd: "@secret" },
    metaAttributes: { "failure-timeout": "60s" },
  }),
  device("f-op", { parameters: withDelay, operations: [START, MONITOR] }),
  device("f-levels", {
    fencingLevels: [
      { target: fqdn("node3"), level: 1 },
      { target: fqdn("node2"), level: 1 },
    ],
  }),
  device("f-deleted"),
  device("f-agent"),
];

const param = (id: string, name: string, declared: string | undefined, meta = false) =>
  expectValue(`${id} ${meta ? "meta" : "parameter"} ${name}`, resourceParameter(id, name, meta), declared);

/** The device's fencing levels as `index target`, sorted. */
const levelsOf = (id: string): string =>
  cibElements("node1", "fencing-level")
    .filter((l) => l.devices === id)
    .map((l) => `${l.index} ${l.target}`)
    .sort()
    .join(", ");

const rows: RepairRow[] = [
  {
    resource: "f-params",
    property: "parameters",
    handChange: "pcs stonith update f-params delay=9",
    isBack: () => param("f-params", "delay", "5"),
  },
  {
    resource: "f-params",
    property: "parameters",
    handChange: "pcs stonith update f-params pcmk_delay_max=3",
    isBack: () => param("f-params", "pcmk_delay_max", undefined),
  },
  {
    resource: "f-op",
    property: "parameters",
    handChange: "pcs stonith update f-op delay=",
    isBack: () => param("f-op", "delay", "5"),
  },
  {
    resource: "f-params",
    property: "secretParameters",
    secret: true,
    handChange: "pcs stonith update f-params passwd=changed-by-hand",
    isBack: () => param("f-params", "passwd", SECRET),
  },
  {
    resource: "f-params",
    property: "metaAttributes",
    handChange: "pcs stonith meta f-params failure-timeout=120s",
    isBack: () => param("f-params", "failure-timeout", "60s", true),
  },
  {
    resource: "f-params",
    property: "metaAttributes",
    handChange: "pcs stonith meta f-params migration-threshold=2",
    isBack: () => param("f-params", "migration-threshold", undefined, true),
  },
  {
    // the declared monitor redefined with another interval (PcsResource's case, for pcs stonith)
    resource: "f-op",
    property: "operations",
    handChange: "pcs stonith update f-op op monitor interval=45s",
    isBack: () => {
      const monitors = operationsOf("f-op").filter((o) => o.name === "monitor");
      expectValue("f-op's monitors", monitors.map((o) => `${o.interval}/${o.timeout}`).join(), "60s/20s");
    },
  },
  {
    resource: "f-levels",
    property: "fencingLevels",
    handChange: `pcs stonith level delete 1 target ${fqdn("node3")} stonith f-levels`,
    isBack: () =>
      expectValue("f-levels' levels", levelsOf("f-levels"), `1 ${fqdn("node2")}, 1 ${fqdn("node3")}`),
  },
  {
    resource: "f-levels",
    property: "fencingLevels",
    handChange:
      `pcs stonith level delete 1 target ${fqdn("node2")} stonith f-levels && ` +
      `pcs stonith level add 2 ${fqdn("node2")} f-levels`,
    isBack: () =>
      expectValue("f-levels' levels", levelsOf("f-levels"), `1 ${fqdn("node2")}, 1 ${fqdn("node3")}`),
  },
  {
    // pcs cannot change an agent: by hand, deleted and made again (stopped) with another
    resource: "f-agent",
    property: "agent",
    replaces: true,
    handChange:
      "pcs stonith delete f-agent && " +
      `pcs stonith create f-agent fence_ipmilan ip=${LAB_FENCE_PARAMETERS.ip} username=root password=x --disabled`,
    isBack: () =>
      expectValue("f-agent's agent", xpathElements("//primitive[@id='f-agent']")[0]?.type, "fence_virsh"),
  },
  {
    resource: "f-deleted",
    property: null,
    handChange: "pcs stonith delete f-deleted",
    isBack: () =>
      expectValue("f-deleted's agent", xpathElements("//primitive[@id='f-deleted']")[0]?.type, "fence_virsh"),
  },
];

let stack: TestStack;
const t0 = Date.now();

beforeAll(async () => {
  ensureCluster();
  stack = await objectsStack(objects, SECRET);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
});

afterAll(async () => {
  await stack?.pulumi(["destroy", "--yes", "--skip-preview"]);
  stack?.dispose();
  console.log(
    `StonithDevice repair matrix: ${JSON.stringify(batchSeconds)}, ${(Date.now() - t0) / 1000} s in all`,
  );
});

test("parameters, the secret, meta, operations, levels changed and the device deleted by hand: reported, repaired by one up", async () => {
  await repairBatch(stack, "every property", rows);
});
