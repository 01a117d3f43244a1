// Agent-dependent input checks at preview: whether the agent exists on the node, whether its
// instance attribute (or fence parameter) names are ones it takes and its required ones are
// there, whether its operation names are actions it has. pcs decides these from the agent's
// metadata on the node, so the node's pcs is asked (agent_check.py), with pcs's own words.
// Read-only; one remote command per host for the checks that arrive together; each answer kept
// for the life of the provider process. When the node cannot be asked (not reachable yet, not
// known until apply), the check passes and pcs judges at create, as it always does.
import { CheckFailure } from "../check";
import { Connection } from "../connection";
import { SshPool, SshTarget, keyOf, nameOf } from "../transport/ssh";
import { pythonProgram } from "../transport/python-program";
import { stat } from "../stats";

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

/** pcs's messages, by what they are about; `agent`: the full name pcs found, null if none. */
export interface AgentVerdict {
  host: string;
  agent: string | null;
  errors: { agent: string[]; attributes: string[]; operations: string[] };
}

/** Asks, or answers null when the node could not be asked. */
export type AgentJudge = (target: SshTarget, question: AgentQuestion) => Promise<AgentVerdict | null>;

const PROGRAM = pythonProgram("agents/agent_check.py");
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
}

/** The judge that asks each node's pcs, one remote command per gathered group of questions. */
export function remoteAgentJudge(
  pool: SshPool,
  options: RemoteJudgeOptions = { gatherMs: 50, waitMs: 10_000 },
): AgentJudge {
  const verdicts = new Map<string, Promise<AgentVerdict | null>>();
  const gathering = new Map<string, { target: SshTarget; waiting: Waiting[] }>();

  const flush = async (host: string) => {
    const group = gathering.get(host)!;
    gathering.delete(host);
    const questions = group.waiting.map((w) => w.question);
    const answers = await ask(pool, group.target, questions).catch((err: Error) => {
      stat(`agent-check unjudged host=${nameOf(group.target)} why=${JSON.stringify(err.message)}`);
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
    return withinMs(verdict, options.waitMs);
  };
}

const withinMs = <T>(p: Promise<T | null>, ms: number): Promise<T | null> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });

interface Reply {
  results: { agent: string | null; errors: AgentVerdict["errors"] }[];
}

async function ask(pool: SshPool, target: SshTarget, questions: AgentQuestion[]): Promise<AgentVerdict[]> {
  const request = JSON.stringify({ checks: questions });
  const out = await pool.run(target, PROGRAM.argv, { stdin: `${PROGRAM.prelude()}${request}\n` });
  const line = out.split("\n").find((l) => l.startsWith(REPLY_MARK));
  if (!line) throw new Error(`no answer from agent_check.py on ${nameOf(target)}`);
  const reply = JSON.parse(line.slice(REPLY_MARK.length)) as Reply;
  return reply.results.map((r) => ({ host: nameOf(target), agent: r.agent, errors: r.errors }));
}

/** The verdict as check failures, each on its field, in pcs's words, naming the host asked. */
export function verdictFailures(verdict: AgentVerdict, attributesField: string, at = ""): CheckFailure[] {
  const said = (property: string, messages: string[]) =>
    messages.map((m) => ({
      property: at ? `${at}.${property}` : property,
      reason: `pcs on ${verdict.host} refuses it: ${m.replace(/\s*\n\s*/g, " ").trim()}`,
    }));
  return [
    ...said("agent", verdict.errors.agent),
    ...said(attributesField, verdict.errors.attributes),
    ...said("operations", verdict.errors.operations),
  ];
}
