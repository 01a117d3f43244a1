// The batch process (pcs_batch.py) run for real through the ssh transport, with a stand-in pcs
// and cibadmin (tests/support/fake-pcs), on each of its paths: fast (pcs in process, as the stand-in
// of pcs 0.11.5 lets it) and plain (forced: the stand-in's executable, a process per command). One
// process serves many batches, a refused step is rolled back alone, stray output is not taken for
// a reply, a process that dies fails its batch and the next batch starts a new one, and nothing
// but the fixed start-up line is a command line, not even on the node.
import { readFileSync, writeFileSync } from "node:fs";
import { Secret } from "../../../../providers/kit/secrets";
import { SshPool, SshTarget } from "../../../../providers/transport/ssh";
import { releaseStep } from "../../../../providers/writer/holds";
import { outcomeOf } from "../../../../providers/writer/pcs-outcome";
import { BatchRunner, pcsBatchRunner, RunnerOptions } from "../../../../providers/writer/pcs-batch";
import { PathHello, RequestedPath, WriterPath } from "../../../../providers/writer/pcs-path";
import { EMPTY_CIB, FakeNode, fakeNode } from "../../../support/fake-pcs/node";
import { LoopbackSshd, startLoopbackSshd } from "../../../support/loopback-sshd";

let sshd: LoopbackSshd;
let pool: SshPool;
let target: SshTarget;
let node: FakeNode;
let cib: string;
let run: BatchRunner;
let runnerOptions: RunnerOptions;
let hellos: PathHello[];

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});
afterAll(() => sshd.close());

const paths: { expected: WriterPath; asked: RequestedPath }[] = [
  { expected: "fast", asked: "auto" },
  { expected: "plain", asked: "plain" },
];

describe.each(paths)("on the $expected path", ({ expected, asked }) => {
  beforeEach(() => {
    node = fakeNode();
    cib = node.cib;
    pool = new SshPool({ connectRetries: 0 });
    target = { host: "127.0.0.1", port: sshd.port, privateKey: sshd.clientKey, label: "node1" };
    hellos = [];
    runnerOptions = {
      argv: node.argv,
      path: asked,
      announcer: { heard: (_key, _name, hello) => void hellos.push(hello) },
    };
    run = pcsBatchRunner(pool, target, runnerOptions);
  });
  afterEach(() => {
    pool.close();
    node.dispose();
  });

  test("the process says it runs this path, and the node's pcs version", async () => {
    await run([create("a")]);
    expect(hellos).toEqual([{ path: expected, pcsVersion: "0.11.5", ms: expect.any(Number) }]);
  });

  const create = (id: string) => ({
    owner: `PcsResource '${id}'`,
    argvs: [["resource", "create", id, "ocf:pacemaker:Dummy"]],
  });

  test("one process serves every batch, and each batch is pushed and read back", async () => {
    const first = await run([create("a"), create("b")]);
    expect(first.results).toEqual([{ ok: true }, { ok: true }]);
    expect(first.pushed).toMatchObject({ ok: true });
    const second = await run([create("c")]);
    expect(second.results).toEqual([{ ok: true }]);
    expect([...(second.cib?.resources.keys() ?? [])].sort()).toEqual(["a", "b", "c"]);
    expect(readFileSync(cib, "utf8")).toContain('id="c"');
    expect(pool.stats).toEqual({ handshakes: 1, commands: 1 });
  });

  const cibadminStarts = (): string[] => node.cibadminStarts();

  test("pcs's reads and writes of the copy go through both of pcs's runners: served in process on the fast path only", async () => {
    const outcome = await run([create("old-a"), create("b")]);
    expect(outcome.results).toEqual([{ ok: true }, { ok: true }]);
    expect(outcome.exact).toBeUndefined();
    expect(readFileSync(cib, "utf8")).toMatch(/id="old-a"[\s\S]*id="b"/);
    // fast: cibadmin ran only on the cluster's CIB (read before and after the push), the copy's
    // reads and writes (two per step) were served; plain: pcs's processes ran cibadmin on the copy
    const starts = cibadminStarts();
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.filter((l) => l.includes("(copy)"))).toHaveLength(expected === "fast" ? 0 : 4);
  });

  const configurationReads = () => cibadminStarts().filter((l) => l.includes("--scope configuration")).length;
  const liveVersion = () => {
    const root = /<cib [^>]*>/.exec(readFileSync(cib, "utf8"))![0];
    return ["admin_epoch", "epoch"].map((a) => new RegExp(`${a}="(\\d+)"`).exec(root)![1]).join(".");
  };
  const versionOf = (outcome: { cib: { version: string } | null }) =>
    outcome.cib!.version.split(".").slice(0, 2).join(".");
  const bumpEpoch = () =>
    writeFileSync(
      cib,
      readFileSync(cib, "utf8").replace(/epoch="(\d+)"/, (_m, e) => `epoch="${Number(e) + 1}"`),
    );

  test("a batch starts from the configuration it pushed while the CIB's version says nobody changed it", async () => {
    const first = await run([create("a")]);
    // before the first batch: the configuration; after its push, nothing: the reply is the copy
    // pushed, at the version the push made
    expect(configurationReads()).toBe(1);
    expect(versionOf(first)).toBe(liveVersion());
    const second = await run([create("b")]);
    expect(configurationReads()).toBe(1);
    expect([...(second.cib?.resources.keys() ?? [])].sort()).toEqual(["a", "b"]);
    // someone else's change (the epoch moved): the next batch reads the configuration again
    bumpEpoch();
    await run([create("c")]);
    expect(configurationReads()).toBe(2);
    // a change while a batch runs: its reply is the copy it pushed, one epoch short of the CIB's…
    const during = await run([
      { owner: "o", argvs: [["outside"], ["resource", "create", "d", "ocf:pacemaker:Dummy"]] },
    ]);
    expect(configurationReads()).toBe(2);
    expect(versionOf(during)).not.toBe(liveVersion());
    // …and the batch after it, seeing the CIB past that version, starts from a fresh read
    const last = await run([create("e")]);
    expect(configurationReads()).toBe(3);
    expect([...(last.cib?.resources.keys() ?? [])].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(versionOf(last)).toBe(liveVersion());
  });

  test("batches run side by side read the CIB back after each push: a reply holds the others' changes", async () => {
    run = pcsBatchRunner(pool, target, { ...runnerOptions, sideBySide: true });
    await run([create("a")]);
    // before the batch, the configuration; after its push, the root alone (the version)
    expect(configurationReads()).toBe(1);
    await run([create("b")]);
    expect(configurationReads()).toBe(1);
    // a change while a batch runs: its push is not the only one, so it reads the result back…
    const during = await run([
      { owner: "o", argvs: [["outside"], ["resource", "create", "c", "ocf:pacemaker:Dummy"]] },
    ]);
    expect(configurationReads()).toBe(2);
    expect(versionOf(during)).toBe(liveVersion());
    // …and the batch after it starts from a fresh read
    const last = await run([create("d")]);
    expect(configurationReads()).toBe(3);
    expect([...(last.cib?.resources.keys() ?? [])].sort()).toEqual(["a", "b", "c", "d"]);
  });

  test("a step cibadmin refuses fails alone, with its message: on the fast path the push refuses the batch, which runs again with the real tools", async () => {
    const outcome = await run([create("a"), create("schema-bad"), create("lib-c")]);
    // plain: refused as it was staged, by cibadmin itself
    expect(outcome.exact).toBe(expected === "fast" ? true : undefined);
    expect(outcome.results[0]).toEqual({ ok: true });
    expect(outcome.results[1]).toMatchObject({
      ok: false,
      argv: ["resource", "create", "schema-bad", "ocf:pacemaker:Dummy"],
    });
    expect(outcome.results[1].stderr).toContain("does not conform to the configured schema");
    expect(outcome.results[2]).toEqual({ ok: true });
    expect(outcome.pushed).toMatchObject({ ok: true });
    const after = readFileSync(cib, "utf8");
    expect(after).toContain('id="a"');
    expect(after).toContain('id="lib-c"');
    expect(after).not.toContain("schema-bad");
    // the second attempt (fast) or the only one (plain) wrote the copy with cibadmin, which refused
    // the bad step's CIB
    expect(cibadminStarts().filter((l) => l.includes("--replace") && l.includes("(copy)"))).toHaveLength(3);
  });

  test("staged steps are applied to the batch's copy as they come, and pushed with the rest by the commit", async () => {
    const [a, b, c] = [create("a"), create("b"), create("c")];
    run.stage!([a]);
    run.stage!([b]);
    const outcome = await run([c, a, b]);
    // answered in the batch's order, whatever the order they reached the process in
    expect(outcome.results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect([...(outcome.cib?.resources.keys() ?? [])].sort()).toEqual(["a", "b", "c"]);
    // one push for the three (the stand-in cib-push counts epochs, from 1)
    expect(readFileSync(cib, "utf8")).toContain('epoch="2"');
    expect(pool.stats).toEqual({ handshakes: 1, commands: 1 });
  });

  test("a staged step pcs refuses fails alone at the commit; the others are pushed", async () => {
    const [a, bad, b] = [create("a"), { owner: "x", argvs: [["fail", "no such agent"]] }, create("b")];
    run.stage!([a, bad]);
    const outcome = await run([a, bad, b]);
    expect(outcome.results[0]).toEqual({ ok: true });
    expect(outcome.results[1]).toMatchObject({ ok: false, stderr: "Error: no such agent\n" });
    expect(outcome.results[2]).toEqual({ ok: true });
    expect(readFileSync(cib, "utf8")).toMatch(/id="a"[\s\S]*id="b"/);
  });

  test("staged out of the batch's phase order, or a staged step left out: the batch starts again from its original", async () => {
    const constraintLike = { ...create("late"), phase: 1 };
    const resource = create("early");
    run.stage!([constraintLike]);
    const outcome = await run([resource, constraintLike]);
    expect(outcome.results).toEqual([{ ok: true }, { ok: true }]);
    // restaged: the phase 0 step went first in the copy pushed
    expect(readFileSync(cib, "utf8")).toMatch(/id="early"[\s\S]*id="late"/);
    const orphan = create("orphan");
    run.stage!([orphan]);
    const next = await run([create("kept")]);
    expect(next.results).toEqual([{ ok: true }]);
    const after = readFileSync(cib, "utf8");
    expect(after).toContain('id="kept"');
    expect(after).not.toContain('id="orphan"');
  });

  test("a batch whose staging process died is made again, whole, in a new process", async () => {
    const [a, b] = [create("a"), create("b")];
    run.stage!([a]);
    run.stage!([{ owner: "d", argvs: [["die"]] }]);
    const outcome = await run([a, b]);
    expect(outcome.results).toEqual([{ ok: true }, { ok: true }]);
    expect(readFileSync(cib, "utf8")).toMatch(/id="a"[\s\S]*id="b"/);
    expect(pool.stats.commands).toBe(2);
  });

  test("ids count only in the configuration: a resource's history in the status section is not the resource", async () => {
    writeFileSync(cib, EMPTY_CIB.replace("<status/>", '<status><lrm_resource id="gone"/></status>'));
    const outcome = await run([
      { ...create("gone"), ifAbsent: "gone" },
      { owner: "d", argvs: [["fail", "must not run"]], ifPresent: "old" },
    ]);
    expect(outcome.results).toEqual([{ ok: true }, { ok: true, skipped: "absent" }]);
    expect(readFileSync(cib, "utf8")).toContain('<primitive id="gone"');
  });

  test("a refused step is undone alone; skip conditions; nothing to push when nothing changed", async () => {
    const outcome = await run([
      create("a"),
      {
        owner: "x",
        argvs: [
          ["resource", "create", "half", "ocf:pacemaker:Dummy"],
          ["fail", "no such agent"],
        ],
      },
      { ...create("a"), ifAbsent: "a" },
    ]);
    expect(outcome.results[0]).toEqual({ ok: true });
    expect(outcome.results[1]).toMatchObject({
      ok: false,
      argv: ["fail", "no such agent"],
      stderr: "Error: no such agent\n",
    });
    expect(outcome.results[2]).toEqual({ ok: true, skipped: "exists" });
    expect(readFileSync(cib, "utf8")).not.toContain('id="half"');
    const idle = await run([{ owner: "y", argvs: [["resource", "delete", "gone"]], ifPresent: "gone" }]);
    expect(idle.results).toEqual([{ ok: true, skipped: "absent" }]);
    expect(idle.pushed).toBeNull();
  });

  test("a create refused for a taken id says so from the copy of the CIB, whatever pcs's words", async () => {
    const outcome = await run([
      create("taken"),
      { ...create("taken"), probeIds: ["taken"] },
      { owner: "x", argvs: [["fail", "taken is taken"]], probeIds: ["free"] },
    ]);
    expect(outcome.results[1]).toMatchObject({ ok: false, present: ["taken"] });
    expect(outcome.results[2]).toMatchObject({ ok: false, present: [] });
    expect(outcomeOf(outcome.results[1])).toBe("ID_ALREADY_EXISTS");
    expect(outcomeOf(outcome.results[2])).toBe("FAILED");
  });

  test("output that is not a reply is passed over", async () => {
    const outcome = await run([{ owner: "s", argvs: [["stray"]] }, create("a")]);
    expect(outcome.results).toEqual([{ ok: true }, { ok: true }]);
  });

  test("a process that dies fails its batch, naming the host; the next batch starts a new one", async () => {
    // fast: pcs ends the process (exit 3); plain: pcs's process kills it
    await expect(run([{ owner: "d", argvs: [["die"]] }])).rejects.toThrow(
      `node1 (127.0.0.1): the pcs batch process: ended (exit ${expected === "fast" ? "3)" : ""}`,
    );
    expect((await run([create("a")])).results).toEqual([{ ok: true }]);
    expect(pool.stats).toEqual({ handshakes: 1, commands: 2 });
  });

  test("requests and secrets travel on stdin: the only command line is the fixed start-up, and pcs's has none", async () => {
    const before = sshd.commands.length;
    const secret = "pa$$ 'word' $(touch /tmp/x)";
    const outcome = await run([
      { owner: "f", argvs: [["resource", "create", "f", `passwd=${secret}`]], secrets: [new Secret(secret)] },
    ]);
    expect(outcome.results).toEqual([{ ok: true }]);
    const lines = sshd.commands.slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("exec(compile(b.read(int(b.readline()))");
    expect(lines[0]).not.toContain("pa$$");
    // plain: each pcs process's own command line, as the node's process list shows it
    const pcsLines = node.pcsCommandLines();
    expect(pcsLines).toHaveLength(expected === "fast" ? 0 : 3);
    expect(pcsLines.join("\n")).not.toContain("pa$$");
  });

  test("a release removes the named meta attributes in the copy, one parse for many, absent ids skipped", async () => {
    writeFileSync(
      cib,
      EMPTY_CIB.replace(
        "<resources/>",
        '<resources><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="a-meta">' +
          '<nvpair id="a-t" name="target-role" value="Stopped"/><nvpair id="a-h" name="pcmk-lab-held" value="1"/>' +
          '<nvpair id="a-s" name="resource-stickiness" value="100"/></meta_attributes></primitive>' +
          '<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="b-meta">' +
          '<nvpair id="b-t" name="target-role" value="Stopped"/></meta_attributes></primitive></resources>',
      )
        // as on a cluster: a resource set and the status section have elements with the resources' ids
        .replace(
          "<constraints/>",
          '<constraints><rsc_order id="o"><resource_set id="s"><resource_ref id="a"/>' +
            "</resource_set></rsc_order></constraints>",
        )
        .replace(
          "<status/>",
          '<status><node_state id="1"><lrm><lrm_resources><lrm_resource id="a"/>' +
            '<lrm_resource id="b"/></lrm_resources></lrm></node_state></status>',
        ),
    );
    const outcome = await run([releaseStep("a"), releaseStep("b"), releaseStep("gone")]);
    expect(outcome.results).toEqual([{ ok: true }, { ok: true }, { ok: true, skipped: "absent" }]);
    const after = readFileSync(cib, "utf8");
    expect(after).toContain('name="resource-stickiness"');
    expect(after).not.toContain("target-role");
    expect(after).not.toContain("pcmk-lab-held");
    expect(after).not.toContain('id="b-meta"'); // emptied: gone, as pcs leaves it
  });

  test("two batches at once run in two processes over the one connection", async () => {
    const [a, b] = await Promise.all([run([create("a")]), run([create("b")])]);
    expect(a.results).toEqual([{ ok: true }]);
    expect(b.results).toEqual([{ ok: true }]);
    expect(pool.stats).toEqual({ handshakes: 1, commands: 2 });
    // and both are kept for later batches: no third process
    await Promise.all([run([create("c")]), run([create("d")])]);
    expect(pool.stats).toEqual({ handshakes: 1, commands: 2 });
  });
});
