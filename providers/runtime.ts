// What the state's provider text (dynamic.ts) calls, by kind, inside the provider process. One ssh
// pool per process: every resource of a `pulumi` operation shares its connections.
import {
  AgentJudge,
  AgentQuestionOf,
  normalQuestion,
  remoteAgentJudge,
  verdictFailures,
} from "./agents/agent-check";
import { checkInputs, CheckFailure } from "./check";
import { clusterLifecycle } from "./cluster";
import { clusterAuthLifecycle } from "./cluster-auth";
import { clusterObjectsLifecycle } from "./cluster-objects";
import { constraintLifecycle } from "./constraint";
import { drSiteLifecycle } from "./dr-site";
import { drbdConfigLifecycle } from "./drbd-volume";
import { targetOf } from "./connection";
import { nodeLifecycle } from "./node";
import { pcsResourceLifecycle } from "./pcs-resource";
import { secretInputsOf } from "./secrets";
import { stonithLifecycle } from "./stonith-device";
import { SshPool } from "./transport/ssh";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";

const pool = new SshPool();
let judgeAgent: AgentJudge = remoteAgentJudge(pool);

/** Who answers the agent questions of check (tests without nodes answer none). */
export function useAgentJudge(judge: AgentJudge): void {
  judgeAgent = judge;
}

const lifecycles = {
  Node: nodeLifecycle,
  ClusterAuth: clusterAuthLifecycle,
  Cluster: clusterLifecycle,
  PcsResource: pcsResourceLifecycle,
  Constraint: constraintLifecycle,
  ClusterObjects: clusterObjectsLifecycle,
  StonithDevice: stonithLifecycle,
  DrbdConfig: drbdConfigLifecycle,
  DrSite: drSiteLifecycle,
} as const;
type Kind = keyof typeof lifecycles;
// Each lifecycle types its own inputs; here they are only passed through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = any;

function lifecycleOf(kind: string): (typeof lifecycles)[Kind] {
  if (!(kind in lifecycles))
    throw new Error(`unknown resource kind '${kind}' (this package: ${Object.keys(lifecycles)})`);
  return lifecycles[kind as Kind];
}

const providers = new Map<string, ResourceProvider>();

/** The provider the dynamic-provider host calls for a kind (dynamic.ts's providerText). */
export function provider(kind: string): ResourceProvider {
  lifecycleOf(kind); // an unknown kind fails here, naming the kinds there are
  let found = providers.get(kind);
  if (!found) {
    found = {
      check: (olds, news) => check(kind, olds, news),
      diff: (id, olds, news) => diff(kind, id, olds, news),
      create: (inputs) => create(kind, inputs),
      read: (id, props) => read(kind, id, props),
      update: (id, olds, news) => update(kind, id, olds, news),
      delete: (id, props) => remove(kind, id, props),
    };
    providers.set(kind, found);
  }
  return found;
}

/** The dynamic-provider host adds its own `__provider` property; it is not an input. */
function own(props: Props): Props {
  const rest = { ...(props ?? {}) };
  delete rest.__provider;
  return rest;
}

export async function check(
  kind: string,
  olds: Props,
  news: Props,
): Promise<{ inputs: Props; failures: CheckFailure[] }> {
  const lifecycle = lifecycleOf(kind);
  const { inputs, failures } = checkInputs(lifecycle.schema, own(news));
  const [agentRefusals, nodeRefusals] = await Promise.all([
    inputs && !failures.length ? agentFailures(kind, own(olds), inputs) : [],
    // what depends on the node's pcs and Pacemaker (raw inputs: runOn may not be known yet)
    !failures.length && "checkOnNode" in lifecycle ? lifecycle.checkOnNode(pool, own(olds), own(news)) : [],
  ]);
  // a kind that stores its inputs as given (no defaults: a smaller state) parses them where it uses them
  const stored = inputs && !("storesGivenInputs" in lifecycle) ? inputs : own(news);
  return {
    inputs: withoutUndefined(stored),
    failures: [...failures, ...agentRefusals, ...nodeRefusals].map((f) => refusal(kind, f)),
  };
}

/** A kind's agent questions for its inputs: one per object it declares (none for most kinds). */
function agentQuestionsOf(lifecycle: (typeof lifecycles)[Kind], inputs: Props): AgentQuestionOf[] {
  if ("agentQuestions" in lifecycle) return lifecycle.agentQuestions(inputs);
  if ("agentQuestion" in lifecycle) return [lifecycle.agentQuestion(inputs)];
  return [];
}

const questionKey = (q: AgentQuestionOf): string =>
  JSON.stringify([q.runOn.host, normalQuestion(q.question)]);

/**
 * What the node's pcs says of the agent-dependent inputs (agent, attribute names, operation
 * names), asked only when they are new or changed: names pcs took before are not asked again,
 * and the items of one resource that ask the same are asked once (failures go to the first).
 */
async function agentFailures(kind: string, olds: Props, inputs: Props): Promise<CheckFailure[]> {
  const lifecycle = lifecycleOf(kind);
  const questions = agentQuestionsOf(lifecycle, inputs);
  if (!questions.length) return [];
  const before = lifecycle.schema.safeParse(olds);
  const askedBefore = new Set(
    before.success ? agentQuestionsOf(lifecycle, before.data).map(questionKey) : [],
  );
  const toAsk = new Map<string, AgentQuestionOf>();
  for (const q of questions) {
    const key = questionKey(q);
    if (!askedBefore.has(key) && !toAsk.has(key)) toAsk.set(key, q);
  }
  const asked = [...toAsk.values()];
  const verdicts = await Promise.all(asked.map((q) => judgeAgent(targetOf(q.runOn), q.question)));
  return verdicts.flatMap((v, i) => (v ? verdictFailures(v, asked[i].attributesField, asked[i].at) : []));
}

/**
 * A failure as Pulumi will print it: "pulumi-nodejs:dynamic:Resource resource 'NAME': property P
 * value V has a problem: REASON", V being the input P when P is a top-level one. The reason names
 * the kind, which the type there does not. A refused input that holds a secret is named in the
 * reason instead ("resource 'NAME' has a problem: KIND: P: REASON"), so that its value is never
 * printed: Pulumi hides a value only when it equals a config secret.
 */
export function refusal(kind: string, f: CheckFailure): CheckFailure {
  const secret = secretInputsOf(kind);
  return secret.includes(f.property)
    ? { property: "", reason: `${kind}: ${f.property}: ${f.reason}` }
    : { ...f, reason: `${kind}: ${f.reason}` };
}

/**
 * Inputs with the defaults of the fields they lack, field by field (an unknown value elsewhere
 * does not stop it): state written by an earlier release lacks the inputs added since, and the
 * inputs of a preview that holds unknown values were not parsed; both are read as a declaration
 * without those fields would be (else an upgrade would read an absent list, or see a change the
 * program did not make). A kind that stores its inputs as given parses them itself.
 */
export function withDefaults(kind: string, props: Props): Props {
  const lifecycle = lifecycleOf(kind);
  const state = own(props);
  if ("storesGivenInputs" in lifecycle) return state;
  const shape: Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }> =
    (lifecycle.schema as { shape?: Props }).shape ?? {};
  const defaults = Object.entries(shape).flatMap(([field, type]) => {
    if (field in state) return [];
    const d = type.safeParse(undefined);
    return d.success && d.data !== undefined ? [[field, d.data]] : [];
  });
  return defaults.length ? { ...state, ...Object.fromEntries(defaults) } : state;
}

export async function diff(kind: string, id: string, olds: Props, news: Props) {
  return lifecycleOf(kind).diff(id, withDefaults(kind, olds), withDefaults(kind, news));
}

/** Outputs travel as protobuf Structs, which have no `undefined`: absent optional fields go. */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutUndefined) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}

export async function create(kind: string, inputs: Props) {
  const { id, outs } = await lifecycleOf(kind).create(pool, own(inputs));
  return { id, outs: withoutUndefined(outs) };
}

export async function read(kind: string, id: string, props: Props) {
  const r = await lifecycleOf(kind).read(pool, id, withDefaults(kind, props));
  return { id: r.id, props: withoutUndefined(r.props) };
}

export async function update(kind: string, id: string, olds: Props, news: Props) {
  const { outs } = await lifecycleOf(kind).update(
    pool,
    id,
    withDefaults(kind, olds),
    withDefaults(kind, news),
  );
  return { outs: withoutUndefined(outs) };
}

export async function remove(kind: string, id: string, props: Props) {
  return lifecycleOf(kind).remove(pool, id, withDefaults(kind, props));
}
