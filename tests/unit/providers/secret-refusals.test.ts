// A refused input never shows a secret. Pulumi prints a check failure as "property P value {V} has
// a problem: REASON", V being the input P when P is a top-level one, and hides V only when it
// equals a config secret: a generated password, another stack's output or a decoded value is
// printed in full (found by tests/adversarial/secrets.test.ts on the lab, with a hacluster password
// the check refused). So for every input of every kind that holds a secret, the check names it in
// the reason, never as the property.
import { check } from "../../../providers/runtime";
import { SECRET_INPUTS } from "../../../providers/kinds/index";

const SECRET = "SECRETzz81-value";
const KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRET}\n-----END OPENSSH PRIVATE KEY-----\n`;
const runOn = { host: "10.77.0.11", privateKey: KEY };

type Failure = { property: string; reason: string };

/** What Pulumi prints for a failure (pkg/resource/deploy/step_generator.go, issueCheckFailures). */
function printed(inputs: Record<string, unknown>, f: Failure): string {
  return f.property
    ? `property ${f.property} value {${JSON.stringify(inputs[f.property])}} has a problem: ${f.reason}`
    : `has a problem: ${f.reason}`;
}

async function refusals(kind: string, inputs: Record<string, unknown>): Promise<Failure[]> {
  const { failures } = await check(kind, {}, inputs);
  for (const f of failures) expect(printed(inputs, f)).not.toContain(SECRET);
  return failures;
}

const names = (kind: string, field: string) => (f: Failure) =>
  f.property.startsWith(`${field}.`) ||
  f.property.startsWith(`${field}[`) ||
  (f.property === "" && f.reason.startsWith(`${kind}: ${field}: `));

test("every kind of the runtime has its list of secret inputs", () => {
  expect(Object.keys(SECRET_INPUTS).sort()).toEqual(
    [
      "Cluster",
      "ClusterAuth",
      "ClusterObjects",
      "Constraint",
      "DrSite",
      "DrbdConfig",
      "Node",
      "PcsResource",
      "StonithDevice",
    ].sort(),
  );
});

describe.each(Object.entries(SECRET_INPUTS))("%s", (kind, fields) => {
  test.each([...fields])("a refused %s is named in the reason, its value never printed", async (field) => {
    // wrong types holding the secret: each is refused at the field itself
    const named: Failure[] = [];
    for (const bad of [12, [SECRET], { zz: SECRET }, `${SECRET}\n:\0`]) {
      const failures = await refusals(kind, { [field]: bad });
      expect(failures.filter((f) => f.property === field)).toEqual([]);
      named.push(...failures.filter(names(kind, field)));
    }
    expect(named.length).toBeGreaterThan(0);
  });
});

test("the refusals a program meets: a bad password, a connection with a stray key, a parameter given twice", async () => {
  const node = await refusals("Node", {
    host: "10.77.0.11",
    privateKey: KEY,
    haclusterPassword: `${SECRET}:x`,
  });
  expect(node).toEqual([
    { property: "", reason: expect.stringMatching(/^Node: haclusterPassword: .*chpasswd/) },
  ]);

  const auth = await refusals("ClusterAuth", {
    runOn: { ...runOn, extra: "x" },
    nodes: [{ name: "node1.example.com" }],
    password: `${SECRET}\n`,
  });
  expect(auth.map((f) => f.reason).sort()).toEqual([
    expect.stringMatching(/^ClusterAuth: password: no newline/),
    expect.stringMatching(/^ClusterAuth: runOn: .*extra/),
  ]);

  const fence = await refusals("StonithDevice", {
    runOn,
    deviceId: "fence1",
    agent: "fence_virsh",
    parameters: { passwd: "plain" },
    secretParameters: { passwd: SECRET },
  });
  expect(fence).toEqual([
    { property: "", reason: expect.stringMatching(/^StonithDevice: secretParameters: .*not both/) },
  ]);
});

test("a refused input that holds no secret is still named as the property, so Pulumi shows its value", async () => {
  const failures = await refusals("Node", { host: "10.77.0.11", privateKey: KEY, hostname: "bad_name!" });
  expect(failures).toEqual([{ property: "hostname", reason: expect.stringMatching(/^Node: .*RFC 1123/) }]);
});
