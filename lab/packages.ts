// Debian packages the lab nodes run (the nodes share the host's /usr): installed when missing.
import { run, tryRun } from "./host";

export function missingPackages(packages: string[]): string[] {
  return packages.filter((pkg) => {
    const r = tryRun("dpkg-query", ["-W", "-f=${Status}", pkg]);
    return r.status !== 0 || !r.stdout.includes("install ok installed");
  });
}

export function ensurePackages(packages: string[], log: (line: string) => void): void {
  const missing = missingPackages(packages);
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const wait = ["-o", "DPkg::Lock::Timeout=600"]; // another apt run holds the lock for a while
  run("apt-get", [...wait, "update", "-q"], { env, stdio: ["ignore", "ignore", "pipe"] });
  run("apt-get", [...wait, "install", "-y", "-q", "--no-install-recommends", ...missing], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
}
