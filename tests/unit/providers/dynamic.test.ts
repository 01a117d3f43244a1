import * as pulumi from "@pulumi/pulumi";
import { serialisedProvider } from "../../../providers/dynamic";

describe("serialisedProvider", () => {
  // Pulumi's SDK caches a provider's serialised text per provider object: one object per kind is
  // what keeps a program of N resources from serialising the closure N times.
  it("gives the same provider object for a kind every time, and one per kind", () => {
    expect(serialisedProvider("PcsResource")).toBe(serialisedProvider("PcsResource"));
    expect(serialisedProvider("Constraint")).not.toBe(serialisedProvider("PcsResource"));
  });

  it("serialises to a shim that names its kind and requires the installed package by name", async () => {
    const provider = serialisedProvider("Constraint");
    const { text } = await pulumi.runtime.serializeFunction(() => provider);
    expect(text).toContain('kind: "Constraint"');
    expect(text).toContain('require("pcmk-lab/runtime").create(kind, inputs)');
    expect(text).not.toContain("PcsResource");
  });
});
