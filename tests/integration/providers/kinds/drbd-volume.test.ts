// DrbdVolume through the real engine on the lab, as far as the lab's kernel allows (it has no
// DRBD module): the resource file on node1 and node2 read back by drbdadm (sh-nop, dump), a
// sparse backing file with DRBD metadata, the promotable ocf:linbit:drbd clone and a Filesystem
// colocated with the promoted role and ordered after promotion in the CIB; a file edited by hand
// is drift, repaired; a port change updates in place; bringUp refused before anything is
// written; destroy leaves nothing. Not run here (needs the kernel module): drbdadm up/adjust,
// primary --force, mkfs, promotion by Pacemaker.
import { cibElements, labStatus, nodeAddress, onNode, onNodeOk, rx } from "../../../support/lab-harness";
import {
  ensureCluster,
  fqdn,
  ObjectSpec,
  objectsStack,
  previewIsClean,
} from "../../../support/cluster-harness";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const DISK = "/var/lib/pcmk-lab-drbd/r0.img";
const PAIR = ["node1", "node2"];

const volume = (extra: Record<string, unknown> = {}, name = "r0"): ObjectSpec => ({
  kind: "DrbdVolume",
  name,
  args: {
    resourceName: name,
    nodes: PAIR.map((n, i) => ({
      hostname: fqdn(n),
      address: labStatus().nodes[i].address,
      connection: `@connection:${n}`,
    })),
    disk: name === "r0" ? DISK : `/var/lib/pcmk-lab-drbd/${name}.img`,
    backingFileMiB: 64,
    bringUp: false,
    // no DRBD in the lab's kernel: the clone stays stopped instead of failing on every node
    cloneMeta: { "target-role": "Stopped" },
    filesystem: { resourceId: `fs_${name}`, directory: `/mnt/${name}`, fstype: "xfs" },
    ...extra,
  },
});

/** The magic of DRBD 9 internal metadata in the last 4 KiB block of the backing file. */
const metadataMagic = (node: string): string =>
  onNodeOk(
    node,
    `size=$(stat -c %s ${DISK}); dd if=${DISK} bs=4096 skip=$((size/4096-1)) count=1 2>/dev/null | od -An -tx1 -j60 -N4 | tr -d ' \\n'`,
  );

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };

beforeAll(async () => {
  ensureCluster();
  for (const n of PAIR) onNode(n, `rm -rf /etc/drbd.d/r0.res /etc/drbd.d/r1.res /var/lib/pcmk-lab-drbd`);
  stack = await objectsStack([volume()]);
});

afterAll(() => stack?.dispose());

test("up writes a resource file drbdadm accepts on both nodes, metadata, and the Pacemaker objects", async () => {
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  for (const n of PAIR) {
    expect(onNode(n, "drbdadm sh-nop").status).toBe(0);
    const dump = onNodeOk(n, "drbdadm dump r0 2>/dev/null");
    expect(dump).toMatch(rx`address\s+ipv4 ${nodeAddress("node1")}:7789;`);
    expect(dump).toMatch(rx`address\s+ipv4 ${nodeAddress("node2")}:7789;`);
    expect(dump).toMatch(/disk\s+\/var\/lib\/pcmk-lab-drbd\/r0\.img;/);
    expect(onNodeOk(n, `stat -c %s ${DISK}`).trim()).toBe(String(64 * 1024 * 1024));
    expect(metadataMagic(n)).toBe("8374026d");
  }
  expect(onNode("node3", "test -e /etc/drbd.d/r0.res").status).not.toBe(0);
  const cib = onNodeOk("node1", "cibadmin --query --scope configuration");
  expect(cib).toMatch(/<master id="drbd_r0-clone"|<clone id="drbd_r0-clone"/);
  expect(cib).toMatch(/name="promotable" value="true"/);
  expect(cib).toMatch(/<primitive id="drbd_r0" class="ocf" type="drbd" provider="linbit">/);
  expect(cib).toMatch(/name="drbd_resource" value="r0"/);
  expect(cib).toMatch(/name="device" value="\/dev\/drbd0"/);
  expect(cibElements("node1", "rsc_colocation")).toContainEqual(
    expect.objectContaining({
      rsc: "fs_r0",
      "with-rsc": "drbd_r0-clone",
      score: "INFINITY",
      "with-rsc-role": "Promoted",
    }),
  );
  expect(cibElements("node1", "rsc_order")).toContainEqual(
    expect.objectContaining({
      first: "drbd_r0-clone",
      "first-action": "promote",
      then: "fs_r0",
      "then-action": "start",
    }),
  );
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a resource file edited by hand on one node is drift; up --refresh rewrites it", async () => {
  onNodeOk("node2", "sed -i 's/7789/7799/' /etc/drbd.d/r0.res");
  const drift = await previewIsClean(stack);
  expect(drift.clean).toBe(false);
  expect(drift.output).toMatch(/configInSync\s*: true => false/);
  await stack.pulumiOk(["up", "--refresh", "--yes", "--skip-preview"]);
  expect(onNodeOk("node2", "drbdadm dump r0 2>/dev/null")).not.toContain("7799");
  expect(
    onNode("node2", "cmp /etc/drbd.d/r0.res -", onNodeOk("node1", "cat /etc/drbd.d/r0.res")).status,
  ).toBe(0);
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("a new port is an update in place; the metadata stays", async () => {
  await stack.setObjects([volume({ port: 7790 })]);
  const up = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).not.toMatch(/replaced/);
  for (const n of PAIR) {
    expect(onNodeOk(n, "drbdadm dump r0 2>/dev/null")).toMatch(rx`${nodeAddress("node2")}:7790;`);
    expect(metadataMagic(n)).toBe("8374026d");
  }
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("bringUp on nodes without DRBD in the kernel is refused naming the nodes, before anything is written", async () => {
  await stack.setObjects([volume({ port: 7790 }), volume({ bringUp: true, port: 7791 }, "r1")]);
  const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  expect(r.status).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(
    /DrbdVolume 'r1': the kernel of node1\.example\.com and node2\.example\.com has no DRBD module/,
  );
  for (const n of PAIR)
    expect(onNode(n, "ls /etc/drbd.d/r1.res /var/lib/pcmk-lab-drbd/r1.img").status).not.toBe(0);
  await stack.setObjects([volume({ port: 7790 })]);
});

test("a second stack declaring the same volume is refused unless it adopts it", async () => {
  const other = await objectsStack([{ ...volume({ port: 7790 }), name: "r0" }]);
  try {
    const r = await other.pulumi(["up", "--yes", "--skip-preview"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /DrbdVolume 'r0': \/etc\/drbd\.d\/r0\.res already exists on node1\.example\.com and node2\.example\.com \(as declared\): set adopt: true/,
    );
  } finally {
    await other.pulumi(["stack", "rm", "--force", "--yes"]);
    other.dispose();
  }
});

test("destroy removes the files, the backing file and the Pacemaker objects", async () => {
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  for (const n of PAIR) {
    expect(onNode(n, "ls /etc/drbd.d/r0.res").status).not.toBe(0);
    expect(onNode(n, `ls ${DISK}`).status).not.toBe(0);
    expect(onNode(n, "drbdadm sh-nop").status).toBe(0);
  }
  const cib = onNodeOk("node1", "cibadmin --query --scope configuration");
  expect(cib).not.toContain("drbd_r0");
  expect(cib).not.toContain("fs_r0");
});
