// A loopback SSH server for unit tests: key login only, runs each exec with bash on this host,
// records the command lines it was given, and refuses channels beyond OpenSSH's MaxSessions (10 per connection).
import { spawn } from "node:child_process";
import { AddressInfo } from "node:net";
import { Server, utils } from "ssh2";
import { Secret } from "../../providers/kit/secrets";

export interface LoopbackSshd {
  port: number;
  hostKeyFingerprint: string;
  clientKey: Secret;
  commands: string[];
  maxConcurrent: number;
  connections: number;
  close(): Promise<void>;
}

export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const host = utils.generateKeyPairSync("ed25519");
  const client = utils.generateKeyPairSync("ed25519");
  const allowed = utils.parseKey(client.public);
  if (allowed instanceof Error) throw allowed;
  const hostParsed = utils.parseKey(host.public);
  if (hostParsed instanceof Error) throw hostParsed;
  const { fingerprintOfKeyBlob } = await import("../../providers/transport/ssh");
  const state = { commands: [] as string[], maxConcurrent: 0, connections: 0 };

  const server = new Server({ hostKeys: [host.private] }, (conn) => {
    state.connections++;
    // MaxSessions is per connection, as in OpenSSH
    let open = 0;
    conn.on("authentication", (ctx) => {
      const ok =
        ctx.method === "publickey" &&
        ctx.key.algo === allowed.type &&
        Buffer.compare(ctx.key.data, allowed.getPublicSSH()) === 0 &&
        (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true);
      return ok ? ctx.accept() : ctx.reject(["publickey"]);
    });
    conn.on("ready", () => {
      conn.on("session", (accept, reject) => {
        if (open >= 10) return reject();
        open++;
        state.maxConcurrent = Math.max(state.maxConcurrent, open);
        const session = accept();
        session.on("close", () => open--);
        session.once("exec", (acceptExec, _reject, info) => {
          state.commands.push(info.command);
          const stream = acceptExec();
          const child = spawn("bash", ["-c", info.command], { stdio: ["pipe", "pipe", "pipe"] });
          stream.pipe(child.stdin);
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          child.on("close", (code) => {
            stream.exit(code ?? 255);
            stream.end();
          });
          stream.on("close", () => child.kill("SIGKILL"));
        });
      });
    });
    conn.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    hostKeyFingerprint: fingerprintOfKeyBlob(hostParsed.getPublicSSH()),
    clientKey: new Secret(client.private),
    get commands() {
      return state.commands;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
