// The repair matrix of DrSite on a 4-node lab of two clusters (site_a: node1+node2, site_b:
// node3+node4): pcs's disaster-recovery file removed by hand on the recovery site, then on the
// primary node pcs runs on — each reported by `preview --refresh`, repaired by one `up --refresh`,
// clean afterwards, `pcs dr config` as declared on both sites.
import { onNode } from "../../../support/lab-harness";
import {
  ensureDrPair,
  fqdn,
  ObjectSpec,
  objectsStack,
  SITE_A,
  SITE_B,
} from "../../../support/cluster-harness";
import { batchSeconds, expectValue, repairBatch, RepairRow } from "../../../support/repair-matrix";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const FILE = "/var/lib/pcsd/disaster-recovery";
const pair: ObjectSpec = {
  kind: "DrSite",
  name: "dr",
  args: { recoveryNode: fqdn("node3"), recoveryRunOn: "@connection:node3" },
};

/** Each node's role as `pcs dr config` shows it. */
const roles = (): string =>
  [...SITE_A, ...SITE_B]
    .map((n) => /Local site:\s+Role: (\w+)/.exec(onNode(n, "pcs dr config").stdout)?.[1] ?? "none")
    .join(" ");
const asDeclared = () => expectValue("roles of node1..node4", roles(), "Primary Primary Recovery Recovery");

/** The recovery site's file removed on one of its nodes. */
const recoverySiteRow = (node: string): RepairRow => ({
  resource: "dr",
  property: "recoveryNode",
  node,
  handChange: `rm ${FILE}`,
  isBack: asDeclared,
});

const primaryRow: RepairRow = {
  resource: "dr",
  property: null,
  handChange: `rm ${FILE}`,
  isBack: asDeclared,
};

let stack: TestStack;
const t0 = Date.now();

beforeAll(async () => {
  ensureDrPair();
  onNode("node1", "pcs dr destroy >/dev/null 2>&1; true");
  stack = await objectsStack([pair]);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
});

afterAll(async () => {
  await stack?.pulumi(["destroy", "--yes", "--skip-preview"]);
  stack?.dispose();
  console.log(`DrSite repair matrix: ${JSON.stringify(batchSeconds)}, ${(Date.now() - t0) / 1000} s in all`);
});

test("the recovery site's files removed by hand: reported, set again by one up", async () => {
  await repairBatch(stack, "recovery site", SITE_B.map(recoverySiteRow));
});

test("the primary node's file removed by hand: read as gone, made again by one up", async () => {
  await repairBatch(stack, "primary node", [primaryRow]);
});
