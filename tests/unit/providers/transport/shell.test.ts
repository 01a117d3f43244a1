import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { quoteArg, shellLine } from "../../../../providers/transport/shell";
import { hostileStrings } from "../../../support/hostile-strings";

// What a remote login shell would do with the line: run it with bash, print each argv element.
function throughBash(argv: string[]): string[] {
  const line = shellLine(["printf", "%s\\0", ...argv]);
  const r = spawnSync("bash", ["-c", line], { encoding: "utf8" });
  expect(r.status).toBe(0);
  return r.stdout.split("\0").slice(0, -1);
}

test("every hostile string reaches the program as one argument, byte for byte", () => {
  expect(throughBash(hostileStrings)).toEqual(hostileStrings);
  expect(existsSync("/tmp/pcmk-canary")).toBe(false);
});

test("plain words stay readable", () => {
  expect(shellLine(["pcs", "resource", "create", "vip", "ip=10.77.0.100", "cidr_netmask=24"])).toBe(
    "pcs resource create vip ip=10.77.0.100 cidr_netmask=24",
  );
  expect(quoteArg("a b")).toBe("'a b'");
  expect(quoteArg("")).toBe("''");
});

test("NUL bytes and empty commands are refused", () => {
  expect(() => quoteArg("a\0b")).toThrow(/NUL/);
  expect(() => shellLine([])).toThrow(/empty/);
});
