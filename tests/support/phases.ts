// Times of the end-to-end phases, for the benchmark report (recorded, never asserted).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export const PHASES_FILE = process.env.PCMK_PHASES_FILE ?? "/var/cache/pcmk-lab/results/e2e-phases.json";

export async function timed<T>(phase: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const result = await run();
  const seconds = (Date.now() - t0) / 1000;
  let all: Record<string, { seconds: number; at: string }> = {};
  try {
    all = JSON.parse(readFileSync(PHASES_FILE, "utf8"));
  } catch {
    // first phase of a run on this machine
  }
  // one file for every lab generation: another generation's phases are named with it
  const release = process.env.LAB_RELEASE;
  all[release && release !== "bookworm" ? `${phase} (${release})` : phase] = {
    seconds,
    at: new Date().toISOString(),
  };
  mkdirSync(path.dirname(PHASES_FILE), { recursive: true });
  writeFileSync(PHASES_FILE, JSON.stringify(all, null, 2) + "\n");
  console.log(`${phase}: ${seconds} s`);
  return result;
}
