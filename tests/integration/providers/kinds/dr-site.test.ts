// DrSite through the real engine on a 4-node lab of two clusters (site_a: node1+node2, site_b:
// node3+node4): up makes site_a the primary and site_b the recovery site, as `pcs dr config`
// shows on both; the recovery side's files lost by hand is drift, repaired; a pair destroyed by
// hand is seen as gone and made again; destroy removes it from all four nodes.
import { nodeAddress, onNode, onNodeOk, rx } from "../../../support/lab-harness";
import {
  ensureDrPair,
  fqdn,
  ObjectSpec,
  objectsStack,
  previewIsClean,
  SITE_A,
  SITE_B,
} from "../../../support/cluster-harness";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const FILE = "/var/lib/pcsd/disaster-recovery";
const pair: ObjectSpec = {
  kind: "DrSite",
  name: "dr",
  args: { recoveryNode: fqdn("node3"), recoveryRunOn: "@connection:node3" },
};

const drConfig = (node: string) => onNodeOk(node, "pcs dr config");

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };

beforeAll(async () => {
  ensureDrPair();
  onNode("node1", "pcs dr destroy >/dev/null 2>&1; true");
  stack = await objectsStack([pair]);
});

afterAll(() => stack?.dispose());

test("up sets site_b as the recovery site of site_a; pcs dr config on both sites shows the pair", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  for (const n of SITE_A)
    expect(drConfig(n)).toMatch(
      /Local site:\s+Role: Primary\s+Remote site:\s+Role: Recovery\s+Nodes:\s+node3\.example\.com\s+node4\.example\.com/,
    );
  for (const n of SITE_B)
    expect(drConfig(n)).toMatch(
      /Local site:\s+Role: Recovery\s+Remote site:\s+Role: Primary\s+Nodes:\s+node1\.example\.com\s+node2\.example\.com/,
    );
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("the recovery site's files removed by hand are drift; up --refresh sets the pair again", async () => {
  for (const n of SITE_B) onNodeOk(n, `rm ${FILE}`);
  const drift = await previewIsClean(stack);
  expect(drift.clean).toBe(false);
  // the engine shows a value that became "" as removed
  expect(drift.output).toMatch(/\[id=node3\.example\.com\][\s\S]*- recoveryNodeRole\s*: "RECOVERY"/);
  expect(drift.output).toMatch(/~ pulumi-nodejs:dynamic\/pcmk:DrSite: \(update\)/);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(drConfig("node3")).toMatch(/Role: Recovery/);
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a pair destroyed by hand reads as gone; up makes it again", async () => {
  onNodeOk("node1", "pcs dr destroy");
  const drift = await previewIsClean(stack);
  expect(drift.clean).toBe(false);
  expect(drift.output).toMatch(/\+\s+pulumi-nodejs:dynamic\/pcmk:DrSite: \(create\)[\s\S]*recoveryNode/);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(drConfig("node2")).toMatch(/Role: Primary/);
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a second pair on an already paired cluster is refused with pcs's state, without adopt", async () => {
  const other = await objectsStack([pair]);
  try {
    const r = await other.pulumi(["up", "--yes", "--skip-preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      rx`this pair is already configured on ${nodeAddress("node1")}: set adopt: true`,
    );
  } finally {
    other.dispose();
  }
});

test("destroy removes the pair from all four nodes", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  for (const n of [...SITE_A, ...SITE_B]) expect(onNode(n, `test -e ${FILE}`).status).not.toBe(0);
});
