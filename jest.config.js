// Three projects: unit (no network, no root), engine (the real pulumi CLI), lab (real clusters).
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
};
module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/tests/unit/**/*.test.ts"] },
    { ...common, displayName: "engine", testMatch: ["<rootDir>/tests/engine/**/*.test.ts"] },
    { ...common, displayName: "lab", testMatch: ["<rootDir>/tests/lab/**/*.test.ts"] },
  ],
};
