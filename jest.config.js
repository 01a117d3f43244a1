// unit (no network, no root), engine (the real pulumi CLI), lab (real clusters), integration (both),
// e2e (the stacks of this repository), adversarial (secrets, faults, concurrency, through the real CLI on the lab),
// upgrade (a release's state taken over by the working tree, on the lab), package (the packed
// package in a fresh project, on the lab).
const { existsSync } = require("node:fs");
const path = require("node:path");

// docs/COMPATIBILITY.md from each run on the lab (built by `npm run build`, as scripts/test.sh does)
const compatibilityReporter = path.join(__dirname, "dist", "tests", "support", "compatibility-report.js");

const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
};
module.exports = {
  reporters: existsSync(compatibilityReporter) ? ["default", compatibilityReporter] : ["default"],
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/tests/unit/**/*.test.ts"],
      setupFiles: ["<rootDir>/tests/support/no-nodes.ts"],
    },
    { ...common, displayName: "engine", testMatch: ["<rootDir>/tests/engine/**/*.test.ts"] },
    { ...common, displayName: "lab", testMatch: ["<rootDir>/tests/lab/**/*.test.ts"] },
    // providers through the real engine on the lab
    { ...common, displayName: "integration", testMatch: ["<rootDir>/tests/integration/**/*.test.ts"] },
    // this repository's stacks end to end through the real CLI on the lab
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"] },
    // secrets, faults and concurrency through the real CLI on the lab (the lab-free ones are in unit)
    {
      ...common,
      displayName: "adversarial",
      testMatch: ["<rootDir>/tests/adversarial/**/*.test.ts"],
      // docs/RELIABILITY.md from the figures the suites leave
      globalTeardown: "<rootDir>/tests/adversarial/report-teardown.ts",
    },
    // the package as npm packs it, installed into a fresh project outside the repository
    { ...common, displayName: "package", testMatch: ["<rootDir>/tests/package/**/*.test.ts"] },
    // a stack of every kind deployed with the last release (a git tag), taken over by the working tree
    { ...common, displayName: "upgrade", testMatch: ["<rootDir>/tests/upgrade/**/*.test.ts"] },
  ],
};
