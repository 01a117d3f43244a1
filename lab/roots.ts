// The roots the lab's generations run from. bookworm nodes run the host's own packages (its /usr,
// with /etc and /var overlaid per node); a newer generation runs from a Debian root of its own,
// made once with debootstrap from the host's Debian mirror and kept in the root cache, outside
// the repository, shared read-only by the nodes below each node's own upper layer.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { LabConfig, labSourceDir, Release } from "./config";
import { run, tryRun } from "./host";
import { ensurePackages } from "./packages";

const BUILDER = path.join(labSourceDir, "root", "build-root.sh");

/** The versions a generation's nodes run, from its package database (no node needed). */
export interface StackVersions {
  pcs: string | null;
  pacemaker: string | null;
  corosync: string | null;
}

/** The directory a node's whole root comes from, or null when the node runs the host's. */
export function rootOf(config: LabConfig, release: Release): string | null {
  return config.generations[release] ? path.join(config.rootCache, release) : null;
}

/** What the root is made of: when it changes (packages, the builder), the root is made again. */
function stampOf(config: LabConfig, release: Release): string {
  const builder = readFileSync(BUILDER, "utf8");
  const packages = config.generations[release]?.packages ?? [];
  return createHash("sha256").update(builder).update(packages.join(",")).digest("hex").slice(0, 16);
}

/** Makes the generation's root when it is missing or out of date, saying so; returns its path. */
export function ensureRoot(config: LabConfig, release: Release, log: (line: string) => void): string | null {
  const root = rootOf(config, release);
  if (root === null) return null;
  const stampFile = `${root}.stamp`;
  const stamp = stampOf(config, release);
  if (
    existsSync(path.join(root, "usr")) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8").trim() === stamp
  )
    return root;
  const packages = config.generations[release]!.packages;
  ensurePackages(["debootstrap"], log);
  const mirror = hostDebianMirror();
  log(
    `building the ${release} root in ${root} with debootstrap (once; a few minutes): ${packages.join(" ")}`,
  );
  mkdirSync(config.rootCache, { recursive: true, mode: 0o755 });
  const t0 = Date.now();
  run("bash", [BUILDER, release, root, mirror, packages.join(",")], { stdio: ["ignore", "ignore", "pipe"] });
  writeFileSync(stampFile, stamp + "\n");
  log(`${release} root built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return root;
}

/**
 * The Debian mirror the host's apt uses (the first one of a release suite, not a security one),
 * so that the lab reaches no other address than the host already does.
 */
export function hostDebianMirror(sourcesDir = "/etc/apt"): string {
  const files = [path.join(sourcesDir, "sources.list")];
  const parts = path.join(sourcesDir, "sources.list.d");
  if (existsSync(parts))
    files.push(
      ...readdirSync(parts)
        .sort()
        .map((f) => path.join(parts, f)),
    );
  for (const file of files.filter((f) => existsSync(f))) {
    const mirror = mirrorIn(readFileSync(file, "utf8"));
    if (mirror) return mirror;
  }
  throw new Error(`no Debian mirror found in ${sourcesDir}/sources.list(.d): the lab roots are made from it`);
}

/** The first release-suite mirror of a sources file, one-line ("deb URI SUITE …") or deb822 form. */
export function mirrorIn(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (m && !m[2].includes("-security")) return m[1];
  }
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, "mi").exec(stanza)?.[1].trim();
    const types = field("Types") ?? "";
    const uri = field("URIs")?.split(/\s+/)[0];
    const suites = field("Suites") ?? "";
    if (/\bdeb\b/.test(types) && uri && !/-security/.test(suites) && field("Enabled") !== "no") return uri;
  }
  return undefined;
}

/** pcs, pacemaker and corosync versions of a root ("/": the host's), from its dpkg database. */
export function versionsIn(root: string): StackVersions {
  const version = (pkg: string): string | null => {
    const r = tryRun("dpkg-query", [
      `--admindir=${path.join(root, "var/lib/dpkg")}`,
      "-W",
      "-f=${Version}",
      pkg,
    ]);
    return r.status === 0 && r.stdout ? r.stdout.replace(/^\d+:/, "").replace(/-[^-]*$/, "") : null;
  };
  return { pcs: version("pcs"), pacemaker: version("pacemaker"), corosync: version("corosync") };
}
