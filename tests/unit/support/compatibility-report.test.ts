import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../../common/repo-root";
import {
  mergedRow,
  rowsOf,
  writeCompatibilityReport,
  writerPathsIn,
} from "../../support/compatibility-report";

const suite = (file: string, project: string, passed: number, failed = 0) => ({
  testFilePath: path.join(repoRoot, file),
  displayName: { name: project },
  numPassingTests: passed,
  numFailingTests: failed,
  numPendingTests: 0,
  numTodoTests: 0,
});

describe("docs/COMPATIBILITY.md rows", () => {
  const env = { ...process.env };
  afterEach(() => (process.env = { ...env }));

  test("a run's lab suites make its generation's row; the unknown pcs suite its own; unit counts not", () => {
    process.env.LAB_RELEASE = "trixie";
    delete process.env.PCMK_LAB_WRITER_PATH;
    const rows = rowsOf(
      {
        testResults: [
          suite("tests/unit/x.test.ts", "unit", 50),
          suite("tests/integration/providers/constraint.test.ts", "integration", 6, 1),
          suite("tests/integration/providers/unknown-pcs.test.ts", "integration", 3),
        ],
      },
      new Map([
        [path.join(repoRoot, "tests/integration/providers/unknown-pcs.test.ts"), ["plain (pcs 0.12.0.2)"]],
      ]),
    );
    expect(rows.map((r) => [r.key, Object.keys(r.suites)])).toEqual([
      ["trixie-as-chosen", ["tests/integration/providers/constraint.test.ts"]],
      ["trixie-simulated-unknown-pcs", ["tests/integration/providers/unknown-pcs.test.ts"]],
    ]);
    expect(rows[0].suites["tests/integration/providers/constraint.test.ts"]).toMatchObject({
      passed: 6,
      failed: 1,
    });
  });

  test("the writer paths of a suite are the stat lines it left", () => {
    const lines = [
      "writer host=root@10.77.0.11:22 path=fast pcs=0.11.5 ms=80",
      "live-read ms=12",
      "writer host=root@10.77.0.11:22 path=fast pcs=0.11.5 ms=70",
      "writer host=root@10.77.0.12:22 path=plain pcs=0.11.5 ms=9 fallback",
    ].join("\n");
    expect(writerPathsIn(lines)).toEqual(["fast (pcs 0.11.5)", "plain (pcs 0.11.5)"]);
  });

  test("a later run of one suite replaces that suite's counts only; the report sums by project", () => {
    process.env.LAB_RELEASE = "bookworm";
    process.env.PCMK_LAB_WRITER_PATH = "plain";
    const first = rowsOf(
      {
        testResults: [
          suite("tests/integration/providers/a.test.ts", "integration", 4, 1),
          suite("tests/integration/providers/b.test.ts", "integration", 5),
        ],
      },
      new Map([[path.join(repoRoot, "tests/integration/providers/b.test.ts"), ["plain (pcs 0.11.5)"]]]),
    )[0];
    const again = rowsOf(
      { testResults: [suite("tests/integration/providers/a.test.ts", "integration", 5)] },
      new Map(),
    )[0];
    const merged = mergedRow(first, again);
    expect(merged.key).toBe("bookworm-plain-path-forced");
    expect(Object.keys(merged.suites)).toEqual([
      "tests/integration/providers/a.test.ts",
      "tests/integration/providers/b.test.ts",
    ]);

    const dir = mkdtempSync(path.join(os.tmpdir(), "compat-"));
    mkdirSync(path.join(dir, "rows"));
    writeFileSync(path.join(dir, "rows", `${merged.key}.json`), JSON.stringify(merged));
    writeCompatibilityReport(path.join(dir, "rows"), path.join(dir, "C.md"));
    const text = readFileSync(path.join(dir, "C.md"), "utf8");
    expect(text).toMatch(
      /\| bookworm \| plain path forced \| .* \| plain \(pcs 0\.11\.5\) \| – \| 10 passed, 0 failed \|/,
    );
    expect(text).toMatch(/\| trixie \| as chosen \| – \| – \| – \| _not run_ \|/);
    // the pcs no generation runs is named, with the rows that cover it
    expect(text).toMatch(/CentOS Stream 9[\s\S]*covered only by the simulated unknown pcs rows/);
  });
});
