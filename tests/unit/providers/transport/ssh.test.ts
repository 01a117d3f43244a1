import { createServer, Socket } from "node:net";
import { inspect } from "node:util";
import { Secret } from "../../../../providers/kit/secrets";
import {
  ConnectError,
  HostKeyMismatchError,
  keyParseMessage,
  RemoteCommandError,
  SshPool,
  SshTarget,
} from "../../../../providers/transport/ssh";
import { hostileStrings } from "../../../support/hostile-strings";
import { LoopbackSshd, startLoopbackSshd } from "../../../support/loopback-sshd";

let sshd: LoopbackSshd;
let pool: SshPool;
let target: SshTarget;

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});
afterAll(() => sshd.close());
beforeEach(() => {
  pool = new SshPool({ connectRetries: 0 });
  target = { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey, label: "node1" };
});
afterEach(() => pool.close());

test("one handshake serves many commands, and concurrency stays within the server's channel limit", async () => {
  const before = sshd.connections;
  const outputs = await Promise.all(
    Array.from({ length: 30 }, (_, i) => pool.run(target, ["sh", "-c", `sleep 0.05; echo ${i}`])),
  );
  expect(outputs.map((o) => o.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
  expect(pool.stats).toEqual({ handshakes: 1, commands: 30 });
  expect(sshd.connections - before).toBe(1);
  expect(sshd.maxConcurrent).toBeLessThanOrEqual(pool.options.maxChannelsPerConnection);
});

test("hostile arguments arrive verbatim", async () => {
  const out = await pool.run(target, ["printf", "%s\\0", ...hostileStrings]);
  expect(out.split("\0").slice(0, -1)).toEqual(hostileStrings);
});

test("the first contact records the host key; a pinned key that differs is refused before any command", async () => {
  expect(await pool.hostKeyFingerprint(target)).toBe(sshd.hostKeyFingerprint);
  const ran = sshd.commands.length;
  const impostor = { ...target, hostKeyFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
  const fresh = new SshPool({ connectRetries: 2 });
  try {
    const err = await fresh.run(impostor, ["touch", "/tmp/should-not-run"]).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect(err.message).toContain("node1 (127.0.0.1)");
    expect(err.message).toContain("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect(fresh.stats.handshakes).toBe(0);
    // and a pooled connection does not serve a caller that pins another key
    await expect(pool.run(impostor, ["true"])).rejects.toBeInstanceOf(HostKeyMismatchError);
  } finally {
    fresh.close();
  }
  expect(sshd.commands.length).toBe(ran);
});

test("a secret goes on stdin only: never in the command line, and redacted from errors", async () => {
  const password = new Secret("s3cr3t-hacluster");
  expect(await pool.run(target, ["cat"], { stdin: password })).toBe("s3cr3t-hacluster");
  const err = await pool
    .run(target, ["sh", "-c", 'read p; echo "bad password $p" >&2; exit 3'], { stdin: password })
    .catch((e) => e);
  expect(err).toBeInstanceOf(RemoteCommandError);
  expect(err.exitCode).toBe(3);
  expect(err.message).toMatch(/^node1 \(127\.0\.0\.1\): `sh -c .*` exited 3: bad password \*\*\*$/);
  expect(err.message).not.toContain("s3cr3t");
  expect(sshd.commands.join("\n")).not.toContain("s3cr3t");
  expect(inspect({ password }) + JSON.stringify({ password }) + `${password}`).not.toContain("s3cr3t");
});

test("exec reports any exit code; run turns a failure into an error with the remote stderr", async () => {
  expect(await pool.exec(target, ["sh", "-c", "echo out; echo err >&2; exit 7"])).toEqual({
    exitCode: 7,
    stdout: "out\n",
    stderr: "err\n",
  });
  await expect(pool.run(target, ["sh", "-c", "echo 'Error: unable to get cib' >&2; exit 1"])).rejects.toThrow(
    "node1 (127.0.0.1): `sh -c 'echo '\\''Error: unable to get cib'\\'' >&2; exit 1'` exited 1: Error: unable to get cib",
  );
});

test("a command that outlives its timeout is ended and reported", async () => {
  const t0 = Date.now();
  await expect(pool.run(target, ["sleep", "5"], { timeoutMs: 300 })).rejects.toThrow(
    "node1 (127.0.0.1): `sleep 5` timed out after 0.3 s",
  );
  expect(Date.now() - t0).toBeLessThan(3000);
});

test("an unreachable host fails after the configured retries, and says so", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const retrying = new SshPool({ connectRetries: 2, retryDelayMs: 50, connectTimeoutMs: 1000 });
  const err = await retrying.run({ ...target, port }, ["true"]).catch((e) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect(err.message).toMatch(
    /cannot connect to node1 \(127\.0\.0\.1\) port \d+: 3 attempt\(s\), 1 s timeout each: .*ECONNREFUSED/,
  );
});

test("a wrong login key is a clear, non-retried error", async () => {
  const { utils } = await import("ssh2");
  const stranger = new Secret(utils.generateKeyPairSync("ed25519").private);
  const retrying = new SshPool({ connectRetries: 3, retryDelayMs: 1000 });
  const t0 = Date.now();
  const err = await retrying.run({ ...target, privateKey: stranger }, ["true"]).catch((e) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect(err.message).toMatch(
    /cannot log in to node1 \(127\.0\.0\.1\): All configured authentication methods failed/,
  );
  expect(Date.now() - t0).toBeLessThan(1000);
});

test("a key that cannot be parsed is refused without the bytes ssh2 read from it", async () => {
  // ssh2 names an unknown magic, cipher or key type by the bytes it found in their place: the key's
  // (found by tests/adversarial/secrets.test.ts on the lab: "Unsupported OpenSSH key magic: …")
  const body = Buffer.from("KEYBYTES0123456789 of a key that is none").toString("base64");
  const broken = new Secret(
    `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----\n`,
  );
  const err = await pool.run({ ...target, privateKey: broken }, ["true"]).catch((e) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect(err.message).toBe(
    "cannot log in to node1 (127.0.0.1): Cannot parse privateKey: Unsupported OpenSSH key magic",
  );
  expect(err.message).not.toContain("KEYBYTES");
  expect(keyParseMessage("Cannot parse privateKey: Unsupported key format")).toBe(
    "Cannot parse privateKey: Unsupported key format",
  );
  expect(keyParseMessage("Cannot parse privateKey: Unsupported OpenSSH private key type: \u0001secret")).toBe(
    "Cannot parse privateKey: Unsupported OpenSSH private key type",
  );
  expect(keyParseMessage("connect ECONNREFUSED 127.0.0.1:22")).toBe("connect ECONNREFUSED 127.0.0.1:22");
});

/** A TCP server that accepts and never speaks: each connect waits out the handshake timeout. */
async function silentServer(): Promise<{ sockets: Socket[]; port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const close = async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
  };
  return { sockets, port: (silent.address() as { port: number }).port, close };
}

test("a host that just failed every attempt fails at once, the same way, for a while, then is dialled again", async () => {
  // accepts and never speaks: each attempt waits out the handshake timeout
  const { sockets, port, close } = await silentServer();
  const remembering = new SshPool({
    connectRetries: 1,
    retryDelayMs: 20,
    connectTimeoutMs: 300,
    failedHostMemoryMs: 1500,
  });
  try {
    const first = await remembering.run({ ...target, port }, ["true"]).catch((e) => e);
    expect(first).toBeInstanceOf(ConnectError);
    expect(first.message).toMatch(
      /port \d+: 2 attempt\(s\), 0\.3 s timeout each: Timed out while waiting for handshake$/,
    );
    expect(sockets).toHaveLength(2);
    // the writer reads, then starts pcs: the operation's second connect does not wait it out again
    const t0 = Date.now();
    const again = await remembering.run({ ...target, port }, ["true"]).catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(200);
    expect(again).toBe(first);
    expect(sockets).toHaveLength(2);
    // once that has passed, the host is tried again
    await new Promise((r) => setTimeout(r, 1600));
    await expect(remembering.run({ ...target, port }, ["true"])).rejects.toThrow(/2 attempt\(s\)/);
    expect(sockets).toHaveLength(4);
  } finally {
    remembering.close();
    await close();
  }
});

test("a host that accepts and never speaks times out, and its lost connection ends nothing else", async () => {
  const { sockets, port, close } = await silentServer();
  const impatient = new SshPool({ connectRetries: 0, connectTimeoutMs: 300 });
  try {
    await expect(impatient.run({ ...target, port }, ["true"])).rejects.toThrow(
      /1 attempt\(s\), 0\.3 s timeout each: Timed out while waiting for handshake$/,
    );
    // ssh2 closes the socket and reports it as a second error: an unhandled one would end the process
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    impatient.close();
    await close();
  }
});
