// Options pcs checks itself, checked at preview the same way: unknown names refused with the known
// ones, values of each name's type, in the spelling pcs stores.
import { checkInputs } from "../../../../providers/checks/inputs";
import { constraintInputsSchema } from "../../../../providers/kinds/constraint";
import { pcsResourceInputsSchema } from "../../../../providers/kinds/pcs-resource";

const runOn = {
  host: "10.77.0.11",
  privateKey:
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
};
const reasons = (schema: Parameters<typeof checkInputs>[0], inputs: unknown) =>
  checkInputs(schema, inputs).failures.map((f) => `${f.property}: ${f.reason}`);

test("operation options: pcs's names, on-fail in lower case, booleans and times", () => {
  const resource = (options: Record<string, string>) => ({
    runOn,
    resourceId: "r",
    agent: "ocf:pacemaker:Dummy",
    operations: [{ name: "monitor", interval: "10s", options }],
  });
  expect(
    reasons(
      pcsResourceInputsSchema,
      resource({ "on-fail": "restart", "start-delay": "5s", OCF_CHECK_LEVEL: "10" }),
    ),
  ).toEqual([]);
  expect(
    reasons(pcsResourceInputsSchema, resource({ "on-fail": "RESTART", enabled: "yes", colour: "red" })),
  ).toEqual([
    "operations[0].options.on-fail: on-fail: one of block, demote, fence, ignore, restart, restart-container, standby, stop",
    "operations[0].options.enabled: enabled: one of 0, 1, true, false",
    expect.stringMatching(
      /^operations\[0\]\.options\.colour: not one of the resource operation options pcs accepts \(description, enabled/,
    ),
  ]);
});

test("sets and set constraints: each set's options, and kind/symmetrical (order) or score (colocation)", () => {
  const sets = (type: string, setOptions: Record<string, string>, options: Record<string, string>) => ({
    runOn,
    constraintId: "s",
    constraint: { type, sets: [{ resources: ["a", "b"], options: setOptions }], options },
  });
  expect(
    reasons(
      constraintInputsSchema,
      sets("order-set", { sequential: "false", action: "start" }, { kind: "Optional" }),
    ),
  ).toEqual([]);
  expect(
    reasons(constraintInputsSchema, sets("colocation-set", { role: "Promoted" }, { score: "-INFINITY" })),
  ).toEqual([]);
  expect(
    reasons(
      constraintInputsSchema,
      sets("order-set", { sequential: "yes", weight: "1" }, { kind: "optional", score: "5" }),
    ),
  ).toEqual([
    "constraint.sets[0].options.sequential: sequential: one of true, false",
    "constraint.sets[0].options.weight: not one of the set options pcs accepts (action, require-all, role, sequential)",
    "constraint.options.kind: kind: one of Optional, Mandatory, Serialize",
    "constraint.options.score: not one of the order-set constraint options pcs accepts (kind, symmetrical)",
  ]);
});
