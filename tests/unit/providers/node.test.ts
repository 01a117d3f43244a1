import { checkInputs, UNKNOWN } from "../../../providers/check";
import { nodeDiff, nodeInputsSchema, NodeOutputs, parseFacts } from "../../../providers/node";

const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const base = { host: "10.77.0.11", privateKey: key };

describe("Node inputs", () => {
  test("defaults are filled in", () => {
    const { inputs, failures } = checkInputs(nodeInputsSchema, base);
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      port: 22,
      user: "root",
      hosts: [],
      packages: [],
      openFirewall: true,
      pcsd: true,
    });
  });

  test.each([
    [{ port: 70000 }, "port", /<=65535/],
    [{ hostname: "bad_name!" }, "hostname", /RFC 1123/],
    [{ hosts: [{ address: "10.77.0.999", names: ["node1"] }] }, "hosts[0].address", /IPv4 or IPv6/],
    [{ hosts: [{ address: "10.77.0.11", names: [] }] }, "hosts[0].names", />=1 items/],
    [{ packages: ["pcs; rm -rf /"] }, "packages[0]", /package name/],
    [{ haclusterPassword: "a\nb" }, "haclusterPassword", /chpasswd/],
    [{ hostKeyFingerprint: "MD5:aa" }, "hostKeyFingerprint", /SHA256/],
    [{ privateKey: "not a key" }, "privateKey", /private key/],
    [{ colour: "blue" }, "(inputs)", /colour/],
  ])("%j is refused at preview, naming %s", (extra, property, reason) => {
    const { failures } = checkInputs(nodeInputsSchema, { ...base, ...extra });
    expect(failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
  });

  test("values unknown during preview are accepted", () => {
    const { failures } = checkInputs(nodeInputsSchema, {
      ...base,
      host: UNKNOWN,
      hosts: [{ address: UNKNOWN, names: ["n"] }],
    });
    expect(failures).toEqual([]);
  });

  test("a failure message never contains the secret's value", () => {
    const { failures } = checkInputs(nodeInputsSchema, { ...base, haclusterPassword: "s3cret\nx" });
    expect(JSON.stringify(failures)).not.toContain("s3cret");
  });
});

describe("Node facts and diff", () => {
  const facts = parseFacts(
    [
      "os=Debian GNU/Linux 12 (bookworm)",
      "hostname=node1.example.com",
      "pcs=0.11.5",
      "pacemaker=2.1.5",
      "corosync=3.1.7",
      "firewalld=absent",
      "pcsdEnabled=true",
      "pcsdRunning=true",
      "installed=pcs",
      "hosts=10.77.0.11 node1.example.com node1",
      "passwordInSync=true",
    ].join("\n"),
  );
  const declared = nodeInputsSchema.parse({
    ...base,
    hostname: "node1.example.com",
    hosts: [{ address: "10.77.0.11", names: ["node1.example.com", "node1"] }],
    packages: ["pcs"],
    haclusterPassword: "pw",
  });
  const live: NodeOutputs = { ...declared, ...facts, hostKeyFingerprint: "SHA256:x" };

  test("facts are parsed from the read script's output", () => {
    expect(facts).toMatchObject({
      liveHostname: "node1.example.com",
      packagesInstalled: ["pcs"],
      liveHosts: [{ address: "10.77.0.11", names: ["node1.example.com", "node1"] }],
      pcsdEnabled: true,
      passwordInSync: true,
      firewalld: "absent",
    });
  });

  test("no change when the node is as declared", () => {
    expect(nodeDiff(live, declared)).toEqual({ changes: false, replaces: [] });
  });

  test("live drift is a change; another host is a replacement", () => {
    expect(nodeDiff({ ...live, liveHostname: "oops" }, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, passwordInSync: false }, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, pcsdRunning: false }, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, packagesInstalled: [] }, declared).changes).toBe(true);
    expect(nodeDiff(live, { ...declared, host: "10.77.0.12" })).toEqual({
      changes: true,
      replaces: ["host"],
    });
  });

  test("a firewall that is absent is not drift", () => {
    expect(nodeDiff({ ...live, firewalld: "absent", haServiceOpen: false }, declared).changes).toBe(false);
    expect(nodeDiff({ ...live, firewalld: "running", haServiceOpen: false }, declared).changes).toBe(true);
  });
});
