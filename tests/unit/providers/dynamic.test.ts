import * as runtime from "../../../providers/runtime";
import { providerText } from "../../../providers/dynamic";

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
