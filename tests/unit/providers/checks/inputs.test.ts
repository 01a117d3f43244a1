// Map keys no program can pass: refused by the provider's check and, before Pulumi's SDK would stop
// the program without naming anything, by the resource's constructor.
import * as pulumi from "@pulumi/pulumi";
import { uncarriableKeys } from "../../../../providers/checks/inputs";
import { carriableArgs } from "../../../../providers/kit/dynamic";
import { check } from "../../../../providers/runtime";

const own = (key: string, value: unknown) => Object.fromEntries([[key, value]]);

test("why: the SDK prints each input with String(), which a map with its own toString cannot survive", () => {
  expect(() => `${own("toString", "x")}`).toThrow(/Cannot convert object to primitive value/);
  expect(() => `${[own("valueOf", "x")]}`).not.toThrow(); // toString first: valueOf alone is harmless there…
  expect(() => `${[own("toString", "x")]}`).toThrow(); // …and an array prints its items
});

test("toString and __proto__ keys are found at any depth, named by their path (valueOf is harmless)", () => {
  const args = {
    metaAttributes: own("toString", "1"),
    operations: [{ name: "monitor", options: own("toString", "2") }, { options: own("valueOf", "2") }],
    clone: { meta: own("__proto__", "3") },
    instanceAttributes: { constructor: "fine", hasOwnProperty: "fine too" },
  };
  expect(uncarriableKeys(args).map((f) => f.property)).toEqual([
    "metaAttributes.toString",
    "operations[0].options.toString",
    "clone.meta.__proto__",
  ]);
  expect(uncarriableKeys({ a: { b: "toString" } })).toEqual([]); // a value, not a key
});

test("keys inside an Output are left to the provider's check, which sees them resolved", async () => {
  expect(uncarriableKeys({ metaAttributes: pulumi.output(own("toString", "1")) })).toEqual([]);
  expect(uncarriableKeys({ metaAttributes: Promise.resolve(own("toString", "1")) })).toEqual([]);
  const { failures } = await check(
    "PcsResource",
    {},
    {
      runOn: {
        host: "10.77.0.11",
        privateKey:
          "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
      },
      resourceId: "r",
      agent: "ocf:pacemaker:Dummy",
      metaAttributes: own("toString", "1"),
    },
  );
  expect(failures).toEqual([
    {
      property: "metaAttributes.toString",
      reason: expect.stringMatching(/^PcsResource: not an allowed name: Pulumi's SDK/),
    },
  ]);
});

test("the constructor's guard names the kind, the resource and the field", () => {
  expect(() => carriableArgs("PcsResource", "web", { metaAttributes: own("toString", "1") })).toThrow(
    "PcsResource 'web': metaAttributes.toString: not an allowed name: Pulumi's SDK cannot pass a map with a key toString",
  );
  const fine = { metaAttributes: { constructor: "1" } };
  expect(carriableArgs("PcsResource", "web", fine)).toBe(fine);
});
