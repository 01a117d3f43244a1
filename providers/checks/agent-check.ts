// Agent-dependent input checks at preview: whether the agent exists on the node, whether its
// instance attribute (or fence parameter) names are ones it takes and its required ones are
// there, whether its operation names are actions it has. pcs decides these from the agent's
// metadata on the node, so the node is asked (agent_check.py): by pcs's own library where it is
// what the program expects, otherwise from the agent's metadata by pcs's rules; each verdict says
// which, and a failure's text says so. Read-only; one remote command per host for the checks that
// arrive together; each answer kept for the life of the provider process. When no judging is
// possible (the node not reachable yet, neither way works there) the check passes, pcs judges at
// create as it always does, and a warning naming the host says so. Inputs not known until apply
// are not asked about at preview: the check of `up` asks.
import { CheckFailure } from "./inputs";
import { Connection } from "../kit/connection";
import { SshPool, SshTarget, keyOf, nameOf } from "../transport/ssh";
import { PythonProgram, pythonProgram } from "../transport/python-program";
import { stat } from "../kit/stats";
import { Warn, warnUser } from "../kit/warnings";

/** What pcs is asked of one object: names only, never values (which may be secrets). */
export interface AgentQuestion {
  /** As declared: full, pcs's short form (resources), or a fence agent's type (stonith). */
  agent: string;
  stonith: boolean;
  names: string[];
  operations: string[];
}

/** A kind's question for its inputs: asked of the node it runs pcs on; where attribute errors go. */
export interface AgentQuestionOf {
  runOn: Connection;
  question: AgentQuestion;
  attributesField: string;
  /** Where the object's inputs are, for its failures' properties: "" or an item's, "resources[3]". */
  at?: string;
}

/**
 * How a verdict was reached: "pcs-library", pcs's own library on the node; "metadata", the
 * agent's metadata on the node judged by pcs's rules (where pcs's library is not what
 * agent_check.py expects).
 */
export type AgentCheckWay = "pcs-library" | "metadata";

/** pcs's messages, by what they are about; `agent`: the full name pcs found, null if none. */
export interface AgentVerdict {
  host: string;
  /** Absent: pcs's library. */
  via?: AgentCheckWay;
  agent: string | null;
  errors: { agent: string[]; attributes: string[]; operations: string[] };
}

/** Asks, or answers null when the node could not be asked (and says so through the judge's warn). */
export type AgentJudge = (target: SshTarget, question: AgentQuestion) => Promise<AgentVerdict | null>;

const AGENT_CHECK = pythonProgram("checks/agent_check.py");
const REPLY_MARK = "@@pcmk-lab-reply@@ ";

/** A question in one spelling: the same names in another order are the same question. */
export const normalQuestion = (q: AgentQuestion): AgentQuestion => ({
  agent: q.agent,
  stonith: q.stonith,
  names: [...new Set(q.names)].sort(),
  operations: [...new Set(q.operations)].sort(),
});

interface Waiting {
  question: AgentQuestion;
  answer: (verdict: AgentVerdict | null) => void;
}

export interface RemoteJudgeOptions {
  /** How long checks that arrive together are gathered into one remote command. */
  gatherMs: number;
  /** How long a check waits for its answer before passing unjudged (an unreachable node). */
  waitMs: number;
  /** Where the user is told what the check could not do as usual (default: a warning in the output). */
  warn?: Warn;
  /** Judge from the agents' metadata even where pcs's library would do (its tests; PCMK_LAB_AGENT_CHECK=metadata). */
  forceMetadata?: boolean;
  /** The program run on the node (tests: one that simulates another pcs). */
  program?: PythonProgram;
}

const DEFAULTS: RemoteJudgeOptions = { gatherMs: 50, waitMs: 10_000 };

/** The judge that asks each node, one remote command per gathered group of questions. */
export function remoteAgentJudge(pool: SshPool, options: RemoteJudgeOptions = DEFAULTS): AgentJudge {
  const verdicts = new Map<string, Promise<AgentVerdict | null>>();
  const gathering = new Map<string, { target: SshTarget; waiting: Waiting[] }>();
  const tell = once(options.warn ?? warnUser);
  const asking: Asking = {
    program: options.program ?? AGENT_CHECK,
    forceMetadata: options.forceMetadata ?? process.env.PCMK_LAB_AGENT_CHECK === "metadata",
  };

  const flush = async (host: string) => {
    const group = gathering.get(host)!;
    gathering.delete(host);
    const questions = group.waiting.map((w) => w.question);
    const answers = await ask(pool, group.target, questions, asking)
      .then((reply) => verdictsOf(reply, group.target, questions, tell))
      .catch((err: Error) => {
        tell(notJudged(group.target, err.message));
        return questions.map(() => null);
      });
    group.waiting.forEach((w, i) => w.answer(answers[i]));
  };

  return (target, question) => {
    const normal = normalQuestion(question);
    const key = `${keyOf(target)} ${JSON.stringify(normal)}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      const host = keyOf(target);
      let group = gathering.get(host);
      if (!group) {
        group = { target, waiting: [] };
        gathering.set(host, group);
        setTimeout(() => void flush(host), options.gatherMs);
      }
      const waiting = group.waiting;
      verdict = new Promise((answer) => waiting.push({ question: normal, answer }));
      verdicts.set(key, verdict);
    }
    const late = () => tell(notJudged(target, `no answer within ${options.waitMs / 1000} s`));
    return withinMs(verdict, options.waitMs, late);
  };
}

/** Each distinct line once per provider process: a host's state is said once, not per resource. */
function once(warn: Warn): Warn {
  const said = new Set<string>();
  return (line) => {
    if (said.has(line)) return;
    said.add(line);
    stat(`agent-check warning ${JSON.stringify(line)}`);
    warn(line);
  };
}

const notJudged = (target: SshTarget, why: string, what = "these inputs"): string =>
  `pcmk-lab agent check: could not judge ${what} on ${nameOf(target)} (${why}); ` +
  "pcs judges them at create";

const withinMs = <T>(p: Promise<T | null>, ms: number, late: () => void): Promise<T | null> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => {
      late();
      resolve(null);
    }, ms);
    void p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });

interface Asking {
  program: PythonProgram;
  forceMetadata: boolean;
}

interface Reply {
  /** The node's pcs version, null if unknown. */
  pcs: string | null;
  /** Why pcs's library is not used on this node; null when it is. */
  library: string | null;
  results: {
    /** null: neither way could judge it (why says why). */
    via: AgentCheckWay | null;
    /** Why not pcs's library, for a verdict reached another way. */
    why?: string;
    agent: string | null;
    errors: AgentVerdict["errors"];
  }[];
}

async function ask(
  pool: SshPool,
  target: SshTarget,
  questions: AgentQuestion[],
  asking: Asking,
): Promise<Reply> {
  const request = JSON.stringify({ checks: questions, ...(asking.forceMetadata ? { way: "metadata" } : {}) });
  const out = await pool.run(target, asking.program.argv, {
    stdin: `${asking.program.prelude()}${request}\n`,
  });
  const line = out.split("\n").find((l) => l.startsWith(REPLY_MARK));
  if (!line) throw new Error(`no answer from agent_check.py on ${nameOf(target)}`);
  return JSON.parse(line.slice(REPLY_MARK.length)) as Reply;
}

/** The reply's verdicts, null where none was reached; what was not as usual told to the user. */
function verdictsOf(
  reply: Reply,
  target: SshTarget,
  questions: AgentQuestion[],
  tell: (line: string) => void,
): (AgentVerdict | null)[] {
  const pcs = `pcs ${reply.pcs ?? "(version unknown)"}`;
  stat(
    `agent-check host=${nameOf(target)} ${pcs.replace(" ", "=")} library=${JSON.stringify(reply.library)}`,
  );
  return reply.results.map((r, i) => {
    if (!r.via) {
      tell(notJudged(target, `${pcs}: ${r.why ?? "no way to judge"}`, `agent ${questions[i].agent}`));
      return null;
    }
    if (r.via !== "pcs-library")
      tell(
        `pcmk-lab agent check: on ${nameOf(target)} (${pcs}) agents are judged from their ` +
          `metadata by pcs's rules, not by pcs itself: ${r.why ?? reply.library}`,
      );
    return { host: nameOf(target), via: r.via, agent: r.agent, errors: r.errors };
  });
}

/** The verdict as check failures, each on its field, in pcs's words, naming the host asked and the way. */
export function verdictFailures(verdict: AgentVerdict, attributesField: string, at = ""): CheckFailure[] {
  const who =
    verdict.via === "metadata"
      ? `pcs on ${verdict.host} would refuse it (judged by pcs's rules from the agent's metadata)`
      : `pcs on ${verdict.host} refuses it`;
  const said = (property: string, messages: string[]) =>
    messages.map((m) => ({
      property: at ? `${at}.${property}` : property,
      reason: `${who}: ${m.replace(/\s*\n\s*/g, " ").trim()}`,
    }));
  return [
    ...said("agent", verdict.errors.agent),
    ...said(attributesField, verdict.errors.attributes),
    ...said("operations", verdict.errors.operations),
  ];
}
