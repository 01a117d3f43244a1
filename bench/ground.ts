// Ground benchmarks: the engine's first build and cached start, and the lab from nothing to
// 3 nodes online with plain pcs. Prints a table and writes its section of docs/BENCHMARKS.md.
// Usage: npm run bench:ground [-- --runs N] [-- --skip-first-build]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";
import { machineLines, median, writeSection } from "./report";
import { eventually, labCli, labStatus, onNode, onNodeOk } from "../tests/support/lab-harness";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] || 3) || 3;
const skipFirstBuild = args.includes("--skip-first-build");

function seconds<T>(fn: () => T): [number, T] {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9, value];
}

async function secondsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function ensureEngine(env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync("bash", [path.join(repoRoot, "engine", "ensure-engine.sh")], { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ensure-engine failed: ${r.stderr}`);
  return r.stdout.trim();
}

const summary = (xs: number[]): string =>
  `${median(xs).toFixed(1)} s (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}, n=${xs.length})`;

async function labToOnline(): Promise<Record<string, number>> {
  const fqdns = ["node1", "node2", "node3"].map((n) => `${n}.example.com`);
  const phases: Record<string, number> = {};
  labCli("down");
  phases["boot 3 nodes (ssh + pcsd up)"] = seconds(() => {
    const r = labCli("up", "--fresh", "--nodes", "3");
    if (r.status !== 0) throw new Error(r.stderr);
  })[0];
  const password = readFileSync(labStatus().haclusterPasswordFile, "utf8");
  phases["pcs host auth"] = seconds(() =>
    onNodeOk("node1", `pcs host auth -u hacluster ${fqdns.join(" ")}`, password + "\n"),
  )[0];
  phases["pcs cluster setup --start --enable"] = seconds(() =>
    onNodeOk("node1", `pcs cluster setup ha_cluster_lab ${fqdns.join(" ")} --start --enable`),
  )[0];
  phases["until all nodes online"] = await secondsAsync(() =>
    eventually("3 nodes online", 180_000, () =>
      onNode("node1", "crm_mon -1").stdout.includes(`Online: [ ${fqdns.join(" ")} ]`),
    ),
  );
  phases["total: nothing to 3 nodes online"] = Object.values(phases).reduce((a, b) => a + b, 0);
  return phases;
}

async function main(): Promise<void> {
  const rows: [string, string][] = [];
  if (!skipFirstBuild) {
    // A first build: an empty engine cache and an empty Go build cache. Go modules already in the
    // module cache are not downloaded again (on a new machine that adds the download time).
    const tmp = mkdtempSync(path.join(os.tmpdir(), "pcmk-bench-engine-"));
    try {
      const env = {
        ...process.env,
        PCMK_ENGINE_CACHE: path.join(tmp, "cache"),
        PCMK_ENGINE_IGNORE_PATH: "1",
        GOCACHE: path.join(tmp, "gocache"),
      };
      const [t] = seconds(() => ensureEngine(env));
      rows.push(["engine: first build (cold Go build cache)", `${t.toFixed(1)} s (n=1)`]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const cached = Array.from({ length: 5 }, () => seconds(() => ensureEngine())[0]);
  rows.push(["engine: cached (ensure-engine.sh)", summary(cached)]);

  const samples: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    for (const [phase, t] of Object.entries(await labToOnline())) (samples[phase] ??= []).push(t);
  }
  labCli("down");
  for (const [phase, ts] of Object.entries(samples)) rows.push([`lab: ${phase}`, summary(ts)]);

  const width = Math.max(...rows.map(([k]) => k.length));
  const table = ["| measure | median (min–max) |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n"));
  writeSection(
    "ground",
    [
      "## Ground: the engine build and the lab (`npm run bench:ground`)",
      "",
      ...machineLines(ensureEngine()),
      "",
      ...table,
    ].join("\n"),
  );
}

main().catch((err) => {
  console.error(err);
  labCli("down");
  process.exit(1);
});
