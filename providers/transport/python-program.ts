// A Python program of this package run on a node without being on its command line: the command
// line is a fixed bootstrap that reads the program from stdin (its length, then its text), so
// neither the program nor any request or secret that follows it ever shows in a process list.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface PythonProgram {
  /** The command line: the same for every run of this program. */
  argv: readonly string[];
  /** What stdin must start with: the program, length-prefixed. */
  prelude(): string;
}

/**
 * `file` (e.g. "writer/pcs_batch.py") as shipped under providers/: the compiled code in
 * dist/providers finds it beside its sources; when run from its sources (ts-jest), beside itself.
 */
export function pythonProgram(file: string): PythonProgram {
  const beside = join(__dirname, "..", file);
  const path = existsSync(beside) ? beside : join(__dirname, "..", "..", "..", "providers", file);
  const name = file.split("/").pop()!;
  let text: string | undefined;
  return {
    argv: [
      "/usr/bin/python3",
      "-Es",
      "-c",
      `import sys; b = sys.stdin.buffer; exec(compile(b.read(int(b.readline())), '${name}', 'exec'))`,
    ],
    prelude() {
      text ??= readFileSync(path, "utf8");
      return `${Buffer.byteLength(text, "utf8")}\n${text}`;
    },
  };
}
