// What a node's pcs and Pacemaker accept, learned from the node. The fixtures are the facts
// command's own output (FACTS_ARGV), captured on Debian 12 (pcs 0.11.5, Pacemaker 2.1.5: no
// `pcs property describe`, so the daemons' metadata) and in a Debian 13 root (pcs 0.12.0.2,
// Pacemaker 3.0.0: pcs's JSON description).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { builtInNotice, optionFailures } from "../../../../providers/kinds/cluster";
import {
  askNode,
  OptionFacts,
  optionFactsOf,
  parseOptionFacts,
  parsePcsVersion,
  pcsFactsOf,
  useNodeFacts,
} from "../../../../providers/checks/node-facts";
import { CLUSTER_PROPERTIES, TOTEM_OPTIONS } from "../../../../providers/checks/pcs-options";
import { Secret } from "../../../../providers/kit/secrets";
import { SshPool, SshTarget } from "../../../../providers/transport/ssh";
import { LoopbackSshd, startLoopbackSshd } from "../../../support/loopback-sshd";

const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, "..", "fixtures", "node-facts", name), "utf8");
const bookworm = parseOptionFacts("node1", fixture("pcs-0.11.5-pacemaker-2.1.5.txt"))!;
const trixie = parseOptionFacts("node1", fixture("pcs-0.12.0.2-pacemaker-3.0.0.txt"))!;

const runOn = {
  host: "10.77.0.11",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
};
const cluster = (properties: Record<string, string>, totem: Record<string, string> = {}) => ({
  runOn,
  name: "c",
  nodes: [{ name: "n1" }],
  totem,
  properties,
});

afterEach(() =>
  useNodeFacts(
    async () => null,
    () => undefined,
  ),
);

/** Answers every host with `facts`, counting the questions; notices are collected. */
function answering(facts: OptionFacts | null) {
  const asked: string[] = [];
  const notices: string[] = [];
  useNodeFacts(
    async (_pool, target) => {
      asked.push(target.host);
      return facts;
    },
    (line) => notices.push(line),
  );
  return { asked, notices };
}

const reasons = async (olds: object, news: object) =>
  (await optionFailures(new SshPool(), { ...olds }, { ...news })).map((f) => `${f.property}: ${f.reason}`);

describe("what each generation's node says", () => {
  test("pcs's version and capabilities", () => {
    expect(bookworm.pcs.version).toBe("0.11.5");
    expect(trixie.pcs.version).toBe("0.12.0.2");
    expect(bookworm.pcs.capabilities.has("pcmk.properties.cluster.describe.output-formats")).toBe(false);
    expect(trixie.pcs.capabilities.has("pcmk.properties.cluster.describe.output-formats")).toBe(true);
    expect(parsePcsVersion("h", "bash: pcs: command not found\n")).toBeNull();
    expect(parseOptionFacts("h", "@@pcmk-lab-facts@@\n@@pcmk-lab-facts@@\n")).toBeNull();
  });

  test("properties: pcs 0.11.5 from the daemons' metadata, pcs 0.12.0.2 from its own description", () => {
    expect(bookworm.propertiesFrom).toBe("pacemaker metadata");
    expect(trixie.propertiesFrom).toBe("pcs property describe");
    // read-only ones are not settable
    for (const facts of [bookworm, trixie]) {
      expect(Object.keys(facts.properties)).not.toContain("dc-version");
      expect(Object.keys(facts.properties)).not.toContain("have-watchdog");
      expect(Object.keys(facts.properties)).toHaveLength(43);
    }
  });

  test("what Pacemaker 3.0 dropped and added, and types it changed", () => {
    expect(bookworm.properties["remove-after-stop"]).toEqual({ type: "boolean" });
    expect(trixie.properties["remove-after-stop"]).toBeUndefined();
    expect(bookworm.properties["node-pending-timeout"]).toBeUndefined();
    expect(trixie.properties["node-pending-timeout"]).toEqual({ type: "time" });
    expect(bookworm.properties["stonith-action"]).toEqual({
      type: "select",
      values: ["reboot", "off", "poweroff"],
    });
    expect(trixie.properties["stonith-action"]).toEqual({ type: "select", values: ["reboot", "off"] });
    expect(trixie.properties["no-quorum-policy"]).toMatchObject({
      values: expect.arrayContaining(["fence"]),
    });
    expect(bookworm.properties["fence-reaction"]).toEqual({ type: "string" });
    expect(trixie.properties["fence-reaction"]).toEqual({ type: "select", values: ["stop", "panic"] });
    expect(trixie.properties["cluster-ipc-limit"]).toEqual({ type: "count" });
  });

  test("the built-in list is what the two generations accept together, no more", () => {
    const names = new Set([...Object.keys(bookworm.properties), ...Object.keys(trixie.properties)]);
    expect(Object.keys(CLUSTER_PROPERTIES).sort()).toEqual([...names].sort());
    // and pcs 0.11.5's view of Pacemaker 2.1.5 is the table the lab was proven with
    for (const [name, type] of Object.entries(bookworm.properties))
      if (name !== "no-quorum-policy") expect([name, CLUSTER_PROPERTIES[name]]).toEqual([name, type]);
  });

  test("totem options: pcs's own list, the same in both", () => {
    expect(bookworm.totem).toEqual(TOTEM_OPTIONS);
    expect(trixie.totem).toEqual(TOTEM_OPTIONS);
  });
});

describe("cluster properties and totem options at preview", () => {
  test("judged by the node: Pacemaker 3.0 refuses what it dropped, takes what it added", async () => {
    answering(trixie);
    expect(
      await reasons(
        {},
        cluster(
          { "remove-after-stop": "true", "stonith-action": "poweroff", "node-pending-timeout": "60s" },
          { token: "3000" },
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /^properties\.remove-after-stop: not one of the cluster properties pcs 0\.12\.0\.2 on node1 accepts/,
      ),
      "properties.stonith-action: stonith-action: one of reboot, off",
    ]);
  });

  test("judged by the node: Pacemaker 2.1 refuses what 3.0 added", async () => {
    answering(bookworm);
    expect(
      await reasons({}, cluster({ "node-pending-timeout": "60s", "remove-after-stop": "false" })),
    ).toEqual([
      expect.stringMatching(
        /^properties\.node-pending-timeout: not one of the cluster properties pcs 0\.11\.5 on node1 accepts/,
      ),
    ]);
  });

  test("a node that cannot be asked: the built-in lists, and the user is told once", async () => {
    const { asked, notices } = answering(null);
    const news = cluster({ "node-pending-timeout": "60s", "stonith-action": "poweroff", bogus: "1" });
    expect(await reasons({}, news)).toEqual([
      expect.stringMatching(/^properties\.bogus: not one of the cluster properties pcs accepts/),
    ]);
    await reasons({}, news);
    expect(asked).toEqual(["10.77.0.11"]); // once per host and process
    expect(notices).toEqual([
      builtInNotice("c", "10.77.0.11 could not be asked (its pcs did not answer `pcs --version`)"),
    ]);
  });

  test("runOn not known until apply: the built-in lists, said so", async () => {
    const { asked, notices } = answering(trixie);
    const news = {
      ...cluster({ "remove-after-stop": "yes" }),
      runOn: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    };
    expect(await reasons({}, news)).toEqual([]);
    expect(asked).toEqual([]);
    expect(notices).toEqual([builtInNotice("c", "runOn is not known until apply")]);
  });

  test("only what is new or changed is asked; a value not known yet is judged at up", async () => {
    const { asked } = answering(trixie);
    const before = cluster({ "stonith-enabled": "false" }, { token: "3000" });
    expect(await reasons(before, before)).toEqual([]);
    expect(asked).toEqual([]);
    const unknownValue = cluster({ "stonith-action": "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    expect(await reasons(before, unknownValue)).toEqual([]);
    expect(asked).toEqual(["10.77.0.11"]);
  });
});

describe("asking", () => {
  const target: SshTarget = { host: "10.77.0.12", privateKey: new Secret("key") };
  const poolAnswering = (text: string) => {
    const commands: string[][] = [];
    const pool = {
      run: async (_t: SshTarget, argv: readonly string[]) => {
        commands.push([...argv]);
        return text;
      },
    } as unknown as SshPool;
    return { pool, commands };
  };

  test("pcs facts come from the option facts when they were asked, else from pcs --version --full", async () => {
    answering(trixie);
    const { pool, commands } = poolAnswering("0.11.5\nbooth cluster.create\n");
    await optionFactsOf(pool, target);
    expect((await pcsFactsOf(pool, target))?.version).toBe("0.12.0.2");
    expect(commands).toEqual([]);
    const other = { ...target, host: "10.77.0.13" };
    expect((await pcsFactsOf(pool, other))?.version).toBe("0.11.5");
    expect(await pcsFactsOf(pool, other)).toBeTruthy();
    expect(commands).toEqual([["pcs", "--version", "--full"]]);
  });
});

describe("over ssh, on this host's pcs (a loopback sshd)", () => {
  let sshd: LoopbackSshd;
  let pool: SshPool;
  let target: SshTarget;
  const hostPcs = spawnSync("pcs", ["--version"], { encoding: "utf8" }).stdout.trim();

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    pool = new SshPool({ connectRetries: 0 });
    target = { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey, label: "node1" };
  });
  afterAll(async () => {
    pool.close();
    await sshd.close();
  });

  test("one command gives pcs's version, its properties and its totem options", async () => {
    const notices: string[] = [];
    useNodeFacts(askNode, (line) => notices.push(line));
    const answer = await optionFactsOf(pool, target);
    expect(answer.facts?.pcs.version).toBe(hostPcs);
    expect(answer.facts?.totem).toEqual(TOTEM_OPTIONS);
    expect(Object.keys(answer.facts?.properties ?? {})).toContain("stonith-enabled");
    expect(await pcsFactsOf(pool, target)).toBe(answer.facts?.pcs);
    expect(sshd.commands).toHaveLength(1);
    // the check judges by them, and nothing is said
    const failures = await optionFailures(
      pool,
      {},
      {
        ...cluster({ "stonith-enabled": "no" }),
        runOn: { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey.reveal() },
      },
    );
    expect(failures).toEqual([]);
    expect(notices).toEqual([]);
  });

  test("a node that refuses the connection: why, in the notice", async () => {
    const notices: string[] = [];
    useNodeFacts(askNode, (line) => notices.push(line));
    const closed = { host: "127.0.0.1", port: 1, privateKey: sshd.clientKey.reveal() };
    await optionFailures(pool, {}, { ...cluster({ "stonith-enabled": "no" }), runOn: closed });
    expect(notices).toEqual([
      expect.stringMatching(
        /^pcmk-lab: Cluster 'c': 127\.0\.0\.1 could not be asked \(cannot connect to 127\.0\.0\.1 port 1/,
      ),
    ]);
  });
});

test("the learned names are the ones each pcs lets `pcs property set` change (its own error lists them)", () => {
  const allowed = (file: string) => {
    const text = fixture(file);
    const list = /allowed options are: ([^\n]*), use --force/.exec(text)![1];
    return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
  };
  expect(allowed("property-set-pcs-0.11.5.txt")).toEqual(Object.keys(bookworm.properties).sort());
  expect(allowed("property-set-pcs-0.12.0.2.txt")).toEqual(Object.keys(trixie.properties).sort());
  expect(fixture("property-set-pcs-0.12.0.2.txt")).toMatch(/'poweroff' is not a valid stonith-action value/);
  expect(fixture("property-set-pcs-0.11.5.txt")).toMatch(/'fence' is not a valid no-quorum-policy value/);
});
