// Lab configuration: lab.config.json beside this file, overridden by LAB_* environment variables.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { repoRoot } from "../common/repo-root";

const labConfigSchema = z.object({
  stateDir: z.string().startsWith("/"),
  bridge: z.string().regex(/^[a-z][a-z0-9]{1,14}$/),
  subnet: z.string().regex(/^10\.\d{1,3}\.\d{1,3}$/, "a /24 prefix inside 10.0.0.0/8, e.g. 10.77.0"),
  domain: z.string().regex(/^[a-z0-9.-]+$/),
  haclusterPassword: z.string().min(1),
  fencePowerOnDelaySeconds: z.number().int().min(0).max(300),
  /** Debian packages the host needs, and the bookworm nodes run (they share the host's /usr). */
  packages: z.array(z.string()),
  /**
   * The generation the nodes run: the host's own packages, or a Debian root of their own. Unset:
   * the generation the nodes' disks were made for, else DEFAULT_RELEASE.
   */
  release: z.enum(["bookworm", "trixie"]).optional(),
  /** Where the roots of the other generations are kept, built once (outside the repository). */
  rootCache: z.string().startsWith("/"),
  /** The generations that run from a root of their own: what their root holds. */
  generations: z.record(z.string(), z.object({ packages: z.array(z.string()).min(1) })),
  /**
   * Which of the labs side by side on the one bridge this is (LAB_INSTANCE): 0, today's lab, or
   * up to three more, each with its own state dir, namespaces, addresses and hypervisor.
   */
  instance: z.number().int().min(0).max(3).default(0),
});
export type LabConfig = z.infer<typeof labConfigSchema>;
export type Release = NonNullable<LabConfig["release"]>;
export const RELEASES: readonly Release[] = labConfigSchema.shape.release.unwrap().options;
export const DEFAULT_RELEASE: Release = "bookworm";
/** Addresses of the subnet each lab instance has: instance k uses .(10+k·20)… for its nodes. */
const ADDRESSES_PER_INSTANCE = 20;

/** Sources of the lab (node scripts, hypervisor files): the repository's lab/ folder. */
export const labSourceDir = path.join(repoRoot, "lab");

// Overlayfs refuses an upper dir inside its lower dir (the nodes overlay /etc and /var), and
// each node mounts its own home over /root.
const overlaidByNodes = ["/etc", "/var", "/root"];

export function loadLabConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  if (env.LAB_RELEASE && !(RELEASES as readonly string[]).includes(env.LAB_RELEASE))
    throw new Error(`LAB_RELEASE=${env.LAB_RELEASE}: the lab's generations are ${RELEASES.join(", ")}`);
  const file = JSON.parse(readFileSync(path.join(labSourceDir, "lab.config.json"), "utf8"));
  const instance = env.LAB_INSTANCE ? Number(env.LAB_INSTANCE) : 0;
  if (!/^[0-3]?$/.test(env.LAB_INSTANCE ?? ""))
    throw new Error(`LAB_INSTANCE=${env.LAB_INSTANCE}: a lab instance is 0, 1, 2 or 3`);
  const config = labConfigSchema.parse({
    ...file,
    instance,
    // another instance's state dir beside the first one's
    ...(instance > 0 ? { stateDir: `${file.stateDir}-${instance}` } : {}),
    ...(env.LAB_DIR ? { stateDir: env.LAB_DIR } : {}),
    ...(env.LAB_HACLUSTER_PASSWORD ? { haclusterPassword: env.LAB_HACLUSTER_PASSWORD } : {}),
    ...(env.LAB_RELEASE ? { release: env.LAB_RELEASE } : {}),
    ...(env.PCMK_LAB_ROOT_CACHE ? { rootCache: env.PCMK_LAB_ROOT_CACHE } : {}),
  });
  const clash = overlaidByNodes.find((d) => config.stateDir === d || config.stateDir.startsWith(d + "/"));
  if (clash)
    throw new Error(`LAB_DIR ${config.stateDir} must not be under ${clash}: the nodes overlay ${clash}`);
  return config;
}

export interface NodeIdentity {
  name: string;
  fqdn: string;
  address: string;
}

export function nodeIdentity(config: LabConfig, index: number): NodeIdentity {
  const name = `node${index}`;
  return { name, fqdn: `${name}.${config.domain}`, address: labAddress(config, 10 + index) };
}

export function nodeIndex(name: string): number {
  const m = /^node([1-9])$/.exec(name);
  if (!m) throw new Error(`unknown node '${name}': expected node1..node9`);
  return Number(m[1]);
}

/** An address of this lab instance's share of the subnet: `offset` as instance 0 has it. */
export function labAddress(config: LabConfig, offset: number): string {
  return `${config.subnet}.${offset + ADDRESSES_PER_INSTANCE * config.instance}`;
}
/** The hypervisor's address on the shared bridge: .254, then downwards for each other instance. */
export const hypervisorAddress = (config: LabConfig): string => `${config.subnet}.${254 - config.instance}`;
/** The first of the addresses the stacks and tests give virtual IPs (.100, .101, … in instance 0). */
export const vipAddress = (config: LabConfig, offset = 0): string => labAddress(config, 100 + offset);
/** Names of this instance's network namespaces (lab-node1) and host-side NICs (v-node1). */
export const netnsPrefix = (config: LabConfig): string =>
  config.instance ? `lab${config.instance}-` : "lab-";
export const vethPrefix = (config: LabConfig): string => (config.instance ? `v${config.instance}-` : "v-");
