// Runs a batch of pcs steps on one node in one ssh exec: pcs_batch.py, fed on stdin, applies them
// to a copy of the CIB inside one Python process and pushes the result once (see the script).
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LiveCluster, parseLive, READ_LIVE_ARGV } from "../cib/live";
import { redact, Secret } from "../secrets";
import { nameOf, SshPool, SshTarget } from "../transport/ssh";
import { shellLine } from "../transport/shell";

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
  /** Ids this step creates (a resource, its clone or group). */
  makes?: readonly string[];
  /** Ids that must exist first (in the CIB, or made by a step of the same batch), e.g. a constraint's resources. */
  needs?: readonly string[];
  /** Values in argvs that must never show in an error. */
  secrets?: readonly Secret[];
}

export interface StepResult {
  ok: boolean;
  skipped?: "exists" | "absent";
  argv?: string[];
  stdout?: string;
  stderr?: string;
}

export interface BatchOutcome {
  results: StepResult[];
  /** null: nothing to push. */
  pushed: { ok: boolean; stderr: string } | null;
  live: LiveCluster;
}

export type BatchRunner = (steps: readonly PcsStep[]) => Promise<BatchOutcome>;

/** A pcs step refused by pcs: names the owner, the host, the command (redacted) and pcs's message. */
export class PcsError extends Error {
  constructor(
    readonly owner: string,
    readonly host: string,
    readonly command: string,
    readonly pcsMessage: string,
  ) {
    super(`${owner}: \`${command}\` failed on ${host}: ${pcsMessage}`);
    this.name = "PcsError";
  }
}

// Shipped next to the compiled code's sources: dist/providers/writer → providers/writer; when
// this module runs from its sources (ts-jest), the script is beside it.
const SCRIPT_PATH = existsSync(join(__dirname, "pcs_batch.py"))
  ? join(__dirname, "pcs_batch.py")
  : join(__dirname, "..", "..", "..", "providers", "writer", "pcs_batch.py");
let script: string | undefined;

/** The program sent on stdin: the request, base64 inside a literal, then the script. */
export function batchProgram(steps: readonly PcsStep[]): string {
  script ??= readFileSync(SCRIPT_PATH, "utf8");
  const request = {
    steps: steps.map(({ argvs, ifAbsent, ifPresent }) => ({ argvs, ifAbsent, ifPresent })),
    liveArgv: READ_LIVE_ARGV,
  };
  const encoded = Buffer.from(JSON.stringify(request), "utf8").toString("base64");
  return `import base64, json\nREQUEST = json.loads(base64.b64decode("${encoded}"))\n${script}`;
}

export function stepError(step: PcsStep, result: StepResult, target: SshTarget): PcsError {
  const secrets = step.secrets ?? [];
  // each argument before quoting: a quoted secret (it's → 'it'\''s') no longer matches its value
  const command = shellLine(["pcs", ...(result.argv ?? []).map((a) => redact(a, secrets))]);
  const message = redact((result.stderr || result.stdout || "").trim(), secrets);
  return new PcsError(step.owner, nameOf(target), command, message || "(pcs said nothing)");
}

/**
 * For the benchmarks: with PCMK_LAB_STATS_FILE set, one line per batch (one Python process that
 * loads pcs once, however many pcs commands it runs).
 */
function countBatch(steps: readonly PcsStep[]): void {
  const file = process.env.PCMK_LAB_STATS_FILE;
  if (file)
    appendFileSync(file, `batch steps=${steps.length} commands=${steps.flatMap((s) => s.argvs).length}\n`);
}

export function pcsBatchRunner(pool: SshPool, target: SshTarget): BatchRunner {
  return async (steps) => {
    const secrets = steps.flatMap((s) => s.secrets ?? []);
    const out = await pool.run(target, ["/usr/bin/python3", "-Es", "-"], {
      stdin: new Secret(batchProgram(steps)),
      secrets,
      timeoutMs: 600_000,
    });
    const reply = JSON.parse(out.trim().split("\n").pop() ?? "{}");
    countBatch(steps);
    if (reply.error) throw new Error(`${nameOf(target)}: ${redact(reply.error, secrets)}`);
    return {
      results: reply.results,
      pushed: reply.pushed && { ok: reply.pushed.ok, stderr: redact(reply.pushed.stderr ?? "", secrets) },
      live: parseLive(reply.live ?? ""),
    };
  };
}
