// Running commands on the lab host, and telling our processes from anybody else's.
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { readFileSync } from "node:fs";

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function tryRun(cmd: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (r.error) return { status: 127, stdout: "", stderr: `${cmd}: ${r.error.message}` };
  return { status: r.status ?? 128, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = tryRun(cmd, args, options);
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r.stdout;
}

/** The process's command line, or undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return undefined;
  }
}

/** True when pid is alive and its command line contains every marker (so it is ours). */
export function isOurs(pid: number | undefined, ...markers: string[]): pid is number {
  if (!pid) return false;
  const argv = commandLine(pid);
  return !!argv && argv.length > 0 && markers.every((m) => argv.some((a) => a.includes(m)));
}

export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until check() is true or the deadline passes. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => boolean,
  stepMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(stepMs);
  }
}
