// What the state's provider text (dynamic.ts) calls, by kind, inside the provider process. One ssh
// pool per process: every resource of a `pulumi` operation shares its connections.
import {
  AgentJudge,
  AgentQuestionOf,
  normalQuestion,
  remoteAgentJudge,
  verdictFailures,
} from "./checks/agent-check";
import { z } from "zod";
import { checkInputs, CheckFailure } from "./checks/inputs";
import { targetOf } from "./kit/connection";
import { AnyKind, DiffResult, diffOf, liveInputsOf, secretFieldsOf } from "./kit/kind";
import { KINDS } from "./kinds/index";
import { asStep } from "./kit/step-context";
import { SshPool } from "./transport/ssh";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";

const pool = new SshPool();
let judgeAgent: AgentJudge = remoteAgentJudge(pool);

/** Who answers the agent questions of check (tests without nodes answer none). */
export function useAgentJudge(judge: AgentJudge): void {
  judgeAgent = judge;
}

/** Properties as the engine passes them: each kind parses or reads its own. */
export type Props = Record<string, unknown>;

/** The dynamic-provider host adds its own `__provider` property; it is not an input. */
function own(props: Props | undefined): Props {
  const rest = { ...(props ?? {}) };
  delete rest.__provider;
  return rest;
}

async function checkKind(
  kind: AnyKind,
  olds: Props,
  news: Props,
): Promise<{ inputs: Props; failures: CheckFailure[] }> {
  const { inputs, failures } = checkInputs(kind.schema, own(news));
  const [agentRefusals, nodeRefusals] = await Promise.all([
    inputs && !failures.length ? agentFailures(kind, own(olds), inputs) : [],
    // what depends on the node's pcs and Pacemaker (raw inputs: runOn may not be known yet)
    !failures.length && kind.checkOnNode ? kind.checkOnNode(pool, own(olds), own(news)) : [],
  ]);
  // a kind with a stored form of its own keeps its inputs in it; inputs with values unknown until
  // apply (preview) were not parsed, and are kept as given
  const stored = !inputs ? own(news) : kind.storedForm ? kind.storedForm.inputsOf(inputs) : (inputs as Props);
  return {
    inputs: withoutUndefined(stored),
    failures: [...failures, ...agentRefusals, ...nodeRefusals].map((f) => refusal(kind, f)),
  };
}

const questionKey = (q: AgentQuestionOf): string =>
  JSON.stringify([q.runOn.host, normalQuestion(q.question)]);

/**
 * What the node's pcs says of the agent-dependent inputs (agent, attribute names, operation
 * names), asked only when they are new or changed: names pcs took before are not asked again,
 * and the items of one resource that ask the same are asked once (failures go to the first).
 */
async function agentFailures(kind: AnyKind, olds: Props, inputs: unknown): Promise<CheckFailure[]> {
  if (!kind.agentQuestions) return [];
  const questions = kind.agentQuestions(inputs);
  if (!questions.length) return [];
  const before = kind.schema.safeParse(olds);
  const askedBefore = new Set(before.success ? kind.agentQuestions(before.data).map(questionKey) : []);
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
 * A failure as Pulumi will print it: "pulumi-nodejs:dynamic/pcmk:KIND resource 'NAME': property P
 * value V has a problem: REASON", V being the input P when P is a top-level one. The reason names
 * the kind, which the type there does not. A refused input that holds a secret is named in the
 * reason instead ("resource 'NAME' has a problem: KIND: P: REASON"), so that its value is never
 * printed: Pulumi hides a value only when it equals a config secret.
 */
function refusal(kind: AnyKind, f: CheckFailure): CheckFailure {
  return secretFieldsOf(kind.fields).includes(f.property)
    ? { property: "", reason: `${kind.name}: ${f.property}: ${f.reason}` }
    : { ...f, reason: `${kind.name}: ${f.reason}` };
}

/**
 * Inputs with the defaults of the fields they lack, field by field (an unknown value elsewhere
 * does not stop it): state written by an earlier release lacks the inputs added since, and the
 * inputs of a preview that holds unknown values were not parsed; both are read as a declaration
 * without those fields would be (else an upgrade would read an absent list, or see a change the
 * program did not make). A kind with a stored form of its own reads it itself.
 */
function withDefaultsOf(kind: AnyKind, props: Props): Props {
  const state = own(props);
  if (kind.storedForm) return state;
  const shape: Record<string, z.ZodType> =
    (kind.schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const defaults = Object.entries(shape).flatMap(([field, type]) => {
    if (field in state) return [];
    const d = type.safeParse(undefined);
    return d.success && d.data !== undefined ? [[field, d.data]] : [];
  });
  return defaults.length ? { ...state, ...Object.fromEntries(defaults) } : state;
}

/** The state as the kind's operations take it. */
function stateOf(kind: AnyKind, props: Props): unknown {
  return kind.storedForm ? kind.storedForm.fromState(own(props)) : withDefaultsOf(kind, props);
}

/** The state as the engine keeps it: the kind's stored form, nothing undefined. */
function toState(kind: AnyKind, outs: unknown): Props {
  return withoutUndefined((kind.storedForm ? kind.storedForm.toState(outs) : outs) as Props);
}

/**
 * The program's inputs as the kind's operations take them: parsed again for a kind that stores
 * them in a form of its own. `null` when they cannot be (a preview's values not known until apply).
 */
function inputsOf(kind: AnyKind, props: Props): unknown {
  if (!kind.storedForm) return withDefaultsOf(kind, props);
  const parsed = kind.schema.safeParse(own(props));
  return parsed.success ? parsed.data : null;
}

async function diffKind(kind: AnyKind, olds: Props, news: Props): Promise<DiffResult> {
  const inputs = inputsOf(kind, news);
  // a value unknown until apply (preview) may change anything
  const deleteBeforeReplace = kind.deleteBeforeReplace ?? true;
  if (inputs === null) return { changes: true, replaces: [], deleteBeforeReplace };
  return diffOf(kind.fields, stateOf(kind, olds), inputs, deleteBeforeReplace);
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

/**
 * A create or update that was made, but whose run found failed operations once the cluster
 * settled (this object's, or others' this run wrote, as this step was the run's last): the
 * engine records the object as made (with its provider text, which the host adds only to a
 * success), fails the step with the failures, and updates the object at the next up.
 */
function initFailed(id: string, outs: Props, inputs: Props, failures: string[]) {
  const properties = { ...outs, __provider: inputs.__provider };
  return Object.assign(new Error(failures.join("\n")), { id, properties, reasons: failures });
}

/** Inputs a call must have: a preview's unknowns never reach create or update. */
function knownInputs(kind: AnyKind, props: Props): unknown {
  const inputs = inputsOf(kind, props);
  if (inputs === null) return kind.schema.parse(own(props)); // throws zod's reasons
  return inputs;
}

/**
 * The provider's operations over a list of kinds, each called by its kind's name as the state's
 * provider text names it (`provider("PcsResource")`).
 */
export function serve(list: readonly AnyKind[]) {
  const kinds = new Map(list.map((k) => [k.name, k]));
  const kindOf = (name: string): AnyKind => {
    const kind = kinds.get(name);
    if (!kind) throw new Error(`unknown resource kind '${name}' (this package: ${[...kinds.keys()]})`);
    return kind;
  };
  const providers = new Map<string, ResourceProvider>();
  const served = {
    check: (name: string, olds: Props, news: Props) => checkKind(kindOf(name), olds, news),
    diff: (name: string, _id: string, olds: Props, news: Props) => diffKind(kindOf(name), olds, news),
    withDefaults: (name: string, props: Props): Props => withDefaultsOf(kindOf(name), props),
    async create(name: string, inputs: Props) {
      const kind = kindOf(name);
      const { result, failures } = await asStep(() => kind.create(pool, knownInputs(kind, inputs)));
      const outs = toState(kind, result.outs);
      if (failures.length) throw initFailed(result.id, outs, inputs, failures);
      return { id: result.id, outs };
    },
    /**
     * The object as the cluster has it, and the inputs that would declare it so: the engine then
     * diffs the program against them, and marks the fields that drifted in its preview.
     */
    async read(name: string, id: string, props: Props) {
      const kind = kindOf(name);
      const r = await kind.read(pool, id, stateOf(kind, props));
      if (r.id === "") return { id: "", props: {} };
      const state = toState(kind, r.props);
      const inputs = kind.storedForm
        ? kind.storedForm.inputsOf(kind.storedForm.fromState(state))
        : liveInputsOf(kind.fields, state);
      return { id: r.id, props: state, inputs: withoutUndefined(inputs) };
    },
    async update(name: string, id: string, olds: Props, news: Props) {
      const kind = kindOf(name);
      const { result, failures } = await asStep(() =>
        kind.update(pool, id, stateOf(kind, olds), knownInputs(kind, news)),
      );
      const outs = toState(kind, result.outs);
      if (failures.length) throw initFailed(id, outs, news, failures);
      return { outs };
    },
    async remove(name: string, id: string, props: Props): Promise<void> {
      const kind = kindOf(name);
      const { failures } = await asStep(() => kind.remove(pool, id, stateOf(kind, props)));
      // its object is gone: the failures are other objects' of this run, reported by this step
      if (failures.length) throw new Error(failures.join("\n"));
    },
    /** The provider the dynamic-provider host calls for a kind (dynamic.ts's providerText). */
    provider(name: string): ResourceProvider {
      kindOf(name); // an unknown kind fails here, naming the kinds there are
      let found = providers.get(name);
      if (!found) {
        found = {
          check: (olds, news) => served.check(name, olds, news),
          diff: (id, olds, news) => served.diff(name, id, olds, news),
          create: (inputs) => served.create(name, inputs),
          read: (id, props) => served.read(name, id, props),
          update: (id, olds, news) => served.update(name, id, olds, news),
          delete: (id, props) => served.remove(name, id, props),
        };
        providers.set(name, found);
      }
      return found;
    },
  };
  return served;
}

/** This package's kinds, served: what `require("pcmk-lab/runtime").provider(KIND)` gives. */
export const { check, diff, withDefaults, create, read, update, remove, provider } = serve(KINDS);
