// Node: one cluster machine reached over ssh. Pins its host key, and prepares it the way the
// course does: hostname, /etc/hosts entries for the cluster, packages, the high-availability
// firewalld service, the hacluster password, pcsd enabled and running. Packages come the way each
// family ships them: on the RHEL family from the High Availability repository, enabled for the
// install as the course does (`dnf --enablerepo=highavailability install pacemaker pcs`); fence
// agents from their own packages where they are split (RHEL, Debian 13), else from fence-agents.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isUnicodeText, NOT_UNICODE } from "../checks/inputs";
import {
  Connection,
  connectionFields,
  dnsName,
  ipAddress,
  oneKey,
  targetOf as connectionTarget,
} from "../kit/connection";
import { ArgsOf, DynamicResource } from "../kit/dynamic";
import { comparedWith, defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import { CHANGED_OUTSIDE } from "../kit/secrets";
import { Secret } from "../kit/secrets";
import { SshPool, SshTarget } from "../transport/ssh";

// ---- schema -----------------------------------------------------------------------------------

const FENCE_AGENT = /^fence_[a-z0-9_]{1,64}$/;

export const nodeInputsSchema = z
  .object({
    ...connectionFields,
    hostname: dnsName.optional(),
    hosts: z.array(z.object({ address: ipAddress, names: z.array(dnsName).min(1) }).strict()).default([]),
    packages: z
      .array(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9+.-]{0,254}$/, "a Debian or RPM package name (255 characters at most)"),
      )
      .default([]),
    /** Fence agents the node needs (fence_virsh, fence_ipmilan…): installed from the family's package. */
    fenceAgents: z
      .array(
        z
          .string()
          .regex(FENCE_AGENT, "a fence agent's name such as fence_virsh (fence_, then a-z, 0-9, '_')"),
      )
      .default([]),
    openFirewall: z.boolean().default(true),
    haclusterPassword: z
      .string()
      .min(1)
      .max(256)
      .refine((s) => !/[\n\r:\0]/.test(s), "no newline, ':' or NUL (chpasswd's format)")
      .refine(isUnicodeText, NOT_UNICODE)
      .optional(),
    pcsd: z.boolean().default(true),
  })
  .strict()
  .superRefine(oneKey);

export type NodeInputs = z.infer<typeof nodeInputsSchema>;

export interface NodeFacts {
  hostKeyFingerprint: string;
  os: string;
  liveHostname: string;
  liveHosts: { address: string; names: string[] }[];
  /** The declared packages installed (fence-agents: or the family's package of every agent). */
  packagesInstalled: string[];
  /** The declared fence agents present in /usr/sbin. */
  fenceAgentsInstalled: string[];
  /** How the node installs packages: "rhel" (dnf), "debian" (apt), "" (neither found). */
  packageFamily: PackageFamily;
  pcsVersion: string;
  pacemakerVersion: string;
  corosyncVersion: string;
  firewalld: "running" | "absent";
  haServiceOpen: boolean;
  pcsdEnabled: boolean;
  pcsdRunning: boolean;
  /** null when no password is declared */
  passwordInSync: boolean | null;
}

export type NodeOutputs = NodeInputs & NodeFacts;

// ---- package families ----------------------------------------------------------------------------

export type PackageFamily = "rhel" | "debian" | "";

/**
 * Fence agents shipped in a package not named after them (fence-agents.spec.in at 4.16, whose
 * names RHEL and Debian 13 use); the others are in fence-agents-NAME (fence_ilo_ssh: ilo-ssh).
 */
const AGENT_PACKAGES: Record<string, string> = {
  fence_tripplite_snmp: "apc-snmp",
  fence_evacuate: "compute",
  fence_epsr2: "eps",
  fence_ilo: "ilo2",
  fence_ilo3_ssh: "ilo-ssh",
  fence_ilo4_ssh: "ilo-ssh",
  fence_ilo5_ssh: "ilo-ssh",
  fence_idrac: "ipmilan",
  fence_ilo3: "ipmilan",
  fence_ilo4: "ipmilan",
  fence_ilo5: "ipmilan",
  fence_imm: "ipmilan",
  fence_ipmilanplus: "ipmilan",
  fence_zvmip: "zvm",
};

/** The split package that ships an agent: fence_virsh is in fence-agents-virsh. */
export const splitAgentPackage = (agent: string): string =>
  `fence-agents-${Object.hasOwn(AGENT_PACKAGES, agent) ? AGENT_PACKAGES[agent] : agent.slice("fence_".length).replace(/_/g, "-")}`;

/** RHEL has no fence-agents package: its fence-agents-all installs every agent, as Debian's does. */
const rhelPackage = (p: string): string => (p === "fence-agents" ? "fence-agents-all" : p);

/** The names the read asks about: the declared ones, and the RHEL family's name of each. */
const packagesToRead = (packages: string[]): string[] => [
  ...new Set([...packages, ...packages.map(rhelPackage)]),
];

/** Whether a declared package is installed on a node of this family. */
export const packageInstalled = (family: PackageFamily, p: string, installed: string[]): boolean =>
  installed.includes(family === "rhel" ? rhelPackage(p) : p) || installed.includes(p);

// ---- remote commands ----------------------------------------------------------------------------

const HOSTS_BEGIN = "# BEGIN pcmk-lab managed hosts";
const HOSTS_END = "# END pcmk-lab managed hosts";

// Reads every fact in one round trip. Package names arrive as "$@" ("package:NAME"), fence agents
// as "agent:NAME"; the declared password, if any, on stdin: it is compared on the node with the
// shadow hash, which never leaves the node.
const READ_SCRIPT = `
. /etc/os-release 2>/dev/null; echo "os=$PRETTY_NAME"
if command -v dnf >/dev/null; then echo family=rhel; elif command -v apt-get >/dev/null; then echo family=debian; fi
echo "hostname=$(hostname -f 2>/dev/null || hostname)"
echo "pcs=$(pcs --version 2>/dev/null)"
echo "pacemaker=$(pacemakerd --version 2>/dev/null | sed -n '1s/^Pacemaker //p')"
echo "corosync=$(corosync -v 2>/dev/null | sed -n "1s/.*version '\\([^']*\\)'.*/\\1/p")"
if command -v firewall-cmd >/dev/null && firewall-cmd --state >/dev/null 2>&1; then
  echo firewalld=running
  firewall-cmd --query-service=high-availability >/dev/null 2>&1 && echo haService=open
else echo firewalld=absent; fi
systemctl is-enabled pcsd >/dev/null 2>&1 && echo pcsdEnabled=true
systemctl is-active pcsd >/dev/null 2>&1 && echo pcsdRunning=true
for a in "$@"; do
  case "$a" in
  package:*) p=\${a#package:}
    if dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || rpm -q "$p" >/dev/null 2>&1
    then echo "installed=$p"; fi ;;
  agent:*) [ -x "/usr/sbin/\${a#agent:}" ] && echo "agent=\${a#agent:}" ;;
  esac
done
sed -n '/^${HOSTS_BEGIN}$/,/^${HOSTS_END}$/p' /etc/hosts | sed '1d;$d' | sed 's/^/hosts=/'
if IFS= read -r pw; then
  # libcrypt through ctypes: Python 3.13 (Debian 13) has no crypt module any more
  printf '%s' "$pw" | python3 -c 'import ctypes, ctypes.util, subprocess, sys
lib = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
lib.crypt.restype, lib.crypt.argtypes = ctypes.c_char_p, [ctypes.c_char_p, ctypes.c_char_p]
h = subprocess.run(["getent", "shadow", "hacluster"], capture_output=True, text=True).stdout.split(":")[1].encode()
print("passwordInSync=" + ("true" if lib.crypt(sys.stdin.read().encode(), h) == h else "false"))' 2>/dev/null
fi
`;

const SET_HOSTNAME = `
if [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null; then hostnamectl set-hostname "$1"
else hostname "$1" && echo "$1" >/etc/hostname; fi`;

// `pcs host deauth` without names forgets every known host; only run when there are some.
const FORGET_TOKENS = `
python3 -c 'import json, sys; sys.exit(0 if json.load(open("/var/lib/pcsd/known-hosts"))["known_hosts"] else 1)' \
  2>/dev/null || exit 0
pcs host deauth`;

// Replaces the managed block of /etc/hosts with stdin (empty stdin: removes the block).
const WRITE_HOSTS = `
tmp=$(mktemp) && block=$(cat) &&
sed '/^${HOSTS_BEGIN}$/,/^${HOSTS_END}$/d' /etc/hosts >"$tmp" &&
if [ -n "$block" ]; then printf '%s\\n%s\\n%s\\n' '${HOSTS_BEGIN}' "$block" '${HOSTS_END}' >>"$tmp"; fi &&
cat "$tmp" >/etc/hosts; rc=$?; rm -f "$tmp"; exit $rc`;

// The High Availability repository, off by default: "highavailability" on CentOS Stream 9 and 10
// (and the rebuilds that follow it), rhel-N-for-ARCH-highavailability-rpms on RHEL 9 and 10;
// Fedora has none (pcs is in its own repositories). A fence agent is asked for by its file, which
// dnf resolves to the package that ships it.
const DNF_INSTALL = `
ha=$(dnf -q repolist --all 2>/dev/null | awk '{print $1}' |
  grep -E '^(highavailability|rhel-[0-9]+-for-[a-z0-9_]+-highavailability-rpms)$' | paste -sd, -)
dnf install -y \${ha:+"--enablerepo=$ha"} "$@"`;

// Arguments up to "--" are packages; after it, each agent's split package (fence-agents-virsh…),
// which only releases that split fence-agents have (Debian 13, not 12): else fence-agents.
const APT_INSTALL = `
seen=; for a in "$@"; do
  shift
  if [ "$a" = -- ]; then seen=1; continue; fi
  if [ -z "$seen" ] || apt-cache show "$a" >/dev/null 2>&1; then set -- "$@" "$a"
  else case " $* " in *" fence-agents "*) ;; *) set -- "$@" fence-agents ;; esac; fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"`;

const OPEN_FIREWALL = `firewall-cmd --permanent --add-service=high-availability && firewall-cmd --add-service=high-availability`;

const sh = (script: string, ...args: string[]): string[] => ["sh", "-c", script, "sh", ...args];

/** A command for a node: its argv (one element per argument) and what it is given on stdin. */
export interface NodeCommand {
  argv: string[];
  stdin: string | Secret;
}

/** The read of every fact: packages and agents as arguments, the declared password on stdin. */
export const readCommand = (inputs: NodeInputs): NodeCommand => ({
  argv: sh(
    READ_SCRIPT,
    ...packagesToRead(inputs.packages).map((p) => `package:${p}`),
    ...inputs.fenceAgents.map((a) => `agent:${a}`),
  ),
  stdin: inputs.haclusterPassword ? new Secret(inputs.haclusterPassword + "\n") : "",
});
/** Packages and fence agents installed the family's way (apt's when the family is not known). */
export function installArgv(packages: string[], agents: string[] = [], family: PackageFamily = ""): string[] {
  if (family === "rhel")
    return sh(DNF_INSTALL, ...packages.map(rhelPackage), ...agents.map((a) => `/usr/sbin/${a}`));
  return sh(APT_INSTALL, ...packages, "--", ...agents.map(splitAgentPackage));
}
export const hostnameArgv = (hostname: string): string[] => sh(SET_HOSTNAME, hostname);
/** The managed block of /etc/hosts, written from stdin (empty hosts: the block is removed). */
export const hostsCommand = (hosts: NodeInputs["hosts"]): NodeCommand => ({
  argv: sh(WRITE_HOSTS),
  stdin: hostsText(hosts),
});
export const passwordCommand = (password: string): NodeCommand => ({
  argv: ["chpasswd"],
  stdin: new Secret(`hacluster:${password}\n`),
});

// ---- reader -------------------------------------------------------------------------------------

const targetOf = (inputs: NodeInputs, pinned?: string): SshTarget =>
  connectionTarget(inputs, inputs.hostname ?? inputs.host, pinned);

export function parseFacts(text: string): Omit<NodeFacts, "hostKeyFingerprint"> {
  const facts: Omit<NodeFacts, "hostKeyFingerprint"> = {
    os: "",
    liveHostname: "",
    liveHosts: [],
    packagesInstalled: [],
    fenceAgentsInstalled: [],
    packageFamily: "",
    pcsVersion: "",
    pacemakerVersion: "",
    corosyncVersion: "",
    firewalld: "absent",
    haServiceOpen: false,
    pcsdEnabled: false,
    pcsdRunning: false,
    passwordInSync: null,
  };
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const [key, value] = [line.slice(0, eq), line.slice(eq + 1)];
    switch (key) {
      case "os":
        facts.os = value;
        break;
      case "hostname":
        facts.liveHostname = value;
        break;
      case "pcs":
        facts.pcsVersion = value;
        break;
      case "pacemaker":
        facts.pacemakerVersion = value;
        break;
      case "corosync":
        facts.corosyncVersion = value;
        break;
      case "firewalld":
        facts.firewalld = value === "running" ? "running" : "absent";
        break;
      case "haService":
        facts.haServiceOpen = value === "open";
        break;
      case "pcsdEnabled":
        facts.pcsdEnabled = true;
        break;
      case "pcsdRunning":
        facts.pcsdRunning = true;
        break;
      case "installed":
        facts.packagesInstalled.push(value);
        break;
      case "agent":
        facts.fenceAgentsInstalled.push(value);
        break;
      case "family":
        facts.packageFamily = value === "rhel" || value === "debian" ? value : "";
        break;
      case "hosts": {
        const [addr, ...names] = value.trim().split(/\s+/);
        if (addr) facts.liveHosts.push({ address: addr, names });
        break;
      }
      case "passwordInSync":
        facts.passwordInSync = value === "true";
        break;
    }
  }
  return facts;
}

export async function readNode(pool: SshPool, inputs: NodeInputs, pinned?: string): Promise<NodeFacts> {
  const target = targetOf(inputs, pinned);
  const hostKeyFingerprint = await pool.hostKeyFingerprint(target);
  const { argv, stdin } = readCommand(inputs);
  const facts = parseFacts(await pool.run(target, argv, { stdin }));
  const installed = (p: string) => packageInstalled(facts.packageFamily, p, facts.packagesInstalled);
  return { hostKeyFingerprint, ...facts, packagesInstalled: inputs.packages.filter(installed) };
}

// ---- diff and lifecycle ----------------------------------------------------------------------------

const hostsText = (hosts: NodeInputs["hosts"]): string =>
  hosts.map((h) => `${h.address} ${h.names.join(" ")}`).join("\n");

/** What must change on the node to reach the declared state, given its live facts. */
export function nodeDrift(live: Partial<NodeOutputs>, declared: NodeInputs): (keyof NodeInputs)[] {
  const drift: (keyof NodeInputs)[] = [];
  if (declared.hostname && live.liveHostname !== declared.hostname) drift.push("hostname");
  if (hostsText(live.liveHosts ?? []) !== hostsText(declared.hosts)) drift.push("hosts");
  if (declared.packages.some((p) => !(live.packagesInstalled ?? []).includes(p))) drift.push("packages");
  if (declared.fenceAgents.some((a) => !(live.fenceAgentsInstalled ?? []).includes(a)))
    drift.push("fenceAgents");
  if (declared.openFirewall && live.firewalld === "running" && !live.haServiceOpen)
    drift.push("openFirewall");
  if (declared.pcsd && !(live.pcsdEnabled && live.pcsdRunning)) drift.push("pcsd");
  if (declared.haclusterPassword !== undefined) {
    if (live.haclusterPassword !== declared.haclusterPassword || live.passwordInSync === false) {
      drift.push("haclusterPassword");
    }
  }
  return drift;
}

/** Drift the node's facts show for a field: what converge would change. */
const drifted =
  (field: keyof NodeInputs) =>
  (olds: NodeOutputs, news: NodeInputs): boolean =>
    nodeDrift(olds, news).includes(field);

/** The key and the pin are the pulumi side's: a change is recorded, and nothing runs on the node. */
const changedHere =
  (field: "privateKey" | "privateKeyPath" | "hostKeyFingerprint") =>
  (olds: NodeOutputs, news: NodeInputs): boolean =>
    news[field] !== undefined && olds[field] !== news[field];

/** A field converge makes as declared; a refresh gives the node's fact where it drifted. */
const onNode = (field: keyof NodeInputs & keyof NodeOutputs, fact: (s: NodeOutputs) => unknown) =>
  comparedWith<NodeOutputs, NodeInputs>(field, drifted(field), fact);

const nodeRules: FieldRules<NodeOutputs, NodeInputs> = {
  // another machine is another node
  host: { replaces: true },
  port: { replaces: true },
  user: { replaces: true },
  privateKey: { secret: true, differs: changedHere("privateKey") },
  privateKeyPath: { differs: changedHere("privateKeyPath") },
  hostKeyFingerprint: { differs: changedHere("hostKeyFingerprint") },
  hostname: onNode("hostname", (s) => s.liveHostname),
  hosts: onNode("hosts", (s) => s.liveHosts),
  packages: onNode("packages", (s) => s.packagesInstalled),
  fenceAgents: onNode("fenceAgents", (s) => s.fenceAgentsInstalled),
  openFirewall: onNode("openFirewall", () => false),
  haclusterPassword: { ...onNode("haclusterPassword", () => CHANGED_OUTSIDE), secret: true },
  pcsd: onNode("pcsd", () => false),
};

export const nodeDiff = (olds: NodeOutputs, news: NodeInputs): DiffResult =>
  diffOf(nodeRules, olds, news, false);

async function converge(pool: SshPool, inputs: NodeInputs, live: NodeFacts): Promise<void> {
  const target = targetOf(inputs, live.hostKeyFingerprint);
  const todo = nodeDrift(live, inputs);
  if (todo.includes("packages") || todo.includes("fenceAgents")) {
    const packages = inputs.packages.filter((p) => !live.packagesInstalled.includes(p));
    const agents = inputs.fenceAgents.filter((a) => !live.fenceAgentsInstalled.includes(a));
    await pool.run(target, installArgv(packages, agents, live.packageFamily), { timeoutMs: 1_800_000 });
  }
  if (todo.includes("hostname")) await pool.run(target, hostnameArgv(inputs.hostname!));
  if (todo.includes("hosts")) {
    const { argv, stdin } = hostsCommand(inputs.hosts);
    await pool.run(target, argv, { stdin });
  }
  if (todo.includes("openFirewall")) await pool.run(target, sh(OPEN_FIREWALL));
  if (todo.includes("haclusterPassword")) {
    const { argv, stdin } = passwordCommand(inputs.haclusterPassword!);
    await pool.run(target, argv, { stdin });
  }
  if (todo.includes("pcsd")) await pool.run(target, sh("systemctl enable pcsd && systemctl start pcsd"));
}

export const nodeKind = defineKind<typeof nodeInputsSchema, NodeOutputs>({
  name: "Node",
  schema: nodeInputsSchema,
  fields: nodeRules,
  outputs: [
    "os",
    "liveHostname",
    "packageFamily",
    "fenceAgentsInstalled",
    "pcsVersion",
    "pacemakerVersion",
    "corosyncVersion",
    "firewalld",
    "pcsdRunning",
  ],
  // a Node replaced is another machine: the new one is made ready before the old one is let go
  deleteBeforeReplace: false,

  async create(pool: SshPool, inputs: NodeInputs): Promise<{ id: string; outs: NodeOutputs }> {
    const before = await readNode(pool, inputs);
    await converge(pool, inputs, before);
    const after = await readNode(pool, inputs, before.hostKeyFingerprint);
    return { id: `${inputs.user}@${inputs.host}:${inputs.port}`, outs: { ...inputs, ...after } };
  },

  async read(pool: SshPool, id: string, props: NodeOutputs): Promise<{ id: string; props: NodeOutputs }> {
    return { id, props: { ...props, ...(await readNode(pool, props, props.hostKeyFingerprint)) } };
  },

  async update(
    pool: SshPool,
    _id: string,
    olds: NodeOutputs,
    news: NodeInputs,
  ): Promise<{ outs: NodeOutputs }> {
    const pinned = news.hostKeyFingerprint ?? olds.hostKeyFingerprint;
    const live = await readNode(pool, news, pinned);
    await converge(pool, news, live);
    return { outs: { ...news, ...(await readNode(pool, news, pinned)) } };
  },

  /**
   * Removes the managed hosts block and the pcs tokens the node was given (pcs cluster setup
   * copies them to every member; by now the cluster and ClusterAuth are gone); packages and
   * pcsd stay.
   */
  async remove(pool: SshPool, _id: string, props: NodeOutputs): Promise<void> {
    const target = targetOf(props, props.hostKeyFingerprint);
    const { argv, stdin } = hostsCommand([]);
    await pool.run(target, argv, { stdin });
    await pool.run(target, sh(FORGET_TOKENS));
  },
});

// ---- the resource ---------------------------------------------------------------------------------

export type NodeArgs = ArgsOf<typeof nodeInputsSchema>;

export class Node extends DynamicResource {
  declare readonly hostKeyFingerprint: pulumi.Output<string>;
  declare readonly os: pulumi.Output<string>;
  declare readonly liveHostname: pulumi.Output<string>;
  declare readonly packageFamily: pulumi.Output<string>;
  declare readonly fenceAgentsInstalled: pulumi.Output<string[]>;
  declare readonly pcsVersion: pulumi.Output<string>;
  declare readonly pacemakerVersion: pulumi.Output<string>;
  declare readonly corosyncVersion: pulumi.Output<string>;
  declare readonly firewalld: pulumi.Output<string>;
  declare readonly pcsdRunning: pulumi.Output<boolean>;
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly user: pulumi.Output<string>;
  declare readonly privateKey: pulumi.Output<string | undefined>;
  declare readonly privateKeyPath: pulumi.Output<string | undefined>;

  /** The key as the program gave it (the output of a field not given is unknown during preview). */
  readonly #key: pulumi.Output<Pick<Connection, "privateKey" | "privateKeyPath">>;

  /**
   * How other resources reach this node: its address, login, key (or key file) and the host key
   * pinned here. Secret when it holds the key.
   */
  get connection(): pulumi.Output<Connection> {
    return pulumi
      .all([this.host, this.port, this.user, this.#key, this.hostKeyFingerprint])
      .apply(([host, port, user, key, hostKeyFingerprint]): pulumi.Output<Connection> => {
        const connection: Connection = { host, port, user, ...key, hostKeyFingerprint };
        return key.privateKey !== undefined ? pulumi.secret(connection) : pulumi.output(connection);
      });
  }

  constructor(name: string, args: NodeArgs, opts?: pulumi.CustomResourceOptions) {
    // the connection's fields are outputs too when the program does not give them (a default, the
    // key it does not use, the host key pinned at create)
    const connection = {
      port: undefined,
      user: undefined,
      privateKey: undefined,
      privateKeyPath: undefined,
      hostKeyFingerprint: undefined,
    };
    super(nodeKind, name, { ...connection, ...args }, opts);
    this.#key =
      args.privateKey !== undefined
        ? pulumi.output({ privateKey: args.privateKey })
        : pulumi.output({ privateKeyPath: args.privateKeyPath });
  }
}
