// B2–B4: many objects on one cluster. For N Dummy resources with one location constraint each:
// B2 `pulumi up` with this library vs the remote.Command baseline (bench/baseline: one new ssh
// connection per command, what @pulumi/command does) — wall time, ssh handshakes and remote
// commands counted by the node's sshd (LogLevel VERBOSE, /var/log/lab/sshd.log), pcs start-ups;
// B3 `pulumi preview --refresh` with no drift; B4 the provider process's peak memory (VmHWM).
// Usage: npm run bench:objects [-- --sizes 10,100,300] [-- --runs 3] [-- --modes library,baseline]
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";
import { clearObjects, ensureCluster, fqdn, NODES } from "../tests/support/cluster-harness";
import { onNodeOk } from "../tests/support/lab-harness";
import { configureRunOnNode1, TestStack, testStack } from "../tests/support/stack-harness";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) =>
  args.includes(name) ? args[args.indexOf(name) + 1] : fallback;
const sizes = option("--sizes", "10,100,300").split(",").map(Number);
const runs = Number(option("--runs", "3"));
const modes = option("--modes", "library,baseline").split(",") as Mode[];
type Mode = "library" | "baseline";

const statsFile = path.join(os.tmpdir(), `pcmk-bench-stats-${process.pid}`);

/** Handshakes and commands node1's sshd has logged so far. */
function sshdCounts(): { handshakes: number; commands: number } {
  const log = onNodeOk("node1", "cat /var/log/lab/sshd.log");
  return {
    // minus this very read: one handshake, one command
    handshakes: (log.match(/Accepted publickey/g) ?? []).length - 1,
    commands: (log.match(/Starting session: command/g) ?? []).length - 1,
  };
}

/** The highest VmHWM of the dynamic provider processes seen while `run` goes on, in MiB. */
async function peakProviderMemory<T>(run: () => Promise<T>): Promise<[T, number]> {
  let peak = 0;
  const sample = () => {
    for (const pid of readdirNumeric("/proc")) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("dynamic-provider")) continue;
        const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // the process ended between listing and reading
      }
    }
  };
  const timer = setInterval(sample, 200);
  try {
    return [await run(), peak];
  } finally {
    clearInterval(timer);
  }
}

const readdirNumeric = (dir: string): string[] => readdirSync(dir).filter((d) => /^\d+$/.test(d));

const pcsStartups = (mode: Mode, commands: number): number => {
  if (mode === "baseline") return commands; // each remote command is one `pcs …`
  try {
    return readFileSync(statsFile, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("batch")).length;
  } catch {
    return 0;
  }
};

interface Measure {
  seconds: number;
  handshakes: number;
  commands: number;
  pcs: number;
  peakMiB: number;
  ok: boolean;
}

async function measure(mode: Mode, stack: TestStack, pulumiArgs: string[]): Promise<Measure> {
  rmSync(statsFile, { force: true });
  const before = sshdCounts();
  const t0 = process.hrtime.bigint();
  const [r, peakMiB] = await peakProviderMemory(() => stack.pulumi(pulumiArgs));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = sshdCounts();
  if (r.status !== 0)
    console.error(`${mode} ${pulumiArgs.join(" ")} failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
  const commands = after.commands - before.commands;
  return {
    seconds,
    handshakes: after.handshakes - before.handshakes,
    commands,
    pcs: pcsStartups(mode, commands),
    peakMiB,
    ok: r.status === 0,
  };
}

async function oneRun(mode: Mode, n: number): Promise<{ up: Measure; refresh: Measure }> {
  clearObjects();
  const stack = await testStack(path.join(repoRoot, "bench", "fixtures", "objects"));
  try {
    await configureRunOnNode1(stack);
    await stack.pulumiOk(["config", "set", "n", String(n)]);
    await stack.pulumiOk(["config", "set", "mode", mode]);
    await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(NODES.map(fqdn))]);
    const up = await measure(mode, stack, ["up", "--yes", "--skip-preview"]);
    const refresh = await measure(mode, stack, ["preview", "--refresh", "--expect-no-changes"]);
    return { up, refresh };
  } finally {
    clearObjects();
    await stack.pulumi(["stack", "rm", "--force", "--yes"]);
    stack.dispose();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[], digits = 1) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main() {
  process.env.PCMK_LAB_STATS_FILE = statsFile;
  ensureCluster();
  const rows: string[] = [];
  const results: Record<string, { up: Measure[]; refresh: Measure[] }> = {};
  for (const n of sizes)
    for (const mode of modes) {
      const key = `${mode} N=${n}`;
      results[key] = { up: [], refresh: [] };
      for (let i = 0; i < runs; i++) {
        const r = await oneRun(mode, n);
        results[key].up.push(r.up);
        results[key].refresh.push(r.refresh);
        console.log(
          `${key} run ${i + 1}: up ${r.up.seconds.toFixed(1)} s, refresh ${r.refresh.seconds.toFixed(1)} s`,
        );
      }
      const up = results[key].up;
      const re = results[key].refresh;
      rows.push(
        `| ${mode} | ${n} | ${spread(up.map((m) => m.seconds))} | ${median(up.map((m) => m.handshakes))} | ` +
          `${median(up.map((m) => m.commands))} | ${median(up.map((m) => m.pcs))} | ${up.filter((m) => !m.ok).length} | ` +
          `${spread(re.map((m) => m.seconds))} | ${median(re.map((m) => m.commands))} | ` +
          `${spread(
            up.map((m) => m.peakMiB),
            0,
          )} |`,
      );
    }
  const table = [
    "| side | N | up: seconds, median (min–max) | ssh handshakes | remote commands | pcs start-ups | failed runs | preview --refresh: seconds | refresh: remote commands | provider peak MiB |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  console.log(`\n${table}\n`);
  const out = path.join(repoRoot, "bench", "results", "objects.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), runs, results, table }, null, 2));
  console.log(`raw results: ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
