// The end-to-end phases' times (recorded by tests/e2e in the phases file, never asserted) as a
// section of docs/BENCHMARKS.md. Usage: npm run bench:e2e (after the e2e tests ran).
import { readFileSync } from "node:fs";
import { PHASES_FILE } from "../tests/support/phases";
import { writeSection } from "./report";

const phases: Record<string, { seconds: number; at: string }> = JSON.parse(readFileSync(PHASES_FILE, "utf8"));
const rows = Object.entries(phases).map(([phase, p]) => `| ${phase} | ${p.seconds.toFixed(1)} s | ${p.at} |`);
const section = [
  "## End-to-end phases of the stacks (tests/e2e, `npm run bench:e2e`)",
  "",
  "One run each, as the e2e tests last measured them on this machine (a fresh lab; the lab stack on",
  "3 nodes, the DR pair on 4).",
  "",
  "| phase | time | measured at |",
  "|---|---|---|",
  ...rows,
].join("\n");
writeSection("e2e", section);
console.log(section);
