// The DR pair (stacks/dr) end to end on a fresh 4-node lab: site-b (node3+node4) up, then site-a
// (node1+node2) whose DrSite takes the recovery node from site-b's outputs; `pcs dr config` on
// both sites shows the pair; both previews are clean; destroy in reverse order leaves no pair and
// no cluster.
import { labCli, onNode, onNodeOk } from "../support/lab-harness";
import { projectCopy, ProjectCopy } from "../support/project-stack";
import { TestStack } from "../support/stack-harness";
import { timed } from "../support/phases";

jest.setTimeout(1_800_000);

let project: ProjectCopy;
let siteA: TestStack;
let siteB: TestStack;

beforeAll(async () => {
  expect(labCli("up", "--fresh", "--nodes", "4").status).toBe(0);
  project = projectCopy("stacks/dr");
  siteB = await project.stack("site-b");
  siteA = await project.stack("site-a");
});

afterAll(() => project?.dispose());

const outputs = async (s: TestStack) => JSON.parse((await s.pulumiOk(["stack", "output", "--json"])).stdout);

test("site-b up, then site-a with DrSite: pcs dr config on both sites shows the pair", async () => {
  await timed("dr: site-b up", () => siteB.pulumiOk(["up", "--yes", "--skip-preview"]));
  expect((await outputs(siteB)).nodesOnline).toEqual(["node3.example.com", "node4.example.com"]);
  await timed("dr: site-a up", () => siteA.pulumiOk(["up", "--yes", "--skip-preview"]));
  const a = await outputs(siteA);
  expect(a.nodesOnline).toEqual(["node1.example.com", "node2.example.com"]);
  expect(a.localRole).toBe("PRIMARY");
  expect(a.recoverySiteNodes).toEqual(["node3.example.com", "node4.example.com"]);
  for (const n of ["node1", "node2"])
    expect(onNodeOk(n, "pcs dr config")).toMatch(
      /Local site:\s+Role: Primary\s+Remote site:\s+Role: Recovery\s+Nodes:\s+node3\.example\.com\s+node4\.example\.com/,
    );
  for (const n of ["node3", "node4"])
    expect(onNodeOk(n, "pcs dr config")).toMatch(
      /Local site:\s+Role: Recovery\s+Remote site:\s+Role: Primary\s+Nodes:\s+node1\.example\.com\s+node2\.example\.com/,
    );
  // two clusters, not one
  expect(onNodeOk("node1", "pcs status nodes corosync")).not.toContain("node3");
  for (const s of [siteA, siteB])
    expect((await s.pulumi(["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("destroy in reverse order: site-a (the pair goes from all four nodes), then site-b", async () => {
  await timed("dr: site-a destroy", () => siteA.pulumiOk(["destroy", "--yes", "--skip-preview"]));
  for (const n of ["node1", "node2", "node3", "node4"])
    expect(onNode(n, "test -e /var/lib/pcsd/disaster-recovery").status).not.toBe(0);
  await timed("dr: site-b destroy", () => siteB.pulumiOk(["destroy", "--yes", "--skip-preview"]));
  for (const n of ["node1", "node2", "node3", "node4"])
    expect(onNode(n, "test -e /etc/corosync/corosync.conf").status).not.toBe(0);
});
