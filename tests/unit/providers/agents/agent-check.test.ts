// The agent questions of check, asked for real: agent_check.py through the ssh transport (a
// loopback sshd) to this host's pcs, which judges with the same code as on a node. Then how check
// uses the answers: each error on its field, asked only for new or changed names.
import { AgentJudge, AgentQuestion, remoteAgentJudge } from "../../../../providers/agents/agent-check";
import { check, useAgentJudge } from "../../../../providers/runtime";
import { UNKNOWN } from "../../../../providers/check";
import { SshPool, SshTarget } from "../../../../providers/transport/ssh";
import { LoopbackSshd, startLoopbackSshd } from "../../../support/loopback-sshd";

let sshd: LoopbackSshd;
let pool: SshPool;
let target: SshTarget;
let judge: AgentJudge;

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});
afterAll(() => sshd.close());
beforeEach(() => {
  sshd.commands.length = 0;
  pool = new SshPool({ connectRetries: 0 });
  target = { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey, label: "node1" };
  judge = remoteAgentJudge(pool, { gatherMs: 50, waitMs: 30_000 });
});
afterEach(() => pool.close());

const resource = (agent: string, names: string[] = [], operations: string[] = []): AgentQuestion => ({
  agent,
  stonith: false,
  names,
  operations,
});

describe("pcs's verdict, from the host's pcs", () => {
  test("unknown attribute names and operation names, in pcs's words, each under its field", async () => {
    const v = await judge(target, resource("ocf:pacemaker:Dummy", ["fake", "nope"], ["monitor", "bogus"]));
    expect(v).toEqual({
      host: "node1 (127.0.0.1)",
      agent: "ocf:pacemaker:Dummy",
      errors: {
        agent: [],
        attributes: [expect.stringMatching(/^invalid resource option 'nope', allowed options are: .*'fake'/)],
        operations: [expect.stringMatching(/^'bogus' is not a valid operation name value, use .*'monitor'/)],
      },
    });
  });

  test("a required parameter missing, pcs's short form resolved, an agent that does not exist", async () => {
    const [ip, dummy, none] = await Promise.all([
      judge(target, resource("IPaddr2")),
      judge(target, resource("Dummy")),
      judge(target, resource("ocf:heartbeat:NoSuchAgent")),
    ]);
    expect(ip).toMatchObject({
      agent: "ocf:heartbeat:IPaddr2",
      errors: { attributes: ["required resource option 'ip' is missing"] },
    });
    expect(dummy).toMatchObject({
      agent: null,
      errors: { agent: [expect.stringMatching(/^Multiple agents match 'Dummy'/)] },
    });
    expect(none).toMatchObject({
      agent: null,
      errors: {
        agent: [expect.stringMatching(/^Agent 'ocf:heartbeat:NoSuchAgent' is not installed/)],
      },
    });
    // three questions that came together: one remote command
    expect(sshd.commands).toHaveLength(1);
  });

  test("a fence agent: pacemaker's own fence parameters allowed, `action` and a missing login refused", async () => {
    const v = await judge(target, {
      agent: "fence_virsh",
      stonith: true,
      names: ["ip", "pcmk_host_list", "password", "action"],
      operations: ["monitor"],
    });
    expect(v?.agent).toBe("stonith:fence_virsh");
    expect(v?.errors.attributes).toEqual([
      "stonith option 'username' or 'login' (deprecated) has to be specified",
      expect.stringMatching(/^stonith option 'action' is deprecated and should not be used/),
    ]);
    expect(v?.errors.operations).toEqual([]);
  });

  test("an accepted one has no errors; the same question again is answered without asking", async () => {
    const q = resource("ocf:pacemaker:Dummy", ["fake", "passwd"], ["monitor", "start"]);
    const first = await judge(target, q);
    expect(first?.errors).toEqual({ agent: [], attributes: [], operations: [] });
    const again = await judge(target, { ...q, names: ["passwd", "fake"] });
    expect(again).toEqual(first);
    expect(sshd.commands).toHaveLength(1);
  });

  test("the command line is the fixed start-up line: no agent, no name on it", async () => {
    await judge(target, resource("ocf:pacemaker:Dummy", ["fake"]));
    expect(sshd.commands).toHaveLength(1);
    expect(sshd.commands[0]).not.toMatch(/Dummy|fake/);
    expect(sshd.commands[0]).toMatch(/^\/usr\/bin\/python3 -Es -c /);
  });

  test("a node that cannot be asked: no verdict (pcs judges at create), within the wait", async () => {
    const closed = { ...target, port: 1 };
    const quick = remoteAgentJudge(pool, { gatherMs: 10, waitMs: 5_000 });
    await expect(quick(closed, resource("ocf:pacemaker:Dummy"))).resolves.toBeNull();
  });
});

describe("check asks pcs about new or changed agent-dependent inputs only", () => {
  const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";
  const runOn = { host: "10.77.0.11", privateKey: KEY };
  let asked: AgentQuestion[];
  beforeEach(() => {
    asked = [];
    useAgentJudge(async (t, q) => {
      asked.push(q);
      return {
        host: t.label ?? t.host,
        agent: null,
        errors: {
          agent: [`Agent '${q.agent}' is not installed`],
          attributes: q.names.map((n) => `invalid option '${n}'\nsecond line`),
          operations: q.operations.map((o) => `'${o}' is not a valid operation name value`),
        },
      };
    });
  });
  afterAll(() => useAgentJudge(async () => null));

  const vip = {
    runOn,
    resourceId: "vip",
    agent: "ocf:heartbeat:IPaddr3",
    instanceAttributes: { ipp: "10.77.0.100" },
    operations: [{ name: "monitr", interval: "10s" }],
  };

  test("a new resource: each refusal under its field, with the kind, the host and pcs's message", async () => {
    const { failures } = await check("PcsResource", {}, vip);
    expect(asked).toEqual([
      { agent: "ocf:heartbeat:IPaddr3", stonith: false, names: ["ipp"], operations: ["monitr"] },
    ]);
    expect(failures).toEqual([
      {
        property: "agent",
        reason: "PcsResource: pcs on 10.77.0.11 refuses it: Agent 'ocf:heartbeat:IPaddr3' is not installed",
      },
      {
        property: "instanceAttributes",
        reason: "PcsResource: pcs on 10.77.0.11 refuses it: invalid option 'ipp' second line",
      },
      {
        property: "operations",
        reason: "PcsResource: pcs on 10.77.0.11 refuses it: 'monitr' is not a valid operation name value",
      },
    ]);
  });

  test("unchanged names are not asked again; a changed name or operation is", async () => {
    const olds = (await check("PcsResource", {}, vip)).inputs;
    asked = [];
    await check("PcsResource", olds, { ...vip, instanceAttributes: { ipp: "10.77.0.101" } });
    expect(asked).toEqual([]);
    await check("PcsResource", olds, { ...vip, instanceAttributes: { ipp: "x", cidr: "24" } });
    await check("PcsResource", olds, { ...vip, operations: [{ name: "start", interval: "0s" }] });
    expect(asked.map((q) => [q.names, q.operations])).toEqual([
      [["ipp", "cidr"], ["monitr"]],
      [["ipp"], ["start"]],
    ]);
  });

  test("a fence device: names of plain and secret parameters, never a value; 'stonith:' dropped", async () => {
    const { failures } = await check(
      "StonithDevice",
      {},
      {
        runOn,
        deviceId: "fence1",
        agent: "stonith:fence_virsh",
        parameters: { ip: "10.77.0.1" },
        secretParameters: { password: "s3cret-value" },
      },
    );
    expect(asked).toEqual([
      { agent: "fence_virsh", stonith: true, names: ["ip", "password"], operations: [] },
    ]);
    expect(JSON.stringify(asked)).not.toContain("s3cret-value");
    expect(failures.map((f) => f.property)).toEqual(["agent", "parameters", "parameters"]);
  });

  test("not asked when the inputs already fail, or are not known yet (preview)", async () => {
    await check("PcsResource", {}, { ...vip, resourceId: "-bad" });
    await check("PcsResource", {}, { ...vip, runOn: UNKNOWN });
    await check("PcsResource", {}, { ...vip, instanceAttributes: UNKNOWN });
    expect(asked).toEqual([]);
  });
});
