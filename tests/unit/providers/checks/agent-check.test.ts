// The agent questions of check, asked for real: agent_check.py through the ssh transport (a
// loopback sshd) to this host's pcs, which judges with the same code as on a node. Each question
// is asked both ways (pcs's library; the agent's metadata by pcs's rules), the second both forced
// and on simulated unknown pcs: this pcs with its library's names or behaviour changed by a few
// lines run before the program. Then how check uses the answers: each error on its field, asked
// only for new or changed names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AgentCheckWay,
  AgentJudge,
  AgentQuestion,
  RemoteJudgeOptions,
  remoteAgentJudge,
  verdictFailures,
} from "../../../../providers/checks/agent-check";
import { check, useAgentJudge } from "../../../../providers/runtime";
import { UNKNOWN } from "../../../../providers/checks/inputs";
import { SshPool, SshTarget } from "../../../../providers/transport/ssh";
import { PythonProgram, pythonProgram } from "../../../../providers/transport/python-program";
import { LoopbackSshd, startLoopbackSshd } from "../../../support/loopback-sshd";

const AGENT_CHECK = readFileSync(join(__dirname, "../../../../providers/checks/agent_check.py"), "utf8");

/** agent_check.py on a pcs whose library `shim` (Python run first) has changed. */
function onSimulatedPcs(shim: string): PythonProgram {
  const text = `${shim}\n${AGENT_CHECK}`;
  return {
    argv: pythonProgram("checks/agent_check.py").argv,
    prelude: () => `${Buffer.byteLength(text)}\n${text}`,
  };
}

// what pcs 0.12.3 lacks of what the check once used, and a name the library way needs
const NAMES_GONE = onSimulatedPcs(`
import pcs.lib.resource_agent as _ra, pcs.lib.commands.resource as _r, pcs.lib.cib.resource.operations as _o
del _ra.find_one_resource_agent_by_type
for _m, _n in ((_r, "_get_agent_facade"), (_o, "_validate_operation_list")):
    if hasattr(_m, _n):
        delattr(_m, _n)
`);
// every name there, but the parameter validators judge nothing: only the self-test can tell
const VALIDATORS_HOLLOW = onSimulatedPcs(`
from pcs.lib.resource_agent import ResourceAgentFacade as _F
_F.get_validators_allowed_parameters = lambda self, force=False: []
_F.get_validators_required_parameters = lambda self, force=False, only_parameters=None: []
`);
// the library works for resources, but raises on a fence agent
const FENCED_MOVED = onSimulatedPcs(`
from pcs.lib.resource_agent import ResourceAgentFacadeFactory as _F
def _moved(self):
    raise RuntimeError("fenced metadata moved")
_F._get_fenced_parameters = _moved
`);
// no pcs library, and no Pacemaker tools either: nothing can judge
const NOTHING_WORKS = onSimulatedPcs(`
import subprocess, sys
sys.modules["pcs"] = None
def _no(*args, **kwargs):
    raise FileNotFoundError(2, "No such file or directory", "crm_resource")
subprocess.run = _no
`);

let sshd: LoopbackSshd;
let pool: SshPool;
let target: SshTarget;
let warnings: string[];

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});
afterAll(() => sshd.close());
beforeEach(() => {
  sshd.commands.length = 0;
  warnings = [];
  pool = new SshPool({ connectRetries: 0 });
  target = { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey, label: "node1" };
});
afterEach(() => pool.close());

const judgeWith = (options: Partial<RemoteJudgeOptions> = {}): AgentJudge =>
  remoteAgentJudge(pool, { gatherMs: 50, waitMs: 30_000, warn: (line) => warnings.push(line), ...options });

const resource = (agent: string, names: string[] = [], operations: string[] = []): AgentQuestion => ({
  agent,
  stonith: false,
  names,
  operations,
});

const WAYS: [string, AgentCheckWay, Partial<RemoteJudgeOptions>][] = [
  ["pcs's library", "pcs-library", {}],
  ["the agent's metadata, forced", "metadata", { forceMetadata: true }],
  ["the agent's metadata, on a pcs without the library's names", "metadata", { program: NAMES_GONE }],
  [
    "the agent's metadata, on a pcs whose validators judge nothing",
    "metadata",
    { program: VALIDATORS_HOLLOW },
  ],
];

describe.each(WAYS)("the verdict on this host, by %s", (_way, via, options) => {
  let judge: AgentJudge;
  beforeEach(() => (judge = judgeWith(options)));

  test("unknown attribute names and operation names, in pcs's words, each under its field", async () => {
    const v = await judge(target, resource("ocf:pacemaker:Dummy", ["fake", "nope"], ["monitor", "bogus"]));
    expect(v).toEqual({
      host: "node1 (127.0.0.1)",
      via,
      agent: "ocf:pacemaker:Dummy",
      errors: {
        agent: [],
        attributes: [expect.stringMatching(/^invalid resource option 'nope', allowed options are: .*'fake'/)],
        operations: [expect.stringMatching(/^'bogus' is not a valid operation name value, use .*'monitor'/)],
      },
    });
  });

  test("a required parameter missing, pcs's short form resolved or ambiguous, agents that do not exist", async () => {
    const [ip, dummy, none, noType, badName] = await Promise.all([
      judge(target, resource("IPaddr2")),
      judge(target, resource("Dummy")),
      judge(target, resource("ocf:heartbeat:NoSuchAgent", ["a"], ["b"])),
      judge(target, resource("NoSuchAgent")),
      judge(target, resource("ocf:Dummy")),
    ]);
    expect(ip).toMatchObject({
      via,
      agent: "ocf:heartbeat:IPaddr2",
      errors: { attributes: ["required resource option 'ip' is missing"] },
    });
    expect(dummy).toMatchObject({
      agent: null,
      errors: {
        agent: [
          "Multiple agents match 'Dummy', please specify full name: 'ocf:heartbeat:Dummy' or 'ocf:pacemaker:Dummy'",
        ],
      },
    });
    expect(none).toMatchObject({
      via,
      agent: null,
      errors: {
        agent: [
          expect.stringMatching(/^Agent 'ocf:heartbeat:NoSuchAgent' is not installed or does not provide/),
        ],
        attributes: [],
        operations: [],
      },
    });
    expect(noType?.errors.agent).toEqual([
      "Unable to find agent 'NoSuchAgent', try specifying its full name",
    ]);
    expect(badName?.errors.agent).toEqual([
      expect.stringMatching(/^Invalid resource agent name 'ocf:Dummy'/),
    ]);
    // questions that came together: one remote command
    expect(sshd.commands).toHaveLength(1);
  });

  test("a fence agent: pacemaker's own fence parameters allowed, `action` and a missing login refused", async () => {
    const [missing, taken, prefixed] = await Promise.all([
      judge(target, {
        agent: "fence_virsh",
        stonith: true,
        names: ["ip", "pcmk_host_list", "password", "action"],
        operations: ["monitor", "reboot-now"],
      }),
      judge(target, {
        agent: "fence_virsh",
        stonith: true,
        names: ["ip", "username", "plug", "pcmk_off_action", "pcmk_delay_base", "nosuch"],
        operations: [],
      }),
      judge(target, { agent: "stonith:fence_virsh", stonith: true, names: [], operations: [] }),
    ]);
    expect(missing).toMatchObject({ via, agent: "stonith:fence_virsh" });
    expect(missing?.errors.attributes).toEqual([
      "stonith option 'username' or 'login' (deprecated) has to be specified",
      // pcs 0.11.8 reworded it ("…deprecated and might be removed…"): both ways word it as the node's pcs does
      expect.stringMatching(
        /^stonith option 'action' is deprecated and .*should not be used, use 'pcmk_off_action'/,
      ),
    ]);
    expect(missing?.errors.operations).toEqual([
      expect.stringMatching(/^'reboot-now' is not a valid operation name value, use .*'reboot'/),
    ]);
    expect(taken?.errors.attributes).toEqual([
      expect.stringMatching(/^invalid stonith option 'nosuch', allowed options are: .*'pcmk_host_list'/),
    ]);
    expect(prefixed?.errors.agent).toEqual([
      "Invalid stonith agent name 'stonith:fence_virsh'. Agent name cannot contain the ':' character, do not use the 'stonith:' prefix.",
    ]);
  });

  test("an accepted one has no errors; the same question again is answered without asking", async () => {
    const q = resource("ocf:pacemaker:Dummy", ["fake", "passwd", "trace_ra"], ["monitor", "start"]);
    const first = await judge(target, q);
    expect(first).toMatchObject({ via, errors: { agent: [], attributes: [], operations: [] } });
    const again = await judge(target, { ...q, names: ["passwd", "trace_ra", "fake"] });
    expect(again).toEqual(first);
    expect(sshd.commands).toHaveLength(1);
  });

  test("the way is said: in a warning naming the host once, and in each failure's text", async () => {
    const v = await judge(target, resource("ocf:pacemaker:Dummy", ["nope"]));
    await judge(target, resource("ocf:pacemaker:Stateful", ["nope"]));
    const reason = verdictFailures(v!, "instanceAttributes")[0].reason;
    if (via === "pcs-library") {
      expect(warnings).toEqual([]);
      expect(reason).toMatch(/^pcs on node1 \(127\.0\.0\.1\) refuses it: invalid resource option 'nope'/);
    } else {
      expect(warnings).toEqual([
        expect.stringMatching(
          /^pcmk-lab agent check: on node1 \(127\.0\.0\.1\) \(pcs \d+\.\d+\S*\) agents are judged from their metadata by pcs's rules, not by pcs itself: \S/,
        ),
      ]);
      expect(reason).toMatch(
        /^pcs on node1 \(127\.0\.0\.1\) would refuse it \(judged by pcs's rules from the agent's metadata\): invalid resource option 'nope'/,
      );
    }
  });
});

describe("why pcs's library was not used, and when nothing could judge", () => {
  test("a pcs without a name the library way needs: the name is given", async () => {
    await judgeWith({ program: NAMES_GONE })(target, resource("ocf:pacemaker:Dummy"));
    expect(warnings).toEqual([
      expect.stringContaining("pcs.lib.resource_agent has no find_one_resource_agent_by_type"),
    ]);
  });

  test("a pcs whose validators judge nothing fails the self-test, which says what it took", async () => {
    await judgeWith({ program: VALIDATORS_HOLLOW })(target, resource("ocf:pacemaker:Dummy"));
    expect(warnings).toEqual([
      expect.stringContaining(
        "pcs's library failed the self-test: it said [] of an attribute name the agent does not have",
      ),
    ]);
  });

  test("a library call that raises: that check by the metadata, the others still by pcs's library", async () => {
    const judge = judgeWith({ program: FENCED_MOVED });
    const [dummy, fence] = await Promise.all([
      judge(target, resource("ocf:pacemaker:Dummy", ["nope"])),
      judge(target, { agent: "fence_virsh", stonith: true, names: ["ip"], operations: [] }),
    ]);
    expect(dummy?.via).toBe("pcs-library");
    expect(fence).toMatchObject({
      via: "metadata",
      errors: { attributes: ["stonith option 'username' or 'login' (deprecated) has to be specified"] },
    });
    expect(warnings).toEqual([
      expect.stringContaining("pcs's library failed on this check (RuntimeError: fenced metadata moved)"),
    ]);
  });

  test("neither way: no verdict, and a warning naming the host, the agent and both reasons", async () => {
    const judge = judgeWith({ program: NOTHING_WORKS });
    const [a, b] = await Promise.all([
      judge(target, resource("ocf:pacemaker:Dummy", ["nope"])),
      judge(target, resource("IPaddr2")),
    ]);
    expect([a, b]).toEqual([null, null]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^pcmk-lab agent check: could not judge agent ocf:pacemaker:Dummy on node1 \(127\.0\.0\.1\) \(pcs .*pcs's library is not what this check expects .*; the agent's metadata: FileNotFoundError: .*crm_resource.*\); pcs judges them at create$/,
      ),
      expect.stringContaining("could not judge agent IPaddr2 on node1"),
    ]);
  });

  test("a node that cannot be asked: no verdict (pcs judges at create), and a warning naming it", async () => {
    const closed = { ...target, port: 1 };
    const quick = remoteAgentJudge(pool, {
      gatherMs: 10,
      waitMs: 5_000,
      warn: (line) => warnings.push(line),
    });
    await expect(quick(closed, resource("ocf:pacemaker:Dummy"))).resolves.toBeNull();
    await expect(quick(closed, resource("ocf:pacemaker:Stateful"))).resolves.toBeNull();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^pcmk-lab agent check: could not judge these inputs on node1 \(127\.0\.0\.1\) \(.+\); pcs judges them at create$/,
      ),
    ]);
  });

  test("an answer later than the wait: no verdict, and a warning saying how long it waited", async () => {
    // its own list: the pool's closing ends the slow command after this test, and that is told too
    const told: string[] = [];
    const slow = remoteAgentJudge(pool, {
      gatherMs: 10,
      waitMs: 200,
      warn: (line) => told.push(line),
      program: onSimulatedPcs("import time\ntime.sleep(5)"),
    });
    await expect(slow(target, resource("ocf:pacemaker:Dummy"))).resolves.toBeNull();
    expect(told).toEqual([
      expect.stringContaining("could not judge these inputs on node1 (127.0.0.1) (no answer within 0.2 s)"),
    ]);
  });

  test("the command line is the fixed start-up line: no agent, no name on it", async () => {
    await judgeWith()(target, resource("ocf:pacemaker:Dummy", ["fake"]));
    expect(sshd.commands).toHaveLength(1);
    expect(sshd.commands[0]).not.toMatch(/Dummy|fake/);
    expect(sshd.commands[0]).toMatch(/^\/usr\/bin\/python3 -Es -c /);
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
