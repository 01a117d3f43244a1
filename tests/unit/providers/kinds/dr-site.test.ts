// DrSite without clusters: inputs, the file pcs writes (captured from a lab pair), the facts
// read from it, and the diff (a half-gone pair is a change, another node of the same recovery
// site is not, another site is a replace).
import { checkInputs } from "../../../../providers/checks/inputs";
import {
  DESTROY_ARGV,
  drSiteDiff,
  DrSiteInputs,
  drSiteInputsSchema,
  drSiteKind,
  DrSiteOutputs,
  factsOf,
  isAsDeclared,
  parseDrConfig,
} from "../../../../providers/kinds/dr-site";
import { SshPool } from "../../../../providers/transport/ssh";
import { runOn } from "../../../support/cib-fixtures";

// As pcs 0.11.5 wrote them on node1 (primary) and node3 (recovery) of the lab.
const PRIMARY_FILE =
  '{"local": {"role": "PRIMARY"}, "remote_sites": [{"role": "RECOVERY", "nodes": [{"name": "node3.example.com"}, {"name": "node4.example.com"}]}]}';
const RECOVERY_FILE =
  '{"local": {"role": "RECOVERY"}, "remote_sites": [{"role": "PRIMARY", "nodes": [{"name": "node1.example.com"}, {"name": "node2.example.com"}]}]}';

const parse = (extra: object = {}): DrSiteInputs =>
  drSiteInputsSchema.parse({ runOn, recoveryNode: "node3.example.com", ...extra });
const checked = parse({ recoveryRunOn: { ...runOn, host: "10.77.0.13" } });
const facts = factsOf(parseDrConfig(PRIMARY_FILE, "node1"), parseDrConfig(RECOVERY_FILE, "node3"));
const outputs = (d: DrSiteInputs, f = facts): DrSiteOutputs => ({ ...d, ...f });

it("refuses a recovery node that is not a host name, at preview", () => {
  const { failures } = checkInputs(drSiteInputsSchema, { runOn, recoveryNode: "node3; pcs dr destroy" });
  expect(failures).toEqual([expect.objectContaining({ property: "recoveryNode" })]);
  expect(failures[0].reason).toContain("a host name");
});

it("reads both sites' files", () => {
  expect(facts).toEqual({
    localRole: "PRIMARY",
    recoverySiteNodes: ["node3.example.com", "node4.example.com"],
    primarySiteNodes: ["node1.example.com", "node2.example.com"],
    recoveryNodeRole: "RECOVERY",
  });
  expect(parseDrConfig("", "node1")).toBeNull();
  expect(() => parseDrConfig("not json", "node1")).toThrow(
    /node1: \/var\/lib\/pcsd\/disaster-recovery is not the JSON/,
  );
});

it("is as declared only when the primary file names the recovery node (and the recovery node agrees when checked)", () => {
  expect(isAsDeclared(checked, facts)).toBe(true);
  expect(isAsDeclared(parse({ recoveryNode: "node2.example.com" }), facts)).toBe(false);
  expect(isAsDeclared(checked, { ...facts, recoveryNodeRole: "" })).toBe(false);
  expect(isAsDeclared(parse(), { ...facts, recoveryNodeRole: "" })).toBe(true);
  expect(isAsDeclared(parse(), factsOf(parseDrConfig(RECOVERY_FILE, "x"), null))).toBe(false);
});

it("diffs: same pair no change, another node of the recovery site no change, half gone a change, another site a replace", () => {
  expect(drSiteDiff(outputs(checked), checked)).toMatchObject({ changes: false, replaces: [] });
  const viaNode4 = { ...checked, recoveryNode: "node4.example.com" };
  expect(drSiteDiff(outputs(checked), viaNode4)).toMatchObject({ changes: false, replaces: [] });
  expect(drSiteDiff(outputs(checked, { ...facts, recoveryNodeRole: "" }), checked)).toMatchObject({
    changes: true,
    replaces: [],
  });
  const elsewhere = { ...checked, recoveryNode: "node5.example.com" };
  expect(drSiteDiff(outputs(checked), elsewhere)).toMatchObject({
    changes: true,
    replaces: ["recoveryNode"],
  });
});

describe("remove", () => {
  const DESTROY_ERROR =
    "`pcs dr destroy` exited 1: Error: Error connecting to node1.example.com (HTTP error: 500)";
  /** A pool whose `pcs dr destroy` fails as often as told; the file stays until a destroy succeeds. */
  function poolFailing(destroyFailures: number) {
    const destroys: string[][] = [];
    let file = PRIMARY_FILE;
    const pool = {
      async run(_target: unknown, argv: readonly string[]) {
        if (argv[0] === "sh") return file;
        destroys.push([...argv]);
        if (destroys.length <= destroyFailures) throw new Error(`${DESTROY_ERROR} (try ${destroys.length})`);
        file = "";
        return "";
      },
    } as unknown as SshPool;
    return { pool, destroys };
  }
  const removeWith = async (pool: SshPool): Promise<void> => {
    const done = drSiteKind.remove(pool, "node3.example.com", outputs(parse()));
    done.catch(() => undefined); // settled below, after the retry's wait
    await jest.advanceTimersByTimeAsync(10_000);
    return done;
  };
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("tries `pcs dr destroy` again once when it failed and the pair is still there", async () => {
    const { pool, destroys } = poolFailing(1);
    await removeWith(pool);
    expect(destroys).toEqual([DESTROY_ARGV, DESTROY_ARGV]);
  });

  it("names both tries and the resource when the second fails too", async () => {
    const { pool, destroys } = poolFailing(2);
    await expect(removeWith(pool)).rejects.toThrow(
      /^DrSite \(recovery site of node3\.example\.com\): .*HTTP error: 500\) \(try 2\)\n\(tried twice; the first try: .*\(try 1\)\)$/,
    );
    expect(destroys).toHaveLength(2);
  });
});
