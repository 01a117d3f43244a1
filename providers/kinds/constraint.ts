// Constraint: location (a node and a score, or a rule), order (first/then, actions, kind),
// colocation (score, roles) and order/colocation resource sets — each with a stable id given to
// pcs explicitly. pcs cannot edit a constraint, so an update deletes and re-adds it under the same
// id in one CIB push. Read from the shared live CIB. Written in the form the node's pcs wants: pcs
// 0.12 deprecates a bare score and a rule given as several arguments, which pcs 0.11 requires.
import { clusterEnv } from "../kit/cluster-env";
import { REMOVING_PREFIX } from "../writer/removals";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Constraint as CibConstraint, ResourceSet, Rule } from "../cib/model";
import { LiveCluster } from "../cib/live";
import { connectionRule, connectionSchema, dnsName, targetOf } from "../kit/connection";
import { ArgsOf, DynamicResource } from "../kit/dynamic";
import { interruptedHolds, madeByHeldRuns } from "../writer/holds";
import { defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import { pcsFactsOf } from "../checks/node-facts";
import { COLOCATION_SET_OPTIONS, ORDER_SET_OPTIONS, SET_OPTIONS, typedOptions } from "../checks/pcs-options";
import { same } from "../kit/same";
import { attributeValue, pacemakerId, pairs, role } from "../kit/values";
import { SshPool, SshTarget } from "../transport/ssh";
import { readInCluster } from "../writer/in-cluster";

// ---- schema -----------------------------------------------------------------------------------

// As pcs takes it: pcs refuses "inf" and "infinity" (and reads a refused colocation score as a role).
export const score = z
  .string()
  .regex(/^[+-]?(INFINITY|\d{1,9})$/, "a score: an integer, INFINITY or -INFINITY");

const action = z.enum(["start", "stop", "promote", "demote"]);

/** A rule's words, as they are given to pcs (one argument each). */
export const ruleWords = (rule: string): string[] => rule.trim().split(/\s+/);

// pcs (0.11, rule.parse_argv) reads the leading name=value words after `rule` as the constraint's
// own options (id, role, score, score-attribute, constraint-id, resource-discovery), and any
// argument starting with '-' that is not a negative number as a command-line option (--force, -f).
const ruleText = z
  .string()
  .regex(
    /^[A-Za-z0-9#_.:=<>!() \t\r\n-]{1,1024}$/,
    "a pcs rule expression such as '#uname eq node1' (letters, digits, # _ . : - = < > ! ( ) and spaces)",
  )
  .refine((r) => r.trim() !== "", "a rule expression, not only spaces")
  .refine(
    (r) => !ruleWords(r)[0].includes("="),
    "the first word cannot be name=value: pcs would read it as an option of the constraint (id=, score=, role=, …)",
  )
  .refine(
    (r) => ruleWords(r).every((w) => !w.startsWith("-") || /^-(\d+(\.\d+)?|INFINITY)$/i.test(w)),
    "no word starting with '-' but a negative number: pcs would read it as a command-line option (--force, -f …)",
  );

/** Words pcs reads after `constraint location` as its own sub-command, not as a resource. */
const LOCATION_SUBCOMMANDS: readonly string[] = ["add", "remove", "delete", "show", "config"];
/** Words pcs reads as keywords inside resource sets. */
const SET_KEYWORDS: readonly string[] = ["set", "setoptions"];

const location = z
  .object({
    type: z.literal("location"),
    resource: pacemakerId,
    node: dnsName.optional(),
    /** Positive prefers the node, negative avoids it. */
    score: score.default("INFINITY"),
    rule: ruleText.optional(),
    role: role.optional(),
    resourceDiscovery: z.enum(["always", "never", "exclusive"]).optional(),
  })
  .strict()
  .refine((c) => (c.node !== undefined) !== (c.rule !== undefined), {
    message: "either node or rule, not both",
    path: ["node"],
  })
  .refine((c) => !c.role || c.rule !== undefined, {
    message: "a role needs the rule form (e.g. rule: '#uname eq node1')",
    path: ["role"],
  })
  .refine((c) => c.rule === undefined || !LOCATION_SUBCOMMANDS.includes(c.resource), {
    message:
      "with a rule, the resource cannot be add, remove, delete, show or config: pcs reads the word after " +
      "`constraint location` as its own sub-command",
    path: ["resource"],
  });

const order = z
  .object({
    type: z.literal("order"),
    first: pacemakerId,
    then: pacemakerId,
    firstAction: action.default("start"),
    thenAction: action.default("start"),
    kind: z.enum(["Mandatory", "Optional", "Serialize"]).default("Mandatory"),
    symmetrical: z.boolean().default(true),
  })
  .strict();

const colocation = z
  .object({
    type: z.literal("colocation"),
    resource: pacemakerId,
    withResource: pacemakerId,
    score: score.default("INFINITY"),
    resourceRole: role.optional(),
    withRole: role.optional(),
  })
  .strict()
  // pcs (colocation add) reads `with ROLE INFINITY …` as resource ROLE, score INFINITY
  .refine((c) => !(c.withRole && c.withResource === "INFINITY"), {
    message: "with a withRole, withResource cannot be INFINITY: pcs would read it as the score",
    path: ["withResource"],
  });

const setMember = pacemakerId.refine(
  (id) => !SET_KEYWORDS.includes(id),
  "a resource in a set cannot be 'set' or 'setoptions': pcs reads these words as keywords there",
);
const resourceSet = z
  .object({
    resources: z.array(setMember).min(1),
    options: typedOptions(SET_OPTIONS, "set options", attributeValue).default({}),
  })
  .strict();

/** Sets of resources, with the constraint's own options: kind and symmetrical (order), score (colocation). */
const setsOf = <T extends "order-set" | "colocation-set">(type: T, options: typeof SET_OPTIONS) =>
  z
    .object({
      type: z.literal(type),
      sets: z.array(resourceSet).min(1),
      options: typedOptions(options, `${type} constraint options`, attributeValue).default({}),
    })
    .strict();

const spec = z.discriminatedUnion("type", [
  location,
  order,
  colocation,
  setsOf("order-set", ORDER_SET_OPTIONS),
  setsOf("colocation-set", COLOCATION_SET_OPTIONS),
]);
export type ConstraintSpec = z.infer<typeof spec>;

/** A constraint's own fields: Constraint's inputs but its connection (ClusterObjects' items). */
const constraintFields = z
  .object({
    /** Defaults to an id derived from the constraint, as pcs would make it. */
    constraintId: pacemakerId.optional(),
    constraint: spec,
    adopt: z.boolean().default(false),
  })
  .strict();

const withDefaultId = <C extends z.infer<typeof constraintFields>>(c: C) => ({
  ...c,
  constraintId: c.constraintId ?? defaultId(c.constraint),
});

export const constraintInputsSchema = constraintFields
  .extend({ runOn: connectionSchema })
  .transform(withDefaultId);

/** A constraint among ClusterObjects' items: the same fields, the set's connection. */
export const constraintItemSchema = constraintFields.transform(withDefaultId);

export type ConstraintInputs = z.infer<typeof constraintInputsSchema>;

export interface ConstraintOutputs extends ConstraintInputs {
  /** The rule as the CIB had it after create, for telling a rewritten rule from pcs's spelling. */
  ruleResolved: string | null;
}

const idSafe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");

export function defaultId(c: ConstraintSpec): string {
  switch (c.type) {
    case "location":
      return idSafe(c.node ? `location-${c.resource}-${c.node}-${c.score}` : `location-${c.resource}-rule`);
    case "order":
      return idSafe(`order-${c.first}-${c.then}-${c.kind}`);
    case "colocation":
      return idSafe(`colocation-${c.resource}-${c.withResource}-${c.score}`);
    default: {
      const hash = createHash("sha256").update(JSON.stringify(c.sets)).digest("hex").slice(0, 8);
      return `${c.type}-${hash}`;
    }
  }
}

// ---- pcs commands -----------------------------------------------------------------------------

/**
 * How a node's pcs takes a score and a rule (pcs/constraint.py, pcs/cli/constraint/location at
 * 0.11.5 and 0.12.0.2): pcs 0.11 takes `location add`'s score only as a bare argument and a rule
 * only as words, one argument each; pcs 0.12 takes score= and a rule as one argument, and warns
 * that the other forms are deprecated. Its capability ids say which (`pcs --version --full`).
 */
export interface ConstraintSyntax {
  locationScoreOption: boolean;
  colocationScoreOption: boolean;
  ruleAsOneArgument: boolean;
}

/** What every pcs from 0.11.5 on takes (0.12 with deprecation warnings). */
export const PCS_0_11_SYNTAX: ConstraintSyntax = {
  locationScoreOption: false,
  colocationScoreOption: false,
  ruleAsOneArgument: false,
};

/** The syntax a pcs says it takes (its capability ids); pcs 0.11's when it could not be asked. */
export function constraintSyntax(capabilities: Iterable<string> | null): ConstraintSyntax {
  const ids = new Set(capabilities ?? []);
  const has = (id: string) => ids.has(id);
  return {
    locationScoreOption: has("pcmk.constraint.location.simple.options.score"),
    colocationScoreOption: has("pcmk.constraint.colocation.simple.options.score"),
    ruleAsOneArgument: has("pcmk.constraint.location.simple.rule.rule-as-one-argument"),
  };
}

/**
 * The syntax of runOn's pcs: from the live read (pcsd's capability list, read beside the CIB), or
 * else from `pcs --version --full`, asked once per host and process.
 */
export async function syntaxOn(
  pool: SshPool,
  target: SshTarget,
  live: LiveCluster | null,
): Promise<ConstraintSyntax> {
  if (live?.pcsCapabilities) return constraintSyntax(live.pcsCapabilities);
  return constraintSyntax((await pcsFactsOf(pool, target))?.capabilities ?? null);
}

const scoreArg = (score: string, asOption: boolean): string => (asOption ? `score=${score}` : score);

export function createArgv(id: string, c: ConstraintSpec, syntax = PCS_0_11_SYNTAX): string[] {
  switch (c.type) {
    case "location":
      if (c.node) {
        const discovery = c.resourceDiscovery ? [`resource-discovery=${c.resourceDiscovery}`] : [];
        const score = scoreArg(c.score, syntax.locationScoreOption);
        return ["constraint", "location", "add", id, c.resource, c.node, score, ...discovery];
      }
      return [
        "constraint",
        "location",
        c.resource,
        "rule",
        `constraint-id=${id}`,
        `id=${id}-rule`,
        ...(c.resourceDiscovery ? [`resource-discovery=${c.resourceDiscovery}`] : []),
        ...(c.role ? [`role=${c.role}`] : []),
        `score=${c.score}`,
        ...(syntax.ruleAsOneArgument ? [ruleWords(c.rule!).join(" ")] : ruleWords(c.rule!)),
      ];
    case "order":
      return [
        "constraint",
        "order",
        c.firstAction,
        c.first,
        "then",
        c.thenAction,
        c.then,
        `id=${id}`,
        `kind=${c.kind}`,
        `symmetrical=${c.symmetrical}`,
      ];
    case "colocation":
      return [
        "constraint",
        "colocation",
        "add",
        ...(c.resourceRole ? [c.resourceRole] : []),
        c.resource,
        "with",
        ...(c.withRole ? [c.withRole] : []),
        c.withResource,
        scoreArg(c.score, syntax.colocationScoreOption),
        `id=${id}`,
      ];
    default:
      return [
        "constraint",
        c.type === "order-set" ? "order" : "colocation",
        ...c.sets.flatMap((s) => ["set", ...s.resources, ...pairs(s.options)]),
        "setoptions",
        `id=${id}`,
        ...pairs(c.options),
      ];
  }
}

export const deleteArgv = (id: string): string[] => ["constraint", "delete", id];

// ---- reader -----------------------------------------------------------------------------------

export function normalScore(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim().replace(/^\+/, "");
  return /^-?inf(inity)?$/i.test(t) ? (t.startsWith("-") ? "-INFINITY" : "INFINITY") : t;
}

/** A rule as text, close to pcs's syntax, for comparison and display. */
export function ruleAsText(r: Rule): string {
  return r.expressions
    .map((e) =>
      e.operation === "defined" || e.operation === "not_defined"
        ? `${e.operation} ${e.attribute}`
        : [e.attribute, e.operation, e.type, e.value].filter((x) => x !== undefined).join(" "),
    )
    .join(` ${r.booleanOp ?? "and"} `);
}

const liveSets = (s: ResourceSet[]) => s.map((x) => ({ resources: x.resources, options: x.options }));

/** The live constraint in the declared shape (declared spelling kept where equal), or null. */
export function constraintAsLive(live: LiveCluster, declared: ConstraintOutputs): ConstraintSpec | null {
  const c: CibConstraint | undefined = live.cib?.constraints.find((x) => x.id === declared.constraintId);
  return c ? specOf(c, declared.constraint, declared.ruleResolved) : null;
}

/**
 * Any constraint of the CIB as a spec that createArgv makes again as it is, or why not: what
 * this kind cannot declare (a resource pattern, several rules, a date expression).
 */
export function cibConstraintSpec(c: CibConstraint): ConstraintSpec | string {
  if (c.type === "location") {
    if (c.rscPattern !== undefined || c.rsc === undefined) return "it names resources by a pattern";
    if (c.rules.length > 1) return "it has several rules";
    if (c.rules[0]?.expressions.some((e) => e.attribute === undefined))
      return "its rule has a date expression";
    if (c.sets.length) return "it is a location of resource sets";
    if (c.role !== undefined && !c.rules.length) return "it has a role without a rule";
  }
  // the CIB's own values: no declared spelling to keep, no default to leave out
  const neutral = (
    c.type === "location" ? { type: "location" } : { type: `${c.type}-set`, sets: [], options: {} }
  ) as ConstraintSpec;
  return specOf(c, neutral, null);
}

function specOf(c: CibConstraint, d: ConstraintSpec, ruleResolved: string | null): ConstraintSpec {
  switch (c.type) {
    case "location": {
      const rule = c.rules[0];
      const text = rule ? ruleAsText(rule) : undefined;
      return {
        type: "location",
        resource: c.rsc ?? c.rscPattern ?? "",
        ...(c.node ? { node: c.node } : {}),
        score: keepSpelling(d, "score", normalScore(rule ? rule.score : c.score) ?? "INFINITY"),
        ...(text !== undefined
          ? { rule: text === ruleResolved && d.type === "location" && d.rule ? d.rule : text }
          : {}),
        // roles as the reader gives them: Promoted/Unpromoted, whatever spelling the CIB has
        ...((rule?.role ?? c.role) ? { role: (rule?.role ?? c.role) as z.infer<typeof role> } : {}),
        ...(c.resourceDiscovery
          ? { resourceDiscovery: c.resourceDiscovery as z.infer<typeof location>["resourceDiscovery"] }
          : {}),
      };
    }
    case "order":
      if (c.sets.length)
        return {
          type: "order-set",
          sets: liveSets(c.sets),
          options: setOptions(d, { kind: c.kind, symmetrical: c.symmetrical }),
        };
      return {
        type: "order",
        first: c.first ?? "",
        then: c.then ?? "",
        firstAction: (c.firstAction ?? "start") as z.infer<typeof action>,
        thenAction: (c.thenAction ?? "start") as z.infer<typeof action>,
        kind: (c.kind ?? "Mandatory") as "Mandatory",
        symmetrical:
          c.symmetrical === undefined ? (c.kind ?? "Mandatory") !== "Serialize" : c.symmetrical === "true",
      };
    case "colocation":
      if (c.sets.length)
        return {
          type: "colocation-set",
          sets: liveSets(c.sets),
          // pcs writes score="INFINITY" when none is given
          options: setOptions(d, { score: c.score }, { score: "INFINITY" }),
        };
      return {
        type: "colocation",
        resource: c.rsc ?? "",
        withResource: c.withRsc ?? "",
        score: keepSpelling(d, "score", normalScore(c.score) ?? "INFINITY"),
        ...(c.rscRole && c.rscRole !== "Started" ? { resourceRole: c.rscRole as "Promoted" } : {}),
        ...(c.withRscRole && c.withRscRole !== "Started" ? { withRole: c.withRscRole as "Promoted" } : {}),
      };
  }
}

/** Declared score spelled "+INFINITY" and live "INFINITY" are the same score: keep the declared text. */
function keepSpelling(d: ConstraintSpec, key: "score", live: string): string {
  const declared = (d as { score?: string })[key];
  return declared !== undefined && normalScore(declared) === live ? declared : live;
}

/** Live constraint options; undeclared ones that are empty or pcs's default value are left out. */
function setOptions(
  d: ConstraintSpec,
  live: Record<string, string | undefined>,
  pcsDefaults: Record<string, string> = {},
): Record<string, string> {
  const declared = d.type === "order-set" || d.type === "colocation-set" ? d.options : {};
  return Object.fromEntries(
    Object.entries(live).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && (Object.hasOwn(declared, e[0]) || (e[1] !== "" && e[1] !== pcsDefaults[e[0]])),
    ),
  );
}

/** What the CIB spelled a rule as, to record at create. */
export function ruleResolvedOf(live: LiveCluster, id: string): string | null {
  const c = live.cib?.constraints.find((x) => x.id === id);
  return c?.type === "location" && c.rules[0] ? ruleAsText(c.rules[0]) : null;
}

// ---- diff -------------------------------------------------------------------------------------

const constraintRules: FieldRules<ConstraintOutputs, ConstraintInputs> = {
  runOn: connectionRule("runOn"),
  // the id names it; another id is another constraint (the old one goes first)
  constraintId: { replaces: true },
  constraint: {},
  adopt: { differs: false },
};

/** A constraint's diff, and a ClusterObjects item's (whose runOn is the set's). */
export const constraintDiff = (olds: ConstraintOutputs, news: ConstraintInputs): DiffResult =>
  diffOf(constraintRules, olds, news, true);

// ---- lifecycle --------------------------------------------------------------------------------

const owner = (c: ConstraintInputs) => `Constraint '${c.constraintId}'`;

/** The resources a constraint names: the write queue lets it wait for them to be made. */
export function resourcesOf(c: ConstraintSpec): string[] {
  switch (c.type) {
    case "location":
      return [c.resource];
    case "order":
      return [c.first, c.then];
    case "colocation":
      return [c.resource, c.withResource];
    default:
      return c.sets.flatMap((s) => s.resources);
  }
}

function outputsOf(live: LiveCluster, c: ConstraintInputs, ruleResolved: string | null): ConstraintOutputs {
  const declared = { ...c, ruleResolved };
  const constraint = constraintAsLive(live, declared);
  if (!constraint) throw new Error(`${owner(c)}: not in the CIB after the push`);
  return { ...declared, constraint };
}

export const constraintKind = defineKind<typeof constraintInputsSchema, ConstraintOutputs>({
  name: "Constraint",
  schema: constraintInputsSchema,
  fields: constraintRules,
  outputs: ["ruleResolved"],

  async create(pool: SshPool, c: ConstraintInputs) {
    const env = await clusterEnv(pool, targetOf(c.runOn));
    const writer = env.writer;
    const before = await env.live().catch(() => null);
    // holds left by interrupted runs go with this run's (a run may have constraints to make only)
    const stale = interruptedHolds(before);
    // an existing one on resources still held is an interrupted run's (pushed, its reply lost):
    // taken over, as with adopt
    const takeOver = madeByHeldRuns(before, resourcesOf(c.constraint));
    const syntax = await syntaxOn(pool, env.home, before);
    let outcome = await writer.create(
      {
        owner: owner(c),
        argvs: [createArgv(c.constraintId, c.constraint, syntax)],
        phase: 1,
        needs: resourcesOf(c.constraint),
      },
      c.constraintId,
      c.adopt || takeOver,
      stale,
    );
    let ruleResolved = ruleResolvedOf(outcome.live, c.constraintId);
    if (
      outcome.skipped === "exists" &&
      !same(constraintAsLive(outcome.live, { ...c, ruleResolved }), c.constraint)
    ) {
      outcome = await writer.submit({
        owner: owner(c),
        argvs: [deleteArgv(c.constraintId), createArgv(c.constraintId, c.constraint, syntax)],
        phase: 1,
      });
      ruleResolved = ruleResolvedOf(outcome.live, c.constraintId);
    }
    return { id: c.constraintId, outs: outputsOf(outcome.live, c, ruleResolved) };
  },

  read: (pool: SshPool, id: string, props: ConstraintOutputs) =>
    readInCluster(pool, id, props.runOn, (live) => {
      const constraint = constraintAsLive(live, props);
      return constraint && { ...props, constraint };
    }),

  async update(pool: SshPool, _id: string, _olds: ConstraintOutputs, news: ConstraintInputs) {
    const env = await clusterEnv(pool, targetOf(news.runOn));
    const live = await env.live();
    const exists = live.cib?.constraints.some((c) => c.id === news.constraintId);
    const syntax = await syntaxOn(pool, env.home, live);
    const outcome = await env.writer.submit({
      owner: owner(news),
      argvs: [
        ...(exists ? [deleteArgv(news.constraintId)] : []),
        createArgv(news.constraintId, news.constraint, syntax),
      ],
      phase: 1,
      needs: resourcesOf(news.constraint),
    });
    return { outs: outputsOf(outcome.live, news, ruleResolvedOf(outcome.live, news.constraintId)) };
  },

  /**
   * Deleted now; an order constraint is remembered by the run, which adds it back for the stops
   * of its resources when the run removes them too (writer/removals.ts). Already gone is fine.
   */
  async remove(pool: SshPool, _id: string, props: ConstraintOutputs) {
    const env = await clusterEnv(pool, targetOf(props.runOn));
    const c = props.constraint;
    const ordered =
      c.type === "order"
        ? [c.first, c.then]
        : c.type === "order-set"
          ? c.sets.flatMap((x) => x.resources)
          : [];
    const ordering = ordered.length
      ? {
          id: REMOVING_PREFIX + props.constraintId,
          argv: createArgv(
            REMOVING_PREFIX + props.constraintId,
            c,
            await syntaxOn(pool, env.home, await env.live().catch(() => null)),
          ),
          resources: ordered,
        }
      : undefined;
    await env.writer.deleteConstraint(owner(props), props.constraintId, ordering);
  },
});

// ---- the resource -----------------------------------------------------------------------------

export type ConstraintArgs = ArgsOf<typeof constraintInputsSchema>;

export class Constraint extends DynamicResource {
  declare readonly constraintId: pulumi.Output<string>;

  constructor(name: string, args: ConstraintArgs, opts?: pulumi.CustomResourceOptions) {
    // constraintId an output too when the program leaves it to be derived
    super(constraintKind, name, { constraintId: undefined, ...args }, opts);
  }
}
