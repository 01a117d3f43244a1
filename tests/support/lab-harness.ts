// Test helpers for the lab: the CLI as a user runs it, ssh into nodes, polling, leftover checks.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../common/repo-root";
import {
  hypervisorAddress,
  loadLabConfig,
  netnsPrefix,
  nodeIdentity,
  nodeIndex,
  vethPrefix,
  vipAddress,
} from "../../lab/config";
import { Lab, LabStatus } from "../../lab/lab";

export const lab = new Lab(loadLabConfig());

export interface Completed {
  status: number;
  stdout: string;
  stderr: string;
}

function complete(r: ReturnType<typeof spawnSync>, timeoutMs?: number): Completed {
  const stdout = String(r.stdout ?? "");
  const stderr = String(r.stderr ?? "");
  // killed at its timeout: said so, not the 255 ssh exits with when it is killed
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT")
    return { status: 124, stdout, stderr: `${stderr}\n(killed: no end within ${(timeoutMs ?? 0) / 1000} s)` };
  return { status: r.status ?? 128, stdout, stderr };
}

/** The built CLI, exactly as `npm run lab -- ...` runs it (the hypervisor calls it too). */
export function labCli(...args: string[]): Completed {
  const cli = path.join(repoRoot, "dist", "lab", "cli.js");
  return complete(
    spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 300_000 }),
    300_000,
  );
}

/** A node's address in this lab instance, known without asking the lab (from its configuration). */
export const nodeAddress = (name: string): string => nodeIdentity(lab.config, nodeIndex(name)).address;

export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A RegExp written as a template whose source is taken raw (as in a /literal/) and whose
 * interpolated values match literally: rx`failed on ${nodeAddress("node1")}: Error`.
 */
export function rx(source: TemplateStringsArray, ...values: string[]): RegExp {
  return new RegExp(
    source.raw.map((part, i) => part + (i < values.length ? escapeRegExp(values[i]) : "")).join(""),
  );
}

/** The lab's virtual IPs for stacks and tests: vip(0) the lab stack's (.100 on instance 0), then .101, … */
export const vip = (offset = 0): string => vipAddress(lab.config, offset);

export function labStatus(): LabStatus {
  const r = labCli("status");
  if (r.status !== 0) throw new Error(`lab status failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * Runs a shell command on a node over ssh; `input` goes to its stdin (how secrets travel). Killed
 * after `timeoutMs`: give a command that waits on the cluster (pcs's --wait) more than its wait.
 */
export function onNode(name: string, command: string, input?: string, timeoutMs = 120_000): Completed {
  const [ssh, ...args] = lab.sshArgv(name, [command]);
  return complete(spawnSync(ssh, args, { encoding: "utf8", input, timeout: timeoutMs }), timeoutMs);
}

export function onNodeOk(name: string, command: string, input?: string, timeoutMs?: number): string {
  const r = onNode(name, command, input, timeoutMs);
  if (r.status !== 0) throw new Error(`${name}: '${command}' exited ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * What a node has of cluster software state: files pcs/corosync/DRBD/this project write, services.
 * A stack's destroy leaves it as it was before the stack's up.
 */
export const nodeState = (n: string): string =>
  onNodeOk(
    n,
    "ls -A /etc/corosync /etc/drbd.d /var/lib/pacemaker/cib /var/lib/pcmk-lab-drbd 2>&1; " +
      "sed -n '/pcmk-lab managed hosts/,$p' /etc/hosts; " +
      // pcs host deauth of the last host leaves an empty file where there was none: the same to pcsd
      'python3 -c \'import json;print(sorted(json.load(open("/var/lib/pcsd/known-hosts"))["known_hosts"]))\' 2>/dev/null | grep -vx "\\[\\]"; ' +
      "systemctl is-enabled corosync pacemaker 2>&1; systemctl is-active corosync pacemaker 2>&1; true",
  );

/** Runs a shell command inside the node's namespaces, without ssh (e.g. after its host key changed). */
export function inNodeOk(name: string, command: string): string {
  const [cmd, ...args] = lab.execArgv(name, ["sh", "-c", command]);
  const r = complete(spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000 }));
  if (r.status !== 0) throw new Error(`${name}: '${command}' exited ${r.status}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Polls probe every second until it gives a value; on timeout, explain() says what was seen. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false,
  explain: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Everything of this lab instance that may outlive it on the host; all empty after `down`. Another
 * instance running beside it on the shared bridge keeps its own: its namespaces, NICs, hypervisor
 * address and cluster daemons are not this one's leftovers.
 */
export function labLeftovers(): {
  namespaces: string[];
  links: string[];
  mounts: string[];
  processes: string[];
} {
  const { stateDir, bridge } = lab.config;
  const ours = (text: string) => text.includes(stateDir + "/") || text.endsWith(stateDir);
  const ip = (...args: string[]): string => String(spawnSync("ip", args, { encoding: "utf8" }).stdout ?? "");
  const labNamespace = (ns: string) => /^lab\d?-node\d$/.test(ns);
  const namespaces = ip("netns", "list")
    .split("\n")
    .map((l) => l.split(/\s+/)[0])
    .filter((ns) => ns.startsWith(netnsPrefix(lab.config)));
  // the bridge's addresses: this instance's hypervisor's is a leftover, another's keeps the bridge
  const isOwn = (l: string) => l.includes(` ${hypervisorAddress(lab.config)}/`);
  const addresses = ip("-o", "-4", "addr", "show", "dev", bridge)
    .split("\n")
    .filter((l) => l.trim());
  const bridgeShared =
    ip("-o", "link", "show", "master", bridge).trim() !== "" || addresses.some((l) => !isOwn(l));
  const links = ip("-o", "link", "show")
    .split("\n")
    .filter(
      (l) => (l.includes(` ${bridge}:`) && !bridgeShared) || l.includes(` ${vethPrefix(lab.config)}node`),
    );
  links.push(...addresses.filter(isOwn));
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter(ours);
  const processes: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))) continue; // reaped by PID 1 soon
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (ours(argv)) processes.push(`${pid} ${argv}`);
      else if (/^(corosync|pacemakerd|pacemaker-|pcsd)/.test(comm)) {
        // a cluster daemon in another instance's node is that instance's
        const ns = ip("netns", "identify", pid).trim();
        if (!labNamespace(ns) || ns.startsWith(netnsPrefix(lab.config))) processes.push(`${pid} ${argv}`);
      }
    } catch {
      // exited while we looked
    }
  }
  return { namespaces, links, mounts, processes };
}

/**
 * The CIB's configuration section as a node reads it. A query can fail for a moment while the
 * cluster is busy (once in CI, right after an up's push, under load): it is asked three times, a
 * second apart, and the error names every attempt's reply. What it returns is never retried into
 * shape: a query that answers is the answer.
 */
export function cibConfiguration(node: string): string {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = onNode(node, "cibadmin --query --scope configuration");
    if (r.status === 0) return r.stdout;
    failures.push(`attempt ${attempt}: exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
    if (attempt < 3) spawnSync("sleep", ["1"]);
  }
  throw new Error(`${node}: 'cibadmin --query --scope configuration' failed:\n${failures.join("\n")}`);
}

/**
 * The CIB's elements of one tag on a node, each as its attributes: what a test checks of the
 * configuration, read the same way on every pcs (whose text output differs between generations).
 */
export function cibElements(node: string, tag: string): Record<string, string>[] {
  const xml = cibConfiguration(node);
  return [...xml.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, "g"))].map((m) =>
    Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );
}
