// The real Pulumi engine (this project's build) drives a trivial dynamic resource through
// preview, up, drift detection with refresh, update, and destroy, on a file:// backend,
// and opens no network connection other than loopback.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { pulumi, pulumiOk, PulumiWorkspace } from "../../engine/pulumi-cli";
import { TestStack, testStack } from "../support/stack-harness";

jest.setTimeout(600_000);

let stack: TestStack;
let ws: PulumiWorkspace;
let project: string;
let target: string;

beforeAll(async () => {
  stack = await testStack(path.join(__dirname, "fixtures", "local-file"));
  ({ ws, dir: project } = stack);
  target = path.join(path.dirname(project), "managed.txt");
  await stack.pulumiOk(["config", "set", "path", target]);
  await stack.pulumiOk(["config", "set", "content", "one"]);
});

afterAll(() => stack?.dispose());

test("pulumi version is the pinned @pulumi/pulumi version", async () => {
  // the SDK this repository tests with (a devDependency; users bring their own, a peer dependency)
  const pinned = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).devDependencies[
    "@pulumi/pulumi"
  ];
  const r = await pulumiOk(ws, project, ["version"]);
  expect(r.stdout.trim()).toBe(`v${pinned}`);
});

test("preview plans a create and touches nothing", async () => {
  const r = await pulumiOk(ws, project, ["preview", "--diff"]);
  expect(r.stdout).toMatch(/\+ pulumi-nodejs:dynamic:Resource: \(create\)\s+\[urn=\S+::file\]/);
  expect(r.stdout).toMatch(/\+ 2 to create/);
  expect(existsSync(target)).toBe(false);
});

test("up creates the resource, and opens no non-loopback connection", async () => {
  const trace = path.join(path.dirname(ws.stateDir), "connect.trace");
  await pulumiOk(ws, project, ["up", "--yes", "--skip-preview"], {
    wrap: ["strace", "-f", "-qq", "-e", "trace=connect", "-o", trace],
  });
  expect(readFileSync(target, "utf8")).toBe("one");
  const inet = readFileSync(trace, "utf8")
    .split("\n")
    .filter((l) => /sa_family=AF_INET6?/.test(l));
  // The engine talks to its plugins over loopback gRPC, so the trace cannot be empty.
  expect(inet.length).toBeGreaterThan(0);
  const remote = inet.filter((l) => !/inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\./.test(l));
  expect(remote).toEqual([]);
});

test("a second preview reports no changes", async () => {
  const r = await pulumi(ws, project, ["preview", "--expect-no-changes"]);
  expect(r.status).toBe(0);
});

test("preview --refresh sees a change made behind Pulumi's back, and up repairs it", async () => {
  writeFileSync(target, "changed by hand");
  const drift = await pulumi(ws, project, ["preview", "--refresh", "--expect-no-changes", "--diff"]);
  expect(drift.status).not.toBe(0);
  // refresh reads the live value, then the plan puts the declared one back
  expect(drift.stdout).toMatch(/~ content: "one" => "changed by hand"/);
  expect(drift.stdout).toMatch(/~ 1 to update/);
  await pulumiOk(ws, project, ["up", "--refresh", "--yes", "--skip-preview"]);
  expect(readFileSync(target, "utf8")).toBe("one");
  expect((await pulumi(ws, project, ["preview", "--refresh", "--expect-no-changes"])).status).toBe(0);
});

test("refresh records the live value in state", async () => {
  writeFileSync(target, "live value");
  await pulumiOk(ws, project, ["refresh", "--yes", "--skip-preview"]);
  const exported = JSON.parse((await pulumiOk(ws, project, ["stack", "export"])).stdout);
  const file = exported.deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::file"));
  expect(file.outputs.content).toBe("live value");
});

test("a program change is an in-place update", async () => {
  await pulumiOk(ws, project, ["config", "set", "content", "two"]);
  const r = await pulumiOk(ws, project, ["up", "--yes"]);
  expect(r.stdout).toMatch(/~ 1 updated/);
  expect(readFileSync(target, "utf8")).toBe("two");
});

test("destroy removes the resource and leaves an empty stack", async () => {
  await pulumiOk(ws, project, ["destroy", "--yes", "--skip-preview"]);
  expect(existsSync(target)).toBe(false);
  const exported = JSON.parse((await pulumiOk(ws, project, ["stack", "export"])).stdout);
  expect(exported.deployment.resources ?? []).toEqual([]);
});
