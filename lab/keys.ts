// SSH keys of the lab: the admin key (root on every node), the fence key (nodes -> hypervisor),
// and host keys made on the host before a node's first boot, so their fingerprints are known.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { run } from "./host";

export function ensureKeyPair(privatePath: string, comment: string): void {
  if (!existsSync(privatePath))
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privatePath]);
}

/** OpenSSH's SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA... comment"). */
export function fingerprintOfPublicKey(line: string): string {
  const blob = line.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key: ${line.slice(0, 40)}`);
  const digest = createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

export const fingerprintOfFile = (publicKeyPath: string): string =>
  fingerprintOfPublicKey(readFileSync(publicKeyPath, "utf8"));
