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
  run("apt-get", ["update", "-q"], { env, stdio: ["ignore", "ignore", "pipe"] });
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
}
