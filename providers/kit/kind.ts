// The contract every resource kind satisfies, and the diff built from its field declarations.
// A kind is one object: its name (the one every state's provider text holds), its schema, how
// each input field takes part in the diff (and whether it holds a secret), the outputs it adds,
// and its operations. The runtime serves every kind of one list (kinds/index.ts) through it; a resource
// class passes its kind object to DynamicResource. Modelled on Terraform's plugin framework (one
// registration list, interfaces checked when compiled) and pulumi-command's field tags.
import { z } from "zod";
import { AgentQuestionOf } from "../checks/agent-check";
import { CheckFailure } from "../checks/inputs";
import { same } from "./same";
import { SshPool } from "../transport/ssh";

/** Whether a field differs between the state (`olds`: outputs) and the program (`news`: inputs). */
export type Compare<O, I> = (olds: O, news: I) => boolean;

/** How an input field takes part in the diff. Every input field of a kind declares one. */
export interface FieldRule<O, I> {
  /**
   * Whether the field differs; by default its values compared as canonical JSON (key order
   * ignored), absent equal to null. `false`: never compared (it steers how an operation runs, as
   * a timeout does, and changing it changes nothing on the cluster).
   */
  readonly differs?: Compare<O, I> | false;
  /** A change replaces the resource: always (`true`), or when this says so. */
  readonly replaces?: true | Compare<O, I>;
  /**
   * Holds a secret: kept secret in the state (as input and output) and never the property of a
   * refused input, whose value Pulumi prints. "key": only where the value holds a private key (a
   * connection, or a list of them): one that names its key file stays plain, and smaller.
   */
  readonly secret?: true | "key";
  /**
   * The field's value on the cluster, in the declared shape, for a kind whose state keeps the
   * declared value apart from the facts read (a Node's `hostname` beside its `liveHostname`): what
   * a refresh gives the engine as the field's input, so that its diff marks the field that
   * drifted. By default the state's own value of the field (the kind's read puts the live value
   * there, spelt as declared where equal).
   */
  readonly live?: (state: O) => unknown;
}

/**
 * The rule of a field whose live value the state keeps as a fact beside the declared one: it
 * differs by `differs`, and a refresh gives `fact` as its input where it does (else as declared).
 */
export function comparedWith<O, I>(
  field: keyof O & keyof I,
  differs: Compare<O, I>,
  fact: (state: O) => unknown,
): Required<Pick<FieldRule<O, I>, "live">> & { readonly differs: Compare<O, I> } {
  return { differs, live: (s) => (differs(s, s as unknown as I) ? fact(s) : s[field]) };
}

/** A rule for a field that holds connections: secret where they hold a key, by construction. */
export interface ConnectionRule<O, I> extends FieldRule<O, I> {
  readonly secret: "key";
}

/** A rule for a field whose name says it holds a secret: declared secret, by construction. */
export interface SecretRule<O, I> extends FieldRule<O, I> {
  readonly secret: true;
}

/**
 * A value holding connections: an object with a privateKey field, one holding such an object (a
 * DRBD node's `connection`), or a list of them.
 */
type HoldsKey<T, Depth extends unknown[] = []> = Depth["length"] extends 3
  ? false
  : [NonNullable<T>] extends [readonly (infer U)[]]
    ? HoldsKey<U, [...Depth, unknown]>
    : [NonNullable<T>] extends [object]
      ? string extends keyof NonNullable<T>
        ? false // a map (attributes): its keys are the user's names
        : "privateKey" extends keyof NonNullable<T>
          ? true
          : true extends {
                [K in keyof NonNullable<T>]-?: HoldsKey<NonNullable<T>[K], [...Depth, unknown]>;
              }[keyof NonNullable<T>]
            ? true
            : false
      : false;

/** Field names that hold secrets by their name alone (a Node's key, any password, secret*). */
type SecretName = "privateKey" | "password" | `${string}Password` | `secret${string}`;

/**
 * Every input field's rule. A field holding connections must be declared with a ConnectionRule,
 * one named as a secret with a SecretRule: forgetting either does not compile.
 */
export type FieldRules<O, I> = {
  readonly [K in keyof I]-?: HoldsKey<I[K]> extends true
    ? ConnectionRule<O, I>
    : K extends SecretName
      ? SecretRule<O, I>
      : FieldRule<O, I>;
};

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** What a refresh reads: the state as the cluster has it, or that the object is gone. */
export type ReadResult<O> = { id: string; props: O } | typeof GONE;

/** A read's answer for an object no longer there (the engine then drops it from the state). */
export const GONE: { readonly id: ""; readonly props: Record<string, never> } = { id: "", props: {} };

/** The inputs of a kind: what its schema gives. */
export type InputsOf<S extends z.ZodType> = z.output<S>;

/**
 * A resource kind. `S` is its schema (its output: the inputs every operation gets), `O` what its
 * state records (the inputs as the cluster has them, and facts read from it).
 */
export interface Kind<S extends z.ZodType = z.ZodType, O = unknown> {
  /** The name in every state's provider text (`provider("<name>")`): it never changes. */
  readonly name: string;
  readonly schema: S;
  readonly fields: FieldRules<O, InputsOf<S>>;
  /** What the state records beyond the inputs: each is an output of the resource class. */
  readonly outputs: readonly string[];
  /**
   * Whether a replace deletes the old one before it creates the new: by default yes, as the new
   * one takes the same id on the cluster; false where the new one is another machine (Node).
   */
  readonly deleteBeforeReplace?: boolean;
  /**
   * Inputs and outputs stored in a form of the kind's own (a smaller state), parsed (inputs) or
   * read back with `fromState` (outputs) before every operation. `inputsOf` gives the stored form
   * of the inputs, from the program's (parsed) or from a read's state: the two must be equal when
   * nothing drifted.
   */
  readonly storedForm?: {
    toState(outs: O): O;
    fromState(stored: O): O;
    inputsOf(inputsOrState: InputsOf<S> | O): Record<string, unknown>;
  };
  /** What the node's pcs is asked at preview of the agent-dependent inputs (one per object). */
  agentQuestions?(inputs: InputsOf<S>): AgentQuestionOf[];
  /** What depends on the node's pcs and Pacemaker, checked at preview (inputs as given). */
  checkOnNode?(
    pool: SshPool,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<CheckFailure[]>;
  create(pool: SshPool, inputs: InputsOf<S>): Promise<{ id: string; outs: O }>;
  read(pool: SshPool, id: string, state: O): Promise<ReadResult<O>>;
  update(pool: SshPool, id: string, olds: O, news: InputsOf<S>): Promise<{ outs: O }>;
  remove(pool: SshPool, id: string, state: O): Promise<void>;
}

/** What a resource class needs of its kind (dynamic.ts): its name, outputs and field rules. */
export interface ResourceKind {
  readonly name: string;
  readonly outputs: readonly string[];
  readonly fields: object;
}

/** A kind of any inputs and state, as the runtime and the registration list hold them. */
export type AnyKind = Kind<z.ZodType, unknown>;

/**
 * A kind as the runtime holds it, its types erased: sound, as the runtime gives each operation
 * only what the kind's schema parsed and what its own operations returned, but too deep for the
 * compiler to prove of zod's types (it gives up: "excessively deep").
 */
export const erased = (kind: { readonly [checked]: true }): AnyKind => kind as unknown as AnyKind;

/** The mark of a kind that defineKind checked: only such kinds are registered (kinds/index.ts). */
declare const checked: unique symbol;
export type CheckedKind<S extends z.ZodType, O> = Kind<S, O> & { readonly [checked]: true };

/** The names a kind's state adds to its inputs. */
type OutputName<S extends z.ZodType, O> = Exclude<keyof O, keyof InputsOf<S>> & string;

/**
 * Declares a kind: its types inferred and its contract checked where it is written (its outputs
 * are names its state has beyond the inputs).
 */
export const defineKind = <S extends z.ZodType, O>(
  kind: Kind<S, O> & { readonly outputs: readonly OutputName<S, O>[] },
): CheckedKind<S, O> => kind as unknown as CheckedKind<S, O>;

/** The kind's rules as a list, for code that walks them (the diff, the secret fields). */
const rulesOf = <O, I>(rules: object): [string, FieldRule<O, I>][] =>
  Object.entries(rules) as [string, FieldRule<O, I>][];

/** The fields a kind's state keeps secret: ["runOn"], ["password", "runOn"]… */
export const secretFieldsOf = (rules: object, only?: true | "key"): string[] =>
  rulesOf<unknown, unknown>(rules).flatMap(([field, rule]) =>
    rule.secret !== undefined && (only === undefined || rule.secret === only) ? [field] : [],
  );

/**
 * The inputs a read gives the engine (kinds without a stored form of their own): each field as
 * the live state has it, by its rule's `live`, else as the state holds it.
 */
export function liveInputsOf(rules: object, state: unknown): Record<string, unknown> {
  const s = (state ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    rulesOf<unknown, unknown>(rules).map(([field, rule]) => [field, rule.live ? rule.live(s) : s[field]]),
  );
}

/** A field's value, absent read as null (a state of an earlier release lacks fields added since). */
const valueOf = (o: unknown, field: string): unknown =>
  (o as Record<string, unknown> | null)?.[field] ?? null;

/** The diff of a kind: each field by its rule. `changed` names the fields that differ. */
function diffFields<O, I>(
  rules: object,
  olds: O,
  news: I,
  deleteBeforeReplace: boolean,
): DiffResult & { changed: string[] } {
  const replaces: string[] = [];
  const changed: string[] = [];
  for (const [field, rule] of rulesOf<O, I>(rules)) {
    if (rule.differs === false) continue;
    const differs = rule.differs
      ? rule.differs(olds, news)
      : !same(valueOf(olds, field), valueOf(news, field));
    const replace = rule.replaces === true ? differs : rule.replaces ? rule.replaces(olds, news) : false;
    if (replace) replaces.push(field);
    if (differs || replace) changed.push(field);
  }
  return { changes: changed.length > 0, replaces, deleteBeforeReplace, changed };
}

/** A diff by field rules, without the names of the fields that changed (what the engine takes). */
export function diffOf(
  rules: object,
  olds: unknown,
  news: unknown,
  deleteBeforeReplace: boolean,
): DiffResult {
  const { changed: _changed, ...result } = diffFields(rules, olds, news, deleteBeforeReplace);
  return result;
}
