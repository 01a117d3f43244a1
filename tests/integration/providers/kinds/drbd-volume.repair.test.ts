// The repair matrix of DrbdVolume (its DrbdConfig, and the Pacemaker objects it makes), as far as
// the lab's kernel allows (no DRBD module: bringUp off, the clone stopped): the resource file
// edited or removed by hand, the metadata wiped, the backing file removed, the Filesystem's
// attribute changed and a constraint deleted with pcs — each reported on its property by
// `preview --refresh`, repaired by one `up --refresh`, clean afterwards. One batch.
import { cibElements, labStatus, onNode, onNodeOk } from "../../../support/lab-harness";
import { ensureCluster, fqdn, ObjectSpec, objectsStack } from "../../../support/cluster-harness";
import { resourceParameter } from "../../../support/live-cib";
import { batchSeconds, expectValue, repairBatch, RepairRow } from "../../../support/repair-matrix";
import { TestStack } from "../../../support/stack-harness";

jest.setTimeout(900_000);

const NAME = "rr";
const DISK = `/var/lib/pcmk-lab-drbd/${NAME}.img`;
const FILE = `/etc/drbd.d/${NAME}.res`;
const PAIR = ["node1", "node2"];

const volume: ObjectSpec = {
  kind: "DrbdVolume",
  name: NAME,
  args: {
    resourceName: NAME,
    minor: 5,
    port: 7795,
    nodes: PAIR.map((n, i) => ({
      hostname: fqdn(n),
      address: labStatus().nodes[i].address,
      connection: `@connection:${n}`,
    })),
    disk: DISK,
    backingFileMiB: 64,
    bringUp: false,
    cloneMeta: { "target-role": "Stopped" },
    filesystem: { resourceId: `fs_${NAME}`, directory: `/mnt/${NAME}`, fstype: "xfs" },
  },
};

/** The magic of DRBD 9 internal metadata in the backing file's last 4 KiB block. */
const metadataMagic = (node: string): string =>
  onNode(
    node,
    `size=$(stat -c %s ${DISK}); dd if=${DISK} bs=4096 skip=$((size/4096-1)) count=1 2>/dev/null | od -An -tx1 -j60 -N4 | tr -d ' \\n'`,
  ).stdout;

/** The file as written at up, to compare with after the repair. */
let declaredFile = "";
const fileIsDeclared = (node: string) =>
  expectValue(`${FILE} on ${node}`, onNode(node, `cat ${FILE}`).stdout, declaredFile);

const colocationId = (): string | undefined =>
  cibElements("node1", "rsc_colocation").find((c) => c.rsc === `fs_${NAME}`)?.id;
let colocation = "";

const rows = (): RepairRow[] => [
  {
    resource: `${NAME}-config`,
    // the file is compared whole: drift of the node whose file differs
    property: "nodes",
    node: "node2",
    handChange: `sed -i 's/7795/7796/' ${FILE}`,
    isBack: () => fileIsDeclared("node2"),
  },
  {
    resource: `${NAME}-config`,
    property: "nodes",
    handChange: `rm ${FILE}`,
    isBack: () => fileIsDeclared("node1"),
  },
  {
    resource: `${NAME}-config`,
    property: "nodes",
    handChange: `size=$(stat -c %s ${DISK}); dd if=/dev/zero of=${DISK} bs=4096 seek=$((size/4096-1)) count=1 conv=notrunc 2>/dev/null`,
    isBack: () => expectValue("node1's metadata magic", metadataMagic("node1"), "8374026d"),
  },
  {
    resource: `${NAME}-config`,
    property: "nodes",
    node: "node2",
    handChange: `rm ${DISK}`,
    isBack: () => {
      expectValue(
        "node2's backing file size",
        onNode("node2", `stat -c %s ${DISK}`).stdout.trim(),
        String(64 << 20),
      );
      expectValue("node2's metadata magic", metadataMagic("node2"), "8374026d");
    },
  },
  {
    resource: `${NAME}-fs`,
    property: "instanceAttributes",
    handChange: `pcs resource update fs_${NAME} directory=/mnt/elsewhere`,
    isBack: () =>
      expectValue(`fs_${NAME}'s directory`, resourceParameter(`fs_${NAME}`, "directory"), `/mnt/${NAME}`),
  },
  {
    resource: `${NAME}-fs-with-promoted`,
    property: null,
    handChange: `pcs constraint delete ${colocation}`,
    isBack: () => expectValue("the Filesystem's colocation", colocationId(), colocation),
  },
];

let stack: TestStack;
const t0 = Date.now();

beforeAll(async () => {
  ensureCluster();
  for (const n of PAIR) onNode(n, `rm -f ${FILE} ${DISK}`);
  // the key by its file's path, the connection not made a secret by the program: `nodes` holds no
  // secret, so the preview can show which node drifted
  stack = await objectsStack([volume], undefined, { keyFile: true });
  await stack.pulumiOk(["config", "set", "runOnPlain", "true"]);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  declaredFile = onNodeOk("node1", `cat ${FILE}`);
  colocation = colocationId() ?? "(no colocation made)";
});

afterAll(async () => {
  await stack?.pulumi(["destroy", "--yes", "--skip-preview"]);
  stack?.dispose();
  console.log(
    `DrbdVolume repair matrix: ${JSON.stringify(batchSeconds)}, ${(Date.now() - t0) / 1000} s in all`,
  );
});

test("the file, metadata, backing file and Pacemaker objects changed by hand: reported, repaired by one up", async () => {
  await repairBatch(stack, "every part", rows());
});
