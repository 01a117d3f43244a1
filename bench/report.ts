// docs/BENCHMARKS.md is assembled from sections, each written by its own benchmark between
// markers, so running one benchmark keeps the others' figures.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
