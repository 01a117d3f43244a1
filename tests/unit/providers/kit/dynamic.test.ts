import * as pulumi from "@pulumi/pulumi";
import * as runtime from "../../../../providers/runtime";
import { providerText, withSecretInputs } from "../../../../providers/kit/dynamic";
import { KINDS } from "../../../../providers/kinds/index";

const kind = (name: string) => KINDS.find((k) => k.name === name)!;

/** Loads a provider text as Pulumi's dynamic-provider host does (a module; then `handler()`). */
function load(text: string, requireFn: (name: string) => unknown): { handler: () => unknown } {
  const module = { exports: {} as { handler: () => unknown } };
  new Function("exports", "require", "module", text)(module.exports, requireFn, module);
  return module.exports;
}

describe("the provider text in the state", () => {
  it("is a short module whose handler gives the installed package's provider for the kind", () => {
    const text = providerText("Constraint");
    // ~90 characters, where Pulumi's closure serialiser wrote ~2 KB for the same shim
    expect(text.length).toBeLessThan(120);
    const required: string[] = [];
    const loaded = load(text, (name) => {
      required.push(name);
      return runtime;
    });
    expect(loaded.handler()).toBe(runtime.provider("Constraint"));
    expect(required).toEqual(["pcmk-lab/runtime"]);
  });

  it("names nothing but the kind: no code, no inputs, no secrets", () => {
    expect(providerText("PcsResource")).toBe(
      'exports.handler = () => require("pcmk-lab/runtime").provider("PcsResource");\n',
    );
  });
});

describe("runtime.provider", () => {
  it("is one object per kind, whose methods are the runtime's for that kind", async () => {
    const p = runtime.provider("PcsResource");
    expect(runtime.provider("PcsResource")).toBe(p);
    expect(runtime.provider("Constraint")).not.toBe(p);
    expect(Object.keys(p).sort()).toEqual(["check", "create", "delete", "diff", "read", "update"]);
    // check runs the kind's schema: a PcsResource without a resourceId is refused as a PcsResource
    const checked = await p.check!({}, { agent: "ocf:pacemaker:Dummy" });
    expect(checked.failures?.map((f) => f.reason).join("\n")).toMatch(/^PcsResource: /m);
  });

  it("refuses a kind this package does not have, naming the kinds it has", () => {
    expect(() => runtime.provider("Nope")).toThrow(/unknown resource kind 'Nope'.*PcsResource/);
  });
});

describe("secret inputs (withSecretInputs)", () => {
  const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";
  // what the SDK stores for an input: its value, and whether the state must encrypt it
  const stored = async (o: unknown) => {
    const out = pulumi.output(o as pulumi.Input<unknown>) as pulumi.Output<unknown> & {
      isSecret: Promise<boolean>;
    };
    return { value: await new Promise((r) => out.apply(r)), secret: await out.isSecret };
  };

  it("makes a key or password given as a plain string secret, keeping its value", async () => {
    const props = withSecretInputs(kind("Node"), {
      host: "10.77.0.11",
      privateKey: KEY,
      haclusterPassword: "pw",
    });
    expect(await stored(props.privateKey)).toEqual({ value: KEY, secret: true });
    expect(await stored(props.haclusterPassword)).toEqual({ value: "pw", secret: true });
    expect(props.host).toBe("10.77.0.11");
  });

  it("makes a connection secret when it holds its key, not when it names the key's file", async () => {
    const withKey = withSecretInputs(kind("Constraint"), { runOn: { host: "h", privateKey: KEY } });
    expect(await stored(withKey.runOn)).toEqual({ value: { host: "h", privateKey: KEY }, secret: true });
    const byPath = withSecretInputs(kind("Constraint"), { runOn: { host: "h", privateKeyPath: "/k" } });
    expect(await stored(byPath.runOn)).toEqual({ value: { host: "h", privateKeyPath: "/k" }, secret: false });
    // a list of nodes with their connections: secret if any holds a key
    const nodes = [
      { connection: { host: "a", privateKeyPath: "/k" } },
      { connection: { host: "b", privateKey: KEY } },
    ];
    expect((await stored(withSecretInputs(kind("DrbdConfig"), { nodes }).nodes)).secret).toBe(true);
    expect(
      (await stored(withSecretInputs(kind("DrbdConfig"), { nodes: nodes.slice(0, 1) }).nodes)).secret,
    ).toBe(false);
  });

  it("walks a value without resolving it: a part unknown during preview stays one part", async () => {
    const fingerprint = pulumi.output("SHA256:x"); // as a Node's output would be
    const { nodes } = withSecretInputs(kind("DrbdConfig"), {
      nodes: [{ hostname: "a", connection: { host: "h", privateKey: KEY, hostKeyFingerprint: fingerprint } }],
    });
    // still a list of plain objects (made one Output, all of it would be unknown while any part is)
    expect(Array.isArray(nodes)).toBe(true);
    const { connection } = (nodes as { connection: Record<string, unknown> }[])[0];
    expect(pulumi.Output.isInstance(connection)).toBe(false);
    expect(connection.host).toBe("h");
    expect(await stored(connection.privateKey)).toEqual({ value: KEY, secret: true });
    expect(await stored(connection.hostKeyFingerprint)).toEqual({ value: "SHA256:x", secret: false });
  });

  it("keeps an input that is already a secret secret, whatever it holds", async () => {
    const runOn = pulumi.secret({ host: "h", privateKeyPath: "/k" });
    expect((await stored(withSecretInputs(kind("PcsResource"), { runOn }).runOn)).secret).toBe(true);
  });
});
