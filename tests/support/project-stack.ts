// This repository's own stacks (the lab project at the top, the DR project in stacks/dr) run
// through the real CLI from a throwaway copy of their Pulumi.yaml files, with dist/ and
// node_modules linked from the repository and a file:// backend of their own, so the tests
// never touch the developer's .pulumi-state. Stacks of one copy share that backend
// (StackReference between the DR sites works).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { ensureEngine, pulumi, pulumiOk, PulumiWorkspace } from "../../engine/pulumi-cli";
import { TestStack } from "./stack-harness";

export interface ProjectCopy {
  stack(name: string): Promise<TestStack>;
  dispose(): void;
}

/** A copy of the project in `projectDir` (relative to the repository, "" for the lab project). */
export function projectCopy(projectDir: string): ProjectCopy {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "pcmk-e2e-"));
  const root = path.join(tmp, "repo");
  const dir = path.join(root, projectDir);
  mkdirSync(dir, { recursive: true });
  for (const link of ["dist", "node_modules", "package.json"])
    symlinkSync(path.join(repoRoot, link), path.join(root, link));
  cpSync(path.join(repoRoot, projectDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const ws: PulumiWorkspace = {
    engineDir: ensureEngine(),
    stateDir: path.join(tmp, "state"),
    passphrase: "e2e-passphrase",
  };
  return {
    async stack(name: string): Promise<TestStack> {
      // the example stack config, without the salt of the repository's passphrase
      const example = path.join(repoRoot, projectDir, `Pulumi.${name}.yaml`);
      try {
        const text = readFileSync(example, "utf8").replace(/^encryptionsalt:.*\n?/m, "");
        writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
      } catch {
        // no example config for this stack
      }
      const run = (args: string[], options?: { input?: string }) =>
        pulumi(ws, dir, [...args, "--stack", name], options);
      const runOk = (args: string[], options?: { input?: string; wrap?: string[] }) =>
        pulumiOk(ws, dir, [...args, "--stack", name], options);
      await pulumiOk(ws, dir, ["stack", "init", name, "--secrets-provider", "passphrase"]);
      return {
        dir,
        ws,
        pulumi: run,
        pulumiOk: runOk,
        async exportState() {
          const raw = (await runOk(["stack", "export", "--show-secrets=false"])).stdout;
          return { raw, resources: JSON.parse(raw).deployment.resources ?? [] };
        },
        dispose: () => undefined,
      };
    },
    dispose: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

/** A line that starts a resource's block in `--diff` output, or ends the last one. */
const BLOCK_START =
  /^\s*[-+~ ]*\s*(pulumi-nodejs:dynamic(\/pcmk)?:\w+|pulumi:pulumi:Stack|pcmk-lab:index:\w+):|^(Resources|Outputs|Diagnostics):/;

/** Each block of `pulumi preview --diff` output about the resource named `name`. */
function blockList(output: string, name: string): string[] {
  const lines = output.split("\n");
  const blocks: string[] = [];
  lines.forEach((line, i) => {
    if (!line.includes(`[urn=`) || !line.trimEnd().endsWith(`::${name}]`)) return;
    let end = i + 1;
    while (end < lines.length && !BLOCK_START.test(lines[end])) end++;
    blocks.push(lines.slice(Math.max(0, i - 2), end).join("\n"));
  });
  return blocks;
}

/** The part of `pulumi preview --diff` output about the resource named `name` (all its blocks). */
export const blocksOf = (output: string, name: string): string => blockList(output, name).join("\n---\n");

/**
 * The top-level properties the engine marks as changed (`~`, `+`, `-`) in the update step of the
 * resource named `name` in `--diff` output, sorted; null when it has no update step.
 */
export function changedProperties(output: string, name: string): string[] | null {
  const update = blockList(output, name).find((b) => /: \(update\)/.test(b.split("\n")[0]));
  if (!update) return null;
  const properties = update
    .split("\n")
    .slice(1) // its header: the type and the step
    .map((line) => /^(\s*)(?:([-+~]) )?\s*([\w-]+)\s*:/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ column: m[0].indexOf(m[3], m[1].length), marked: m[2] !== undefined, name: m[3] }));
  const top = Math.min(...properties.map((p) => p.column));
  return properties
    .filter((p) => p.column === top && p.marked)
    .map((p) => p.name)
    .sort();
}
