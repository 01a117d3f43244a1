// DrSite: pcs's disaster-recovery pair: the cluster of `runOn` as the primary site, the cluster
// of `recoveryNode` as the recovery site (`pcs dr set-recovery-site`). pcs keeps the pair in
// /var/lib/pcsd/disaster-recovery on every node of both sites; the reader reads that file, the
// one `pcs dr config` prints (`pcs dr status` is broken in pcs 0.11.5), on runOn and, when
// `recoveryRunOn` is given, on the recovery node: one `cat` each, no pcs start-up.
// runOn's pcsd needs tokens for the nodes of both sites (a ClusterAuth that lists them).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { connectionRule, connectionSchema, dnsName, targetOf } from "../kit/connection";
import { ArgsOf, DynamicResource } from "../kit/dynamic";
import { comparedWith, defineKind, DiffResult, diffOf, FieldRules, GONE } from "../kit/kind";
import { nameOf, SshPool, SshTarget } from "../transport/ssh";

// ---- schema -----------------------------------------------------------------------------------

export const drSiteInputsSchema = z
  .object({
    /** A node of the primary (local) cluster. */
    runOn: connectionSchema,
    /** A node of the recovery cluster, by its pcs name. */
    recoveryNode: dnsName,
    /** A connection to the recovery node, to check its side of the pair too (optional). */
    recoveryRunOn: connectionSchema.optional(),
    adopt: z.boolean().default(false),
  })
  .strict();

export type DrSiteInputs = z.infer<typeof drSiteInputsSchema>;

/** One site's file, as pcs writes it. */
export interface DrConfigFile {
  local: { role: "PRIMARY" | "RECOVERY" };
  remote_sites: { role: "PRIMARY" | "RECOVERY"; nodes: { name: string }[] }[];
}

export interface DrSiteFacts {
  /** This site's role as its file says ("" when the file is missing). */
  localRole: string;
  /** The recovery site's nodes, as the primary's file lists them. */
  recoverySiteNodes: string[];
  /** The primary site's nodes, as the primary's file lists them. */
  primarySiteNodes: string[];
  /** The recovery node's own role ("" without recoveryRunOn or when its file is missing). */
  recoveryNodeRole: string;
}

export type DrSiteOutputs = DrSiteInputs & DrSiteFacts;

// ---- pcs commands and reader ------------------------------------------------------------------

export const DR_CONFIG_PATH = "/var/lib/pcsd/disaster-recovery";
const READ_ARGV = ["sh", "-c", `cat ${DR_CONFIG_PATH} 2>/dev/null || true`];
export const setRecoverySiteArgv = (node: string) => ["pcs", "dr", "set-recovery-site", node];
export const DESTROY_ARGV = ["pcs", "dr", "destroy"];

export function parseDrConfig(text: string, where: string): DrConfigFile | null {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text) as DrConfigFile;
  } catch {
    throw new Error(`${where}: ${DR_CONFIG_PATH} is not the JSON pcs writes: ${text.slice(0, 200)}`);
  }
}

const siteNodes = (file: DrConfigFile | null, role: string): string[] =>
  (file?.remote_sites ?? []).filter((s) => s.role === role).flatMap((s) => s.nodes.map((n) => n.name));

export function factsOf(primary: DrConfigFile | null, recovery: DrConfigFile | null): DrSiteFacts {
  return {
    localRole: primary?.local.role ?? "",
    recoverySiteNodes: siteNodes(primary, "RECOVERY").sort(),
    primarySiteNodes: siteNodes(recovery, "PRIMARY").sort(),
    recoveryNodeRole: recovery?.local.role ?? "",
  };
}

const primaryTarget = (d: DrSiteInputs): SshTarget => targetOf(d.runOn);
const recoveryTarget = (d: DrSiteInputs): SshTarget | null =>
  d.recoveryRunOn ? targetOf(d.recoveryRunOn, d.recoveryNode) : null;

async function readFile(pool: SshPool, target: SshTarget | null): Promise<DrConfigFile | null> {
  return target ? parseDrConfig(await pool.run(target, READ_ARGV), nameOf(target)) : null;
}

async function readFacts(
  pool: SshPool,
  d: DrSiteInputs,
): Promise<{ facts: DrSiteFacts; configured: boolean }> {
  const [primary, recovery] = await Promise.all([
    readFile(pool, primaryTarget(d)),
    readFile(pool, recoveryTarget(d)),
  ]);
  return { facts: factsOf(primary, recovery), configured: primary !== null };
}

/** The pair as declared: runOn's site primary, the recovery node in its recovery site (and, when checked, the recovery node knows it is). */
export function isAsDeclared(d: DrSiteInputs, f: DrSiteFacts): boolean {
  return (
    f.localRole === "PRIMARY" &&
    f.recoverySiteNodes.includes(d.recoveryNode) &&
    (!d.recoveryRunOn || f.recoveryNodeRole === "RECOVERY")
  );
}

// ---- diff -------------------------------------------------------------------------------------

/** Another node of the same recovery site names the same pair. */
const sameSite = (olds: DrSiteOutputs, news: DrSiteInputs): boolean =>
  olds.recoverySiteNodes?.includes(news.recoveryNode) ?? olds.recoveryNode === news.recoveryNode;

const drSiteRules: FieldRules<DrSiteOutputs, DrSiteInputs> = {
  runOn: connectionRule("runOn"),
  recoveryNode: {
    replaces: (o, n) => !sameSite(o, n),
    // the pair as the sites' files have it: one lost, or another pair set by hand, is set again
    // (a refresh gives no recovery node then: the declared pair is not there)
    ...comparedWith(
      "recoveryNode",
      (o, n) => !sameSite(o, n) || !isAsDeclared(n, o),
      () => null,
    ),
  },
  recoveryRunOn: connectionRule("recoveryRunOn"),
  adopt: { differs: false },
};

export const drSiteDiff = (olds: DrSiteOutputs, news: DrSiteInputs): DiffResult =>
  diffOf(drSiteRules, olds, news, true);

// ---- lifecycle --------------------------------------------------------------------------------

const owner = (d: DrSiteInputs) => `DrSite (recovery site of ${d.recoveryNode})`;

async function pcsOn(pool: SshPool, d: DrSiteInputs, argv: string[]): Promise<void> {
  try {
    await pool.run(primaryTarget(d), argv, { timeoutMs: 120_000 });
  } catch (e) {
    throw new Error(`${owner(d)}: ${(e as Error).message}`);
  }
}

const PCSD_RETRY_DELAY_MS = 3_000;

/**
 * `pcs dr destroy`, once more when it failed and runOn's file is still there: a node's pcsd
 * answers now and then with HTTP 500 while its Ruby half is busy, and removing the files again is
 * harmless (pcs counts a file already gone as removed). The error names both tries.
 */
async function destroyPair(pool: SshPool, d: DrSiteInputs, argv: string[]): Promise<void> {
  try {
    await pcsOn(pool, d, argv);
  } catch (first) {
    if (!(await readFacts(pool, d)).configured) throw first;
    await new Promise((resolve) => setTimeout(resolve, PCSD_RETRY_DELAY_MS));
    try {
      await pcsOn(pool, d, argv);
    } catch (second) {
      throw new Error(
        `${(second as Error).message}\n(tried twice; the first try: ${(first as Error).message})`,
      );
    }
  }
}

async function settled(pool: SshPool, d: DrSiteInputs): Promise<DrSiteOutputs> {
  const { facts } = await readFacts(pool, d);
  if (!isAsDeclared(d, facts))
    throw new Error(
      `${owner(d)}: pcs reported success but ${DR_CONFIG_PATH} says: local role '${facts.localRole}', ` +
        `recovery site [${facts.recoverySiteNodes.join(", ")}]` +
        (d.recoveryRunOn ? `, the recovery node's role '${facts.recoveryNodeRole}'` : ""),
    );
  return { ...d, ...facts };
}

export const drSiteKind = defineKind<typeof drSiteInputsSchema, DrSiteOutputs>({
  name: "DrSite",
  schema: drSiteInputsSchema,
  fields: drSiteRules,
  outputs: ["localRole", "recoverySiteNodes", "primarySiteNodes", "recoveryNodeRole"],

  async create(pool: SshPool, d: DrSiteInputs) {
    const { facts, configured } = await readFacts(pool, d);
    if (configured) {
      if (!isAsDeclared(d, facts))
        throw new Error(
          `${owner(d)}: ${primaryTarget(d).label} already has a disaster-recovery configuration ` +
            `(role '${facts.localRole}', other site [${facts.recoverySiteNodes.join(", ")}]): ` +
            "remove it with `pcs dr destroy` first",
        );
      if (!d.adopt)
        throw new Error(
          `${owner(d)}: this pair is already configured on ${primaryTarget(d).label}: set adopt: true to take it over`,
        );
    } else {
      await pcsOn(pool, d, setRecoverySiteArgv(d.recoveryNode));
    }
    return { id: d.recoveryNode, outs: await settled(pool, d) };
  },

  async read(pool: SshPool, id: string, props: DrSiteOutputs) {
    const { facts, configured } = await readFacts(pool, props);
    return configured ? { id, props: { ...props, ...facts } } : GONE;
  },

  /** The pair half-gone (one site's file lost): destroyed and set again. */
  async update(pool: SshPool, _id: string, _olds: DrSiteOutputs, news: DrSiteInputs) {
    const { facts, configured } = await readFacts(pool, news);
    if (!isAsDeclared(news, facts)) {
      if (configured) await destroyPair(pool, news, [...DESTROY_ARGV, "--skip-offline"]);
      await pcsOn(pool, news, setRecoverySiteArgv(news.recoveryNode));
    }
    return { outs: await settled(pool, news) };
  },

  /** `pcs dr destroy` (both sites); nothing to do when the file is already gone. */
  async remove(pool: SshPool, _id: string, props: DrSiteOutputs) {
    const { configured } = await readFacts(pool, props);
    if (configured) await destroyPair(pool, props, DESTROY_ARGV);
  },
});

// ---- the resource -----------------------------------------------------------------------------

export type DrSiteArgs = ArgsOf<typeof drSiteInputsSchema>;

export class DrSite extends DynamicResource {
  declare readonly localRole: pulumi.Output<string>;
  declare readonly recoverySiteNodes: pulumi.Output<string[]>;
  declare readonly primarySiteNodes: pulumi.Output<string[]>;

  constructor(name: string, args: DrSiteArgs, opts?: pulumi.CustomResourceOptions) {
    super(drSiteKind, name, args, opts);
  }
}
