// The closing lines of a test run, read from the phases' jest results (--json files in one folder):
// each failed test with the start of its message, then the totals. They come last because a CI log
// is often read from its end, where a failure's reason would otherwise be thousands of lines up.
"use strict";
const fs = require("fs");
const path = require("path");

const MESSAGE_LINES = 12;
const plain = (text) => text.replace(/\u001b\[[0-9;]*m/g, "");
// the message without its code frame and stack: what failed and why, not where in the test file
const reason = (message) =>
  plain(message)
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) && !/^\s*>?\s*\d+ \|/.test(line) && !/^\s+\|\s*\^/.test(line))
    .filter((line, i, lines) => line.trim() !== "" || (i > 0 && lines[i - 1].trim() !== ""))
    .slice(0, MESSAGE_LINES);

const folder = process.argv[2];
let passed = 0,
  failed = 0,
  skipped = 0;
for (const file of fs
  .readdirSync(folder)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const phase = file.replace(/\.json$/, "");
  const run = JSON.parse(fs.readFileSync(path.join(folder, file), "utf8"));
  passed += run.numPassedTests;
  failed += run.numFailedTests;
  skipped += run.numPendingTests + run.numTodoTests;
  for (const suite of run.testResults) {
    const suitePath = path.relative(process.cwd(), suite.name);
    const failures = suite.assertionResults.filter((t) => t.status === "failed");
    // a suite that failed without a failed test (it did not load, a hook threw) has only its message
    if (failures.length === 0 && suite.status === "failed") {
      console.log(`FAILED [${phase}] ${suitePath}`);
      for (const line of reason(suite.message)) console.log(`    ${line}`);
    }
    for (const t of failures) {
      console.log(`FAILED [${phase}] ${suitePath} › ${t.fullName}`);
      for (const line of reason(t.failureMessages.join("\n"))) console.log(`    ${line}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
