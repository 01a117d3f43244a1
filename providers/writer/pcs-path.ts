// How the batch process (pcs_batch.py) runs pcs on a node, and what the user is told of it. The
// process chooses at its start, asked by the hello request below ("How pcs runs" in the script):
// the fast path, pcs's own code in that process, when a self-test of it passes on the node's pcs;
// else the plain path, a pcs process per command, which needs nothing private from pcs.
// PCMK_LAB_WRITER_PATH=plain, in the environment of `pulumi` (which its provider process
// inherits), forces the plain path. A fallback is a warning in the `pulumi up` output, once per host.
import { stat } from "../kit/stats";
import { Warn, warnUser } from "../kit/warnings";

/** What the writer asks for: the fast path where its self-test passes ("auto"), or plain. */
export type RequestedPath = "auto" | "plain";
export type WriterPath = "fast" | "plain";

export const PATH_ENV = "PCMK_LAB_WRITER_PATH";

/** The path PCMK_LAB_WRITER_PATH asks for: unset or "auto", or "plain". */
export function requestedPath(env: NodeJS.ProcessEnv = process.env): RequestedPath {
  const value = (env[PATH_ENV] ?? "").trim();
  if (value === "" || value === "auto") return "auto";
  if (value === "plain") return "plain";
  throw new Error(
    `${PATH_ENV}=${value}: use "plain" (pcs run as a process per command) or "auto" (the default)`,
  );
}

/** What the batch process says of itself once it has chosen. */
export interface PathHello {
  path: WriterPath;
  pcsVersion: string;
  /** Why the fast path was not taken (what its self-test found): only on a fallback. */
  fallback?: string;
  /** How long choosing took on the node (pcs's import and the self-test). */
  ms?: number;
}

/** The batch process's first request: it chooses its path and answers with a PathHello. */
export const helloLine = (requested: RequestedPath): string =>
  Buffer.from(JSON.stringify({ op: "hello", path: requested }), "utf8").toString("base64") + "\n";

/** The hello in a reply of the batch process; throws when the reply is not one. */
export function helloOf(reply: unknown): PathHello {
  const hello = (reply as { hello?: Partial<PathHello> } | null)?.hello;
  const pathOk = hello?.path === "fast" || hello?.path === "plain";
  if (!hello || !pathOk || typeof hello.pcsVersion !== "string") {
    const error = (reply as { error?: unknown } | null)?.error;
    throw new Error(`no hello from the pcs batch process${typeof error === "string" ? `: ${error}` : ""}`);
  }
  return hello as PathHello;
}

export const fallbackWarning = (host: string, hello: PathHello): string =>
  `pcmk-lab: pcs ${hello.pcsVersion} on ${host} failed the self-test of the writer's fast path ` +
  `(${hello.fallback}), so pcs runs there as a process per command (the plain path: the same ` +
  `changes, slower)`;

/** Told what each batch process said of its path. */
export interface HelloListener {
  heard(hostKey: string, hostName: string, hello: PathHello): void;
}

/**
 * Tells the user of each host whose batch process fell back to the plain path, once per host
 * however many processes start there; every hello goes to the stats.
 */
export class PathAnnouncer implements HelloListener {
  private readonly warned = new Set<string>();

  constructor(private readonly warn: Warn = warnUser) {}

  heard(hostKey: string, hostName: string, hello: PathHello): void {
    stat(
      `writer host=${hostKey} path=${hello.path} pcs=${hello.pcsVersion} ms=${hello.ms ?? 0}` +
        `${hello.fallback ? " fallback" : ""}`,
    );
    if (!hello.fallback || this.warned.has(hostKey)) return;
    this.warned.add(hostKey);
    this.warn(fallbackWarning(hostName, hello));
  }
}

export const pathAnnouncer = new PathAnnouncer();
