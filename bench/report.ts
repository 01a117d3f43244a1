// docs/BENCHMARKS.md is assembled from sections, each written by its own benchmark between
// markers, so running one benchmark keeps the others' figures.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";

export const REPORT = path.join(repoRoot, "docs", "BENCHMARKS.md");

const HEADER = [
  "# Benchmarks",
  "",
  "Each section is written by the script it names; timings on a shared 2-core machine are noisy,",
  "so figures are medians with their range. Nothing here is asserted by a test.",
  "",
].join("\n");

export function writeSection(name: string, markdown: string): void {
  const begin = `<!-- section:${name} -->`;
  const end = `<!-- /section:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const text = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : HEADER;
  const at = text.indexOf(begin);
  const next =
    at >= 0
      ? text.slice(0, at) + block + text.slice(text.indexOf(end, at) + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(REPORT, next.startsWith("# Benchmarks") ? next : HEADER + next);
}

/** The machine and versions, printed with every table (engineBin: the directory of `pulumi`). */
export function machineLines(engineBin: string): string[] {
  const v = (cmd: string, ...a: string[]): string =>
    (spawnSync(cmd, a, { encoding: "utf8" }).stdout ?? "").split("\n")[0].trim() || "n/a";
  return [
    `- machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}`,
    `- node ${process.version}, ${v("go", "version")}, pulumi ${v(path.join(engineBin, "pulumi"), "version")}`,
    `- pacemaker ${v("pacemakerd", "--version")}, corosync ${v("corosync", "-v")}, pcs ${v("pcs", "--version")}`,
  ];
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** "median (min–max)". */
export const spread = (xs: number[], digits = 1): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
