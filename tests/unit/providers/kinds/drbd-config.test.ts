// DrbdVolume's node side without a cluster: inputs refused at preview, the resource file checked
// by the real drbdadm of this machine, the metadata probe against metadata drbdadm made, node
// facts and the diff (drift, in-place, replace).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkInputs } from "../../../../providers/checks/inputs";
import {
  DrbdConfigInputs,
  drbdConfigDiff,
  drbdConfigInputsSchema,
  DrbdConfigOutputs,
  DrbdNodeState,
  fileDigest,
  parseNodeState,
  READ_SCRIPT,
  resourceFile,
} from "../../../../providers/kinds/drbd-config";
import { runOn } from "../../../support/cib-fixtures";

const here = os.hostname();
const nodes = [
  { hostname: here, address: "10.77.0.11", connection: runOn },
  { hostname: "node2.example.com", address: "10.77.0.12", connection: { ...runOn, host: "10.77.0.12" } },
];
const args = {
  resourceName: "r0",
  nodes,
  disk: "/srv/drbd/r0.img",
  backingFileMiB: 64,
  initialPrimary: here,
};
const parse = (extra: object = {}): DrbdConfigInputs => drbdConfigInputsSchema.parse({ ...args, ...extra });
const failures = (extra: object) => checkInputs(drbdConfigInputsSchema, { ...args, ...extra }).failures;

describe("inputs", () => {
  it("fills DRBD's usual defaults", () => {
    expect(parse()).toMatchObject({
      minor: 0,
      port: 7789,
      protocol: "C",
      pacemakerFencing: true,
      bringUp: true,
    });
  });

  it.each([
    [{ nodes: [nodes[0]] }, "nodes", "exactly two nodes"],
    [{ nodes: [nodes[0], { ...nodes[1], hostname: here }] }, "nodes", "two different hostnames"],
    [{ nodes: [nodes[0], { ...nodes[1], address: "10.77.0.11" }] }, "nodes", "two different addresses"],
    [{ disk: "/srv/../etc/passwd" }, "disk", "no '.' or '..' parts"],
    [{ disk: "relative/disk" }, "disk", "an absolute path"],
    [{ disk: "/dev/sdb; reboot" }, "disk", "an absolute path"],
    [{ resourceName: "r0 --force" }, "resourceName", "a DRBD resource name"],
    [{ initialPrimary: "node9.example.com" }, "initialPrimary", "one of the two nodes"],
    [{ mkfs: "xfs", bringUp: false }, "mkfs", "needs bringUp"],
    [{ protocol: "D" }, "protocol", "A"],
    [{ backingFileMiB: 1 }, "backingFileMiB", "8"],
  ])("refuses %j on %s", (extra, property, reason) => {
    const found = failures(extra);
    expect(found).toEqual([expect.objectContaining({ property: expect.stringContaining(property) })]);
    expect(found[0].reason).toContain(reason);
  });
});

describe("the resource file", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "drbd-unit-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dump = (text: string, name = "r0") => {
    const file = path.join(dir, `${name}.res`);
    writeFileSync(file, text);
    return spawnSync("drbdadm", ["-c", file, "dump", name], { encoding: "utf8" });
  };

  it("is DRBD 9 syntax drbdadm reads back with every declared value", () => {
    const r = dump(resourceFile(parse({ minor: 3, port: 7790, protocol: "A" })));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/device\s+\/dev\/drbd3 minor 3;/);
    expect(r.stdout).toMatch(/disk\s+\/srv\/drbd\/r0.img;/);
    expect(r.stdout).toMatch(/meta-disk\s+internal;/);
    expect(r.stdout).toMatch(/address\s+ipv4 10.77.0.11:7790;/);
    expect(r.stdout).toMatch(/address\s+ipv4 10.77.0.12:7790;/);
    expect(r.stdout).toMatch(/protocol\s+A;/);
    expect(r.stdout).toMatch(/fencing\s+resource-only;/);
    expect(r.stdout).toContain("/usr/lib/drbd/crm-fence-peer.9.sh");
  });

  it("writes IPv6 endpoints in DRBD's bracket form", () => {
    const v6 = [
      { ...nodes[0], address: "fd00::11" },
      { ...nodes[1], address: "fd00::12" },
    ];
    const r = dump(resourceFile(parse({ nodes: v6, pacemakerFencing: false })));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/address\s+ipv6 \[fd00::11\]:7789;/);
    expect(r.stdout).not.toContain("fencing");
  });

  it("is what drbdadm refuses when broken (the check before replacing a file can fail)", () => {
    const r = dump(resourceFile(parse()).replace("meta-disk internal;", "meta-disk;"));
    expect(r.status).not.toBe(0);
  });

  it("changes digest with any declared value and only then", () => {
    expect(fileDigest(resourceFile(parse()))).toBe(fileDigest(resourceFile(parse())));
    expect(fileDigest(resourceFile(parse({ port: 7790 })))).not.toBe(fileDigest(resourceFile(parse())));
  });

  it("the reader's metadata probe finds metadata drbdadm made and none on a fresh disk", () => {
    const disk = path.join(dir, "md.img");
    const fresh = path.join(dir, "fresh.img");
    execFileSync("truncate", ["-s", "64M", disk, fresh]);
    const conf = path.join(dir, "md.res");
    writeFileSync(conf, resourceFile(parse({ disk })));
    // on a regular file drbdmeta exits 20 after writing (its last size ioctl): the probe decides
    spawnSync("drbdadm", ["-c", conf, "create-md", "--force", "r0"], { stdio: "ignore" });
    // READ_SCRIPT reads /etc/drbd.d/<name>.res: a name no host has, so only disk facts matter.
    const probe = (d: string) =>
      execFileSync("sh", ["-c", READ_SCRIPT, "sh", "pcmk-lab-unit-none", d], { encoding: "utf8" });
    expect(probe(disk)).toMatch(/^metadata=yes$/m);
    expect(probe(disk)).toMatch(/^disk=67108864$/m);
    expect(probe(fresh)).not.toContain("metadata=");
    expect(probe(path.join(dir, "missing.img"))).toMatch(/^disk=absent$/m);
  });
});

describe("node facts and diff", () => {
  const wanted = fileDigest(resourceFile(parse()));
  const good: DrbdNodeState = parseNodeState(here, wanted, `config=${wanted}\ndisk=67108864\nmetadata=yes\n`);
  const outputs = (states: DrbdNodeState[], extra: object = {}): DrbdConfigOutputs => ({
    ...parse(extra),
    device: "/dev/drbd0",
    nodeStates: states,
  });

  it("parses what READ_SCRIPT prints", () => {
    expect(good).toEqual({
      hostname: here,
      configInSync: true,
      diskBytes: 67108864,
      metadata: true,
      kernel: false,
    });
    expect(parseNodeState("n", wanted, "config=absent\ndisk=absent\nkernel=yes\n")).toEqual({
      hostname: "n",
      configInSync: false,
      diskBytes: null,
      metadata: false,
      kernel: true,
    });
  });

  it("reports no change when both nodes are as declared", () => {
    expect(drbdConfigDiff(outputs([good, good]), parse())).toMatchObject({ changes: false, replaces: [] });
  });

  it.each([
    ["a file edited by hand", { configInSync: false }],
    ["metadata wiped", { metadata: false }],
    ["the backing disk gone", { diskBytes: null }],
  ])("reports %s as an in-place change", (_what, broken) => {
    expect(drbdConfigDiff(outputs([good, { ...good, ...broken }]), parse())).toMatchObject({
      changes: true,
      replaces: [],
    });
  });

  it("updates addresses, port and protocol in place, replaces on name, minor, disk or hosts", () => {
    expect(drbdConfigDiff(outputs([good, good]), parse({ port: 7790 }))).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(drbdConfigDiff(outputs([good, good]), parse({ minor: 1 })).replaces).toEqual(["minor"]);
    expect(drbdConfigDiff(outputs([good, good]), parse({ disk: "/srv/other.img" })).replaces).toEqual([
      "disk",
    ]);
    const moved = [nodes[0], { ...nodes[1], hostname: "node3.example.com" }];
    expect(drbdConfigDiff(outputs([good, good]), parse({ nodes: moved })).replaces).toEqual(["nodes"]);
  });
});
