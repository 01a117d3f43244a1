import { escapeRegExp, nodeAddress, rx, vip } from "../../support/lab-harness";

test("rx takes its source raw and its values literally; addresses follow the lab instance", () => {
  const address = nodeAddress("node1");
  expect(address).toMatch(/^10\.77\.0\.\d+$/);
  const re = rx`failed on ${address}:\s+Error: \`pcs\` (said|wrote) ${"a.b*"}`;
  expect(re.test(`failed on ${address}:  Error: \`pcs\` said a.b*`)).toBe(true);
  // the dots of a value are no wildcards
  expect(re.test(`failed on ${address.replace(/\./g, "x")}: Error: \`pcs\` said a.b*`)).toBe(false);
  expect(re.test(`failed on ${address}: Error: \`pcs\` said aXbbb`)).toBe(false);
  expect(escapeRegExp("a.b(c)[d]\\e")).toBe("a\\.b\\(c\\)\\[d\\]\\\\e");
  expect(vip(2)).not.toBe(vip(0));
});
