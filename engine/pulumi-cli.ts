// Runs the real `pulumi` CLI of this project's engine build with an isolated, offline set-up:
// a file:// backend, a passphrase secrets provider, no update check, no plugin download.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";

/** The directory holding pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs (built if needed). */
export function ensureEngine(): string {
  const r = spawnSync("bash", [path.join(repoRoot, "engine", "ensure-engine.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) throw new Error(`engine/ensure-engine.sh failed with exit ${r.status}`);
  return r.stdout.trim();
}

export interface PulumiWorkspace {
  engineDir: string;
  /** Holds the backend (state) and PULUMI_HOME. */
  stateDir: string;
  passphrase: string;
}

export function pulumiEnv(ws: PulumiWorkspace): NodeJS.ProcessEnv {
  const backend = path.join(ws.stateDir, "backend");
  const home = path.join(ws.stateDir, "home");
  mkdirSync(backend, { recursive: true });
  mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    PATH: `${ws.engineDir}:${process.env.PATH}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: ws.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_COPILOT: "false",
    NO_COLOR: "1",
  };
}

export interface PulumiResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `pulumi <args>` in `cwd`; never throws on a non-zero exit. `wrap` prefixes the argv (e.g. strace). */
export function pulumi(
  ws: PulumiWorkspace,
  cwd: string,
  args: string[],
  options: { wrap?: string[]; input?: string; timeoutMs?: number } = {},
): Promise<PulumiResult> {
  const argv = [...(options.wrap ?? []), path.join(ws.engineDir, "pulumi"), "--non-interactive", ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: pulumiEnv(ws), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? 128, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Like pulumi(), but throws with the CLI's own output when it fails. */
export async function pulumiOk(
  ws: PulumiWorkspace,
  cwd: string,
  args: string[],
  options: { wrap?: string[]; input?: string } = {},
): Promise<PulumiResult> {
  const r = await pulumi(ws, cwd, args, options);
  if (r.status !== 0) {
    throw new Error(`pulumi ${args.join(" ")} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}
