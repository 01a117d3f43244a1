// docs/RELIABILITY.md from the suites' figures: a suite without figures is "not run yet", never
// passed; a figure that is not 0 where 0 is required is shown as such.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeReliabilityReport } from "../../support/reliability-report";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), "reliability-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const report = (figures: Record<string, unknown>): string => {
  for (const [name, data] of Object.entries(figures))
    writeFileSync(path.join(dir, name), JSON.stringify(data));
  const out = path.join(dir, "RELIABILITY.md");
  writeReliabilityReport(dir, out);
  return readFileSync(out, "utf8");
};

test("with no figures every suite is listed as not run", () => {
  const text = report({});
  for (const file of [
    "hostile-unit.json",
    "hostile-lab.json",
    "secrets.json",
    "faults.json",
    "concurrency.json",
  ])
    expect(text).toContain(`_Not run yet: no ${file}`);
  expect(text).not.toMatch(/\*\*0\*\* \(must be 0\)/);
});

test("the lab's hostile input and faults figures become tables, a non-zero injection count is flagged", () => {
  const text = report({
    "hostile-lab.json": {
      at: "t",
      fields: { resourceId: { tried: 460, accepted: 57, refused: 403 } },
      refusedThroughCli: { resourceId: 3 },
      storedVerbatim: {
        create: { objects: 9, values: 400, notVerbatim: 0, previewClean: true, stateNotIdentical: 0 },
      },
      injectionsExecuted: 1,
    },
    "faults.json": {
      generatedAt: "t",
      totals: { injected: 2, survived: 1 },
      faults: [
        {
          name: "node1 killed mid-up",
          survived: true,
          upExit: 1,
          secondsFromKillToEndOfUp: 16.7,
          recovery: { upConvergedSeconds: 13.8, cleanPreviewSeconds: 20 },
        },
        { name: "pcsd stopped", survived: false, upExit: 0 },
      ],
    },
  });
  expect(text).toContain("| resourceId | 460 | 57 | 403 | 3 |");
  expect(text).toContain("| create | 9 | 400 | 0 | yes | 0 |");
  expect(text).toContain("Injections executed on the nodes or here: **NOT 0** (must be 0)");
  expect(text).toContain("Faults injected: **2**, survived: **1**");
  expect(text).toContain("| node1 killed mid-up | yes | 1 | 16.7 | 13.8 | 20.0 |");
  expect(text).toContain("| pcsd stopped | **no** | 0 | – | – | – |");
});
