// ClusterAuth: `pcs host auth` of a set of nodes, run on one node (as the course does on node1).
// The hacluster password travels on stdin only. Read: which nodes that node's pcsd knows, and
// whether their tokens still work (`pcs pcsd status`).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isUnicodeText, NOT_UNICODE } from "../checks/inputs";
import { connectionRule, connectionSchema, dnsName, ipAddress, targetOf } from "../kit/connection";
import { ArgsOf, DynamicResource } from "../kit/dynamic";
import { comparedWith, defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import { corosyncCluster } from "../cib/corosync-conf";
import { Secret } from "../kit/secrets";
import { SshPool } from "../transport/ssh";

// ---- schema -----------------------------------------------------------------------------------

const authNode = z.object({ name: dnsName, addresses: z.array(ipAddress).default([]) }).strict();

export const clusterAuthInputsSchema = z
  .object({
    runOn: connectionSchema,
    nodes: z
      .array(authNode)
      .min(1)
      .refine((ns) => new Set(ns.map((n) => n.name)).size === ns.length, "each node name once"),
    username: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a Unix user name")
      .default("hacluster"),
    password: z
      .string()
      .min(1)
      .refine((s) => !/[\n\r\0]/.test(s), "no newline or NUL (pcs reads one line)")
      .refine(isUnicodeText, NOT_UNICODE),
  })
  .strict();

export type ClusterAuthInputs = z.infer<typeof clusterAuthInputsSchema>;
type AuthNode = z.infer<typeof authNode>;

export interface ClusterAuthFacts {
  /** Hosts known to pcsd on runOn, with their addresses (tokens never leave the node). */
  known: { name: string; addresses: string[] }[];
  /** Declared nodes whose token works now. */
  authenticated: string[];
}

export type ClusterAuthOutputs = ClusterAuthInputs & ClusterAuthFacts;

// ---- pcs commands and reader ---------------------------------------------------------------------

/** `pcs host auth -u USER name [addr=A]...`; the password is given on stdin. */
export function hostAuthArgv(username: string, nodes: AuthNode[]): string[] {
  return [
    "pcs",
    "host",
    "auth",
    "-u",
    username,
    ...nodes.flatMap((n) => [n.name, ...n.addresses.map((a) => `addr=${a}`)]),
  ];
}

export const hostDeauthArgv = (names: string[]): string[] => ["pcs", "host", "deauth", ...names];
export const pcsdStatusArgv = (names: string[]): string[] => ["pcs", "pcsd", "status", ...names];
/** What `pcs host auth` reads on stdin: the password, one line. */
export const authStdin = (password: string): Secret => new Secret(password + "\n");

// Prints "name addr,addr" per known host, without the tokens.
const LIST_KNOWN_HOSTS = `
import json, os
path = "/var/lib/pcsd/known-hosts"
hosts = json.load(open(path))["known_hosts"] if os.path.exists(path) else {}
for name, host in sorted(hosts.items()):
    print(name, ",".join(d["addr"] for d in host.get("dest_list", [])))
`;

export function parseKnownHosts(text: string): ClusterAuthFacts["known"] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [name, addrs = ""] = l.trim().split(/\s+/);
      return { name, addresses: addrs.split(",").filter(Boolean) };
    });
}

/** `pcs pcsd status` lines: "  node1.example.com: Online" or "...: Unable to authenticate".
 * pcs answers in whatever order the nodes reply: sorted, so that order is not drift. */
export function parsePcsdStatus(text: string): string[] {
  return [...text.matchAll(/^\s*(\S+): Online\s*$/gm)].map((m) => m[1]).sort();
}

export async function readClusterAuth(pool: SshPool, inputs: ClusterAuthInputs): Promise<ClusterAuthFacts> {
  const target = targetOf(inputs.runOn);
  const known = parseKnownHosts(await pool.run(target, ["python3", "-c", LIST_KNOWN_HOSTS]));
  const names = inputs.nodes.map((n) => n.name).filter((n) => known.some((k) => k.name === n));
  // `pcs pcsd status` exits non-zero when any node is not Online; its lines still tell which.
  const status = names.length ? await pool.exec(target, pcsdStatusArgv(names)) : undefined;
  return { known, authenticated: status ? parsePcsdStatus(status.stdout + status.stderr) : [] };
}

// ---- diff and lifecycle ---------------------------------------------------------------------------

const sameAddresses = (a: string[], b: string[]): boolean => a.length === 0 || a.join(",") === b.join(",");

/** Declared nodes that need `pcs host auth`: unknown, with other addresses, or a token that fails. */
export function nodesToAuth(live: ClusterAuthFacts, declared: ClusterAuthInputs): AuthNode[] {
  return declared.nodes.filter((n) => {
    const k = live.known.find((h) => h.name === n.name);
    return !k || !sameAddresses(n.addresses, k.addresses) || !live.authenticated.includes(n.name);
  });
}

/** Nodes this resource authenticated before and no longer declares. */
const nodesToDeauth = (olds: ClusterAuthInputs, news: ClusterAuthInputs): string[] =>
  olds.nodes.map((n) => n.name).filter((name) => !news.nodes.some((n) => n.name === name));

const clusterAuthRules: FieldRules<ClusterAuthOutputs, ClusterAuthInputs> = {
  // the tokens are that node's: pcs run as another login is another set of tokens
  runOn: connectionRule("runOn", { replacesOnOtherLogin: true }),
  // a node pcsd does not know (as declared), or whose token fails, is left out by a refresh
  nodes: comparedWith(
    "nodes",
    (o, n) => nodesToDeauth(o, n).length > 0 || nodesToAuth(o, n).length > 0,
    (s) => {
      const toAuth = new Set(nodesToAuth(s, s).map((n) => n.name));
      return s.nodes.filter((n) => !toAuth.has(n.name));
    },
  ),
  username: {},
  password: { secret: true },
};

export const clusterAuthDiff = (olds: ClusterAuthOutputs, news: ClusterAuthInputs): DiffResult =>
  diffOf(clusterAuthRules, olds, news, true);

/** Node names in runOn's corosync.conf (none when it is in no cluster). */
async function clusterMembers(pool: SshPool, inputs: ClusterAuthInputs): Promise<string[]> {
  const conf = await pool.run(targetOf(inputs.runOn), [
    "sh",
    "-c",
    "cat /etc/corosync/corosync.conf 2>/dev/null || true",
  ]);
  return conf.trim() ? corosyncCluster(conf).nodes.map((n) => n.name) : [];
}

async function authenticate(pool: SshPool, inputs: ClusterAuthInputs, nodes: AuthNode[]): Promise<void> {
  if (nodes.length === 0) return;
  await pool.run(targetOf(inputs.runOn), hostAuthArgv(inputs.username, nodes), {
    stdin: authStdin(inputs.password),
  });
}

export const clusterAuthKind = defineKind<typeof clusterAuthInputsSchema, ClusterAuthOutputs>({
  name: "ClusterAuth",
  schema: clusterAuthInputsSchema,
  fields: clusterAuthRules,
  outputs: ["known", "authenticated"],

  // `pcs host auth` only replaces tokens: authenticating nodes already known loses nothing, so
  // there is nothing to adopt.
  async create(pool: SshPool, inputs: ClusterAuthInputs) {
    await authenticate(pool, inputs, inputs.nodes);
    const outs: ClusterAuthOutputs = { ...inputs, ...(await readClusterAuth(pool, inputs)) };
    const failed = inputs.nodes.map((n) => n.name).filter((n) => !outs.authenticated.includes(n));
    if (failed.length)
      throw new Error(`pcs host auth succeeded but pcsd reports no working token for: ${failed.join(", ")}`);
    return { id: `${inputs.runOn.host}:${inputs.nodes.map((n) => n.name).join(",")}`, outs };
  },

  async read(pool: SshPool, id: string, props: ClusterAuthOutputs) {
    return { id, props: { ...props, ...(await readClusterAuth(pool, props)) } };
  },

  // A node still in runOn's cluster keeps its token: a Cluster that drops it runs
  // `pcs cluster node remove` after this update, and pcs needs the token for that.
  async update(pool: SshPool, _id: string, olds: ClusterAuthOutputs, news: ClusterAuthInputs) {
    const members = await clusterMembers(pool, news);
    const gone = nodesToDeauth(olds, news).filter(
      (name) => olds.known.some((k) => k.name === name) && !members.includes(name),
    );
    if (gone.length) await pool.run(targetOf(news.runOn), hostDeauthArgv(gone));
    const credentialsChanged = olds.password !== news.password || olds.username !== news.username;
    const live = await readClusterAuth(pool, news);
    await authenticate(pool, news, credentialsChanged ? news.nodes : nodesToAuth(live, news));
    return { outs: { ...news, ...(await readClusterAuth(pool, news)) } };
  },

  /** Deauthenticates the declared nodes that are still known; already gone is fine. */
  async remove(pool: SshPool, _id: string, props: ClusterAuthOutputs) {
    const target = targetOf(props.runOn);
    const known = parseKnownHosts(await pool.run(target, ["python3", "-c", LIST_KNOWN_HOSTS]));
    const names = props.nodes.map((n) => n.name).filter((n) => known.some((k) => k.name === n));
    if (names.length) await pool.run(target, hostDeauthArgv(names));
  },
});

// ---- the resource ---------------------------------------------------------------------------------

export type ClusterAuthArgs = ArgsOf<typeof clusterAuthInputsSchema>;

export class ClusterAuth extends DynamicResource {
  declare readonly known: pulumi.Output<ClusterAuthFacts["known"]>;
  declare readonly authenticated: pulumi.Output<string[]>;

  constructor(name: string, args: ClusterAuthArgs, opts?: pulumi.CustomResourceOptions) {
    super(clusterAuthKind, name, args, opts);
  }
}
