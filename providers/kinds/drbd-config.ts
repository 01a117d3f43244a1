// DrbdConfig: the node side of a DrbdVolume (components/drbd-volume.ts), a DRBD 9 volume on two
// nodes: /etc/drbd.d/<name>.res, identical on both nodes and checked by drbdadm before it replaces
// the old file; the backing disk (or a sparse file of a declared size, for labs without a spare
// disk); internal metadata made by `create-md` only where the disk has none (existing metadata
// and data are never overwritten); with `bringUp`, `drbdadm adjust` on both nodes and, on a fresh
// volume, `primary --force` on the initial primary (and mkfs when a filesystem is declared),
// handed back as secondary for Pacemaker to promote.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { isIPv6 } from "node:net";
import { z } from "zod";
import { connectionSchema, dnsName, ipAddress, targetOf } from "../kit/connection";
import { ArgsOf, DynamicResource } from "../kit/dynamic";
import { comparedWith, defineKind, DiffResult, diffOf, FieldRules, GONE } from "../kit/kind";
import { same } from "../kit/same";
import { SshPool } from "../transport/ssh";

// ---- schema -----------------------------------------------------------------------------------

export const drbdResourceName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/,
    "a DRBD resource name: a letter or '_', then letters, digits, '_' or '-'",
  );

const absolutePath = z
  .string()
  .regex(/^(\/[A-Za-z0-9_.+-]+)+$/, "an absolute path of letters, digits, '_', '.', '+' and '-'")
  .refine((p) => !p.split("/").some((part) => part === "." || part === ".."), "no '.' or '..' parts");

const drbdNode = z
  .object({
    /** The node's `uname -n`: DRBD picks its own `on` section by it. */
    hostname: dnsName,
    /** The replication address of this node. */
    address: ipAddress,
    connection: connectionSchema,
  })
  .strict();

export const drbdConfigInputsSchema = z
  .object({
    resourceName: drbdResourceName,
    nodes: z
      .array(drbdNode)
      .length(2, "exactly two nodes")
      .refine((ns) => ns.length !== 2 || ns[0].hostname !== ns[1].hostname, "two different hostnames")
      .refine((ns) => ns.length !== 2 || ns[0].address !== ns[1].address, "two different addresses"),
    /** /dev/drbd<minor>. */
    minor: z.number().int().min(0).max(1_048_575).default(0),
    /** The backing block device (the same path on both nodes). */
    disk: absolutePath,
    /** Create `disk` as a sparse file of this size where it does not exist (labs only). */
    backingFileMiB: z.number().int().min(8).max(1_048_576).optional(),
    port: z.number().int().min(1).max(65535).default(7789),
    protocol: z.enum(["A", "B", "C"]).default("C"),
    /** `fencing resource-only` with Pacemaker's crm-fence-peer handlers, as LINBIT advises. */
    pacemakerFencing: z.boolean().default(true),
    /** Bring the volume up and make the initial primary (needs the DRBD kernel module). */
    bringUp: z.boolean().default(true),
    /** The node made primary (and formatted, when mkfs is set) on a fresh volume. */
    initialPrimary: dnsName.optional(),
    /** mkfs -t <mkfs> on the initial primary of a fresh volume (with bringUp). */
    mkfs: z.enum(["xfs", "ext4"]).optional(),
    adopt: z.boolean().default(false),
  })
  .strict()
  .refine((d) => !d.initialPrimary || d.nodes.some((n) => n.hostname === d.initialPrimary), {
    message: "initialPrimary must be the hostname of one of the two nodes",
    path: ["initialPrimary"],
  })
  .refine((d) => !d.mkfs || (d.bringUp && !!d.initialPrimary), {
    message: "mkfs needs bringUp and an initialPrimary (it formats the primary of a fresh volume)",
    path: ["mkfs"],
  });

export type DrbdConfigInputs = z.infer<typeof drbdConfigInputsSchema>;
type DrbdNode = z.infer<typeof drbdNode>;

/** What one node has of the volume. */
export interface DrbdNodeState {
  hostname: string;
  /** Its resource file is the one these inputs generate. */
  configInSync: boolean;
  /** Size of the backing disk in bytes; null when it does not exist. */
  diskBytes: number | null;
  /** The disk carries DRBD internal metadata. */
  metadata: boolean;
  /** The running kernel has DRBD. */
  kernel: boolean;
}

export type DrbdConfigOutputs = DrbdConfigInputs & { device: string; nodeStates: DrbdNodeState[] };

// ---- the resource file ------------------------------------------------------------------------

const endpoint = (address: string, port: number) =>
  isIPv6(address) ? `ipv6 [${address}]:${port}` : `ipv4 ${address}:${port}`;

/** The DRBD 9 resource file; byte-identical on both nodes. */
export function resourceFile(d: DrbdConfigInputs): string {
  const fencing = d.pacemakerFencing
    ? [
        `    handlers {`,
        `        fence-peer "/usr/lib/drbd/crm-fence-peer.9.sh";`,
        `        unfence-peer "/usr/lib/drbd/crm-unfence-peer.9.sh";`,
        `    }`,
      ]
    : [];
  return [
    `# Managed by pcmk-lab (Pulumi): a change made here is reported as drift and overwritten.`,
    `resource ${d.resourceName} {`,
    `    device /dev/drbd${d.minor};`,
    `    disk ${d.disk};`,
    `    meta-disk internal;`,
    `    net {`,
    `        protocol ${d.protocol};`,
    ...(d.pacemakerFencing ? [`        fencing resource-only;`] : []),
    `    }`,
    ...fencing,
    ...d.nodes.flatMap((n, i) => [
      `    on ${n.hostname} {`,
      `        address ${endpoint(n.address, d.port)};`,
      `        node-id ${i};`,
      `    }`,
    ]),
    `}`,
    ``,
  ].join("\n");
}

export const fileDigest = (text: string): string => createHash("sha256").update(text).digest("hex");

// ---- remote commands --------------------------------------------------------------------------

const sh = (script: string, ...args: string[]): string[] => ["sh", "-c", script, "sh", ...args];

// The superblock of internal metadata is the last 4 KiB block; its magic (DRBD 9: 0x8374026d)
// sits at byte 60. Read directly, so it works where drbdmeta refuses (files, no kernel module).
const HAS_METADATA = `
has_md() {
  size=$(blockdev --getsize64 "$1" 2>/dev/null || stat -c %s "$1" 2>/dev/null) || return 1
  [ "$size" -ge 8192 ] || return 1
  [ "$(dd if="$1" bs=4096 skip=$((size / 4096 - 1)) count=1 2>/dev/null | od -An -tx1 -j60 -N4 | tr -d ' \\n')" = 8374026d ]
}`;

/** One round trip per node: every fact the reader needs. Args: name disk. */
export const READ_SCRIPT = `${HAS_METADATA}
name=$1 disk=$2
conf=/etc/drbd.d/$name.res
if [ -f "$conf" ]; then echo "config=$(sha256sum < "$conf" | cut -c1-64)"; else echo config=absent; fi
if [ -b "$disk" ]; then echo "disk=$(blockdev --getsize64 "$disk")"
elif [ -f "$disk" ]; then echo "disk=$(stat -c %s "$disk")"; else echo disk=absent; fi
has_md "$disk" && echo metadata=yes
if [ -e /proc/drbd ]; then echo kernel=yes
elif modinfo drbd >/dev/null 2>&1; then echo kernel=yes; fi
true`;

/**
 * Writes the resource file from stdin, checked first alone (`drbdadm dump`), then with the rest of
 * the node's DRBD configuration (`drbdadm sh-nop`); on a refusal the old file is put back.
 * Then the backing file where declared and missing, then metadata where there is none.
 * Args: name disk backingBytes(or empty).
 */
export const WRITE_SCRIPT = `${HAS_METADATA}
set -u
name=$1 disk=$2 bytes=$3
dir=/etc/drbd.d conf=/etc/drbd.d/$name.res new=/etc/drbd.d/.$name.res.pcmk-lab
mkdir -p "$dir" && cat > "$new" || exit 1
if ! err=$(drbdadm -c "$new" dump "$name" 2>&1 >/dev/null); then
  rm -f "$new"; echo "$err" | grep -v 'modinfo: not found' >&2; exit 3
fi
[ -f "$conf" ] && cp -p "$conf" "$new.old"
mv -f "$new" "$conf"
if ! err=$(drbdadm sh-nop 2>&1 >/dev/null); then
  if [ -f "$new.old" ]; then mv -f "$new.old" "$conf"; else rm -f "$conf"; fi
  echo "$err" | grep -v 'modinfo: not found' >&2; exit 3
fi
rm -f "$new.old"
if [ ! -e "$disk" ]; then
  [ -n "$bytes" ] || { echo "backing disk $disk does not exist" >&2; exit 4; }
  mkdir -p "$(dirname "$disk")" && truncate -s "$bytes" "$disk" || exit 4
fi
if ! has_md "$disk"; then
  force=; [ -n "$bytes" ] && [ -f "$disk" ] && force=--force
  # On a regular file drbdmeta writes the metadata, then fails its final size ioctl (exit 20):
  # success is the metadata being there afterwards.
  err=$(drbdadm create-md $force "$name" 2>&1 </dev/null)
  has_md "$disk" || { echo "$err" | grep -v 'modinfo: not found' >&2; exit 5; }
fi
true`;

// drbdadm looks for modinfo on every call and says so on stderr where it is missing (the lab):
// that line is dropped from the messages passed on.

/** `drbdadm adjust` brings the volume up or applies a changed file; needs the kernel module. */
export const ADJUST_SCRIPT = `
name=$1
[ -e /proc/drbd ] || modprobe drbd 2>/dev/null || {
  echo "the kernel has no DRBD module (set bringUp: false to write the configuration and metadata only)" >&2; exit 6; }
out=$(drbdadm adjust "$name" 2>&1); rc=$?
echo "$out" | grep -v 'modinfo: not found' >&2; exit $rc`;

/**
 * On a fresh volume only (both sides Inconsistent): primary --force, mkfs when asked, back to
 * secondary so Pacemaker decides who is promoted. Args: name device fstype(or empty).
 */
export const INITIAL_PRIMARY_SCRIPT = `
set -e
name=$1 device=$2 fstype=$3
case "$(drbdadm dstate "$name")" in Inconsistent/*) ;; *) exit 0 ;; esac
drbdadm primary --force "$name"
if [ -n "$fstype" ] && [ -z "$(blkid -o value -s TYPE "$device" || true)" ]; then mkfs -t "$fstype" "$device" >/dev/null; fi
drbdadm secondary "$name"`;

/** Takes the volume down where it is up, removes the file and the backing file we made. */
export const REMOVE_SCRIPT = `
name=$1 disk=$2 ours=$3
conf=/etc/drbd.d/$name.res
[ -f "$conf" ] || exit 0
if [ -e /proc/drbd ]; then drbdadm down "$name" 2>/dev/null || true; fi
rm -f "$conf"
if [ "$ours" = yes ] && [ -f "$disk" ]; then rm -f "$disk"; rmdir "$(dirname "$disk")" 2>/dev/null; fi
true`;

/** The argv of each script for these inputs (names, paths and sizes as arguments, never in the script). */
export const readArgv = (d: DrbdConfigInputs): string[] => sh(READ_SCRIPT, d.resourceName, d.disk);
export const writeArgv = (d: DrbdConfigInputs): string[] =>
  sh(WRITE_SCRIPT, d.resourceName, d.disk, d.backingFileMiB ? String(d.backingFileMiB * 1024 * 1024) : "");
export const adjustArgv = (d: DrbdConfigInputs): string[] => sh(ADJUST_SCRIPT, d.resourceName);
export const initialPrimaryArgv = (d: DrbdConfigInputs): string[] =>
  sh(INITIAL_PRIMARY_SCRIPT, d.resourceName, `/dev/drbd${d.minor}`, d.mkfs ?? "");
export const removeArgv = (d: DrbdConfigInputs): string[] =>
  sh(REMOVE_SCRIPT, d.resourceName, d.disk, d.backingFileMiB ? "yes" : "no");

// ---- reader -----------------------------------------------------------------------------------

const targetFor = (n: DrbdNode) => targetOf(n.connection, n.hostname);

export function parseNodeState(hostname: string, wanted: string, out: string): DrbdNodeState {
  const facts = new Map<string, string>();
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const disk = facts.get("disk");
  return {
    hostname,
    configInSync: facts.get("config") === wanted,
    diskBytes: disk && disk !== "absent" ? Number(disk) : null,
    metadata: facts.get("metadata") === "yes",
    kernel: facts.get("kernel") === "yes",
  };
}

async function readNodes(
  pool: SshPool,
  d: DrbdConfigInputs,
): Promise<{ states: DrbdNodeState[]; present: boolean }> {
  const wanted = fileDigest(resourceFile(d));
  const outs = await Promise.all(d.nodes.map((n) => pool.run(targetFor(n), readArgv(d))));
  return {
    states: outs.map((out, i) => parseNodeState(d.nodes[i].hostname, wanted, out)),
    present: outs.some((out) => !/^config=absent$/m.test(out)),
  };
}

const outputsOf = (d: DrbdConfigInputs, states: DrbdNodeState[]): DrbdConfigOutputs => ({
  ...d,
  device: `/dev/drbd${d.minor}`,
  nodeStates: states,
});

const healthy = (s: DrbdNodeState) => s.configInSync && s.metadata && s.diskBytes !== null;

// ---- diff -------------------------------------------------------------------------------------

const hostsOf = (d: DrbdConfigInputs): string => d.nodes.map((n) => n.hostname).join(",");

const drbdConfigRules: FieldRules<DrbdConfigOutputs, DrbdConfigInputs> = {
  // another volume: its name, minor or disk; another pair of nodes
  resourceName: { replaces: true },
  minor: { replaces: true },
  disk: { replaces: true },
  nodes: {
    secret: "key",
    replaces: (o, n) => hostsOf(o) !== hostsOf(n),
    // a node whose file, metadata or disk is not right is made so again (a refresh leaves it out)
    ...comparedWith(
      "nodes",
      (o, n) => !same(o.nodes, n.nodes) || !(o.nodeStates ?? []).every(healthy),
      (s) => s.nodes.filter((_, i) => s.nodeStates?.[i] && healthy(s.nodeStates[i])),
    ),
  },
  backingFileMiB: {},
  port: {},
  protocol: {},
  pacemakerFencing: {},
  bringUp: {},
  initialPrimary: {},
  mkfs: {},
  adopt: {},
};

export const drbdConfigDiff = (olds: DrbdConfigOutputs, news: DrbdConfigInputs): DiffResult =>
  diffOf(drbdConfigRules, olds, news, true);

// ---- lifecycle --------------------------------------------------------------------------------

const owner = (d: DrbdConfigInputs) => `DrbdVolume '${d.resourceName}'`;

async function onEachNode(
  d: DrbdConfigInputs,
  what: string,
  run: (n: DrbdNode) => Promise<unknown>,
): Promise<void> {
  const results = await Promise.allSettled(d.nodes.map(run));
  const failed = results.flatMap((r) =>
    r.status === "rejected" ? [String(r.reason?.message ?? r.reason)] : [],
  );
  if (failed.length) throw new Error(`${owner(d)}: ${what} failed: ${failed.join("; ")}`);
}

/** Makes both nodes what the inputs declare; `states` says what is already right. */
async function converge(pool: SshPool, d: DrbdConfigInputs, states: DrbdNodeState[] | null): Promise<void> {
  const text = resourceFile(d);
  const needsWrite = (i: number) => !states || !healthy(states[i]);
  await onEachNode(d, "writing the resource file and metadata", (n) =>
    needsWrite(d.nodes.indexOf(n))
      ? pool.run(targetFor(n), writeArgv(d), { stdin: text })
      : Promise.resolve(),
  );
  if (!d.bringUp) return;
  await onEachNode(d, "drbdadm adjust", (n) => pool.run(targetFor(n), adjustArgv(d)));
  const primary = d.nodes.find((n) => n.hostname === d.initialPrimary);
  if (primary) await pool.run(targetFor(primary), initialPrimaryArgv(d), { timeoutMs: 600_000 });
}

/** bringUp needs DRBD in both kernels: said before anything is written, not half-way. */
function refuseWithoutKernel(d: DrbdConfigInputs, states: DrbdNodeState[]): void {
  const without = states.filter((s) => !s.kernel).map((s) => s.hostname);
  if (d.bringUp && without.length)
    throw new Error(
      `${owner(d)}: the kernel of ${without.join(" and ")} has no DRBD module (no /proc/drbd, modinfo drbd ` +
        "finds none): install kmod-drbd/drbd-dkms, or set bringUp: false to write the configuration and metadata only",
    );
}

export const drbdConfigKind = defineKind<typeof drbdConfigInputsSchema, DrbdConfigOutputs>({
  name: "DrbdConfig",
  schema: drbdConfigInputsSchema,
  fields: drbdConfigRules,
  outputs: ["device", "nodeStates"],

  async create(pool: SshPool, d: DrbdConfigInputs) {
    const before = await readNodes(pool, d);
    if (before.present && !d.adopt) {
      const onNodes = before.states.map((s) => s.hostname).join(" and ");
      throw new Error(
        `${owner(d)}: /etc/drbd.d/${d.resourceName}.res already exists on ${onNodes}` +
          (before.states.every((s) => s.configInSync) ? " (as declared)" : " (with other contents)") +
          ": set adopt: true to take it over (it is rewritten; existing metadata is kept), or pick another resourceName",
      );
    }
    refuseWithoutKernel(d, before.states);
    await converge(pool, d, null);
    return { id: d.resourceName, outs: outputsOf(d, (await readNodes(pool, d)).states) };
  },

  async read(pool: SshPool, id: string, props: DrbdConfigOutputs) {
    const { states, present } = await readNodes(pool, props);
    return present ? { id, props: outputsOf(props, states) } : GONE;
  },

  async update(pool: SshPool, _id: string, _olds: DrbdConfigOutputs, news: DrbdConfigInputs) {
    // read against the new file: a node whose file differs from it is rewritten
    const { states } = await readNodes(pool, news);
    refuseWithoutKernel(news, states);
    await converge(pool, news, states);
    return { outs: outputsOf(news, (await readNodes(pool, news)).states) };
  },

  /** Down where the kernel has it up, file removed, the backing file removed if we made it. */
  async remove(pool: SshPool, _id: string, props: DrbdConfigOutputs) {
    await onEachNode(props, "removal", (n) => pool.run(targetFor(n), removeArgv(props)));
  },
});

export type DrbdConfigArgs = ArgsOf<typeof drbdConfigInputsSchema>;

/** The node side of a DrbdVolume: resource file, backing disk, metadata, initial primary. */
export class DrbdConfig extends DynamicResource {
  declare readonly device: pulumi.Output<string>;
  declare readonly nodeStates: pulumi.Output<DrbdNodeState[]>;

  constructor(name: string, args: DrbdConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(drbdConfigKind, name, args, opts);
  }
}
