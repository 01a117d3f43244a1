// Role names: Pacemaker 3.0 accepts only Promoted and Unpromoted; a CIB written for an older schema
// still says Master and Slave. The fixture cib-old-roles.xml is what pcs 0.11.5 wrote (`pcs -f`) on
// `cibadmin --empty pacemaker-3.0`: it spells every role the old way there.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseCib } from "../../../../providers/cib/parse";
import { normalRole } from "../../../../providers/cib/roles";
import { parseCrmMon } from "../../../../providers/cib/status";
import { checkInputs } from "../../../../providers/checks/inputs";
import { constraintAsLive, constraintInputsSchema } from "../../../../providers/kinds/constraint";
import { pcsResourceInputsSchema } from "../../../../providers/kinds/pcs-resource";

const old = readFileSync(path.join(__dirname, "fixtures", "cib-old-roles.xml"), "utf8");
const cib = parseCib(old);

test("the fixture holds the old names (as pcs 0.11.5 writes them for an old schema)", () => {
  expect(old).toMatch(/role="Slave"/);
  expect(old).toMatch(/rsc-role="Slave" with-rsc-role="Master"/);
  expect(old).toMatch(/<rule id="R1-rule" role="Master"/);
});

test("the reader gives every role as Promoted/Unpromoted", () => {
  const b = cib.resources.get("B");
  expect(b?.kind === "primitive" && b.operations.map((o) => o.role)).toEqual(["Unpromoted", "Promoted"]);
  const c1 = cib.constraints.find((c) => c.id === "C1");
  expect(c1).toMatchObject({ rscRole: "Unpromoted", withRscRole: "Promoted" });
  const r1 = cib.constraints.find((c) => c.id === "R1");
  expect(r1?.type === "location" && r1.rules[0].role).toBe("Promoted");
  const cs1 = cib.constraints.find((c) => c.id === "CS1");
  expect(cs1?.sets.map((s) => s.options.role)).toEqual(["Unpromoted", "Promoted"]);
});

test("a constraint declared with Promoted/Unpromoted reads back as declared from an old CIB", () => {
  const declared = constraintInputsSchema.parse({
    runOn: {
      host: "10.77.0.11",
      privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
    },
    constraintId: "C1",
    constraint: {
      type: "colocation",
      resource: "A",
      withResource: "B-clone",
      resourceRole: "Unpromoted",
      withRole: "Promoted",
      score: "50",
    },
  });
  const live = { corosync: null, cib, status: null, enabled: true };
  expect(constraintAsLive(live, { ...declared, ruleResolved: null })).toEqual(declared.constraint);
});

test("target-role and crm_mon's roles too; any case; other words kept", () => {
  const withMeta = parseCib(
    old.replace('name="target-role" value="Promoted"', 'name="target-role" value="Master"'),
  );
  expect(withMeta.resources.get("B-clone")?.meta["target-role"]).toBe("Promoted");
  const status = parseCrmMon(
    '<pacemaker-result><summary/><nodes/><resources><clone id="B-clone">' +
      '<resource id="B" role="Master" active="true"><node name="n1"/></resource>' +
      '<resource id="B" role="Slave" active="true"><node name="n2"/></resource>' +
      "</clone></resources></pacemaker-result>",
  );
  expect(status.resources.B).toEqual([
    { node: "n1", role: "Promoted" },
    { node: "n2", role: "Unpromoted" },
  ]);
  expect(["master", "SLAVE", "started", "Stopped", "Starting"].map((r) => normalRole(r))).toEqual([
    "Promoted",
    "Unpromoted",
    "started",
    "Stopped",
    "Starting",
  ]);
});

test("what the providers write: a target-role of Master or Slave is refused at preview", () => {
  const resource = (meta: Record<string, string>) =>
    checkInputs(pcsResourceInputsSchema, {
      runOn: { host: "10.77.0.11", privateKeyPath: "/dev/null" },
      resourceId: "r",
      agent: "ocf:pacemaker:Stateful",
      metaAttributes: meta,
    }).failures.filter((f) => f.property.startsWith("metaAttributes"));
  expect(resource({ "target-role": "Promoted" })).toEqual([]);
  expect(resource({ "target-role": "master" })).toEqual([
    { property: "metaAttributes.target-role", reason: expect.stringMatching(/^Promoted or Unpromoted/) },
  ]);
});
