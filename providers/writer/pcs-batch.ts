// Runs batches of pcs steps on one node through one long-lived process (pcs_batch.py, fed on
// stdin): each batch is applied to a copy of the CIB and pushed once (see the script). Which way
// the process runs pcs (its fast or plain path) is pcs-path.ts's part.
import { Cib } from "../cib/model";
import { parseCib } from "../cib/parse";
import { redact, Secret } from "../kit/secrets";
import { keyOf, nameOf, RemoteProcess, SshPool, SshTarget } from "../transport/ssh";
import { pythonProgram } from "../transport/python-program";
import { errorsFirst } from "../transport/messages";
import { shellLine } from "../transport/shell";
import { stat } from "../kit/stats";
import { outcomeOf, PcsOutcome } from "./pcs-outcome";
import {
  HelloListener,
  helloLine,
  helloOf,
  PathHello,
  pathAnnouncer,
  RequestedPath,
  requestedPath,
} from "./pcs-path";

export interface PcsStep {
  /** Who asks, for errors: e.g. "PcsResource 'vip'". */
  owner: string;
  /** Each: the arguments after `pcs -f <copy of the CIB>`. */
  argvs: string[][];
  /** Skip the step (as done) when an element with this id already exists: adopt, or idempotent create. */
  ifAbsent?: string;
  /** Skip the step (as done) when no element has this id: delete of something already gone. */
  ifPresent?: string;
  /** Lower phases run first in a batch: resources (0) before constraints (1) before releases (2). */
  phase?: number;
  /** Instead of argvs: remove these meta attributes of this element (the writer's own hold). */
  dropMeta?: { id: string; names: string[] };
  /** Instead of argvs: set these meta attributes of this element (a removal's mark, its stop). */
  setMeta?: { id: string; values: Record<string, string> };
  /** Instead of argvs: delete these resources and fence devices with what refers to them (pcs_batch.py's removal). */
  remove?: Removal;
  /** Before argvs: the same removal, of what this run marked under an id the step creates. */
  removeFirst?: Removal;
  /** Ids this step creates (a resource, its clone or group). */
  makes?: readonly string[];
  /** Ids whose presence in the CIB a failure of this step reports (a create's own id). */
  probeIds?: readonly string[];
  /** Ids that must exist first (in the CIB, or made by a step of the same batch), e.g. a constraint's resources. */
  needs?: readonly string[];
  /** Values in argvs that must never show in an error. */
  secrets?: readonly Secret[];
}

/**
 * What a removal deletes: resources (`pcs resource delete`), fence devices (`pcs stonith delete`)
 * and constraints (`pcs constraint delete`), each with what pcs's delete takes along.
 */
export interface Removal {
  resources?: string[];
  stonith?: string[];
  constraints?: string[];
}

export interface StepResult {
  ok: boolean;
  skipped?: "exists" | "absent";
  argv?: string[];
  stdout?: string;
  stderr?: string;
  /** Of the step's probeIds, those the CIB's copy had when it failed. */
  present?: string[];
}

export interface BatchOutcome {
  results: StepResult[];
  /** null: nothing to push. */
  pushed: { ok: boolean; stderr: string } | null;
  /** The configuration as pushed (null: none came back). */
  cib: Cib | null;
  /** The push refused the batch, so it ran again with pacemaker's own tools on the copy. */
  exact?: true;
}

/**
 * Runs a batch: pushes it, and answers for each of its steps in their order. With `stage`, steps
 * may be handed over before their batch runs, to be applied to its copy of the CIB meanwhile; the
 * batch then includes them (a staged step is always in the next batch run).
 */
export interface BatchRunner {
  (steps: readonly PcsStep[]): Promise<BatchOutcome>;
  stage?: (steps: readonly PcsStep[]) => void;
}

/**
 * A pcs step refused by pcs: names the owner, the host, the command (redacted) and pcs's message;
 * `outcome` is what the writer decides on (pcs-outcome.ts).
 */
export class PcsError extends Error {
  constructor(
    readonly owner: string,
    readonly host: string,
    readonly command: string,
    readonly pcsMessage: string,
    readonly outcome: PcsOutcome = "FAILED",
  ) {
    super(`${owner}: \`${command}\` failed on ${host}: ${pcsMessage}`);
    this.name = "PcsError";
  }
}

const PROGRAM = pythonProgram("writer/pcs_batch.py");

/**
 * The command line that starts the batch process: it reads its program from stdin (the length,
 * then the text), so the command line holds neither the program nor any request.
 */
export const SESSION_ARGV: readonly string[] = PROGRAM.argv;

/** What the batch process is sent first: its program, length-prefixed. */
export const sessionPrelude = (): string => PROGRAM.prelude();

/**
 * How a commit is made. `restage`: the copy starts again from the batch's original, with these
 * steps as the whole batch. `readBack`: after the push, the CIB is asked whether the push was the
 * only change, and read again if not (needed when batches run side by side: each reply must hold
 * the other's changes); else the reply is the copy pushed, and the next batch's version check
 * finds any change made meanwhile (pcs_batch.py, predicted_configuration).
 */
export interface CommitFlags {
  restage?: boolean;
  readBack?: boolean;
}

/**
 * One request line: the steps (without owners, phases or secret markers). "stage": applied to the
 * open batch's copy; "commit": staged too, then the batch is pushed, as its flags say.
 */
export function requestLine(
  steps: readonly PcsStep[],
  op: "stage" | "commit" = "commit",
  { restage, readBack }: CommitFlags = {},
): string {
  const request = {
    op,
    ...(restage ? { restage } : {}),
    ...(readBack ? { readBack } : {}),
    steps: steps.map(({ argvs, ifAbsent, ifPresent, dropMeta, setMeta, remove, removeFirst, probeIds }) => ({
      argvs,
      ifAbsent,
      ifPresent,
      dropMeta,
      setMeta,
      remove,
      removeFirst,
      probeIds,
    })),
  };
  return Buffer.from(JSON.stringify(request), "utf8").toString("base64") + "\n";
}

export const REPLY_MARK = "@@pcmk-lab-reply@@ ";

export function stepError(step: PcsStep, result: StepResult, target: SshTarget): PcsError {
  const secrets = step.secrets ?? [];
  // each argument before quoting: a quoted secret (it's → 'it'\''s') no longer matches its value
  const command = shellLine(["pcs", ...(result.argv ?? []).map((a) => redact(a, secrets))]);
  const message = redact(errorsFirst((result.stderr || result.stdout || "").trim()), secrets);
  return new PcsError(
    step.owner,
    nameOf(target),
    command,
    message || "(pcs said nothing)",
    outcomeOf(result),
  );
}

interface BatchReply {
  error?: string;
  results: StepResult[];
  pushed: { ok: boolean; stderr?: string } | null;
  cib: string | null;
  exact?: true;
  /** Time on the node per phase of the last attempt: query, steps, push. */
  ms?: Record<string, number>;
}

/** How a session's process is started and what it is asked for. */
export interface SessionOptions {
  /** What starts the process (tests start it with a stand-in pcs). */
  argv?: readonly string[];
  /** The path asked for in the process's hello. */
  path?: RequestedPath;
  /** Told of each process's hello. */
  onHello?: (hello: PathHello) => void;
}

/** A hello is pcs's import and the fast path's self-test: seconds on a loaded node, not minutes. */
const HELLO_TIMEOUT_MS = 120_000;

/**
 * The batch process on one node, started on first use and kept for the life of the provider
 * process; its first request is the hello that chooses its path. One request at a time (the
 * writer sends one batch at a time per cluster). When its channel is lost, the request in flight
 * fails (its push may or may not have happened: the next read tells) and the next request starts
 * a new process.
 */
export class PcsSession {
  private process: Promise<RemoteProcess> | null = null;
  private buffered = "";
  private waiting: ((line: string | Error) => void) | null = null;
  /** Requests go one at a time: each waits for the one before it to be answered. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Counts the processes started: a batch staged in one is not open in the next. */
  generation = 0;
  private readonly argv: readonly string[];
  private readonly path: RequestedPath;
  private readonly onHello: (hello: PathHello) => void;

  constructor(
    private readonly pool: SshPool,
    private readonly target: SshTarget,
    { argv = SESSION_ARGV, path = "auto", onHello = () => undefined }: SessionOptions = {},
  ) {
    this.argv = argv;
    this.path = path;
    this.onHello = onHello;
  }

  request(
    steps: readonly PcsStep[],
    secrets: readonly Secret[],
    timeoutMs: number,
    op: "stage" | "commit" = "commit",
    flags: CommitFlags = {},
  ): Promise<BatchReply> {
    const reply = this.queue.then(() => this.send(requestLine(steps, op, flags), secrets, timeoutMs));
    this.queue = reply.catch(() => undefined);
    return reply;
  }

  private async send(line: string, secrets: readonly Secret[], timeoutMs: number): Promise<BatchReply> {
    const proc = await (this.process ??= this.start());
    return JSON.parse(await this.exchange(proc, line, secrets, timeoutMs)) as BatchReply;
  }

  /** Writes one request line and waits for its reply line. */
  private async exchange(
    proc: RemoteProcess,
    line: string,
    secrets: readonly Secret[],
    timeoutMs: number,
  ): Promise<string> {
    const reply = new Promise<string | Error>((resolve) => (this.waiting = resolve));
    const timer = setTimeout(() => {
      this.waiting?.(new Error(`no reply in ${timeoutMs / 1000} s`));
      proc.close();
    }, timeoutMs);
    proc.write(line);
    const answer = await reply.finally(() => clearTimeout(timer));
    if (answer instanceof Error) {
      throw new Error(`${nameOf(this.target)}: the pcs batch process: ${redact(answer.message, secrets)}`);
    }
    return answer;
  }

  /** A new process, once it has said which path it runs. */
  private start(): Promise<RemoteProcess> {
    const generation = ++this.generation;
    const starting = this.launch(generation);
    starting.catch(() => {
      if (this.generation === generation) this.process = null;
    });
    return starting;
  }

  private async launch(generation: number): Promise<RemoteProcess> {
    const proc = await this.pool.spawn(this.target, this.argv, new Secret(sessionPrelude()));
    stat("session");
    this.buffered = "";
    proc.onStdout((chunk) => this.take(chunk));
    void proc.ended.then(({ exitCode, stderr }) => {
      if (this.generation === generation) this.process = null;
      const why = stderr.trim().split("\n").slice(-5).join("\n");
      this.waiting?.(
        new Error(`ended (exit ${exitCode ?? "unknown: connection lost?"})${why ? `: ${why}` : ""}`),
      );
      this.waiting = null;
    });
    let hello: PathHello;
    try {
      hello = helloOf(JSON.parse(await this.exchange(proc, helloLine(this.path), [], HELLO_TIMEOUT_MS)));
    } catch (err) {
      proc.close();
      throw err;
    }
    this.onHello(hello);
    return proc;
  }

  private take(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (!line.startsWith(REPLY_MARK)) continue; // stray output of some command: not a reply
      this.waiting?.(line.slice(REPLY_MARK.length));
      this.waiting = null;
    }
  }
}

/** The batch being staged: its session, its steps in staging order, whether each request got there. */
interface Staging {
  session: PcsSession;
  generation: number;
  steps: PcsStep[];
  /** One per stage request: true once answered without error (never rejects). */
  arrived: Promise<boolean>[];
}

const phaseOf = (step: PcsStep): number => step.phase ?? 0;

export interface RunnerOptions {
  /** What starts each batch process (tests start it with a stand-in pcs). */
  argv?: readonly string[];
  /** The writer may run batches at once (maxBatches > 1): each push is read back (CommitFlags.readBack). */
  sideBySide?: boolean;
  /** The path asked for: by default as PCMK_LAB_WRITER_PATH says (pcs-path.ts). */
  path?: RequestedPath;
  /** Told of each process's path (by default pathAnnouncer: warns of a fallback once per host). */
  announcer?: HelloListener;
}

/** The runner of a writer's batches on one node. */
export function pcsBatchRunner(
  pool: SshPool,
  target: SshTarget,
  { argv = SESSION_ARGV, sideBySide = false, path, announcer = pathAnnouncer }: RunnerOptions = {},
): BatchRunner {
  const session: SessionOptions = {
    argv,
    path: path ?? requestedPath(),
    onHello: (hello) => announcer.heard(keyOf(target), nameOf(target), hello),
  };
  // one process per batch in flight (the writer runs at most maxBatches at once), kept for the next
  const idle: PcsSession[] = [];
  let staging: Staging | null = null;
  const sessionFor = (open: Staging | null) =>
    open?.session ?? idle.pop() ?? new PcsSession(pool, target, session);

  const stage = (steps: readonly PcsStep[]): void => {
    if (!steps.length) return;
    const session = sessionFor(staging);
    staging ??= { session, generation: session.generation, steps: [], arrived: [] };
    staging.steps.push(...steps);
    const secrets = steps.flatMap((s) => s.secrets ?? []);
    // a failed stage is not an error of its own: the commit then starts the batch again, whole
    staging.arrived.push(
      session.request(steps, secrets, 600_000, "stage").then(
        (reply) => !reply.error,
        () => false,
      ),
    );
  };

  const run = async (steps: readonly PcsStep[]): Promise<BatchOutcome> => {
    const secrets = steps.flatMap((s) => s.secrets ?? []);
    const started = Date.now();
    const open = staging;
    staging = null;
    const session = sessionFor(open);
    // What is staged goes first; the rest is staged by the commit. Staged in another order than the
    // batch's phases, or not all there (a stage failed, the process was started again): the
    // batch starts again from its original, whole and in order.
    const staged = open?.steps ?? [];
    const rest = steps.filter((s) => !staged.includes(s));
    const order = [...staged, ...rest];
    const arrived = open
      ? (await Promise.all(open.arrived)).every(Boolean) && session.generation === open.generation
      : true;
    const restage =
      !arrived ||
      staged.some((s) => !steps.includes(s)) ||
      order.some((s, i) => i > 0 && phaseOf(s) < phaseOf(order[i - 1]));
    const sent = restage ? steps : rest;
    const answered = restage ? steps : order;
    const reply = await session
      .request(sent, secrets, 600_000, "commit", {
        restage: restage && staged.length > 0,
        readBack: sideBySide,
      })
      .finally(() => idle.push(session));
    stat(
      `batch steps=${steps.length} commands=${steps.flatMap((s) => s.argvs).length} ` +
        `started=${started} ms=${Date.now() - started} staged=${restage ? 0 : staged.length}` +
        `${reply.exact ? " exact" : ""} ` +
        Object.entries(reply.ms ?? {})
          .map(([phase, ms]) => `${phase}=${ms}`)
          .join(" "),
    );
    if (reply.error) throw new Error(`${nameOf(target)}: ${redact(reply.error, secrets)}`);
    if (reply.results.length !== answered.length) {
      throw new Error(
        `${nameOf(target)}: the pcs batch process answered for ${reply.results.length} steps, ` +
          `not the batch's ${answered.length}: the next read shows what was pushed`,
      );
    }
    const resultOf = new Map(answered.map((s, i) => [s, reply.results[i]]));
    return {
      results: steps.map((s) => resultOf.get(s)!),
      pushed: reply.pushed && { ok: reply.pushed.ok, stderr: redact(reply.pushed.stderr ?? "", secrets) },
      cib: reply.cib?.includes("<cib") ? parseCib(reply.cib) : null,
      ...(reply.exact ? { exact: true as const } : {}),
    };
  };
  return Object.assign(run, { stage });
}
