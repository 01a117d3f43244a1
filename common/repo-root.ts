// The repository root, found from this file whether it runs from source (ts-jest) or from dist/.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "pcmk-lab") return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pcmk-lab package.json above ${from}`);
  }
}

export const repoRoot = findRoot(__dirname);
