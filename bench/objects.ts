// B2–B4: many objects on one cluster. For N Dummy resources with one location constraint each:
// B2 `pulumi up` with this library vs the remote.Command baseline (bench/baseline: one new ssh
// connection per command, what @pulumi/command does) — wall time, ssh handshakes and remote
// commands counted by the node's sshd (LogLevel VERBOSE, /var/log/lab/sshd.log), pcs start-ups;
// B3 `pulumi preview --refresh` with no drift; B4 the provider process's peak memory (VmHWM).
// "floor": the same resources with a provider that does nothing — the engine's own cost.
// "set": this library's inline form, the same resources and constraints as one ClusterObjects.
// Usage: npm run bench:objects [-- --sizes 10,100,300] [-- --runs 3] [-- --large-runs 1] [-- --modes library,set,baseline,floor]
//        npm run bench:objects -- --report-only --sizes … --runs … --large-runs …   (the section from the last results)
//        npm run bench:objects -- --merge --sizes 100 …   (these sizes measured again, the others kept with their dates)
//        npm run bench:objects -- --merge --sizes 100 --parallel 16 …   (rows of their own: `pulumi up --parallel 16`)
//        npm run bench:objects -- --merge --sizes 100 --keep-cluster-cost …   (the cluster's own cost not measured again)
//        LAB_RELEASE=trixie npm run bench:objects -- --merge …   (rows of their own: library@trixie, …)
//        PCMK_LAB_WRITER_PATH=plain npm run bench:objects -- --merge …   (rows of their own: library+plain, …)
//        npm run bench:objects -- --merge --settle 120,0 …   (rows of their own, in turns: library+settle120, library+settle0, …)
// With --merge (and --report-only), rows that docs/BENCHMARKS.md shows but the raw results do not
// have (bench/results is not kept in git) stay as the document shows them, with their date.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";
import { clearObjects, ensureCluster, fqdn, NODES } from "../tests/support/cluster-harness";
import { inNodeOk, lab, labStatus } from "../tests/support/lab-harness";
import { ensureEngine } from "../engine/pulumi-cli";
import { DEFAULT_RELEASE } from "../lab/config";
import { StackVersions } from "../lab/roots";
import { requestedPath } from "../providers/writer/pcs-path";
import { machineLines, median, REPORT, spread, writeSection } from "./report";
import { configureRunOnNode1, TestStack, testStack } from "../tests/support/stack-harness";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) =>
  args.includes(name) ? args[args.indexOf(name) + 1] : fallback;
const sizes = option("--sizes", "10,100,300").split(",").map(Number);
const runs = Number(option("--runs", "3"));
/** Runs at N ≥ 300 (each takes minutes); defaults to --runs. */
const largeRuns = Number(option("--large-runs", String(runs)));
const runsAt = (n: number): number => (n >= 300 ? largeRuns : runs);
const modes = option("--modes", "library,set,baseline,floor").split(",") as Mode[];
/** The engine's parallel steps for the ups (`pulumi up --parallel`); Pulumi's default when absent. */
const parallel = args.includes("--parallel") ? Number(option("--parallel", "")) : null;
/**
 * How long the library's ups wait for what they wrote to settle (`pcmk-lab:settleSeconds`), one
 * side each, taking turns with the others (`--settle 120,0`: with and without, in one run); the
 * library's default (120) when absent.
 */
const settleValues: (number | null)[] = args.includes("--settle")
  ? option("--settle", "").split(",").map(Number)
  : [null];
/** The lab generation of these runs: the running lab's, read in main after ensureCluster. */
let release: string = DEFAULT_RELEASE;
/** The writer's plain path forced (PCMK_LAB_WRITER_PATH=plain in pulumi's environment, so in ours). */
const plainForced = requestedPath() === "plain";
/**
 * A side's label in the results: its mode, then what differs from bookworm's default path and
 * Pulumi's default parallelism: `@trixie`, `+plain`, `+parallelK` (e.g. library@trixie+plain).
 */
const sideOf = (mode: Mode, settleSeconds: number | null = null): string =>
  mode +
  (release === DEFAULT_RELEASE ? "" : `@${release}`) +
  (plainForced ? "+plain" : "") +
  (parallel ? `+parallel${parallel}` : "") +
  (settleSeconds !== null ? `+settle${settleSeconds}` : "");
/** What a result key's side adds to its mode: "" (bookworm, default path), "@trixie", "+plain", … */
const variantOf = (key: string): string => key.split(" ")[0].replace(/^[a-z]+/, "");
const generationOf = (key: string): string => /@([a-z]+)/.exec(key)?.[1] ?? DEFAULT_RELEASE;
type Mode = "library" | "set" | "baseline" | "floor";
const MODES: readonly Mode[] = ["library", "set", "baseline", "floor"];

const resultsDir = path.join(repoRoot, "bench", "results");
const statsFile = path.join(os.tmpdir(), `pcmk-bench-stats-${process.pid}`);

/**
 * Handshakes and commands node1's sshd has logged so far. Read inside the node's namespaces, not
 * over ssh: a read over ssh would itself add a handshake between two counts (it did: the library's
 * "second handshake per up" of sessions 3 and 4 was the first count's own login).
 */
function sshdCounts(): { handshakes: number; commands: number } {
  // counted on the node: the log itself outgrew a read's buffer after a few hundred baseline runs
  const count = (what: string) =>
    Number(inNodeOk("node1", `grep -c '${what}' /var/log/lab/sshd.log || true`).trim());
  return { handshakes: count("Accepted publickey"), commands: count("Starting session: command") };
}

/** Who used the CPU during an operation: the processes sampled, by what they are. */
type CpuGroup = "cluster" | "engine" | "program" | "provider" | "pcs";

function groupOf(comm: string, cmdline: string): CpuGroup | null {
  if (comm === "corosync" || comm.startsWith("pacemaker")) return "cluster";
  if (cmdline.includes("dynamic-provider")) return "provider";
  if (cmdline.includes("cmd/run/index.js")) return "program";
  if (comm.startsWith("pulumi")) return "engine";
  if (cmdline.includes("/usr/sbin/pcs") || cmdline.includes("exec(compile(b.read")) return "pcs";
  return null;
}

/**
 * A process's CPU ticks from /proc/PID/stat's fields after the name: its own, and for the cluster
 * and pcs also those of its children once ended and reaped: the agents pacemaker runs, the CIB
 * writes it forks, the tools pcs starts, each too short for a sample of its own. (The engine's
 * children are its plugins, sampled as groups of their own.)
 */
function ticksOf(group: CpuGroup, fields: string[]): number {
  const own = Number(fields[11]) + Number(fields[12]);
  return group === "cluster" || group === "pcs" ? own + Number(fields[13]) + Number(fields[14]) : own;
}

/** USER_HZ: the unit of /proc/PID/stat's times on Linux. */
const USER_HZ = 100;

/** A process's group and its /proc/PID/stat fields after the name; null when in no group or gone. */
function readProcess(pid: string): { key: string; group: CpuGroup; fields: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    const group = groupOf(stat.slice(stat.indexOf("(") + 1, close), cmdline);
    const fields = stat.slice(close + 2).split(" ");
    return group && { key: `${pid}/${fields[19]}`, group, fields };
  } catch {
    return null; // the process ended between listing and reading
  }
}

/**
 * Runs `run` while sampling /proc every 200 ms: the highest VmHWM of the dynamic provider
 * processes (MiB), and the CPU seconds each group of processes used meanwhile (from a process's
 * first sample to its last, its ended children included where ticksOf counts them).
 */
async function watchProcesses<T>(
  run: () => Promise<T>,
): Promise<[T, number, Partial<Record<CpuGroup, number>>]> {
  let peak = 0;
  const seen = new Map<string, { group: CpuGroup; first: number; last: number }>();
  const sample = () => {
    for (const pid of readdirNumeric("/proc")) {
      const proc = readProcess(pid);
      if (!proc) continue;
      const ticks = ticksOf(proc.group, proc.fields);
      const entry = seen.get(proc.key) ?? { group: proc.group, first: ticks, last: ticks };
      seen.set(proc.key, { ...entry, last: ticks });
      if (proc.group !== "provider") continue;
      try {
        const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // the process ended between listing and reading
      }
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  try {
    const result = await run();
    sample();
    const cpu: Partial<Record<CpuGroup, number>> = {};
    for (const { group, first, last } of seen.values())
      cpu[group] = (cpu[group] ?? 0) + (last - first) / USER_HZ;
    return [result, peak, cpu];
  } finally {
    clearInterval(timer);
  }
}

/** The machine's CPU time so far, busy and total, in clock ticks (/proc/stat's first line). */
function cpuTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

const readdirNumeric = (dir: string): string[] => readdirSync(dir).filter((d) => /^\d+$/.test(d));

/** The library's stats lines: one "session" per pcs process, one "batch … commands=K …" per batch. */
const statsLines = (): string[] => {
  try {
    return readFileSync(statsFile, "utf8").split("\n");
  } catch {
    return [];
  }
};

/** The paths the writer's batch processes took ("fast", "plain"), from their hellos in the stats. */
const writerPaths = (): string[] => [
  ...new Set(
    statsLines()
      .filter((l) => l.startsWith("writer "))
      .map((l) => / path=(\w+)/.exec(l)?.[1] ?? "?"),
  ),
];

/**
 * pcs start-ups (processes that load pcs) and pcs commands run; each baseline command is one
 * `pcs …`, and so is each command on the writer's plain path (its batch process loads no pcs).
 */
const pcsCounts = (mode: Mode, commands: number): { pcs: number; pcsCommands: number } => {
  if (mode === "baseline" || mode === "floor") return { pcs: commands, pcsCommands: commands };
  const lines = statsLines();
  const pcsCommands = lines.reduce((sum, l) => sum + Number(/ commands=(\d+)/.exec(l)?.[1] ?? 0), 0);
  const plain = writerPaths().includes("plain");
  return { pcs: plain ? pcsCommands : lines.filter((l) => l === "session").length, pcsCommands };
};

/** The stats of the last operation, kept beside the results for a look at the batches. */
function keepStats(name: string): void {
  if (!existsSync(statsFile)) return;
  mkdirSync(resultsDir, { recursive: true });
  copyFileSync(statsFile, path.join(resultsDir, `stats-${name}.log`));
}

interface Measure {
  seconds: number;
  handshakes: number;
  commands: number;
  pcs: number;
  pcsCommands: number;
  peakMiB: number;
  /** Share of the machine's CPU time (all cores) busy during the operation, 0–1. */
  cpuBusy: number;
  /** CPU seconds used during the operation, by group of processes (cluster: the nodes' daemons). */
  cpuSeconds?: Partial<Record<CpuGroup, number>>;
  ok: boolean;
  /** Resources and constraints declared but not in the CIB after the run (lost or never made). */
  missing?: number;
  /** The library's live reads during the operation: round trip and parse, ms; text read, bytes. */
  liveReads?: { ms: number; parse: number; bytes: number }[];
  /** The paths the writer's batch processes took (fast, plain), as they said in their hellos. */
  writerPaths?: string[];
}

/** The benchmark's resources and their location constraints in the CIB (any constraint id). */
function objectsInCib(): number {
  const count = (scope: string, pattern: string) =>
    Number(inNodeOk("node1", `cibadmin --query --scope ${scope} | grep -c '${pattern}' || true`).trim());
  return count("resources", '<primitive id="bench_dummy') + count("constraints", 'rsc="bench_dummy');
}

async function measure(
  mode: Mode,
  n: number,
  stack: TestStack,
  pulumiArgs: string[],
  label = pulumiArgs[0],
): Promise<Measure> {
  rmSync(statsFile, { force: true });
  const before = sshdCounts();
  const cpu0 = cpuTicks();
  const t0 = process.hrtime.bigint();
  const [r, peakMiB, cpuSeconds] = await watchProcesses(() => stack.pulumi(pulumiArgs));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = cpuTicks();
  const after = sshdCounts();
  if (r.status !== 0)
    console.error(`${mode} ${pulumiArgs.join(" ")} failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
  const commands = after.commands - before.commands;
  keepStats(`${sideOf(mode)}-N${n}-${label}`);
  const liveReads = statsLines()
    .map((l) => /^read ms=(\d+) parse=(\d+) bytes=(\d+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ms: Number(m[1]), parse: Number(m[2]), bytes: Number(m[3]) }));
  return {
    liveReads,
    ...(mode === "library" || mode === "set" ? { writerPaths: writerPaths() } : {}),
    seconds,
    handshakes: after.handshakes - before.handshakes,
    commands,
    ...pcsCounts(mode, commands),
    peakMiB,
    cpuBusy: (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total),
    cpuSeconds,
    ok: r.status === 0,
  };
}

/** inNodeOk with a time limit of 15 minutes instead of 2. */
function inNodeLong(name: string, command: string): string {
  const [cmd, ...argv] = lab.execArgv(name, ["sh", "-c", command]);
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: 900_000 });
  if (r.status !== 0)
    throw new Error(`${name}: '${command}' exited ${r.status ?? r.signal}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * The cluster as every run starts from: no objects, and no history of the last run's. Deleted
 * resources leave their operation history in the CIB's status (orphans: the CIB was 236 KB after
 * a few runs, 2 KB without them), and every node's CIB manager handles the whole CIB on each
 * update: without this, each run was slower than the one before.
 */
function resetCluster(): void {
  clearObjects();
  // The deleted resources are stopped first (orphans) and only then forgotten: a history cleared
  // while they still run leaves their agents' state behind (a Dummy's file), and the next run's
  // resources of the same names are found running by their probes, then stopped, one by one.
  // A refresh waits for every node's controller to answer; once, one never did: a second try.
  // 300 s each, in one node command of up to 15 min: after N=300 on trixie, the machine shared
  // with another job, the reset took more than inNodeOk's 2 min (twice).
  const reset =
    "crm_resource --wait --timeout=300s && timeout 300 crm_resource --refresh >/dev/null && crm_resource --wait --timeout=300s";
  try {
    inNodeLong("node1", reset);
  } catch (e) {
    console.error(`the cluster's reset failed, once more: ${(e as Error).message}`);
    inNodeLong("node1", reset);
  }
  const left = NODES.filter((node) =>
    inNodeOk(node, "ls /run/resource-agents 2>/dev/null; true").includes("Dummy-bench_"),
  );
  if (left.length) throw new Error(`bench resources still running after the reset, on ${left.join(", ")}`);
}

/** The cluster's cost of N new resources, made without the engine or pcs (clusterCost). */
interface ClusterCost {
  perPush: number;
  seconds: number;
  /** CPU seconds of the three nodes' corosync and pacemaker daemons, their agents included. */
  cpu: number;
}

/** CPU seconds used so far by the processes of a group (those running now). */
function groupCpuSeconds(group: CpuGroup): number {
  let ticks = 0;
  for (const pid of readdirNumeric("/proc")) {
    const proc = readProcess(pid);
    if (proc?.group === group) ticks += ticksOf(group, proc.fields);
  }
  return ticks / USER_HZ;
}

/**
 * What the cluster itself spends on N new resources: N held Dummies (as the library makes them:
 * target-role=Stopped) added with cibadmin, `perPush` at a time, then the cluster left to settle.
 * Each new resource is probed on every node and its result written to every node's CIB; set
 * beside the library's up, this shows how much of the up's CPU no batching can save.
 */
function clusterCost(n: number, perPush: number): ClusterCost {
  resetCluster();
  const primitive = (id: string) =>
    `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">` +
    `<meta_attributes id="${id}-meta_attributes"><nvpair id="${id}-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes>` +
    `<operations><op id="${id}-monitor-interval-10s" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;
  const cpu0 = groupCpuSeconds("cluster");
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += perPush) {
    const ids = Array.from({ length: Math.min(perPush, n - i) }, (_, k) => `bench_dummy${i + k}`);
    inNodeOk(
      "node1",
      `cibadmin --modify --scope resources --xml-text '<resources>${ids.map(primitive).join("")}</resources>'`,
    );
  }
  inNodeOk("node1", "crm_resource --wait --timeout=600s");
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = groupCpuSeconds("cluster") - cpu0;
  return { perPush, seconds, cpu };
}

async function oneRun(
  mode: Mode,
  n: number,
  settleSeconds: number | null,
): Promise<{ up: Measure; refresh: Measure; remove: Measure }> {
  resetCluster();
  const stack = await testStack(path.join(repoRoot, "bench", "fixtures", "objects"));
  try {
    await configureRunOnNode1(stack, { keyFile: mode !== "baseline" });
    await stack.pulumiOk(["config", "set", "n", String(n)]);
    await stack.pulumiOk(["config", "set", "mode", mode]);
    await stack.pulumiOk(["config", "set", "nodes", JSON.stringify(NODES.map(fqdn))]);
    if (settleSeconds !== null)
      await stack.pulumiOk(["config", "set", "pcmk-lab:settleSeconds", String(settleSeconds)]);
    const up = await measure(mode, n, stack, [
      "up",
      "--yes",
      "--skip-preview",
      ...(parallel ? ["--parallel", String(parallel)] : []),
    ]);
    if (mode !== "floor") up.missing = n * 2 - objectsInCib();
    // Every side's refresh is measured on a settled cluster: right after an up, pacemaker is still
    // starting what was made (the library releases its resources last), and a read waits for it.
    inNodeOk("node1", "crm_resource --wait --timeout=600s");
    const refresh = await measure(mode, n, stack, ["preview", "--refresh", "--expect-no-changes"]);
    // B5: the same objects deleted, on the cluster as the up left it (settled, as for the refresh):
    // per object by `pulumi destroy`, as set items by an update that removes them all
    const remove = await measure(
      mode,
      n,
      stack,
      mode === "set"
        ? ["up", "--yes", "--skip-preview", "--config", "n=0"]
        : ["destroy", "--yes", "--skip-preview", ...(parallel ? ["--parallel", String(parallel)] : [])],
      "delete",
    );
    if (mode !== "floor") remove.missing = objectsInCib(); // here: objects left behind
    return { up, refresh, remove };
  } finally {
    // the objects stay until the next run's reset (or the bench's last, in main)
    await stack.pulumi(["stack", "rm", "--force", "--yes"]);
    stack.dispose();
  }
}

/** The refresh's live read (one ssh command: corosync.conf, cibadmin, crm_mon), as measured. */
function liveReadNote(refreshes: Measure[], n: number): string {
  const reads = refreshes.flatMap((m) => m.liveReads ?? []);
  if (!reads.length) return "";
  return (
    `; its one live read at N=${n} took a median ${median(reads.map((r) => r.ms))} ms on node1 and ` +
    `${median(reads.map((r) => r.parse))} ms to parse (${(median(reads.map((r) => r.bytes)) / 1e6).toFixed(1)} MB)`
  );
}

/**
 * A side at a size: its runs' measures, or, for a row kept from docs/BENCHMARKS.md (`row`, shown
 * as it is), one measure of the row's medians.
 */
type Results = Record<
  string,
  { up: Measure[]; refresh: Measure[]; remove?: Measure[]; measuredAt?: string; row?: string }
>;

/** Where a variant's rows go: bookworm's default path first, then other generations, then the plain path. */
const variantRank = (key: string): string => {
  const v = variantOf(key);
  const g = generationOf(key);
  return `${v === "" ? 0 : 1}${v.includes("+plain") ? 1 : 0}${g === DEFAULT_RELEASE ? 0 : 1}${g}${v}`;
};

/** One row per side and size, by variant, size and mode, each with the day it was measured. */
function tableOf(results: Results): string {
  const keys = Object.keys(results).sort(
    (a, b) =>
      variantRank(a).localeCompare(variantRank(b)) ||
      sizeOf(a) - sizeOf(b) ||
      MODES.indexOf(modeOf(a)) - MODES.indexOf(modeOf(b)),
  );
  const rows = keys.map((key) => {
    const [mode] = key.split(" ");
    const { up, refresh: re, measuredAt, row } = results[key];
    if (row) return row;
    return (
      `| ${mode} | ${sizeOf(key)} | ${spread(up.map((m) => m.seconds))} | ${median(up.map((m) => m.handshakes))} | ` +
      `${median(up.map((m) => m.commands))} | ${median(up.map((m) => m.pcs))} | ${median(up.map((m) => m.pcsCommands))} | ${up.filter((m) => !m.ok).length} | ` +
      `${re.filter((m) => !m.ok).length} | ${Math.max(...up.map((m) => m.missing ?? 0))} | ` +
      `${spread(re.map((m) => m.seconds))} | ${median(re.map((m) => m.commands))} | ` +
      `${spread(
        up.map((m) => m.peakMiB),
        0,
      )} | ${median(up.map((m) => Math.round(m.cpuBusy * 100)))}% | ${up.length} | ${measuredAt?.slice(0, 16) ?? "–"} |`
    );
  });
  return [
    "| side | N | up: seconds, median (min–max) | ssh handshakes | remote commands | pcs start-ups | pcs commands | failed ups | previews with changes after up | most objects missing after up | preview --refresh: seconds | refresh: remote commands | provider peak MiB | CPU busy during up | runs | measured (UTC) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

const sizeOf = (key: string): number => Number(/N=(\d+)/.exec(key)?.[1]);
const modeOf = (key: string): Mode => MODES.find((m) => key.startsWith(m)) ?? "library";

/** What docs/BENCHMARKS.md's objects section shows now: its rows, its lines of bookworm's default path, its generations. */
interface Documented {
  rows: Results;
  /** The verdict lines for bookworm's default path (those before the section's "###" part). */
  lines: string[];
  /** "- lab generation G: …" lines, by G. */
  generations: Record<string, string>;
}

const noDocument: Documented = { rows: {}, lines: [], generations: {} };

/** The objects section of docs/BENCHMARKS.md as last written (for --merge and --report-only). */
function documented(): Documented {
  const text = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : "";
  const begin = text.indexOf("<!-- section:objects -->");
  const end = text.indexOf("<!-- /section:objects -->");
  if (begin < 0 || end < begin) return noDocument;
  const lines = text.slice(begin, end).split("\n");
  const rows: Results = {};
  for (const line of lines.filter((l) => /^\| [a-z]/.test(l) && !l.startsWith("| side |"))) {
    const cells = line
      .split("|")
      .map((c) => c.trim())
      .slice(1, -1);
    // a median is the first number of its cell ("23.9 (23.3–24.5)", "85%")
    const at = (i: number) => Number(cells[i].split(" ")[0].replace("%", ""));
    const of = (seconds: number, commands: number): Measure => ({
      seconds,
      handshakes: at(3),
      commands,
      pcs: at(5),
      pcsCommands: at(6),
      peakMiB: at(12),
      cpuBusy: at(13) / 100,
      ok: true,
    });
    rows[`${cells[0]} N=${cells[1]}`] = {
      up: [of(at(2), at(4))],
      refresh: [of(at(10), at(11))],
      measuredAt: cells[15],
      row: line,
    };
  }
  const lastRow = lines.map((l) => l.startsWith("|")).lastIndexOf(true);
  const part = lines.findIndex((l) => l.startsWith("### "));
  const generations = Object.fromEntries(
    lines.flatMap((l) => {
      const g = /^- lab generation ([a-z]+):/.exec(l)?.[1];
      return g ? [[g, l]] : [];
    }),
  );
  return {
    rows,
    lines: lines.slice(lastRow + 1, part < 0 ? undefined : part).filter((l) => l.startsWith("- ")),
    generations,
  };
}

async function main() {
  if (process.argv.includes("--report-only")) {
    // the section again from the last raw results (after a change to the report itself)
    const file = path.join(resultsDir, "objects.json");
    const last = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    writeSection(
      "objects",
      report(last.results ?? {}, last.clusterCosts ?? [], last.versions ?? {}, documented()),
    );
    return;
  }
  process.env.PCMK_LAB_STATS_FILE = statsFile;
  ensureCluster();
  const running = labStatus();
  release = running.release;
  console.log(
    `lab generation ${release} (pcs ${running.versions.pcs}), writer path ${plainForced ? "plain (forced)" : "default"}: ` +
      `sides ${settleValues.flatMap((s) => modes.map((m) => sideOf(m, s))).join(", ")}`,
  );
  const out = path.join(resultsDir, "objects.json");
  // --merge: the sizes run now replace theirs in the last results; the others stay, with their date
  const merge = args.includes("--merge");
  const last = merge && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};
  const kept = merge ? documented() : noDocument;
  const results: Results = last.results ?? {};
  let clusterCosts: ClusterCost[] = last.clusterCosts ?? [];
  const versions: Record<string, StackVersions> = { ...(last.versions ?? {}), [release]: running.versions };
  const save = () => {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        { at: new Date().toISOString(), runs, results, clusterCosts, versions, table: tableOf(results) },
        null,
        2,
      ),
    );
  };
  try {
    const defaultSide = release === DEFAULT_RELEASE && !plainForced && !parallel;
    if (sizes.includes(100) && defaultSide && !args.includes("--keep-cluster-cost")) {
      // the cluster's own share at N=100: all at once, and in pushes of the engine's 8 parallel steps
      clusterCosts = [];
      for (let i = 0; i < runs; i++)
        for (const perPush of [100, 8]) {
          const c = clusterCost(100, perPush);
          clusterCosts.push(c);
          console.log(
            `cluster cost N=100 in pushes of ${perPush}: ${c.cpu.toFixed(1)} CPU s, ${c.seconds.toFixed(1)} s`,
          );
        }
      save();
    }
    const sides = settleValues.flatMap((settle) => modes.map((mode) => ({ mode, settle })));
    for (const n of sizes) {
      for (const { mode, settle } of sides)
        results[`${sideOf(mode, settle)} N=${n}`] = {
          up: [],
          refresh: [],
          remove: [],
          measuredAt: new Date().toISOString(),
        };
      // the sides take turns, run by run: a slower spell of this shared machine falls on all of them
      for (let i = 0; i < runsAt(n); i++)
        for (const { mode, settle } of sides) {
          const key = `${sideOf(mode, settle)} N=${n}`;
          const r = await oneRun(mode, n, settle);
          results[key].up.push(r.up);
          results[key].refresh.push(r.refresh);
          results[key].remove?.push(r.remove);
          console.log(
            `${key} run ${i + 1}: up ${r.up.seconds.toFixed(1)} s (CPU ${(r.up.cpuBusy * 100).toFixed(0)}% busy), ` +
              `refresh ${r.refresh.seconds.toFixed(1)} s, delete ${r.remove.seconds.toFixed(1)} s`,
          );
          save(); // each run as it is done: a crash later loses only what was running
        }
    }
  } finally {
    resetCluster(); // the last run's objects go: the cluster as the bench found it
  }
  console.log(`\n${tableOf(results)}\n`);
  save();
  console.log(`raw results: ${out}`);
  const section = report(results, clusterCosts, versions, kept);
  writeSection("objects", section);
  console.log(`\n${section}`);
  const deletes = deletesSection(results);
  writeSection("deletes", deletes);
  console.log(`\n${deletes}`);
}

/**
 * B5: each side's deletes beside its creates of the same objects, in the same runs (the create is
 * the up of B2; the delete, right after it, `pulumi destroy` or, for the set, an update removing
 * every item). Target: delete ≤ 1.0 × create at each N, one ssh handshake per host.
 */
function deletesSection(results: Results): string {
  const keys = Object.keys(results)
    .filter((k) => results[k].remove?.length)
    .sort(
      (a, b) =>
        variantRank(a).localeCompare(variantRank(b)) ||
        sizeOf(a) - sizeOf(b) ||
        MODES.indexOf(modeOf(a)) - MODES.indexOf(modeOf(b)),
    );
  const rows = keys.map((key) => {
    const { up, remove = [], measuredAt } = results[key];
    const ratios = remove.map((d, i) => d.seconds / up[i].seconds);
    const target = modeOf(key) === "library" || modeOf(key) === "set";
    const met = target ? (median(ratios) <= 1 ? "met" : "**missed**") : "–";
    return (
      `| ${key.split(" ")[0]} | ${sizeOf(key)} | ${spread(up.map((m) => m.seconds))} | ${spread(remove.map((m) => m.seconds))} | ` +
      `${spread(ratios, 2)} | ${met} | ${median(remove.map((m) => m.handshakes))} | ${median(remove.map((m) => m.commands))} | ` +
      `${remove.filter((m) => !m.ok).length} | ${Math.max(...remove.map((m) => m.missing ?? 0))} | ${remove.length} | ` +
      `${measuredAt?.slice(0, 16) ?? "–"} |`
    );
  });
  return [
    "## B5 — deletes beside creates (`npm run bench:objects`)",
    "",
    "- each run creates N Dummies with a location constraint each (B2's up), then deletes them: per object with " +
      "`pulumi destroy`, as set items (`set`) with an update that removes every item; the ratio is each run's delete " +
      "over its own create (median, min–max); target for this library's sides: at most 1.0 at each N, with one ssh " +
      "handshake per host",
    "",
    "| side | N | create: seconds | delete: seconds | delete / create | target | delete: ssh handshakes | delete: remote commands | failed deletes | most objects left | runs | measured (UTC) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** What bounds the library's up at N=100 (where B2 is judged): its batches in the last such up. */
function batchLines(upSeconds: number, baselineSeconds: number, cpuBusy: number): string[] {
  const file = path.join(resultsDir, "stats-library-N100-up.log");
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const batches = lines
    .filter((l) => l.startsWith("batch "))
    .map((l) => {
      // "batch steps=N commands=N started=T ms=M staged=K" then the node's phases: query=… steps=… push=…
      const [, head = "", phases = ""] = /^(.* ms=\d+)(.*)$/.exec(l) ?? [];
      const field = (text: string, name: string) =>
        Number(new RegExp(` ${name}=(\\d+)`).exec(text)?.[1] ?? NaN);
      return {
        steps: field(head, "steps"),
        ms: field(head, "ms"),
        staged: field(phases, "staged"),
        query: field(phases, "query"),
        known: field(phases, "known"),
        work: field(phases, "steps"),
        push: field(phases, "push"),
        reread: field(phases, "reread"),
        started: field(head, "started"),
      };
    });
  if (!batches.length) return [];
  const steps = batches.reduce((a, b) => a + b.steps, 0);
  const staged = batches.reduce((a, b) => a + (b.staged || 0), 0);
  const fromKnown = batches.filter((b) => b.known === 1).length;
  const gaps = batches.slice(1).map((b, i) => b.started - (batches[i].started + batches[i].ms));
  const busy = batches.reduce((a, b) => a + b.ms, 0) / 1000;
  const phase = (pick: (b: (typeof batches)[number]) => number) =>
    median(batches.map(pick).filter((x) => !Number.isNaN(x)));
  const ratio = upSeconds / baselineSeconds;
  return [
    `- library batches in the last up at N=100: ${batches.length} batches for ${steps} steps ` +
      `(${(steps / batches.length).toFixed(1)} per batch, releases included; the engine's parallel slots are 8 here); ` +
      `${staged} of the ${steps} steps were applied to their batch's copy as they came (staged), ` +
      `${phase((b) => b.work)} ms of pcs work per batch (median) done while the batch waited for the engine's other steps; ` +
      `a batch's own round trip, median ${phase((b) => b.ms)} ms: on node1 ${phase((b) => b.push)} ms to push, ` +
      `${phase((b) => b.reread)} ms to make the reply after it (the copy pushed, at the version it made: not read back), ` +
      `${phase((b) => b.query)} ms to check the version before it ` +
      `(${fromKnown} of ${batches.length} batches started from the configuration they pushed last); ` +
      `${busy.toFixed(1)} s of the ${upSeconds.toFixed(1)} s up in batches; from a batch's return to the next's start, ` +
      `median ${median(gaps)} ms: the engine turning replies into its next steps (it writes the whole state twice per step, one write at a time)`,
    `- what bounds B2, as measured: the up is a chain of ${batches.length} cycles, a batch (median ${phase((b) => b.ms)} ms) then ` +
      `the engine's refill (median ${median(gaps)} ms); ${ratio <= 0.2 ? "met" : "**missed**"} at ` +
      `${ratio.toFixed(3)} × the baseline. Design changes made for it, each measured on the lab: steps staged as they come; ` +
      `a batch starting from the configuration it pushed last while the CIB's version shows no other change; the state's ` +
      `provider as one line naming the kind instead of a serialised closure (half the state the engine rewrites per step); one ` +
      `provider per kind in the program; the last step of a batch no longer keeps its engine slot for the second it waits ` +
      `for quiet (a new step ends the wait: batches went from 7 steps to 8); the ssh key named by its file instead of ` +
      `held in every resource's inputs and outputs (a third of each resource's state, which the engine rewrites twice ` +
      `per step); the reply to a batch made from the copy it pushed, without reading the CIB's ` +
      `version back (the next batch's check finds any other change). Tried and measured no faster: two batches at ` +
      `once (again on a clean cluster), a shorter and a longer refill wait. ` +
      (ratio <= 0.2
        ? `The margin is small: the cores were ${(cpuBusy * 100).toFixed(0)}% busy during the up, shared by the engine, ` +
          `the program, pcs and three nodes' pacemaker, whose work for the new resources comes whatever the batching (the ` +
          `two lines above)`
        : `What is left is the machine: its 2 cores were ${(cpuBusy * 100).toFixed(0)}% busy during the up, shared by the ` +
          `engine, the program, pcs and three nodes' pacemaker, whose work for the new resources comes whatever the batching ` +
          `(the two lines above); a faster batch only moves that work, it does not remove it. On a cluster of machines of ` +
          `its own, the nodes' share would not compete with the engine. The design change that takes the engine's cycles ` +
          `out is ClusterObjects: the same objects as one engine resource, one batch (its B2 line above)`),
  ];
}

/** A group's CPU seconds during these operations, median. */
const medianCpu = (ups: Measure[], g: CpuGroup): number => median(ups.map((u) => u.cpuSeconds?.[g] ?? 0));

/** Who used the CPU during the library's ups at N=100, CPU seconds (median of the runs). */
function cpuShares(ups: Measure[]): string {
  const measured = ups.filter((u) => u.cpuSeconds);
  if (!measured.length) return "";
  const of = (g: CpuGroup) => medianCpu(measured, g).toFixed(1);
  return (
    `; CPU seconds used during that up (median): the three nodes' corosync and pacemaker daemons ${of("cluster")}, ` +
    `the engine ${of("engine")}, the program ${of("program")}, the provider ${of("provider")}, pcs ${of("pcs")}`
  );
}

/**
 * What the machine allows at N=100: the CPU seconds the library's up used (its busy share of all
 * cores), the shortest up they allow on these cores, and what the target allows; and of those CPU
 * seconds, what the cluster spends on the new resources whatever the batching (clusterCost).
 */
function cpuBoundLines(results: Results, clusterCosts: ClusterCost[]): string[] {
  const ups = results["library N=100"]?.up ?? [];
  const baseline = results["baseline N=100"]?.up ?? [];
  if (!ups.length || !baseline.length) return [];
  const cores = os.cpus().length;
  const used = median(ups.map((u) => u.cpuBusy * u.seconds * cores));
  const target = 0.2 * median(baseline.map((u) => u.seconds));
  const own = medianCpu(ups, "provider") + medianCpu(ups, "pcs");
  const needed = (100 * used) / (target * cores);
  const busy = median(ups.map((u) => u.cpuBusy)) * 100;
  const lines = [
    `- B2, the CPU it takes: the library's up at N=100 used ${used.toFixed(1)} CPU seconds of the machine's ${cores} cores ` +
      `(all processes), so even with every core busy throughout it could not take less than ${(used / cores).toFixed(1)} s; ` +
      `the target (0.2 × the baseline) is ${target.toFixed(1)} s, that is at most ${(target * cores).toFixed(1)} CPU seconds. ` +
      `Of them the library's own processes (the provider and pcs on node1) used ${own.toFixed(1)}: ` +
      (used - own > target * cores
        ? `the rest alone is more than the target allows, so no provider meets it on this machine`
        : used > target * cores
          ? `the target asks ${(used - target * cores).toFixed(1)} CPU s less, ` +
            `that is ${((100 * (used - target * cores)) / own).toFixed(0)}% of the library's own CPU gone and every core busy throughout`
          : `the work fits in the target's time with the cores at least ${needed.toFixed(0)}% busy throughout; ` +
            `they were ${busy.toFixed(0)}%` +
            (busy < needed
              ? `: the cores idle while the steps wait on each other (a batch, then the engine's refill), and the work ` +
                `is mostly not the library's (the lines below)`
              : ``)),
  ];
  const cpuOf = (perPush: number) =>
    median(clusterCosts.filter((c) => c.perPush === perPush).map((c) => c.cpu));
  const [onePush, pushesOf8] = [cpuOf(100), cpuOf(8)];
  if (!Number.isNaN(onePush) && !Number.isNaN(pushesOf8))
    lines.push(
      `- B2, the cluster's own share: 100 held Dummies added without the engine or pcs (cibadmin), the cluster then left to settle, ` +
        `cost the three nodes' daemons ${onePush.toFixed(1)} CPU s in one push and ${pushesOf8.toFixed(1)} in 13 pushes of 8 ` +
        `(medians of ${clusterCosts.length / 2} each): the 12 pushes more cost ${(pushesOf8 - onePush).toFixed(1)}, the rest comes ` +
        `with the resources themselves (each is probed on every node, each result written to every node's CIB) and no batching lowers it`,
    );
  return lines;
}

type Median = (key: string, pick: (x: Measure) => number, op?: "up" | "refresh") => number;

/**
 * B3's verdict: on the set (one ClusterObjects: the design change made for it) and on one
 * PcsResource and one Constraint per object, bounded by what the engine costs per resource.
 */
function b3Lines(
  results: Results,
  lo: number,
  hi: number,
  m: Median,
  secs: (side: string, n: number, op?: "up" | "refresh") => number,
  growth: (side: string) => number,
): string[] {
  const perResource =
    (1000 * (secs("floor", hi, "refresh") - secs("floor", lo, "refresh"))) / (2 * (hi - lo));
  const set = growth("set");
  const lines = [
    `- B3 target (N=${hi} at most 1.5 × N=${lo}, at most 3 remote commands per cluster per refresh): ` +
      (Number.isNaN(set)
        ? `not measured with ClusterObjects`
        : `with the objects as one ClusterObjects, ${set.toFixed(2)}× (${secs("set", lo, "refresh").toFixed(1)} → ` +
          `${secs("set", hi, "refresh").toFixed(1)} s) with ${m(`set N=${hi}`, (x) => x.commands, "refresh")} remote ` +
          `command(s): ${set <= 1.5 ? "met" : "time **missed**"}` +
          liveReadNote(results[`set N=${hi}`]?.refresh ?? [], hi)),
    `- B3 with one PcsResource and one Constraint per object: ${growth("library").toFixed(2)}× with ` +
      `${m(`library N=${hi}`, (x) => x.commands, "refresh")} remote command(s); the engine by itself grows ` +
      `${growth("floor").toFixed(2)}× (floor: ${secs("floor", lo, "refresh").toFixed(1)} → ` +
      `${secs("floor", hi, "refresh").toFixed(1)} s), about ${perResource.toFixed(1)} ms per engine resource (most of it in ` +
      `the program: Pulumi's Node SDK records a stack trace for each of a resource's promises, a dozen or so, and maps ` +
      `each through source maps), so no provider of one engine resource per object meets 1.5× on this machine; above ` +
      `the floor the library adds ${(secs("library", lo, "refresh") - secs("floor", lo, "refresh")).toFixed(1)} s at ` +
      `N=${lo} and ${(secs("library", hi, "refresh") - secs("floor", hi, "refresh")).toFixed(1)} s at N=${hi}` +
      liveReadNote(results[`library N=${hi}`]?.refresh ?? [], hi),
    `- what meets B3, as changed in the code: ClusterObjects declares many resources and constraints as one engine ` +
      `resource (each item checked, made, read and diffed by its kind's own code), so a refresh is one resource, one ` +
      `read, one check and one diff of a list; its state keeps inputs as given and outputs without the fields at ` +
      `their defaults (a third smaller: the engine passes the whole state in every call); its refresh reads the ` +
      `configuration only (a set records no placement: no crm_mon, whose scheduler run is most of a read at N=300); ` +
      `and every live read leaves out what it does not use: the CIB's status section (each operation's history on ` +
      `each node, three quarters of a full query at N=300) and crm_mon's history sections, with crm_mon running ` +
      `beside the CIB's queries`,
  ];
  return lines;
}

/** The verdicts against the issue's targets for bookworm's default path, from the medians. */
function defaultLines(results: Results, clusterCosts: ClusterCost[]): string[] {
  const m = (key: string, pick: (x: Measure) => number, op: "up" | "refresh" = "up") =>
    results[key] ? median(results[key][op].map(pick)) : NaN;
  const lines: string[] = [];
  const measured = [
    ...new Set(
      Object.keys(results)
        .filter((k) => variantOf(k) === "")
        .map(sizeOf),
    ),
  ].sort((a, b) => a - b);
  for (const n of measured) {
    const ratio = m(`library N=${n}`, (x) => x.seconds) / m(`baseline N=${n}`, (x) => x.seconds);
    if (!Number.isNaN(ratio))
      lines.push(`- B2 N=${n}: library / remote.Command-style baseline = **${ratio.toFixed(2)}**`);
    const setRatio = m(`set N=${n}`, (x) => x.seconds) / m(`baseline N=${n}`, (x) => x.seconds);
    if (!Number.isNaN(setRatio))
      lines.push(
        `- B2 N=${n}, the same objects as one ClusterObjects: set / baseline = ${setRatio.toFixed(2)}`,
      );
  }
  const lo = Math.min(...measured);
  const hi = Math.max(...measured);
  const secs = (side: string, n: number, op: "up" | "refresh" = "up") =>
    m(`${side} N=${n}`, (x) => x.seconds, op);
  const growth = (side: string) => secs(side, hi, "refresh") / secs(side, lo, "refresh");
  const b2 = secs("library", 100) / secs("baseline", 100);
  const b2set = secs("set", 100) / secs("baseline", 100);
  const verdict = (r: number) => (r <= 0.2 ? "met" : "**missed**");
  lines.push(
    `- B2 target (N=100 at most 0.2 × the baseline, 1 handshake per host per operation): ` +
      (Number.isNaN(b2set)
        ? ""
        : `with the objects as one ClusterObjects ${verdict(b2set)} (${b2set.toFixed(3)}, ` +
          `${m("set N=100", (x) => x.handshakes)} handshake); `) +
      `with one PcsResource and one Constraint per object ${verdict(b2)} (${b2.toFixed(3)}); library handshakes per up = ` +
      `${m("library N=100", (x) => x.handshakes)} (node1 only: pcs runs there; the Node-less fixture reads no other host)`,
    `- the sides' inputs: the library's resources (and the floor's, of the same shape) name the ssh key by its file ` +
      `(runOn.privateKeyPath), as the lab stack does, so the state holds no key; remote.Command takes only the key itself, ` +
      `kept secret in the state`,
    `- B2 bound: the engine by itself (the floor row: the same resources, provider doing nothing) takes ` +
      `${secs("floor", 100).toFixed(1)} s at N=100, that is ${(secs("floor", 100) / secs("baseline", 100)).toFixed(2)} × the baseline; ` +
      `the library's own share is ${(secs("library", 100) - secs("floor", 100)).toFixed(1)} s (its batches below)`,
    ...b3Lines(results, lo, hi, m, secs, growth),
    `- CPU: during the library's up at N=100 the machine's cores were ${(m("library N=100", (x) => x.cpuBusy) * 100).toFixed(0)}% busy ` +
      `(the baseline's: ${(m("baseline N=100", (x) => x.cpuBusy) * 100).toFixed(0)}%, the floor's: ${(m("floor N=100", (x) => x.cpuBusy) * 100).toFixed(0)}%): ` +
      `the engine, the program, the provider, pcs and three nodes' pacemaker share them` +
      cpuShares(results["library N=100"]?.up ?? []),
    `- B4: provider peak memory at N=${hi}: ${m(`library N=${hi}`, (x) => x.peakMiB).toFixed(0)} MiB (library), ` +
      `${m(`set N=${hi}`, (x) => x.peakMiB).toFixed(0)} MiB (set), ` +
      `${m(`baseline N=${hi}`, (x) => x.peakMiB).toFixed(0)} MiB (baseline), ${m(`floor N=${hi}`, (x) => x.peakMiB).toFixed(0)} MiB (floor)`,
  );
  for (const key of Object.keys(results).filter((k) => k.startsWith("library+parallel"))) {
    const [side, size] = key.split(" ");
    const k = side.slice("library+parallel".length);
    const base = `baseline+parallel${k} ${size}`;
    if (!results[base]) continue;
    const lib = m(key, (x) => x.seconds);
    const bl = m(base, (x) => x.seconds);
    const failed = results[base].up.filter((x) => !x.ok).length;
    const runs = results[base].up.length;
    lines.push(
      `- with the engine's parallel steps raised to ${k} on both sides (\`pulumi up --parallel ${k}\`), ${size}: ` +
        `library ${lib.toFixed(1)} s (${m(`library ${size}`, (x) => x.seconds).toFixed(1)} s at the default 8); ` +
        (failed === runs
          ? `the baseline failed all ${runs} of its ups (in ${bl.toFixed(1)} s), so there is no ratio`
          : `baseline ${bl.toFixed(1)} s (${failed} of ${runs} ups failed): **${(lib / bl).toFixed(2)}**`),
    );
  }
  lines.push(
    ...cpuBoundLines(results, clusterCosts),
    ...batchLines(
      m("library N=100", (x) => x.seconds),
      m("baseline N=100", (x) => x.seconds),
      m("library N=100", (x) => x.cpuBusy),
    ),
  );
  return lines;
}

/**
 * B2 and B3 for the rows of another generation (library@trixie, …) or of the writer's plain path
 * forced (library+plain, …): each against its own generation's baseline, the plain path's also
 * against the default path's rows of the same generation and size.
 */
function variantLines(results: Results): string[] {
  // an up stopped at the 10 minutes engine/pulumi-cli.ts gives a pulumi command: no time, its refresh not of N
  const cut = (key: string) =>
    (results[key]?.up ?? []).some((x) => !x.ok && x.seconds >= 600) &&
    results[key].up.every((x) => !x.ok && x.seconds >= 600);
  const secs = (key: string, op: "up" | "refresh" = "up") =>
    results[key] && !cut(key) ? median(results[key][op].map((x) => x.seconds)) : NaN;
  const day = (key: string) => results[key]?.measuredAt?.slice(0, 10) ?? "";
  const lines: string[] = [];
  const variants = [...new Set(Object.keys(results).map(variantOf))]
    .filter((v) => v !== "" && !v.includes("+parallel") && !v.includes("+settle"))
    .sort((a, b) => variantRank(`x${a}`).localeCompare(variantRank(`x${b}`)));
  for (const v of variants) {
    const generation = generationOf(v);
    const plain = v.includes("+plain");
    const name = plain ? `with the writer's plain path forced (${generation})` : `on ${generation}`;
    // the baseline does not use the writer: the plain path's rows are set beside their generation's
    const own = v.replace("+plain", "");
    const sizes = [
      ...new Set(
        Object.keys(results)
          .filter((k) => variantOf(k) === v)
          .map(sizeOf),
      ),
    ].sort((a, b) => a - b);
    const paths = [
      ...new Set(
        (["library", "set"] as const).flatMap((mode) =>
          sizes.flatMap((n) => (results[`${mode}${v} N=${n}`]?.up ?? []).flatMap((u) => u.writerPaths ?? [])),
        ),
      ),
    ];
    if (paths.length)
      lines.push(
        `- ${name}: the writer's batch processes said they took the ${paths.join(" and the ")} path`,
      );
    for (const n of sizes) {
      const base = secs(`baseline${own} N=${n}`);
      const parts = (["library", "set"] as const).flatMap((mode) => {
        const key = `${mode}${v} N=${n}`;
        const s = secs(key);
        if (cut(key))
          return [
            `${mode}: its up stopped at the 10 minutes a pulumi command is given here, ` +
              `${Math.max(...results[key].up.map((x) => x.missing ?? 0))} of the ${2 * n} objects not made yet, so no time`,
          ];
        if (sizes.some((m) => results[`${mode}${v} N=${m}`]) && !results[key])
          return [`${mode} not measured`];
        if (Number.isNaN(s)) return [];
        const ratio = (s / base).toFixed(2);
        const against = secs(`${mode}${own} N=${n}`);
        return [
          (Number.isNaN(base)
            ? `${mode}`
            : `${mode} / baseline = ${mode === "library" ? `**${ratio}**` : ratio}`) +
            ` (${s.toFixed(1)} s` +
            (plain && !Number.isNaN(against)
              ? `, ${(s / against).toFixed(2)} × the default path's ${against.toFixed(1)} s` +
                (day(`${mode}${own} N=${n}`) === day(key) ? "" : ` of ${day(`${mode}${own} N=${n}`)}`)
              : "") +
            `)`,
        ];
      });
      if (!parts.length) continue;
      lines.push(
        `- B2 N=${n} ${name}: ${parts.join(", ")}; ` +
          (Number.isNaN(base)
            ? `the baseline was not measured at N=${n} on ${generation}, so no ratio to it`
            : `baseline ${base.toFixed(1)} s` +
              (day(`baseline${own} N=${n}`) === day(`library${v} N=${n}`)
                ? ""
                : ` of ${day(`baseline${own} N=${n}`)}`) +
              (plain ? ` (${generation}'s row: the baseline does not use the writer)` : "") +
              (n === 100 ? `; target at N=100: at most 0.2` : "")),
      );
    }
    // the floor does no cluster work: its rows of two sessions differ by the machine alone
    const floorAt = [...sizes].reverse().find((n) => secs(`floor${v} N=${n}`) && secs(`floor N=${n}`));
    if (floorAt) {
      const [here, there] = [secs(`floor${v} N=${floorAt}`), secs(`floor N=${floorAt}`)];
      lines.push(
        `- the machine during the runs ${name}: the floor (the engine alone, no cluster work) took ${here.toFixed(1)} s ` +
          `at N=${floorAt}, ${(here / there).toFixed(2)} × bookworm's default row of ${day(`floor N=${floorAt}`)} ` +
          `(${there.toFixed(1)} s)` +
          (Math.abs(here / there - 1) > 0.2
            ? `: set beside those rows, the machine's speed then differs as well as the ${plain ? "path" : "generation"}`
            : ""),
      );
    }
    // B3 for each mode between its smallest and largest size with a refresh of all N objects
    const b3 = (["library", "set"] as const).flatMap((mode) => {
      const at = sizes.filter((n) => !Number.isNaN(secs(`${mode}${v} N=${n}`, "refresh")));
      const [lo, hi] = [at[0], at[at.length - 1]];
      if (at.length < 2) return [];
      const [a, b] = [secs(`${mode}${v} N=${lo}`, "refresh"), secs(`${mode}${v} N=${hi}`, "refresh")];
      const cmds = results[`${mode}${v} N=${hi}`].refresh.map((x) => x.commands);
      return [
        `${mode} N=${hi} vs N=${lo} ${(b / a).toFixed(2)}× (${a.toFixed(1)} → ${b.toFixed(1)} s), ` +
          `${median(cmds)} remote command(s)` +
          (mode === "set" && lo === 10 && hi === 300 ? `: ${b / a <= 1.5 ? "met" : "**missed**"}` : ""),
      ];
    });
    if (b3.length)
      lines.push(
        `- B3 ${name}, preview --refresh (target: N=300 at most 1.5 × N=10, at most 3 remote commands): ${b3.join("; ")}`,
      );
  }
  return lines;
}

/** The lab generation lines of the header: the versions recorded, else as the document had them. */
function generationLines(
  results: Results,
  versions: Record<string, StackVersions>,
  doc: Documented,
): string[] {
  const generations = [...new Set(Object.keys(results).map(generationOf))].sort((a, b) =>
    a === DEFAULT_RELEASE ? -1 : b === DEFAULT_RELEASE ? 1 : a.localeCompare(b),
  );
  const host = machineLines(ensureEngine())[2].slice(2);
  return generations.map((g) => {
    const v = versions[g];
    if (v) return `- lab generation ${g}: pcs ${v.pcs}, pacemaker ${v.pacemaker}, corosync ${v.corosync}`;
    // bookworm's nodes run the host's packages
    return (
      doc.generations[g] ?? `- lab generation ${g}: ${g === DEFAULT_RELEASE ? host : "versions not recorded"}`
    );
  });
}

/** The section: the table, the verdicts for bookworm's default path, then those of the other rows. */
/**
 * What settling costs: each side's up with the library's default wait (`+settle120`) against the
 * same side's without it (`+settle0`), measured in turns in one run (`--settle 120,0`).
 */
function settleLines(results: Results): string[] {
  const upSecs = (key: string) =>
    results[key]?.up.length ? median(results[key].up.map((x) => x.seconds)) : NaN;
  const pairs = Object.keys(results)
    .filter((k) => k.includes("+settle0 "))
    .map((without) => ({ without, with: without.replace("+settle0 ", "+settle120 ") }))
    .filter((p) => !Number.isNaN(upSecs(p.with)) && !Number.isNaN(upSecs(p.without)));
  return pairs.map(({ with: w, without }) => {
    const [a, b] = [upSecs(w), upSecs(without)];
    return (
      `- settling, ${w.replace("+settle120", "")}: up ${a.toFixed(1)} s with it, ${b.toFixed(1)} s without ` +
      `(+${(a - b).toFixed(1)} s, ${(a / b).toFixed(2)}×): the wait until the cluster started what the up made`
    );
  });
}

function report(
  measured: Results,
  clusterCosts: ClusterCost[],
  versions: Record<string, StackVersions>,
  doc: Documented,
): string {
  // rows measured now or kept in the raw results first (an entry without runs: a run stopped before
  // its first ended); those only the document has, as it has them
  const ran = Object.fromEntries(Object.entries(measured).filter(([, e]) => e.up.length));
  const results: Results = { ...doc.rows, ...ran };
  const others = variantLines(results);
  const lines = Object.keys(ran).some((k) => variantOf(k) === "")
    ? defaultLines(results, clusterCosts)
    : doc.lines; // none of bookworm's default rows measured again: its verdicts as they were
  return [
    "## B2–B4 — many objects, drift check, footprint (`npm run bench:objects`)",
    "",
    ...machineLines(ensureEngine()).slice(0, 2),
    ...generationLines(results, versions, doc),
    `- runs per side and size, and when they were measured: the last two columns; engine parallelism: Pulumi's default (4 × cores = 8 here)` +
      (others.length
        ? `; a side named \`…@trixie\` ran on the trixie generation (else bookworm), \`…+plain\` with the writer's ` +
          `plain path forced (\`PCMK_LAB_WRITER_PATH=plain\`: a pcs process per command, what a pcs the fast path ` +
          `does not know gets), else the writer's default (its fast path where its self-test passes)`
        : ""),
    "",
    tableOf(results),
    "",
    ...lines,
    ...(others.length ? ["", "### Other lab generations and the writer's plain path", "", ...others] : []),
    ...(settleLines(results).length
      ? [
          "",
          "### Settling (`--settle 120,0`: sides `…+settle120`, the default wait, and `…+settle0`, none)",
          "",
          ...settleLines(results),
        ]
      : []),
  ].join("\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
