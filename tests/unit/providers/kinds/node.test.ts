import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkInputs, UNKNOWN } from "../../../../providers/checks/inputs";
import {
  installArgv,
  nodeDiff,
  nodeInputsSchema,
  nodeKind,
  NodeOutputs,
  packageInstalled,
  parseFacts,
  readCommand,
  splitAgentPackage,
} from "../../../../providers/kinds/node";

import { liveInputsOf } from "../../../../providers/kit/kind";
import { CHANGED_OUTSIDE } from "../../../../providers/kit/secrets";

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
    [{ fenceAgents: ["virsh"] }, "fenceAgents[0]", /fence agent's name/],
    [{ fenceAgents: ["fence_x; reboot"] }, "fenceAgents[0]", /fence agent's name/],
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
    expect(nodeDiff(live, declared)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  test("live drift is a change; another host is a replacement", () => {
    expect(nodeDiff({ ...live, liveHostname: "oops" }, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, passwordInSync: false }, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, pcsdRunning: false }, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, packagesInstalled: [] }, declared).changes).toBe(true);
    expect(nodeDiff(live, { ...declared, host: "10.77.0.12" })).toEqual({
      changes: true,
      replaces: ["host"],
      deleteBeforeReplace: false,
    });
  });

  test("a refresh gives the declared inputs where the node is as declared, its facts where not", () => {
    const inputsOf = (state: NodeOutputs) => liveInputsOf(nodeKind.fields, state);
    expect(inputsOf(live)).toEqual(
      Object.fromEntries(Object.keys(nodeKind.fields).map((f) => [f, live[f as keyof NodeOutputs]])),
    );
    const drifted = inputsOf({
      ...live,
      liveHostname: "oops",
      packagesInstalled: [],
      pcsdRunning: false,
      passwordInSync: false,
    });
    expect(drifted).toMatchObject({
      hostname: "oops",
      packages: [],
      pcsd: false,
      haclusterPassword: CHANGED_OUTSIDE,
      hosts: declared.hosts,
      host: "10.77.0.11",
      privateKey: key,
    });
  });

  test("a firewall that is absent is not drift", () => {
    expect(nodeDiff({ ...live, firewalld: "absent", haServiceOpen: false }, declared).changes).toBe(false);
    expect(nodeDiff({ ...live, firewalld: "running", haServiceOpen: false }, declared).changes).toBe(true);
  });
});

describe("packages by family", () => {
  test("the read asks about each package (and RHEL's name for it) and each agent; it says the family", () => {
    const inputs = nodeInputsSchema.parse({
      ...base,
      packages: ["pcs", "fence-agents"],
      fenceAgents: ["fence_virsh"],
    });
    expect(readCommand(inputs).argv.slice(4)).toEqual([
      "package:pcs",
      "package:fence-agents",
      "package:fence-agents-all",
      "agent:fence_virsh",
    ]);
    const facts = parseFacts("family=rhel\ninstalled=pcs\ninstalled=fence-agents-all\nagent=fence_virsh\n");
    expect(facts).toMatchObject({
      packageFamily: "rhel",
      packagesInstalled: ["pcs", "fence-agents-all"],
      fenceAgentsInstalled: ["fence_virsh"],
    });
  });

  test("a declared fence-agents is RHEL's fence-agents-all, Debian's fence-agents", () => {
    expect(packageInstalled("rhel", "fence-agents", ["fence-agents-all"])).toBe(true);
    expect(packageInstalled("debian", "fence-agents", ["fence-agents-all"])).toBe(false);
    expect(packageInstalled("debian", "fence-agents", ["fence-agents"])).toBe(true);
    expect(packageInstalled("rhel", "pcs", ["pcs"])).toBe(true);
  });

  test("each agent's split package, as fence-agents 4.16 names them (RHEL, Debian 13)", () => {
    expect(
      ["fence_virsh", "fence_ipmilan", "fence_ilo4", "fence_idrac", "fence_ilo4_ssh", "fence_apc_snmp"].map(
        splitAgentPackage,
      ),
    ).toEqual([
      "fence-agents-virsh",
      "fence-agents-ipmilan",
      "fence-agents-ipmilan",
      "fence-agents-ipmilan",
      "fence-agents-ilo-ssh",
      "fence-agents-apc-snmp",
    ]);
  });

  test("a missing agent or package is drift", () => {
    const declared = nodeInputsSchema.parse({
      ...base,
      fenceAgents: ["fence_virsh"],
      pcsd: false,
      openFirewall: false,
    });
    const live = { ...declared, ...parseFacts("family=debian\n"), hostKeyFingerprint: "SHA256:x" };
    expect(nodeDiff(live, declared).changes).toBe(true);
    expect(nodeDiff({ ...live, fenceAgentsInstalled: ["fence_virsh"] }, declared).changes).toBe(false);
  });

  // The install commands run by a real /bin/sh, with dnf, apt-get and apt-cache stand-ins that
  // print what they are asked (dnf's repository list as CentOS Stream 9, RHEL 9 and Fedora print it).
  const REPOSITORIES: Record<string, string> = {
    "CentOS Stream 9": [
      "repo id                      repo name                               status",
      "appstream                    CentOS Stream 9 - AppStream             enabled",
      "highavailability             CentOS Stream 9 - HighAvailability      disabled",
      "highavailability-debuginfo   CentOS Stream 9 - HighAvailability - Debug disabled",
      "resilientstorage             CentOS Stream 9 - ResilientStorage      disabled",
    ].join("\n"),
    "RHEL 9": [
      "repo id                                         repo name                                   status",
      "rhel-9-for-x86_64-appstream-rpms                Red Hat Enterprise Linux 9 - AppStream      enabled",
      "rhel-9-for-x86_64-highavailability-debug-rpms   Red Hat Enterprise Linux 9 - HA (Debug)     disabled",
      "rhel-9-for-x86_64-highavailability-rpms         Red Hat Enterprise Linux 9 - HA (RPMs)      disabled",
    ].join("\n"),
    Fedora: "repo id  repo name  status\nfedora  Fedora 41  enabled",
  };

  function runWithStandIns(argv: string[], env: Record<string, string>): string {
    const bin = mkdtempSync(path.join(os.tmpdir(), "pcmk-node-"));
    try {
      const standIn = (name: string, body: string) => {
        writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(path.join(bin, name), 0o755);
      };
      standIn(
        "dnf",
        'if [ "$1 $2" = "-q repolist" ]; then printf "%s\\n" "$REPOSITORIES"; exit 0; fi; echo "dnf $*"',
      );
      standIn("apt-get", 'echo "apt-get $*"');
      // the split packages a release has, as `apt-cache show` finds them
      standIn("apt-cache", 'case " $SPLIT " in *" $2 "*) exit 0 ;; *) exit 100 ;; esac');
      const r = spawnSync(argv[0], argv.slice(1), {
        encoding: "utf8",
        env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
      });
      return r.stdout.trim();
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }

  test.each([
    ["CentOS Stream 9", "--enablerepo=highavailability "],
    ["RHEL 9", "--enablerepo=rhel-9-for-x86_64-highavailability-rpms "],
    ["Fedora", ""],
  ])("RHEL family, %s: the High Availability repository is enabled for the install", (release, flag) => {
    const argv = installArgv(["pacemaker", "pcs", "fence-agents"], ["fence_virsh"], "rhel");
    expect(runWithStandIns(argv, { REPOSITORIES: REPOSITORIES[release] })).toBe(
      `dnf install -y ${flag}pacemaker pcs fence-agents-all /usr/sbin/fence_virsh`,
    );
  });

  test.each([
    ["Debian 12 (fence-agents whole)", "", "pcs fence-agents"],
    [
      "Debian 13 (split)",
      "fence-agents-virsh fence-agents-ipmilan",
      "pcs fence-agents-virsh fence-agents-ipmilan fence-agents",
    ],
  ])("%s: each agent's package where there is one, else fence-agents", (_release, split, installed) => {
    const argv = installArgv(["pcs"], ["fence_virsh", "fence_ilo4", "fence_nosuch", "fence_other"], "debian");
    expect(runWithStandIns(argv, { SPLIT: split })).toBe(
      `apt-get install -y -q --no-install-recommends ${installed}`,
    );
  });

  test("a declared fence-agents is installed as declared on Debian, once", () => {
    const argv = installArgv(["fence-agents"], ["fence_nosuch"], "debian");
    expect(runWithStandIns(argv, { SPLIT: "" })).toBe(
      "apt-get install -y -q --no-install-recommends fence-agents",
    );
  });
});
