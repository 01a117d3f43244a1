// The package users install (issue 21): what `npm pack` puts in it, and a fresh Pulumi project
// outside the repository that installs it, with the oldest SDK it supports, and runs a small
// program on the lab (scripts/fresh-project.sh: up, a clean preview --refresh, destroy).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ensureCluster } from "../support/cluster-harness";
import { onNode } from "../support/lab-harness";

jest.setTimeout(900_000);
const repoRoot = path.join(__dirname, "..", "..");

test("the tarball holds the library, its types, the Python programs the nodes run, README, LICENSE and CHANGELOG, and nothing else", () => {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  expect(r.status).toBe(0);
  const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
  expect(files).toEqual(
    expect.arrayContaining([
      "dist/providers/index.js",
      "dist/providers/index.d.ts",
      "dist/providers/runtime.js",
      "providers/writer/pcs_batch.py",
      "providers/checks/agent_check.py",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
      "package.json",
    ]),
  );
  const outside = files.filter(
    (f) =>
      !/^dist\/providers\/.*\.(js|d\.ts)$/.test(f) &&
      !/^providers\/.*\.py$/.test(f) &&
      !["README.md", "LICENSE", "CHANGELOG.md", "package.json"].includes(f),
  );
  expect(outside).toEqual([]);
});

test("the package's manifest: public, the SDK a peer of the user's, no benchmark stand-ins among its exports", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the manifest as npm reads it
  const manifest = require(path.join(repoRoot, "package.json"));
  expect(manifest.private).toBeUndefined();
  expect(manifest.dependencies["@pulumi/pulumi"]).toBeUndefined();
  expect(manifest.peerDependencies["@pulumi/pulumi"]).toMatch(/^>=3\.216\.0 <4$/);
  expect(Object.keys(manifest.exports).sort()).toEqual([".", "./package.json", "./runtime"]);
  expect(manifest.scripts.prepack).toBeDefined();
});

test("a fresh project installs the packed package and runs a Dummy and a location constraint on the lab", () => {
  ensureCluster();
  const r = spawnSync("bash", [path.join(repoRoot, "scripts", "fresh-project.sh")], {
    cwd: "/tmp",
    encoding: "utf8",
    timeout: 840_000,
  });
  const phases = r.stderr.split("\n").filter((l) => l.startsWith("fresh-project:"));
  console.log(phases.join("\n"));
  if (r.status !== 0) throw new Error(`fresh-project.sh exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  expect(phases).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^fresh-project: npm install \(@pulumi\/pulumi@3\.216\.0, the tarball\)/),
      expect.stringMatching(/^fresh-project: pulumi up:/),
      expect.stringMatching(/^fresh-project: pulumi preview --refresh --expect-no-changes:/),
      expect.stringMatching(/^fresh-project: pulumi destroy:/),
      "fresh-project: passed",
    ]),
  );
  // destroyed: nothing of it left on the cluster
  expect(onNode("node1", "cibadmin --query --scope resources").stdout).not.toContain("fresh-dummy");
});
