// Watches the processes of the lab's nodes and of this machine while a test runs, for what their
// argv and environment hold (the secrets suite scans them):
//  - NodeSampler: one python3 process inside each node's namespaces (entered with nsenter, so it
//    adds no ssh session), started once, that lists the node's /proc every ~100 ms and reports each
//    process's argv and environment when first seen or changed, and a tick per sample;
//  - ExecWatcher: one python3 process on the host listening to the kernel's process events (the
//    proc connector) and reading the argv of every process right after it starts, on the nodes and
//    here: what lives shorter than a sampling period is seen too (unless it is gone within the
//    moment the read takes: counted as missed);
//  - LocalSampler: this process's descendants (the pulumi CLI, its language host and the program,
//    the provider plugins), sampled in process every ~100 ms, argv and environment.
// Records go to a callback as text (argv with NULs between arguments, environment likewise).
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { lab } from "./lab-harness";

export interface ProcessRecord {
  /** node-sample, exec or local-sample */
  source: "node-sample" | "exec" | "local-sample";
  /** node1… or "local" */
  where: string;
  pid: number;
  what: "argv" | "environ";
  text: string;
}

export type RecordSink = (r: ProcessRecord) => void;

const NODE_SAMPLER = `
import base64, hashlib, os, sys, threading, time
def stop_on_eof():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=stop_on_eof, daemon=True).start()
me, seen, n = str(os.getpid()), set(), 0
while True:
    n += 1
    t0 = time.monotonic()
    lines, alive = [], set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        for what in ("cmdline", "environ"):
            try:
                with open("/proc/" + pid + "/" + what, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if not data:
                continue
            key = (pid, what, hashlib.sha1(data).digest())
            alive.add(key)
            if key not in seen:
                lines.append("%s %s %s" % (what[0].upper(), pid, base64.b64encode(data).decode()))
    seen = alive
    lines.append("S %d" % n)
    try:
        sys.stdout.write("\\n".join(lines) + "\\n")
        sys.stdout.flush()
    except BrokenPipeError:
        os._exit(0)
    time.sleep(max(0.0, 0.1 - (time.monotonic() - t0)))
`;

const EXEC_WATCHER = `
import base64, os, socket, struct, sys, threading
def stop_on_eof():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=stop_on_eof, daemon=True).start()
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 11)  # NETLINK_CONNECTOR
try:
    s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE
except OSError:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
s.bind((os.getpid(), 1))  # CN_IDX_PROC
op = struct.pack("=I", 1)  # PROC_CN_MCAST_LISTEN
cn = struct.pack("=IIIIHH", 1, 1, 0, 0, len(op), 0) + op
s.send(struct.pack("=IHHII", 16 + len(cn), 3, 0, 0, os.getpid()) + cn)  # NLMSG_DONE
out = sys.stdout
out.write("READY\\n")
out.flush()
while True:
    try:
        data = s.recv(1 << 16)
    except OSError:  # ENOBUFS: the kernel dropped events
        out.write("O\\n")
        out.flush()
        continue
    off = 0
    while off + 16 <= len(data):
        length = struct.unpack_from("=I", data, off)[0]
        if length < 16:
            break
        msg = data[off:off + length]
        off += (length + 3) & ~3
        if len(msg) < 60 or struct.unpack_from("=I", msg, 36)[0] != 2:  # PROC_EVENT_EXEC
            continue
        pid = struct.unpack_from("=I", msg, 52)[0]
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read()
            ns = os.readlink("/proc/%d/ns/pid" % pid)
            line = "X %s %d %s\\n" % (ns[5:-1], pid, base64.b64encode(cmd).decode())
        except OSError:
            line = "M %d\\n" % pid
        try:
            out.write(line)
            out.flush()
        except BrokenPipeError:
            os._exit(0)
`;

/** Lines of a child's stdout, as they come. */
function onLines(child: ChildProcessWithoutNullStreams, each: (line: string) => void): void {
  let buffered = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line) each(line);
    }
  });
}

const decode = (b64: string): string => Buffer.from(b64, "base64").toString("utf8");

/** Ends a watcher started here: its stdin closes (it exits at once), then SIGKILL if it lingers. */
async function stopChild(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

export class NodeSampler {
  samples = 0;
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderr = "";

  constructor(
    readonly node: string,
    private readonly sink: RecordSink,
  ) {}

  start(): void {
    const [cmd, ...args] = lab.execArgv(this.node, ["python3", "-u", "-c", NODE_SAMPLER]);
    this.child = spawn(cmd, args, { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
    this.child.stderr.on("data", (d) => (this.stderr += d));
    onLines(this.child, (line) => {
      const [tag, pid, data] = line.split(" ");
      if (tag === "S") this.samples++;
      else if (tag === "C" || tag === "E")
        this.sink({
          source: "node-sample",
          where: this.node,
          pid: Number(pid),
          what: tag === "C" ? "argv" : "environ",
          text: decode(data ?? ""),
        });
    });
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get error(): string {
    return this.stderr.trim();
  }

  stop(): Promise<void> {
    return this.child ? stopChild(this.child) : Promise.resolve();
  }
}

/** The pid namespace of a process, as the number in "pid:[N]". */
export const pidNamespace = (pid: number | "self"): string =>
  readlinkSync(`/proc/${pid}/ns/pid`).replace(/^pid:\[(\d+)\]$/, "$1");

/** The pid namespace of each running node, by node name. */
export function nodeNamespaces(nodes: readonly string[]): Map<string, string> {
  return new Map(nodes.map((n) => [pidNamespace(Number(lab.execArgv(n, [])[2])), n]));
}

export class ExecWatcher {
  events = 0;
  missed = 0;
  overruns = 0;
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderr = "";

  constructor(
    /** pid namespace → node name; anything else is "local" (this machine). */
    private readonly namespaces: Map<string, string>,
    private readonly sink: RecordSink,
  ) {}

  /** Resolves once the watcher listens. */
  start(): Promise<void> {
    this.child = spawn("python3", ["-u", "-c", EXEC_WATCHER], { env: { PATH: process.env.PATH ?? "" } });
    const child = this.child;
    child.stderr.on("data", (d) => (this.stderr += d));
    return new Promise((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`exec watcher exited ${code}: ${this.stderr}`)));
      onLines(child, (line) => {
        const [tag, a, b, c] = line.split(" ");
        if (tag === "READY") resolve();
        else if (tag === "M") this.missed++;
        else if (tag === "O") this.overruns++;
        else if (tag === "X") {
          this.events++;
          this.sink({
            source: "exec",
            where: this.namespaces.get(a) ?? "local",
            pid: Number(b),
            what: "argv",
            text: decode(c ?? ""),
          });
        }
      });
    });
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(): Promise<void> {
    return this.child ? stopChild(this.child) : Promise.resolve();
  }
}

export class LocalSampler {
  samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly parentOf = new Map<number, number>();
  private seen = new Set<string>();

  constructor(private readonly sink: RecordSink) {}

  start(periodMs = 100): void {
    this.timer = setInterval(() => this.sample(), periodMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample: argv and environment of every descendant of this process. */
  sample(): void {
    const pids = readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
    const alive = new Set(pids);
    for (const p of this.parentOf.keys()) if (!alive.has(p)) this.parentOf.delete(p);
    for (const p of pids) {
      if (this.parentOf.has(p)) continue;
      try {
        const stat = readFileSync(`/proc/${p}/stat`, "utf8");
        this.parentOf.set(p, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // gone already
      }
    }
    const children = new Map<number, number[]>();
    for (const [p, parent] of this.parentOf) children.set(parent, [...(children.get(parent) ?? []), p]);
    const seen = new Set<string>();
    for (let todo = [...(children.get(process.pid) ?? [])]; todo.length;) {
      const p = todo.pop()!;
      todo.push(...(children.get(p) ?? []));
      for (const what of ["argv", "environ"] as const) {
        let text: string;
        try {
          text = readFileSync(`/proc/${p}/${what === "argv" ? "cmdline" : "environ"}`, "utf8");
        } catch {
          continue;
        }
        const key = `${p}:${what}:${createHash("sha1").update(text).digest("hex")}`;
        seen.add(key);
        if (!this.seen.has(key)) this.sink({ source: "local-sample", where: "local", pid: p, what, text });
      }
    }
    this.seen = seen;
    this.samples++;
  }
}
