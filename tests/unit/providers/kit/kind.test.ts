// The kind contract: a kind is one module and one list entry (a tiny kind defined only in these
// tests is served by the real runtime), what a kind forgets does not compile, and the diff is
// its fields' rules, with one rule for every connection.
import { erased, defineKind, diffOf, FieldRules } from "../../../../providers/kit/kind";
import { KINDS, SECRET_INPUTS } from "../../../../providers/kinds/index";
import { serve } from "../../../../providers/runtime";
import { reportToStep } from "../../../../providers/kit/step-context";
import { providerText } from "../../../../providers/kit/dynamic";
import {
  NodeAttributeInputs,
  nodeAttributeKind,
  nodeAttributeRules,
  nodeAttributeSchema,
  NodeAttributeOutputs,
} from "./fixtures/tiny-kind";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";
const runOn = { host: "10.77.0.11", port: 22, user: "root", privateKey: KEY };
const runtime = serve([...KINDS, erased(nodeAttributeKind)]);

describe("a kind defined outside the package's list", () => {
  const declared = { runOn, node: "node1.example.com", name: "rack", value: "r1" };
  const state: NodeAttributeOutputs = { ...declared, liveValue: "r1" };

  it("is checked by the runtime: its schema's refusals, named by its kind", async () => {
    expect(await runtime.check("NodeAttribute", {}, declared)).toEqual({ inputs: declared, failures: [] });
    const { failures } = await runtime.check("NodeAttribute", {}, { ...declared, name: "Rack!" });
    expect(failures).toEqual([{ property: "name", reason: "NodeAttribute: an attribute name" }]);
  });

  it("has its secret fields kept out of a refusal's property", async () => {
    const { failures } = await runtime.check("NodeAttribute", {}, { ...declared, secretNote: 12 });
    expect(failures).toEqual([
      { property: "", reason: expect.stringMatching(/^NodeAttribute: secretNote: /) },
    ]);
  });

  it("is diffed by its rules: drift an update, a name a replacement, a new key an update", async () => {
    const diff = (news: object, olds: object = state) =>
      runtime.diff("NodeAttribute", "id", { ...olds }, { ...news });
    expect(await diff(declared)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
    expect(await diff(declared, { ...state, liveValue: "r2" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diff({ ...declared, name: "row" })).toMatchObject({ changes: true, replaces: ["name"] });
    const newKey = { ...declared, runOn: { ...runOn, privateKey: KEY.replace("x", "y") } };
    expect(await diff(newKey)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
  });

  /** The tiny kind with some operations of its own (the others are never run). */
  const withOperations = (ops: Partial<Pick<typeof nodeAttributeKind, "create" | "read">>) =>
    erased(defineKind({ ...nodeAttributeKind, outputs: ["liveValue"], ...ops }));

  it("is read with the inputs that would declare it as it is: the drifted field's live value", async () => {
    const drifted = withOperations({
      read: async (_pool, id, s) => ({ id, props: { ...s, liveValue: "r2" } }),
    });
    const read = await serve([drifted]).read("NodeAttribute", "n1", { ...state, __provider: "p" });
    expect(read).toEqual({
      id: "n1",
      props: { ...state, liveValue: "r2" },
      inputs: { ...declared, value: "r2" },
    });
    const asDeclared = withOperations({ read: async (_pool, id, s) => ({ id, props: s }) });
    expect((await serve([asDeclared]).read("NodeAttribute", "n1", state)).inputs).toEqual(declared);
  });

  it("made, but failures reported to its step: recorded as made (provider text kept), and the step fails", async () => {
    const failure = "PcsResource 'other': start on node1: rc 1 (error)";
    const reporting = withOperations({
      create: async (_pool, i) => {
        reportToStep(failure);
        return { id: "n1", outs: { ...i, liveValue: i.value } };
      },
    });
    const made = serve([reporting]).create("NodeAttribute", { ...declared, __provider: "the text" });
    await expect(made).rejects.toMatchObject({
      message: failure,
      id: "n1",
      properties: { ...state, __provider: "the text" },
      reasons: [failure],
    });
  });

  it("is not served by the package itself, whose list is its own", () => {
    expect(() => serve(KINDS).provider("NodeAttribute")).toThrow(/unknown resource kind 'NodeAttribute'/);
    expect(runtime.provider("NodeAttribute")).toBeDefined();
    expect(providerText(nodeAttributeKind.name)).toContain('provider("NodeAttribute")');
  });
});

describe("what a kind forgets does not compile", () => {
  // Each declaration below is wrong in one way; @ts-expect-error fails the build if it compiles.
  it("an operation, a field's rule, a secret, a connection's rule, an output not in the state", () => {
    const ops = {
      create: () => Promise.reject(new Error()),
      read: () => Promise.reject(new Error()),
      update: () => Promise.reject(new Error()),
      remove: () => Promise.reject(new Error()),
    };
    const base = {
      name: "Broken",
      schema: nodeAttributeSchema,
      outputs: ["liveValue"] as const,
    };
    const { remove: _remove, ...withoutRemove } = ops;
    // @ts-expect-error -- no remove
    defineKind<typeof nodeAttributeSchema, NodeAttributeOutputs>({
      ...base,
      fields: nodeAttributeRules,
      ...withoutRemove,
    });
    const { value: _value, ...rulesWithoutValue } = nodeAttributeRules;
    // @ts-expect-error -- the field `value` has no rule
    const missingRule: FieldRules<NodeAttributeOutputs, NodeAttributeInputs> = rulesWithoutValue;
    const plainSecret: FieldRules<NodeAttributeOutputs, NodeAttributeInputs> = {
      ...nodeAttributeRules,
      // @ts-expect-error -- secretNote is named as a secret, not declared one
      secretNote: {},
    };
    const plainConnection: FieldRules<NodeAttributeOutputs, NodeAttributeInputs> = {
      ...nodeAttributeRules,
      // @ts-expect-error -- runOn holds a connection: its rule must be the connection rule
      runOn: {},
    };
    defineKind<typeof nodeAttributeSchema, NodeAttributeOutputs>({
      ...base,
      // @ts-expect-error -- "node" is an input, not something the state adds
      outputs: ["node"],
      fields: nodeAttributeRules,
      ...ops,
    });
    expect([missingRule, plainSecret, plainConnection].length).toBe(3);
  });
});

describe("the connection rule, one for every kind", () => {
  const newKey = { ...runOn, privateKey: KEY.replace("x", "z") };
  const otherHost = { ...runOn, host: "10.77.0.12" };
  const kindsWithRunOn = KINDS.filter((k) => "runOn" in k.fields);

  it.each(kindsWithRunOn.map((k) => k.name))("%s: a new key for the same login is an update", (name) => {
    const rules = KINDS.find((k) => k.name === name)!.fields;
    const d = diffOf({ runOn: (rules as Record<string, object>).runOn }, { runOn }, { runOn: newKey }, true);
    expect(d).toMatchObject({ changes: true, replaces: [] });
  });

  it("another login replaces only what the login made (ClusterAuth's tokens)", () => {
    const replacing = kindsWithRunOn.filter((k) => {
      const rule = { runOn: (k.fields as Record<string, object>).runOn };
      return diffOf(rule, { runOn }, { runOn: otherHost }, true).replaces.length > 0;
    });
    expect(replacing.map((k) => k.name)).toEqual(["ClusterAuth"]);
  });

  it("key order is no change (a connection compared as data, not as text)", () => {
    const reordered = { privateKey: KEY, user: "root", port: 22, host: "10.77.0.11" };
    for (const k of kindsWithRunOn) {
      const rule = { runOn: (k.fields as Record<string, object>).runOn };
      expect(diffOf(rule, { runOn }, { runOn: reordered }, true).changes).toBe(false);
    }
  });
});

describe("the secret fields come from the kinds' declarations", () => {
  it("as the state has always kept them", () => {
    expect(SECRET_INPUTS).toEqual({
      Node: ["privateKey", "haclusterPassword"],
      ClusterAuth: ["runOn", "password"],
      Cluster: ["runOn"],
      PcsResource: ["runOn"],
      Constraint: ["runOn"],
      ClusterObjects: ["runOn"],
      StonithDevice: ["runOn", "secretParameters"],
      DrbdConfig: ["nodes"],
      DrSite: ["runOn", "recoveryRunOn"],
    });
  });
});
