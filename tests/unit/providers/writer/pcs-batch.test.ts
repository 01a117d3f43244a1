// What the batch process is sent on stdin (its program, then one base64 request per batch) and the
// error a refused step becomes: owner, host, command and pcs's message, secrets redacted.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Secret } from "../../../../providers/kit/secrets";
import {
  PcsError,
  PcsStep,
  requestLine,
  SESSION_ARGV,
  sessionPrelude,
  stepError,
} from "../../../../providers/writer/pcs-batch";

const script = readFileSync(
  path.join(__dirname, "..", "..", "..", "..", "providers", "writer", "pcs_batch.py"),
  "utf8",
);
const target = { host: "10.77.0.11", privateKey: new Secret("k"), label: "node1" };

const requestOf = (line: string): unknown => JSON.parse(Buffer.from(line, "base64").toString("utf8"));

describe("batch process and requests", () => {
  const steps: PcsStep[] = [
    {
      owner: "PcsResource 'dummy1'",
      argvs: [["resource", "create", "dummy1", "ocf:pacemaker:Dummy", "meta", "target-role=Stopped"]],
      ifAbsent: "dummy1",
      phase: 0,
    },
    {
      owner: "StonithDevice 'labfence'",
      argvs: [
        ["stonith", "create", "labfence", "fence_virsh", 'passwd=it\'s $(secret) "x"'],
        ["stonith", "level", "add", "1", "node1.example.com", "labfence"],
      ],
      secrets: [new Secret('it\'s $(secret) "x"')],
    },
    { owner: "Constraint 'c'", argvs: [["constraint", "delete", "c"]], ifPresent: "c", phase: 1 },
  ];
  const line = requestLine(steps);

  test("the process is started by a fixed line and reads its program, length-prefixed, from stdin", () => {
    expect(SESSION_ARGV.slice(0, 3)).toEqual(["/usr/bin/python3", "-Es", "-c"]);
    const prelude = sessionPrelude();
    const newline = prelude.indexOf("\n");
    expect(Number(prelude.slice(0, newline))).toBe(Buffer.byteLength(script, "utf8"));
    expect(prelude.slice(newline + 1)).toBe(script);
  });

  test("a request is one base64 line: each step's argvs and its skip conditions, in order", () => {
    expect(line).toMatch(/^[A-Za-z0-9+/=]+\n$/);
    expect(requestOf(line)).toEqual({
      op: "commit",
      steps: [
        { argvs: steps[0].argvs, ifAbsent: "dummy1" },
        { argvs: steps[1].argvs },
        { argvs: steps[2].argvs, ifPresent: "c" },
      ],
    });
  });

  test("a stage request says so; a commit that starts the batch again says restage", () => {
    expect(requestOf(requestLine(steps.slice(0, 1), "stage"))).toMatchObject({ op: "stage" });
    expect(requestOf(requestLine(steps.slice(0, 1), "stage"))).not.toHaveProperty("restage");
    expect(requestOf(requestLine(steps, "commit", { restage: true }))).toMatchObject({
      op: "commit",
      restage: true,
    });
  });

  test("newlines and quotes in values cannot split a request: they are inside base64", () => {
    const hostile = requestLine([
      { owner: "x", argvs: [["resource", "update", "r", 'a=")\nimport os\n#', "b=\\"]] },
    ]);
    expect(hostile.split("\n")).toHaveLength(2);
    expect(requestOf(hostile)).toMatchObject({
      steps: [{ argvs: [["resource", "update", "r", 'a=")\nimport os\n#', "b=\\"]] }],
    });
    expect(line).not.toContain("$(secret)");
  });

  test("owners, phases and secret markers stay on this side", () => {
    const text = Buffer.from(line, "base64").toString("utf8");
    expect(text).not.toContain("owner");
    expect(text).not.toContain("PcsResource");
    expect(text).not.toContain("phase");
    expect(text).not.toContain("[secret]");
  });
});

describe("step errors", () => {
  const create: PcsStep = {
    owner: "StonithDevice 'labfence'",
    argvs: [["stonith", "create", "labfence", "fence_virsh", "passwd=s3cret-pw"]],
    secrets: [new Secret("s3cret-pw")],
  };

  test("owner, host, the command as a shell line and pcs's message", () => {
    const err = stepError(
      { owner: "PcsResource 'vip'", argvs: [] },
      {
        ok: false,
        argv: ["resource", "create", "vip", "IPaddr2", "ip=10.77.0.100 x"],
        stderr: "Error: 'vip' already exists\n",
      },
      target,
    );
    expect(err).toBeInstanceOf(PcsError);
    expect(err).toMatchObject({
      owner: "PcsResource 'vip'",
      host: "node1 (10.77.0.11)",
      command: "pcs resource create vip IPaddr2 'ip=10.77.0.100 x'",
      pcsMessage: "Error: 'vip' already exists",
    });
    expect(err.message).toBe(
      "PcsResource 'vip': `pcs resource create vip IPaddr2 'ip=10.77.0.100 x'` failed on node1 (10.77.0.11): Error: 'vip' already exists",
    );
  });

  test("stdout when pcs wrote nothing on stderr; a placeholder when it said nothing", () => {
    expect(stepError(create, { ok: false, argv: ["x"], stdout: "on stdout\n" }, target).pcsMessage).toBe(
      "on stdout",
    );
    expect(stepError(create, { ok: false, argv: ["x"], stdout: "", stderr: " \n" }, target).pcsMessage).toBe(
      "(pcs said nothing)",
    );
    expect(stepError(create, { ok: false }, { ...target, label: undefined }).message).toBe(
      "StonithDevice 'labfence': `pcs` failed on 10.77.0.11: (pcs said nothing)",
    );
  });

  test("secret values are redacted in the command and in pcs's message", () => {
    const err = stepError(
      create,
      { ok: false, argv: create.argvs[0], stderr: "Error: login failed with password s3cret-pw" },
      target,
    );
    expect(err.command).toBe("pcs stonith create labfence fence_virsh 'passwd=***'");
    expect(err.pcsMessage).toBe("Error: login failed with password ***");
    expect(err.message).not.toContain("s3cret-pw");
  });

  test.each(["it's", "with space", "$HOME", 'quote"d', "back\\slash", "'\"'\"'"])(
    "a secret that needs shell quoting (%s) is redacted too",
    (value) => {
      const step: PcsStep = {
        owner: "StonithDevice 'f'",
        argvs: [["stonith", "create", "f", "fence_virsh", `passwd=${value}`]],
        secrets: [new Secret(value)],
      };
      const err = stepError(
        step,
        { ok: false, argv: step.argvs[0], stderr: `bad password ${value}` },
        target,
      );
      expect(err.command).toBe("pcs stonith create f fence_virsh 'passwd=***'");
      expect(err.pcsMessage).toBe("bad password ***");
      expect(err.message).not.toContain(value);
    },
  );

  test("without secrets nothing is redacted", () => {
    const err = stepError(
      { owner: "o", argvs: [] },
      { ok: false, argv: ["resource", "update", "r", "a=***"], stderr: "x" },
      target,
    );
    expect(err.command).toBe("pcs resource update r 'a=***'");
  });
});
