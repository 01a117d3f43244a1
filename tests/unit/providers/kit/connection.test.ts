// A connection's private key: its text, or the path of its file (the state then holds no key).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { checkInputs, UNKNOWN } from "../../../../providers/checks/inputs";
import { connectionSchema, targetOf } from "../../../../providers/kit/connection";
import { nodeInputsSchema } from "../../../../providers/kinds/node";
import { check } from "../../../../providers/runtime";

const KEY_BODY = "KEYzz42-body";
const KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`;

let dir: string;
let keyFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pcmk-lab-key-"));
  keyFile = join(dir, "id_ed25519");
  writeFileSync(keyFile, KEY, { mode: 0o600 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failuresOf = (value: Record<string, unknown>) => checkInputs(connectionSchema, value).failures;

describe("a connection's key", () => {
  test("the path of a key file is accepted, and the key read from it only when revealed", () => {
    const late = join(dir, "late_key");
    const { inputs, failures } = checkInputs(connectionSchema, {
      host: "10.77.0.11",
      privateKeyPath: keyFile,
    });
    expect(failures).toEqual([]);
    const target = targetOf({ ...inputs!, privateKeyPath: late });
    writeFileSync(late, KEY); // made after the target: read at the dial, not before
    expect(target.privateKey.reveal()).toBe(KEY);
    expect(`${target.privateKey} ${JSON.stringify(target)} ${inspect(target)}`).not.toContain(KEY_BODY);
  });

  test.each([
    [{}, "privateKey", /required: the private key \(privateKey\) or the path of its file/],
    [{ privateKeyPath: "id_ed25519" }, "privateKeyPath", /an absolute path/],
    [
      { privateKeyPath: "/nonexistent/k" },
      "privateKeyPath",
      /^cannot read the private key file \/nonexistent\/k: ENOENT: no such file or directory$/,
    ],
  ])("%j is refused, naming %s", (extra, property, reason) => {
    expect(failuresOf({ host: "10.77.0.11", ...extra })).toEqual([
      { property, reason: expect.stringMatching(reason) },
    ]);
  });

  test("the key and its file together are refused", () => {
    expect(failuresOf({ host: "10.77.0.11", privateKey: KEY, privateKeyPath: keyFile })).toEqual([
      { property: "privateKeyPath", reason: expect.stringMatching(/^not with privateKey/) },
    ]);
  });

  test("a file that is no key is refused without showing what it holds", () => {
    const notKey = join(dir, "notes.txt");
    writeFileSync(notKey, "password=hunter2-zz\n");
    const failures = failuresOf({ host: "10.77.0.11", privateKeyPath: notKey });
    expect(failures).toEqual([
      {
        property: "privateKeyPath",
        reason: `the file ${notKey} holds no private key (no "-----BEGIN … PRIVATE KEY-----" line)`,
      },
    ]);
    expect(JSON.stringify(failures)).not.toContain("hunter2");
  });

  test("an unreadable file is refused with the system's reason", () => {
    if (process.getuid?.() === 0) return; // root reads any file: nothing to refuse
    const locked = join(dir, "locked");
    writeFileSync(locked, KEY);
    chmodSync(locked, 0);
    expect(failuresOf({ host: "10.77.0.11", privateKeyPath: locked })[0].reason).toMatch(/EACCES/);
  });

  test("a key file that went away after the check fails the dial, naming the path", () => {
    const gone = join(dir, "gone");
    writeFileSync(gone, KEY);
    const target = targetOf(connectionSchema.parse({ host: "10.77.0.11", privateKeyPath: gone }));
    rmSync(gone);
    expect(() => target.privateKey.reveal()).toThrow(`cannot read the private key file ${gone}: ENOENT`);
  });

  test("a path unknown during preview is accepted", () => {
    expect(failuresOf({ host: "10.77.0.11", privateKeyPath: UNKNOWN })).toEqual([]);
  });

  test("a Node takes either, and not both", () => {
    expect(checkInputs(nodeInputsSchema, { host: "10.77.0.11", privateKeyPath: keyFile }).failures).toEqual(
      [],
    );
    expect(checkInputs(nodeInputsSchema, { host: "10.77.0.11" }).failures).toEqual([
      { property: "privateKey", reason: expect.stringMatching(/required/) },
    ]);
    expect(
      checkInputs(nodeInputsSchema, { host: "10.77.0.11", privateKey: KEY, privateKeyPath: keyFile })
        .failures,
    ).toEqual([{ property: "privateKeyPath", reason: expect.stringMatching(/not with privateKey/) }]);
  });

  test("a resource's check names the kind and the field of a missing key file", async () => {
    // (a nested property: Pulumi prints no value for it, so it may be named as the property)
    const { failures } = await check(
      "Constraint",
      {},
      {
        runOn: { host: "10.77.0.11", privateKeyPath: "/nonexistent/k" },
        constraint: { type: "location", resource: "r", node: "n", score: "100" },
      },
    );
    expect(failures).toEqual([
      {
        property: "runOn.privateKeyPath",
        reason:
          "Constraint: cannot read the private key file /nonexistent/k: ENOENT: no such file or directory",
      },
    ]);
  });
});
