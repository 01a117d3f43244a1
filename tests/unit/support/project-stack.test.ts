// The reading of the engine's --diff output the integration tests rely on: which properties an
// update marks as changed (the output below is a `preview --refresh --diff` of the lab, shortened).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { changedProperties } from "../../support/project-stack";

const output = readFileSync(path.join(__dirname, "fixtures", "drift-preview.txt"), "utf8");

test("the marked top-level properties of a resource's update step, and no others", () => {
  expect(changedProperties(output, "vip")).toEqual(["instanceAttributes", "metaAttributes"]);
  expect(changedProperties(output, "dummy1")).toEqual(["operations"]);
  expect(changedProperties(output, "web")).toEqual(["clone"]);
});

test("a resource with no update step (created, or only refreshed) has none", () => {
  expect(changedProperties(output, "g1a")).toBeNull();
  expect(changedProperties(output, "nothing")).toBeNull();
});
