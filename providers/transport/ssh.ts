// The transport: ssh2 connections pooled per host for the life of the provider process (one
// handshake per host per `pulumi` operation), pinned host keys, bounded connect retries,
// timeouts, a cap on concurrent channels per connection (sshd's MaxSessions), secrets written
// to stdin only, and errors that name the host, the redacted command and the remote stderr.
import { createHash } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import { Client, ClientChannel } from "ssh2";
import { redact, Secret } from "../kit/secrets";
import { errorsFirst } from "./messages";
import { shellLine } from "./shell";

export interface SshTarget {
  host: string;
  port?: number;
  user?: string;
  privateKey: Secret;
  /** "SHA256:…" as OpenSSH prints it. Given: enforced. Absent: recorded on first contact. */
  hostKeyFingerprint?: string;
  /** How errors name the host, e.g. the node's name; defaults to host. */
  label?: string;
}

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. The way secrets travel. */
  stdin?: Secret | string;
  timeoutMs?: number;
  /** Further values to redact from errors (the stdin secret always is). */
  secrets?: readonly Secret[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TransportOptions {
  connectTimeoutMs: number;
  /** Further attempts after a failed connect (refused, unreachable, timed out). */
  connectRetries: number;
  retryDelayMs: number;
  commandTimeoutMs: number;
  /** OpenSSH's MaxSessions defaults to 10 channels per connection. */
  maxChannelsPerConnection: number;
  /**
   * After a host failed every connect attempt, how long a new connect to it fails at once with
   * that failure instead of dialling again: the reads and writes of one operation that each need
   * the host (the writer reads before its batch, then starts pcs) then fail within one round of
   * attempts, not one round each.
   */
  failedHostMemoryMs: number;
  /**
   * A connection whose host stops answering (powered off, cut off) is given up after this many
   * keepalives without a reply, one every keepaliveIntervalMs: a command running there then fails
   * naming the host instead of waiting for its own timeout.
   */
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export const defaultTransportOptions: TransportOptions = {
  connectTimeoutMs: 10_000,
  connectRetries: 3,
  retryDelayMs: 1_000,
  commandTimeoutMs: 300_000,
  maxChannelsPerConnection: 8,
  failedHostMemoryMs: 30_000,
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
};

export class RemoteCommandError extends Error {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
    message: string,
  ) {
    super(message);
    this.name = "RemoteCommandError";
  }
}

export class HostKeyMismatchError extends Error {
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `host key of ${host} does not match: expected ${expected}, the host presented ${actual}; ` +
        "refusing to connect (if the host was reinstalled, update its pinned fingerprint)",
    );
    this.name = "HostKeyMismatchError";
  }
}

export class ConnectError extends Error {
  constructor(
    readonly host: string,
    message: string,
    /** The host did not answer (every attempt failed), as opposed to refusing the login. */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = "ConnectError";
  }
}

/** OpenSSH's SHA256 fingerprint of a raw public key blob. */
export function fingerprintOfKeyBlob(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export const nameOf = (t: SshTarget): string =>
  t.label && t.label !== t.host ? `${t.label} (${t.host})` : t.host;
export const keyOf = (t: SshTarget): string => `${t.user ?? "root"}@${t.host}:${t.port ?? 22}`;

/** A connection and its channel slots. */
class Connection {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  closed = false;

  constructor(
    readonly client: Client,
    readonly fingerprint: string,
    private readonly maxChannels: number,
  ) {
    client.on("close", () => (this.closed = true));
    client.on("end", () => (this.closed = true));
  }

  async withChannel<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxChannels) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** A command left running on a host: write to its stdin, read its stdout as it comes. */
export interface RemoteProcess {
  write(data: string): void;
  /** Writes the last of stdin and closes it. */
  end(data: string): void;
  /** Called with each chunk of stdout (utf8), in order. */
  onStdout(listener: (chunk: string) => void): void;
  /** Resolves when the command ends (or its channel is lost), with what it left on stderr. */
  readonly ended: Promise<{ exitCode: number | undefined; stderr: string }>;
  /** Ends the command (closes its channel). */
  close(): void;
}

export class SshPool {
  readonly options: TransportOptions;
  /** For benchmarks and tests: handshakes made and commands run by this pool. */
  readonly stats = { handshakes: 0, commands: 0 };
  private readonly connections = new Map<string, Promise<Connection>>();
  /** Hosts that failed every attempt lately: when, and how. */
  private readonly unreachable = new Map<string, { at: number; error: ConnectError }>();

  constructor(options: Partial<TransportOptions> = {}) {
    this.options = { ...defaultTransportOptions, ...options };
  }

  /** Runs argv on the target; resolves with any exit code. */
  async exec(target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs;
    const shown = redact(shellLine(argv), secretsOf(options));
    const proc = await this.spawn(target, argv, "", secretsOf(options));
    const out: string[] = [];
    proc.onStdout((chunk) => out.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.close();
    }, timeoutMs);
    proc.end(options.stdin instanceof Secret ? options.stdin.reveal() : (options.stdin ?? ""));
    const { exitCode, stderr } = await proc.ended;
    clearTimeout(timer);
    const fail = (why: string) =>
      new RemoteCommandError(nameOf(target), shown, undefined, "", `${nameOf(target)}: \`${shown}\` ${why}`);
    if (timedOut) throw fail(`timed out after ${timeoutMs / 1000} s`);
    if (exitCode === undefined) throw fail("ended without an exit status (connection lost?)");
    return { exitCode, stdout: out.join(""), stderr };
  }

  /** Runs argv on the target; a non-zero exit is a RemoteCommandError with the remote stderr. */
  async run(target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<string> {
    const r = await this.exec(target, argv, options);
    if (r.exitCode !== 0) {
      const secrets = secretsOf(options);
      const command = redact(shellLine(argv), secrets);
      const stderr = redact(errorsFirst((r.stderr || r.stdout).trim()), secrets);
      throw new RemoteCommandError(
        nameOf(target),
        command,
        r.exitCode,
        stderr,
        `${nameOf(target)}: \`${command}\` exited ${r.exitCode}: ${stderr}`,
      );
    }
    return r.stdout;
  }

  /**
   * Starts argv and leaves it running; it holds one of the connection's channel slots until it
   * ends. `prelude` is written to its stdin first (a program, say — never on a command line).
   */
  async spawn(
    target: SshTarget,
    argv: readonly string[],
    prelude: Secret | string = "",
    secrets: readonly Secret[] = [],
  ): Promise<RemoteProcess> {
    const line = shellLine(argv);
    const shown = redact(line, secrets);
    const connection = await this.connection(target);
    return new Promise((resolveStarted, rejectStarted) => {
      void connection
        .withChannel(
          () =>
            new Promise<void>((channelDone) => {
              this.stats.commands++;
              connection.client.exec(line, (err: Error | undefined, stream: ClientChannel) => {
                if (err) {
                  channelDone();
                  return rejectStarted(
                    new RemoteCommandError(
                      nameOf(target),
                      shown,
                      undefined,
                      "",
                      `${nameOf(target)}: \`${shown}\` could not start: ${err.message}`,
                    ),
                  );
                }
                const errOut: Buffer[] = [];
                let exitCode: number | undefined;
                stream.on("error", () => undefined); // a write to a lost channel: "close" reports it
                stream.stderr.on("data", (d: Buffer) => errOut.push(d));
                stream.on("exit", (code: number | null, signal?: string) => {
                  exitCode = code ?? (signal ? 128 : 255);
                });
                const ended = new Promise<{ exitCode: number | undefined; stderr: string }>((resolveEnded) =>
                  stream.on("close", () => {
                    channelDone();
                    resolveEnded({ exitCode, stderr: Buffer.concat(errOut).toString("utf8") });
                  }),
                );
                stream.write(prelude instanceof Secret ? prelude.reveal() : prelude);
                // a character split between two chunks is decoded once whole
                const decoder = new StringDecoder("utf8");
                resolveStarted({
                  write: (data) => void stream.write(data),
                  end: (data) => void stream.end(data),
                  onStdout: (listener) => stream.on("data", (d: Buffer) => listener(decoder.write(d))),
                  ended,
                  close: () => stream.close(),
                });
              });
            }),
        )
        .catch(rejectStarted);
    });
  }

  /** The host key fingerprint the target presented (connecting first if needed). */
  async hostKeyFingerprint(target: SshTarget): Promise<string> {
    return (await this.connection(target)).fingerprint;
  }

  close(): void {
    for (const c of this.connections.values()) c.then((conn) => conn.client.end()).catch(() => undefined);
    this.connections.clear();
  }

  private async connection(target: SshTarget): Promise<Connection> {
    const key = keyOf(target);
    let pending = this.connections.get(key);
    if (pending) {
      const conn = await pending.catch(() => undefined);
      if (!conn || conn.closed) pending = undefined; // a failed or dropped connection: dial again
    }
    if (!pending) {
      // the operation's answer for this host stands: its next reads and writes fail the same way
      const failed = this.unreachable.get(key);
      if (failed && Date.now() - failed.at < this.options.failedHostMemoryMs) throw failed.error;
      const dialling = this.dialWithRetries(target);
      pending = dialling;
      this.connections.set(key, dialling);
      dialling.then(
        () => this.unreachable.delete(key),
        (err) => {
          if (this.connections.get(key) === dialling) this.connections.delete(key);
          if (err instanceof ConnectError && err.unreachable)
            this.unreachable.set(key, { at: Date.now(), error: err });
        },
      );
    }
    const conn = await pending;
    // A connection made for one expected key must not serve a caller that pins another.
    if (target.hostKeyFingerprint && target.hostKeyFingerprint !== conn.fingerprint) {
      throw new HostKeyMismatchError(nameOf(target), target.hostKeyFingerprint, conn.fingerprint);
    }
    return conn;
  }

  private async dialWithRetries(target: SshTarget): Promise<Connection> {
    const attempts = 1 + this.options.connectRetries;
    let last: Error | undefined;
    for (let i = 1; i <= attempts; i++) {
      try {
        return await this.dial(target);
      } catch (err) {
        last = err as Error;
        if (last instanceof HostKeyMismatchError) throw last;
        if (!isTransient(last)) {
          throw new ConnectError(nameOf(target), `cannot log in to ${nameOf(target)}: ${last.message}`);
        }
        if (i < attempts) await new Promise((r) => setTimeout(r, this.options.retryDelayMs));
      }
    }
    throw new ConnectError(
      nameOf(target),
      `cannot connect to ${nameOf(target)} port ${target.port ?? 22}: ${attempts} attempt(s), ` +
        `${this.options.connectTimeoutMs / 1000} s timeout each: ${last?.message}`,
      true,
    );
  }

  private dial(target: SshTarget): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let presented: string | undefined;
      let mismatch: HostKeyMismatchError | undefined;
      client.once("ready", () => {
        this.stats.handshakes++;
        resolve(new Connection(client, presented!, this.options.maxChannelsPerConnection));
      });
      // Every error, not just the first: ssh2 reports a host that accepted and then said nothing
      // twice (the handshake timeout, then "Connection lost before handshake" as the socket
      // closes), and an 'error' nobody listens to would end the provider process.
      client.on("error", (err) => {
        client.end();
        reject(mismatch ?? new Error(err.message));
      });
      try {
        client.connect({
          host: target.host,
          port: target.port ?? 22,
          username: target.user ?? "root",
          privateKey: target.privateKey.reveal(),
          readyTimeout: this.options.connectTimeoutMs,
          keepaliveInterval: this.options.keepaliveIntervalMs,
          keepaliveCountMax: this.options.keepaliveCountMax,
          hostVerifier: (blob: Buffer) => {
            presented = fingerprintOfKeyBlob(blob);
            if (target.hostKeyFingerprint && target.hostKeyFingerprint !== presented) {
              mismatch = new HostKeyMismatchError(nameOf(target), target.hostKeyFingerprint, presented);
              return false;
            }
            return true;
          },
        });
      } catch (err) {
        // a private key ssh2 cannot parse: refused before any connection is made
        reject(new Error(keyParseMessage((err as Error).message)));
      }
    });
  }
}

/**
 * ssh2's refusal of a private key it cannot parse, without what it read from the key: it names an
 * unknown magic, cipher, kdf or key type by the bytes it found in their place, which are the key's
 * ("Cannot parse privateKey: Unsupported OpenSSH key magic: <15 bytes of the key>").
 */
export function keyParseMessage(message: string): string {
  const m = /^Cannot parse privateKey: ([^:]*)/.exec(message);
  return m ? `Cannot parse privateKey: ${m[1].trim()}` : message;
}

function secretsOf(options: ExecOptions): Secret[] {
  return [...(options.secrets ?? []), ...(options.stdin instanceof Secret ? [options.stdin] : [])];
}

/** Worth another attempt: the host is down, booting or unreachable for now. */
function isTransient(err: Error): boolean {
  return /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|Timed out while waiting for handshake/i.test(
    err.message,
  );
}
