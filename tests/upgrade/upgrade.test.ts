// The upgrade test: a stack of every kind deployed with the release (the tag RELEASE, built from
// its own tree), then taken over by the working tree, as a user upgrading the package would. What
// the release's state holds must stay valid: the package's name and its `pcmk-lab/runtime`, each
// resource's id and provider text (`require("pcmk-lab/runtime").provider("<Kind>")`), and the
// shape of its inputs and outputs, which the new code must read without seeing a change. The type
// (and so the URN) becomes the kind's own (`pulumi-nodejs:dynamic/pcmk:<Kind>`), the release's
// `pulumi-nodejs:dynamic:Resource` an alias of it. Required: `preview --refresh
// --expect-no-changes` passes and replaces nothing; an `up` changes nothing, takes every resource
// over under its kind's type and keeps every id and provider text as the release wrote them; the
// new code's destroy (which runs the release's provider text) leaves the nodes as they were.
//
// Reuse: any change of types, ids or state shape runs this test unchanged; when a release is cut,
// move RELEASE to its tag (the fixture must then declare every kind that release has: checked).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { hypervisorAddress, nodeIdentity, nodeIndex } from "../../lab/config";
import { labPackages } from "../../stacks/common/lab";
import { lab, labCli, labStatus, nodeState, onNode, vip } from "../support/lab-harness";
import { timed } from "../support/phases";
import { TestStack, testStack, usePackage } from "../support/stack-harness";

jest.setTimeout(1_800_000);

/** The release whose states the working tree must take over. */
const RELEASE = "v0.1.0";
/**
 * Its commit, for a clone made without tags (a CI's may be): the tag, where the clone has it, must
 * name this commit.
 */
const RELEASE_COMMIT = "6a66d4faa33e38ad0a03858fa619f0442cceda4e";
const NODES = ["node1", "node2", "node3"];
/** The type the release gives every kind's resources, and the one the working tree gives each kind. */
const RELEASE_TYPE = (_kind: string) => "pulumi-nodejs:dynamic:Resource";
const KIND_TYPE = (kind: string) => `pulumi-nodejs:dynamic/pcmk:${kind}`;

/** The fixture's resources of each kind, by name: what the release's state must hold. */
const KINDS: Record<string, string> = {
  node1: "Node",
  node2: "Node",
  node3: "Node",
  "up_a-auth": "ClusterAuth",
  "up_b-auth": "ClusterAuth",
  up_a: "Cluster",
  up_b: "Cluster",
  dummy: "PcsResource",
  vip: "PcsResource",
  clone: "PcsResource",
  g1a: "PcsResource",
  g1b: "PcsResource",
  "r0-drbd": "PcsResource",
  "r0-fs": "PcsResource",
  "dummy-prefers-node1": "Constraint",
  "vip-avoids-node2": "Constraint",
  "vip-then-dummy": "Constraint",
  "dummy-with-cloned": "Constraint",
  "g1-sets": "Constraint",
  "r0-fs-with-promoted": "Constraint",
  "r0-fs-after-promote": "Constraint",
  fence: "StonithDevice",
  objects: "ClusterObjects",
  "r0-config": "DrbdConfig",
  dr: "DrSite",
};
/** The components, by type: their type is in their children's URNs. */
const COMPONENTS = ["pcmk-lab:index:PacemakerCluster", "pcmk-lab:index:DrbdVolume"];

/** The provider text every resource of a kind holds in its state, as inputs and as outputs. */
const providerText = (kind: string) =>
  `exports.handler = () => require("pcmk-lab/runtime").provider(${JSON.stringify(kind)});\n`;

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

const git = (...args: string[]) => spawnSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" });

/** Runs a command to its end without blocking the test process; throws with its output on failure. */
function run(argv: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(" ")} exited ${code}:\n${out}`)),
    );
  });
}

/**
 * The release's tree, extracted from git (the repository's .git is only read) beside a
 * node_modules that links the repository's: node resolves from a file's real path and walks up,
 * so the old package and the program load the one @pulumi/pulumi. Built as its own build does.
 */
async function buildRelease(tmp: string): Promise<string> {
  const tree = path.join(tmp, "old", "pcmk-lab");
  mkdirSync(tree, { recursive: true });
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(tmp, "old", "node_modules"));
  const archive = spawnSync(
    "sh",
    ["-c", 'git -C "$1" archive "$2" | tar -x -C "$3"', "sh", repoRoot, RELEASE_COMMIT, tree],
    {
      encoding: "utf8",
    },
  );
  if (archive.status !== 0) throw new Error(`git archive ${RELEASE} failed: ${archive.stderr}`);
  await run(
    [process.execPath, path.join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "."],
    tree,
  );
  return tree;
}

/** The kinds a built tree's runtime serves, from its refusal of a kind it does not have. */
function kindsOf(tree: string): string[] {
  const runtime = path.join(tree, "dist", "providers", "runtime.js");
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `try { require(${JSON.stringify(runtime)}).provider("?"); } catch (e) { console.log(e.message); }`,
    ],
    { encoding: "utf8" },
  );
  const m = /\(this package: ([\w,]+)\)/.exec(r.stdout);
  if (!m) throw new Error(`${runtime} did not name its kinds: ${r.stdout}${r.stderr}`);
  return m[1].split(",");
}

/** The lab as the fixture's config: every address from the lab's configuration. */
function labConfig() {
  const status = labStatus();
  const nodes = NODES.map((name) => {
    const { fqdn, address } = nodeIdentity(lab.config, nodeIndex(name));
    const fingerprint = status.nodes.find((n) => n.name === name)?.hostKeyFingerprint;
    if (!fingerprint) throw new Error(`lab node ${name} has no host key fingerprint: is it running?`);
    return { name, fqdn, address, hostKeyFingerprint: fingerprint };
  });
  return {
    nodes,
    hosts: nodes.map((n) => ({ address: n.address, names: [n.fqdn, n.name] })),
    privateKeyPath: path.resolve(status.sshKeyPath),
    ...labPackages({ release: status.release } as Parameters<typeof labPackages>[0], ["drbd-utils"]),
    hypervisor: {
      address: hypervisorAddress(lab.config),
      user: status.hypervisor.user,
      identityFileOnNodes: status.hypervisor.identityFileOnNodes,
    },
    vip: vip(0),
  };
}

async function resourcesOf(s: TestStack): Promise<StateResource[]> {
  return (await s.exportState()).resources as StateResource[];
}

/**
 * Every resource of the state is the fixture's, of its kind, as a dynamic resource of the type
 * `typeOf` gives its kind, whose provider text (inputs and outputs) names its kind; the components
 * are there. "" when so, else what differs.
 */
function stateProblems(resources: StateResource[], typeOf: (kind: string) => string): string {
  const problems: string[] = [];
  const isDynamic = (r: StateResource) => r.type.startsWith("pulumi-nodejs:dynamic");
  const dynamic = resources.filter(isDynamic);
  const names = dynamic.map((r) => nameOf(r.urn)).sort();
  if (JSON.stringify(names) !== JSON.stringify(Object.keys(KINDS).sort()))
    problems.push(`dynamic resources [${names}], expected [${Object.keys(KINDS).sort()}]`);
  for (const r of dynamic) {
    const kind = KINDS[nameOf(r.urn)] ?? "?";
    if (r.type !== typeOf(kind)) problems.push(`${r.urn}: of type ${r.type}, not ${typeOf(kind)}`);
    const want = providerText(kind);
    for (const side of ["inputs", "outputs"] as const)
      if (r[side]?.__provider !== want)
        problems.push(
          `${r.urn}: ${side}.__provider is ${JSON.stringify(r[side]?.__provider)}, not ${JSON.stringify(want)}`,
        );
  }
  for (const type of COMPONENTS)
    if (!resources.some((r) => r.type === type)) problems.push(`no component of type ${type}`);
  const other = resources.filter(
    (r) => !isDynamic(r) && !COMPONENTS.includes(r.type) && !/^pulumi:(pulumi:Stack|providers:)/.test(r.type),
  );
  if (other.length) problems.push(`resources of other types: ${other.map((r) => r.urn)}`);
  return problems.join("\n");
}

/**
 * Each resource's name with its id: what the new code must keep (the URN holds the type, which is
 * the kind's now: the release's resources are taken over through the alias to the old type).
 */
const idsOf = (resources: StateResource[]) =>
  Object.fromEntries(
    resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).map((r) => [nameOf(r.urn), r.id]),
  );

/** An engine run's --diff output of a step that changes something, or its summary of one. */
const CHANGE_STEP =
  /\((create|update|delete|replace|create-replacement|delete-replaced|import)\)|\b(created|updated|deleted|replaced)\b/;
const REPLACE_STEP = /\((replace|create-replacement|delete-replaced)\)|^\s*\+-/m;

let tmp: string;
let release: string;
let stack: TestStack;
let before: Record<string, string>;
let released: StateResource[];

beforeAll(async () => {
  const tagged = git("rev-parse", "--verify", "--quiet", `${RELEASE}^{commit}`);
  if (tagged.status === 0 && tagged.stdout.trim() !== RELEASE_COMMIT)
    throw new Error(
      `the tag ${RELEASE} names ${tagged.stdout.trim()}, not ${RELEASE_COMMIT}: say which is the release`,
    );
  if (git("cat-file", "-e", `${RELEASE_COMMIT}^{commit}`).status !== 0)
    throw new Error(
      `${RELEASE} (${RELEASE_COMMIT}) is not in this clone (${repoRoot}): the upgrade test deploys with it; ` +
        "fetch it (git fetch --tags origin; a shallow clone: git fetch --unshallow) and run again",
    );
  tmp = mkdtempSync(path.join(os.tmpdir(), "pcmk-upgrade-"));
  // the release builds while the lab boots (labCli blocks this process, not the build)
  release = await timed(`upgrade: lab up and build ${RELEASE}, side by side`, async () => {
    const built = buildRelease(tmp);
    built.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const up = labCli("up", "--fresh", "--nodes", String(NODES.length));
    if (up.status !== 0) throw new Error(`lab up failed: ${up.stderr}`);
    return built;
  });
  before = Object.fromEntries(NODES.map((n) => [n, nodeState(n)]));
  stack = await testStack(path.join(__dirname, "fixtures", "every-kind"), "upgrade", { packageDir: release });
  await stack.pulumiOk(["config", "set", "lab", JSON.stringify(labConfig())]);
  await stack.pulumiOk(["config", "set", "--secret", "haclusterPassword"], {
    input: readFileSync(labStatus().haclusterPasswordFile, "utf8"),
  });
  await stack.pulumiOk(["config", "set", "--secret", "fencePassword"], { input: "upgrade-fence-Secret" });
});

afterAll(() => {
  stack?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test(`${RELEASE} deploys a stack of every kind; its state is as the release writes it`, async () => {
  expect(kindsOf(release).filter((k) => !Object.values(KINDS).includes(k))).toEqual([]);
  await timed(`upgrade: up with ${RELEASE}`, () => stack.pulumiOk(["up", "--yes", "--skip-preview"]));
  released = await resourcesOf(stack);
  expect(stateProblems(released, RELEASE_TYPE)).toBe("");
  const out = JSON.parse((await stack.pulumiOk(["stack", "output", "--json"])).stdout);
  expect(out.localRole).toBe("PRIMARY");
  expect(out.nodesOnline).toHaveLength(2);
});

test("the working tree: preview --refresh finds nothing to change and nothing to replace", async () => {
  usePackage(stack.dir, repoRoot);
  const r = await timed("upgrade: preview --refresh with the working tree", () =>
    stack.pulumi(["preview", "--refresh", "--expect-no-changes", "--diff"]),
  );
  const output = r.stdout + r.stderr;
  expect(REPLACE_STEP.test(output) ? output : "").toBe("");
  expect(r.status === 0 ? "" : output).toBe("");
});

test("the working tree: up changes nothing, and keeps every id and provider text; types become the kinds'", async () => {
  const r = await timed("upgrade: up with the working tree", () =>
    stack.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--diff"]),
  );
  const output = r.stdout + r.stderr;
  expect(CHANGE_STEP.test(output) ? output : "").toBe("");
  expect(r.status === 0 ? "" : output).toBe("");
  const upgraded = await resourcesOf(stack);
  expect(stateProblems(upgraded, KIND_TYPE)).toBe("");
  expect(idsOf(upgraded)).toEqual(idsOf(released));
});

test("the working tree: destroy (the release's provider texts) leaves the nodes as before", async () => {
  await timed("upgrade: destroy with the working tree", () =>
    stack.pulumiOk(["destroy", "--yes", "--skip-preview"]),
  );
  for (const n of NODES) {
    expect(nodeState(n)).toBe(before[n]);
    expect(onNode(n, "test -e /var/lib/pcsd/disaster-recovery").status).not.toBe(0);
  }
});
