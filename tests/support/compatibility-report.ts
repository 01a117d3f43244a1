// docs/COMPATIBILITY.md, written by the test run: a jest reporter that records, for each run on
// the lab, the generation it ran on (LAB_RELEASE), its pcs, pacemaker and corosync versions, the
// writer paths each suite's batch processes took (from the stat lines it left) and its counts,
// a suite's latest result replacing its last one (a run of one suite updates that suite only);
// the report is made again from every row recorded so far. A row that has not run is listed as
// such, never as passed. Rows: a generation with the writer as it chooses, with the plain path
// forced (PCMK_LAB_WRITER_PATH=plain), and the simulated unknown pcs (its own suite).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import { DEFAULT_RELEASE, loadLabConfig, Release, RELEASES } from "../../lab/config";
import { rootOf, StackVersions, versionsIn } from "../../lab/roots";
import { RESULTS_DIR } from "./reliability-report";

const ROWS_DIR = path.join(RESULTS_DIR, "compatibility");
/** The suite of the simulated unknown pcs: its results are a row of their own. */
export const UNKNOWN_PCS_SUITE = /unknown-pcs\.test\.ts$/;
/** The writer's stat line for the path a batch process took: see providers/writer. */
const PATH_STAT = /^writer host=(\S+) path=(\S+) pcs=(\S+)/;

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface SuiteCounts extends Counts {
  project: string;
  /** The writer paths its batch processes took, "path (pcs version)", from the stat lines it left. */
  writerPaths: string[];
  at: string;
}

export interface CompatibilityRow {
  key: string;
  release: Release;
  variant: "as chosen" | "plain path forced" | "simulated unknown pcs";
  versions: StackVersions;
  /** By test file, relative to the repository. */
  suites: Record<string, SuiteCounts>;
  at: string;
}

/** The shape of jest's results this reporter reads (jest's own types are not a dependency). */
interface SuiteResult {
  testFilePath: string;
  displayName?: { name: string };
  numPassingTests: number;
  numFailingTests: number;
  numPendingTests: number;
  numTodoTests: number;
}
interface RunResults {
  testResults: SuiteResult[];
}

const LAB_PROJECTS = new Set(["lab", "integration", "e2e", "adversarial", "upgrade"]);

export default class CompatibilityReporter {
  private readonly statsFile = path.join(RESULTS_DIR, `writer-stats-${process.pid}.log`);
  /** Where each running suite's stat lines start (suites run one at a time: --runInBand). */
  private readonly offsets = new Map<string, number>();
  private readonly paths = new Map<string, string[]>();

  /** A run of some tests only (jest -t NAME): its counts are no suite's, so it records nothing. */
  private readonly partial: boolean;

  constructor(globalConfig?: { testNamePattern?: string | null }) {
    this.partial = Boolean(globalConfig?.testNamePattern);
    // the providers of every pulumi run below append their stat lines there (providers/kit/stats.ts)
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(this.statsFile, "");
    process.env.PCMK_LAB_STATS_FILE ??= this.statsFile;
  }

  private get stats(): string {
    return process.env.PCMK_LAB_STATS_FILE ?? this.statsFile;
  }

  onTestStart(test: { path: string }): void {
    this.offsets.set(test.path, existsSync(this.stats) ? statSync(this.stats).size : 0);
  }

  onTestResult(test: { path: string }): void {
    const text = existsSync(this.stats) ? readFileSync(this.stats, "utf8") : "";
    this.paths.set(test.path, writerPathsIn(text.slice(this.offsets.get(test.path) ?? 0)));
  }

  onRunComplete(_contexts: unknown, results: RunResults): void {
    const rows = rowsOf(results, this.paths);
    rmSync(this.statsFile, { force: true });
    if (rows.length === 0 || this.partial) return;
    mkdirSync(ROWS_DIR, { recursive: true });
    const known = new Map(loadRows(ROWS_DIR).map((r) => [r.key, r]));
    for (const row of rows) {
      const merged = mergedRow(known.get(row.key), row);
      writeFileSync(path.join(ROWS_DIR, `${row.key}.json`), JSON.stringify(merged, null, 2));
    }
    writeCompatibilityReport();
  }
}

/** The distinct writer paths in stat lines: "fast (pcs 0.12.0.2)". */
export function writerPathsIn(lines: string): string[] {
  const paths = lines.split("\n").flatMap((line) => {
    const m = PATH_STAT.exec(line);
    return m ? [`${m[2]} (pcs ${m[3]})`] : [];
  });
  return [...new Set(paths)];
}

/** A row's suites updated by a later run's: the latest result of each suite. */
export function mergedRow(before: CompatibilityRow | undefined, now: CompatibilityRow): CompatibilityRow {
  return before ? { ...now, suites: { ...before.suites, ...now.suites } } : now;
}

/** The rows a run makes: the lab projects' suites, the unknown pcs suite on its own row. */
export function rowsOf(results: RunResults, writerPaths: Map<string, string[]>): CompatibilityRow[] {
  const release = (process.env.LAB_RELEASE as Release | undefined) ?? DEFAULT_RELEASE;
  const forced = process.env.PCMK_LAB_WRITER_PATH === "plain";
  const versions = versionsIn(rootOf(loadLabConfig(), release) ?? "/");
  const rows = new Map<string, CompatibilityRow>();
  for (const suite of results.testResults) {
    const project = suite.displayName?.name ?? "";
    if (!LAB_PROJECTS.has(project)) continue;
    const variant = UNKNOWN_PCS_SUITE.test(suite.testFilePath)
      ? "simulated unknown pcs"
      : forced
        ? "plain path forced"
        : "as chosen";
    const key = `${release}-${variant.replace(/\s+/g, "-")}`;
    const row = rows.get(key) ?? {
      key,
      release,
      variant,
      versions,
      suites: {},
      at: new Date().toISOString(),
    };
    row.suites[path.relative(repoRoot, suite.testFilePath)] = {
      project,
      passed: suite.numPassingTests,
      failed: suite.numFailingTests,
      skipped: suite.numPendingTests + suite.numTodoTests,
      writerPaths: writerPaths.get(suite.testFilePath) ?? [],
      at: row.at,
    };
    rows.set(key, row);
  }
  return [...rows.values()];
}

function loadRows(dir: string): CompatibilityRow[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")) as CompatibilityRow);
}

const VARIANTS: CompatibilityRow["variant"][] = ["as chosen", "plain path forced", "simulated unknown pcs"];
const PROJECTS = ["lab", "integration", "e2e", "adversarial"];

function rowLine(
  release: Release,
  variant: CompatibilityRow["variant"],
  row: CompatibilityRow | undefined,
): string {
  if (!row)
    return `| ${release} | ${variant} | – | – | – | _not run_ | ${PROJECTS.map(() => "–").join(" | ")} | – |`;
  const v = row.versions;
  const suites = Object.values(row.suites);
  const paths = [...new Set(suites.flatMap((s) => s.writerPaths ?? []))].join(", ") || "no batch";
  const counts = PROJECTS.map((p) => {
    const of = suites.filter((s) => s.project === p);
    if (of.length === 0) return "–";
    const sum = (k: keyof Counts) => of.reduce((n, s) => n + s[k], 0);
    const skipped = sum("skipped");
    return `${sum("passed")} passed, ${sum("failed")} failed${skipped ? `, ${skipped} skipped` : ""}`;
  });
  const runs = suites.map((s) => s.at).sort();
  const when = runs[0] === runs[runs.length - 1] ? runs[0] : `${runs[0]} – ${runs[runs.length - 1]}`;
  return `| ${release} | ${variant} | ${v.pcs} | ${v.pacemaker} | ${v.corosync} | ${paths} | ${counts.join(" | ")} | ${when} |`;
}

export function writeCompatibilityReport(
  dir = ROWS_DIR,
  out = path.join(repoRoot, "docs", "COMPATIBILITY.md"),
): void {
  const rows = new Map(loadRows(dir).map((r) => [r.key, r]));
  const lines = RELEASES.flatMap((release) =>
    VARIANTS.map((variant) =>
      rowLine(release, variant, rows.get(`${release}-${variant.replace(/\s+/g, "-")}`)),
    ),
  );
  const text = [
    "# Compatibility",
    "",
    "Written by the test run (`bash scripts/test.sh`: the reporter `tests/support/compatibility-report.ts`)",
    `from its results in \`${dir}\`; do not edit by hand. One row per lab generation and way of`,
    "writing: the writer as it chooses its path on each node, the plain path forced",
    "(`PCMK_LAB_WRITER_PATH=plain`), and a pcs whose private internals differ from every known one",
    "(the simulated unknown pcs). Writer path: what each node's batch process ran, with the pcs it found.",
    "Counts: each suite's latest run (run at: when those runs ended); an earlier failure of a suite",
    "that passed since is not shown here.",
    "",
    "No lab generation runs the pcs of CentOS Stream 9 and RHEL 9 (later 0.11 releases, whose private",
    "names differ: 0.11.10 has no `resource._get_agent_facade`; Debian 13's 0.12.0.2 still has it):",
    "that pcs is covered only by the simulated unknown pcs rows, which force the same fallbacks (the",
    "writer's plain path, the agent check from the agent's metadata).",
    "",
    `| generation | writer | pcs | pacemaker | corosync | writer path used | ${PROJECTS.join(" | ")} | run at |`,
    `|---|---|---|---|---|---|${PROJECTS.map(() => "---|").join("")}---|`,
    ...lines,
    "",
  ].join("\n");
  writeFileSync(out, text);
}

if (require.main === module) writeCompatibilityReport();
