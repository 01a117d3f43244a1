import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureKeyPair, fingerprintOfPublicKey } from "../../../lab/keys";

test("fingerprints equal OpenSSH's own (ssh-keygen -lf)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pcmk-keys-"));
  try {
    const key = path.join(dir, "id");
    ensureKeyPair(key, "test");
    const openssh = spawnSync("ssh-keygen", ["-lf", key + ".pub"], { encoding: "utf8" }).stdout.split(" ")[1];
    expect(openssh).toMatch(/^SHA256:/);
    expect(fingerprintOfPublicKey(readFileSync(key + ".pub", "utf8"))).toBe(openssh);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a line that is not a public key is refused", () => {
  expect(() => fingerprintOfPublicKey("garbage")).toThrow(/not an OpenSSH public key/);
});
