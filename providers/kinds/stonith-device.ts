// StonithDevice: a fence device made with `pcs stonith create` — any fence agent, its parameters
// (secret ones apart), pcmk_host_list/pcmk_host_map, delay, operations, meta attributes, and
// optional fencing levels. Secret parameters travel only inside the batch program on stdin: pcs
// runs in that Python process, so they are never on a command line. Pacemaker keeps them in the
// CIB, which only root and the haclient group can read (cibsecret needs a secrets store synced to
// every node by ssh and is not used). State holds them as secrets; a value changed by hand is
// seen (compared on the node's side of the provider) but never copied into state.
import { clusterEnv } from "../kit/cluster-env";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LiveCluster } from "../cib/live";
import { Primitive } from "../cib/model";
import { connectionRule, connectionSchema, dnsName, targetOf } from "../kit/connection";
import { ArgsOf, DynamicResource, withStackSettings } from "../kit/dynamic";
import { defineKind, DiffResult, diffOf, FieldRules } from "../kit/kind";
import { CHANGED_OUTSIDE } from "../kit/secrets";
import { same } from "../kit/same";
import { attributeName, attributes, attributeValue, pacemakerId, pairs } from "../kit/values";
import {
  liveOperationsAsDeclared,
  sortedOperations,
  operationsSchema,
  opsArgs,
  ownMeta,
  primitiveChanges,
  removalOf,
  settleFields,
  settleRules,
  watchOf,
  declaredStopped,
} from "./primitive-fields";
import { AgentQuestionOf } from "../checks/agent-check";
import { Secret } from "../kit/secrets";
import { SshPool } from "../transport/ssh";
import { readInCluster, updateInCluster } from "../writer/in-cluster";
import { isMarked } from "../writer/removals";

// ---- schema -----------------------------------------------------------------------------------

export const fenceAgent = z
  .string()
  .regex(/^(stonith:)?fence_[a-z0-9_]{1,64}$/, "a fence agent such as fence_virsh or fence_ilo4_ssh");

const levelSchema = z.object({ target: dnsName, level: z.number().int().min(1).max(9) }).strict();

export const stonithInputsSchema = z
  .object({
    runOn: connectionSchema,
    deviceId: pacemakerId,
    agent: fenceAgent,
    parameters: attributes.default({}),
    /** Passwords and the like: secret in state, never on a command line, never in an error. */
    secretParameters: z.record(attributeName, attributeValue).default({}),
    metaAttributes: attributes.default({}),
    operations: operationsSchema,
    /** This device at these levels for these nodes (a level of several devices is not supported). */
    fencingLevels: z.array(levelSchema).default([]),
    adopt: z.boolean().default(false),
    ...settleFields,
  })
  .strict()
  .refine((s) => Object.keys(s.secretParameters).every((k) => !(k in s.parameters)), {
    message: "a parameter is either in parameters or in secretParameters, not both",
    path: ["secretParameters"],
  });

export type StonithInputs = z.infer<typeof stonithInputsSchema>;
type Level = z.infer<typeof levelSchema>;

export interface StonithFacts {
  agentResolved: string;
  held: boolean;
}

export type StonithOutputs = StonithInputs & StonithFacts;

// ---- pcs commands -----------------------------------------------------------------------------

/** The agent as `pcs stonith create` takes it: its type alone (pcs refuses "stonith:fence_x" there). */
const agentType = (s: StonithInputs): string => s.agent.replace(/^stonith:/, "");

const allParameters = (s: StonithInputs) => ({ ...s.parameters, ...s.secretParameters });
const secretsOf = (s: StonithInputs) => Object.values(s.secretParameters).map((v) => new Secret(v));

export function createArgv(s: StonithInputs): string[] {
  return [
    "stonith",
    "create",
    s.deviceId,
    agentType(s),
    ...pairs(allParameters(s)),
    ...opsArgs(s.operations),
    ...(Object.keys(s.metaAttributes).length ? ["meta", ...pairs(s.metaAttributes)] : []),
  ];
}

const levelKey = (l: Level) => `${l.level}/${l.target}`;

export function levelsOf(live: LiveCluster, id: string): Level[] {
  return (live.cib?.fencingLevels ?? [])
    .filter((l) => l.devices.includes(id))
    .map((l) => ({ target: l.target, level: l.index }))
    .sort((a, b) => levelKey(a).localeCompare(levelKey(b)));
}

export function levelChanges(id: string, live: Level[], declared: Level[]): string[][] {
  const wanted = new Set(declared.map(levelKey));
  const have = new Set(live.map(levelKey));
  return [
    ...live
      .filter((l) => !wanted.has(levelKey(l)))
      .map((l) => ["stonith", "level", "delete", String(l.level), "target", l.target, "stonith", id]),
    ...declared
      .filter((l) => !have.has(levelKey(l)))
      .map((l) => ["stonith", "level", "add", String(l.level), l.target, id]),
  ];
}

// ---- reader -----------------------------------------------------------------------------------

/** The live device of this id; null when there is none, or a run is removing it (removals.ts). */
function findDevice(live: LiveCluster, id: string): Primitive | null {
  const p = live.cib?.resources.get(id);
  return p?.kind === "primitive" && p.agent.startsWith("stonith:") && !isMarked(p.meta) ? p : null;
}

export function deviceAsLive(
  live: LiveCluster,
  declared: StonithInputs,
  agentResolved: string,
): StonithOutputs | null {
  const p = findDevice(live, declared.deviceId);
  if (!p) return null;
  const parameters = Object.fromEntries(
    Object.entries(p.instance).filter(([k]) => !Object.hasOwn(declared.secretParameters, k)),
  );
  const secretParameters = Object.fromEntries(
    Object.entries(declared.secretParameters).map(([k, v]) => [
      k,
      Object.hasOwn(p.instance, k) && p.instance[k] === v ? v : CHANGED_OUTSIDE,
    ]),
  );
  return {
    ...declared,
    agent: p.agent === agentResolved ? declared.agent : p.agent,
    parameters,
    secretParameters,
    metaAttributes: ownMeta(p.meta, declared.metaAttributes),
    operations: liveOperationsAsDeclared(p.operations, declared.operations),
    fencingLevels: levelsOf(live, p.id),
    agentResolved,
    held: false,
  };
}

// ---- diff -------------------------------------------------------------------------------------

const sortedLevels = (l: Level[]) => [...l].sort((a, b) => levelKey(a).localeCompare(levelKey(b)));
const stonithRules: FieldRules<StonithOutputs, StonithInputs> = {
  runOn: connectionRule("runOn"),
  deviceId: { replaces: true },
  agent: { replaces: true },
  parameters: {},
  secretParameters: { secret: true },
  metaAttributes: {},
  operations: { differs: (o, n) => !same(sortedOperations(o.operations), sortedOperations(n.operations)) },
  fencingLevels: { differs: (o, n) => !same(sortedLevels(o.fencingLevels), sortedLevels(n.fencingLevels)) },
  adopt: { differs: false },
  ...settleRules,
};

export const stonithDiff = (olds: StonithOutputs, news: StonithInputs): DiffResult =>
  diffOf(stonithRules, olds, news, true);

// ---- lifecycle --------------------------------------------------------------------------------

const owner = (s: StonithInputs) => `StonithDevice '${s.deviceId}'`;

/** What an up that wrote the device waits for: its start (a fence device runs its monitor). */
const deviceWatch = (s: StonithInputs, changed: boolean) =>
  watchOf(s.deviceId, owner(s), s, changed, declaredStopped(s.metaAttributes));

/** pcs argv that make the live device `p` the declared one (fencing levels included). */
export function changesTo(
  live: LiveCluster,
  p: Primitive,
  olds: StonithInputs,
  news: StonithInputs,
): string[][] {
  const declared = {
    instanceAttributes: allParameters(news),
    metaAttributes: news.metaAttributes,
    operations: news.operations,
  };
  return [
    ...primitiveChanges("stonith", p, olds.operations, declared, olds.metaAttributes),
    ...levelChanges(p.id, levelsOf(live, p.id), news.fencingLevels),
  ];
}

export const stonithDeviceKind = defineKind<typeof stonithInputsSchema, StonithOutputs>({
  name: "StonithDevice",
  schema: stonithInputsSchema,
  fields: stonithRules,
  outputs: ["agentResolved", "held"],

  /** What the node's pcs is asked at preview (names only: secret parameters' values stay here). */
  agentQuestions: (s: StonithInputs): AgentQuestionOf[] => [
    {
      runOn: s.runOn,
      question: {
        agent: agentType(s),
        stonith: true,
        names: Object.keys(allParameters(s)),
        operations: s.operations.map((o) => o.name),
      },
      attributesField: "parameters",
    },
  ],

  async create(pool: SshPool, s: StonithInputs) {
    const writer = (await clusterEnv(pool, targetOf(s.runOn))).writer;
    const secrets = secretsOf(s);
    const levels = levelChanges(s.deviceId, [], s.fencingLevels);
    let outcome = await writer.create(
      { owner: owner(s), argvs: [createArgv(s), ...levels], secrets, makes: [s.deviceId] },
      s.deviceId,
      s.adopt,
      [],
      deviceWatch(s, false),
    );
    const p = findDevice(outcome.live, s.deviceId);
    if (!p) throw new Error(`${owner(s)}: no fence device with this id in the CIB after the push`);
    if (outcome.skipped === "exists") {
      const argvs = changesTo(outcome.live, p, s, s);
      if (argvs.length)
        outcome = await writer.submit({ owner: owner(s), argvs, secrets }, [], deviceWatch(s, true));
    }
    return { id: s.deviceId, outs: deviceAsLive(outcome.live, s, p.agent)! };
  },

  read: (pool: SshPool, id: string, props: StonithOutputs) =>
    readInCluster(pool, id, props.runOn, (live) => deviceAsLive(live, props, props.agentResolved)),

  async update(pool: SshPool, _id: string, olds: StonithOutputs, news: StonithInputs) {
    const after = await updateInCluster(
      pool,
      news.runOn,
      owner(news),
      (live) => findDevice(live, news.deviceId),
      (live, p) => changesTo(live, p, olds, news),
      secretsOf(news),
      (changed) => deviceWatch(news, changed),
    );
    return { outs: deviceAsLive(after, news, olds.agentResolved)! };
  },

  /**
   * Marked, then stopped and deleted with the run's other removals, as `pcs stonith delete`
   * deletes it (its fencing levels and constraints go with it): writer/removals.ts.
   */
  async remove(pool: SshPool, _id: string, props: StonithOutputs) {
    const env = await clusterEnv(pool, targetOf(props.runOn));
    await env.writer.removeLater(removalOf(props.deviceId, owner(props), "stonith", props));
  },
});

// ---- the resource -----------------------------------------------------------------------------

export type StonithDeviceArgs = ArgsOf<typeof stonithInputsSchema>;

export class StonithDevice extends DynamicResource {
  declare readonly deviceId: pulumi.Output<string>;
  declare readonly agentResolved: pulumi.Output<string>;

  constructor(name: string, args: StonithDeviceArgs, opts?: pulumi.CustomResourceOptions) {
    super(stonithDeviceKind, name, withStackSettings(args), opts);
  }
}
