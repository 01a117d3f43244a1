// docs/RELIABILITY.md, written from the figures the adversarial suites leave in the results
// directory (one JSON file each): hostile input (unit, and on the lab), secrets, faults,
// concurrency. Run after the adversarial suites (jest's globalTeardown for their project), or by
// hand: `node dist/tests/support/reliability-report.js`. A suite that has not run yet is listed
// as such, never as passed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";

export const RESULTS_DIR = "/var/cache/pcmk-lab/results";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each suite's own shape
type Json = any;

function load(name: string, dir: string): Json | null {
  const file = path.join(dir, name);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

const notRun = (what: string, file: string) => [`_Not run yet: no ${file} (${what})._`, ""];
const verdict = (ok: boolean) => (ok ? "**0** (must be 0)" : "**NOT 0** (must be 0)");

function hostileSection(unit: Json, lab: Json): string[] {
  const out = ["## Hostile input", ""];
  if (!unit) out.push(...notRun("tests/unit/adversarial/hostile-input.test.ts", "hostile-unit.json"));
  else {
    out.push(
      `At preview (every string field of every kind, through the real input check): corpus of ` +
        `${unit.corpus.size} strings, ${unit.totals.tried} tried, ${unit.totals.refused} refused with the kind ` +
        `and field named, ${unit.totals.accepted} accepted and carried verbatim as one argument or on stdin; ` +
        `injections executed: ${verdict(unit.injectionsExecuted === 0)} (${unit.generatedAt}).`,
      "",
    );
  }
  if (!lab)
    out.push(
      ...notRun("the lab half: stored verbatim through real pcs, canary on the nodes", "hostile-lab.json"),
    );
  else out.push(...hostileLabLines(lab));
  return out;
}

/** The lab half: accepted values through a real up, refused ones through preview and up. */
function hostileLabLines(lab: Json): string[] {
  const fields = Object.entries(lab.fields ?? {}) as [string, Json][];
  const stored = Object.entries(lab.storedVerbatim ?? {}) as [string, Json][];
  return [
    `On the lab (a real \`pulumi up\` through pcs on node1; ${lab.at}): the values the check accepts in ` +
      `the free-text fields below, each stored in the CIB and read back.`,
    "",
    "| field | tried | accepted | refused | refused values tried through `preview` and `up` |",
    "|---|---|---|---|---|",
    ...fields.map(
      ([f, x]) =>
        `| ${f} | ${x.tried} | ${x.accepted} | ${x.refused} | ${lab.refusedThroughCli?.[f] ?? "–"} |`,
    ),
    "",
    "| phase | objects | values | not stored verbatim | preview --refresh clean | state not identical |",
    "|---|---|---|---|---|---|",
    ...stored.map(
      ([phase, x]) =>
        `| ${phase} | ${x.objects} | ${x.values} | ${x.notVerbatim} | ${x.previewClean ? "yes" : "**no**"} | ${x.stateNotIdentical} |`,
    ),
    "",
    `Injections executed on the nodes or here: ${lab.injectionsExecuted === undefined ? "_not reached_" : verdict(lab.injectionsExecuted === 0)}.`,
    "",
  ];
}

function secretsSection(s: Json): string[] {
  const out = ["## Secrets", ""];
  if (!s) return [...out, ...notRun("tests/adversarial/secrets.test.ts", "secrets.json")];
  const locations: string[] = s.asserted;
  const total = (kind: string) => locations.reduce((sum, l) => sum + (s.totals[kind]?.[l] ?? 0), 0);
  out.push(
    `Phases: ${s.phasesRun.join(", ")}. Process samples: ${Object.entries(s.samples)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} (${s.generatedAt}).`,
    "",
    `| secret | values tried | ${locations.join(" | ")} | all |`,
    `|---|---|${locations.map(() => "---|").join("")}---|`,
    ...Object.keys(s.secrets).map(
      (kind) =>
        `| ${kind} | ${s.secrets[kind].length} | ${locations.map((l) => s.totals[kind]?.[l] ?? 0).join(" | ")} | ${total(kind)} |`,
    ),
    "",
    `Secret occurrences: ${verdict(Object.keys(s.secrets).every((k) => total(k) === 0))}.` +
      (s.notAsserted ? ` Tallied, not asserted: ${JSON.stringify(s.notAsserted)}.` : ""),
    "",
  );
  return out;
}

/** Faults injected and survived, each with its failure and recovery times. */
function faultsSection(f: Json): string[] {
  const out = ["## Faults", ""];
  if (!f) return [...out, ...notRun("tests/adversarial/faults.test.ts", "faults.json")];
  const secs = (x: unknown) => (typeof x === "number" ? x.toFixed(1) : "–");
  const faults = (f.faults ?? []) as Json[];
  out.push(
    `Faults injected: **${f.totals?.injected ?? faults.length}**, survived: **${f.totals?.survived ?? faults.filter((x) => x.survived).length}** (${f.generatedAt}).`,
    "",
    "| fault | survived | up exit | s from fault to end of up | recovery: s from power-on to converged up | to clean preview |",
    "|---|---|---|---|---|---|",
    ...faults.map(
      (x) =>
        `| ${x.name} | ${x.survived ? "yes" : "**no**"} | ${x.upExit ?? "–"} | ${secs(x.secondsFromKillToEndOfUp ?? x.secondsToFailure)} | ` +
        `${secs(x.recovery?.upConvergedSeconds)} | ${secs(x.recovery?.cleanPreviewSeconds)} |`,
    ),
    "",
    ...(f.what ? [String(f.what), ""] : []),
    "<details><summary>Every figure</summary>",
    "",
    "```json",
    JSON.stringify(f, null, 2),
    "```",
    "",
    "</details>",
    "",
  );
  return out;
}

function concurrencySection(c: Json): string[] {
  const out = ["## Concurrency", ""];
  if (!c) return [...out, ...notRun("tests/adversarial/concurrency.test.ts", "concurrency.json")];
  out.push(
    `${c.resources} resources and ${c.constraints} constraints in one \`pulumi up\` at the default parallelism: ` +
      `exit ${c.upExit} in ${c.upSeconds.toFixed(1)} s. The CIB was read ${c.cibReads} times ` +
      `(every ${c.readIntervalMs} ms), ${c.readsWithAllActive} reads with every resource active; ` +
      `resources active without their constraints: ${verdict(c.violations === 0)} (${c.at}).`,
    "",
  );
  return out;
}

export function writeReliabilityReport(
  dir = RESULTS_DIR,
  out = path.join(repoRoot, "docs", "RELIABILITY.md"),
): void {
  const text = [
    "# Reliability",
    "",
    "Written by the adversarial suites (`tests/unit/adversarial`, `tests/adversarial`, run by",
    "`bash scripts/test.sh`) from their results in " + `\`${dir}\`` + "; do not edit by hand.",
    "",
    ...hostileSection(load("hostile-unit.json", dir), load("hostile-lab.json", dir)),
    ...secretsSection(load("secrets.json", dir)),
    ...faultsSection(load("faults.json", dir)),
    ...concurrencySection(load("concurrency.json", dir)),
  ].join("\n");
  writeFileSync(out, text);
}

if (require.main === module) writeReliabilityReport();
