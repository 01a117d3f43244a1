#!/usr/bin/env node
// `pulumi` for this repository: the project's engine build, the state in .pulumi-state/ (a
// file:// backend), no update check, no plugin download. Usage: node dist/engine/run-pulumi.js ARGS...
// PULUMI_CONFIG_PASSPHRASE protects the stack's secrets; the lab's default is for the lab only.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";
import { ensureEngine, pulumiEnv } from "./pulumi-cli";

const ws = {
  engineDir: ensureEngine(),
  stateDir: process.env.PCMK_PULUMI_STATE ?? path.join(repoRoot, ".pulumi-state"),
  passphrase: process.env.PULUMI_CONFIG_PASSPHRASE ?? "pcmk-lab",
};
const env = pulumiEnv(ws);
// Keep the user's PULUMI_HOME (plugins, credentials) when run by hand.
if (process.env.PULUMI_HOME) env.PULUMI_HOME = process.env.PULUMI_HOME;
const r = spawnSync(path.join(ws.engineDir, "pulumi"), process.argv.slice(2), {
  stdio: "inherit",
  env,
  cwd: repoRoot,
});
process.exit(r.status ?? 1);
