// For the benchmarks: with PCMK_LAB_STATS_FILE set, the writer and the live reader append one line
// per batch process started, per batch (its steps, commands and phases on the node) and per live
// read (its time and size). Nothing is written otherwise.
import { appendFileSync } from "node:fs";

export function stat(line: string): void {
  const file = process.env.PCMK_LAB_STATS_FILE;
  if (file) appendFileSync(file, `${line}\n`);
}
