// A throwaway Pulumi project from a fixture folder, on its own file:// backend, driven by the
// real CLI of this project's engine build.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { ensureEngine, pulumi, pulumiOk, PulumiResult, PulumiWorkspace } from "../../engine/pulumi-cli";
import { labStatus } from "./lab-harness";

export interface TestStack {
  dir: string;
  ws: PulumiWorkspace;
  pulumi(args: string[], options?: { input?: string }): Promise<PulumiResult>;
  pulumiOk(args: string[], options?: { input?: string; wrap?: string[] }): Promise<PulumiResult>;
  /** `pulumi stack export`, parsed. */
  exportState(): Promise<{
    raw: string;
    resources: {
      urn: string;
      type: string;
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
    }[];
  }>;
  dispose(): void;
}

/**
 * `packageDir`: the project gets a node_modules of its own, the repository's packages each linked
 * but pcmk-lab, which is the tree in packageDir (another version of this package: see usePackage).
 */
export async function testStack(
  fixture: string,
  stack = "test",
  { packageDir }: { packageDir?: string } = {},
): Promise<TestStack> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "pcmk-stack-"));
  const dir = path.join(tmp, "project");
  cpSync(fixture, dir, { recursive: true });
  if (packageDir) {
    mkdirSync(path.join(dir, "node_modules"));
    for (const entry of readdirSync(path.join(repoRoot, "node_modules")))
      if (entry !== "pcmk-lab")
        symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(dir, "node_modules", entry));
    usePackage(dir, packageDir);
  }
  // else node_modules of the repository, which links this package to itself (scripts/setup.sh).
  else symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
  const ws: PulumiWorkspace = {
    engineDir: ensureEngine(),
    stateDir: path.join(tmp, "state"),
    passphrase: "test-passphrase",
  };
  const self: TestStack = {
    dir,
    ws,
    pulumi: (args, options) => pulumi(ws, dir, args, options),
    pulumiOk: (args, options) => pulumiOk(ws, dir, args, options),
    async exportState() {
      const raw = (await pulumiOk(ws, dir, ["stack", "export", "--show-secrets=false"])).stdout;
      return { raw, resources: JSON.parse(raw).deployment.resources ?? [] };
    },
    dispose: () => rmSync(tmp, { recursive: true, force: true }),
  };
  await self.pulumiOk(["stack", "init", stack, "--secrets-provider", "passphrase"]);
  return self;
}

/**
 * Points the pcmk-lab of a project made with testStack's packageDir at `packageDir`: what its
 * program and its resources' provider text (`require("pcmk-lab/runtime")`) load from the next
 * pulumi command on. The link is replaced in one rename.
 */
export function usePackage(projectDir: string, packageDir: string): void {
  const link = path.join(projectDir, "node_modules", "pcmk-lab");
  symlinkSync(packageDir, `${link}.new`);
  renameSync(`${link}.new`, link);
}

/**
 * Config `runOn` (node1 of the lab, its pinned key, the admin key as a secret, or with `keyFile`
 * the path of the admin key's file) and `password`.
 */
export async function configureRunOnNode1(s: TestStack, { keyFile = false } = {}): Promise<void> {
  const status = labStatus();
  await s.pulumiOk(["config", "set", "--path", "runOn.host", status.nodes[0].address]);
  await s.pulumiOk([
    "config",
    "set",
    "--path",
    "runOn.hostKeyFingerprint",
    status.nodes[0].hostKeyFingerprint!,
  ]);
  if (keyFile)
    await s.pulumiOk(["config", "set", "--path", "runOn.privateKeyPath", path.resolve(status.sshKeyPath)]);
  else
    await s.pulumiOk(["config", "set", "--path", "--secret", "runOn.privateKey"], {
      input: readFileSync(status.sshKeyPath, "utf8"),
    });
  await s.pulumiOk(["config", "set", "--secret", "password"], {
    input: readFileSync(status.haclusterPasswordFile, "utf8"),
  });
}
