// A pcs the providers have never met, on a real node: node1's pcs shadowed (inside node1 only) by
// a copy whose private internals differ from every known pcs — the command runner's cache and the
// agent lookup the writer's fast path and the agent check lean on renamed throughout, pcs's
// commands as they were. The writer's self-test must find its fast path wrong there and take the
// plain path, saying so once in the `pulumi up` output; every write must still be done; the agent
// check must still refuse bad input at preview, from the agent's metadata. On every lab generation
// (docs/COMPATIBILITY.md has its own row for this suite).
import { escapeRegExp, inNodeOk, labStatus, nodeAddress, onNodeOk } from "../../support/lab-harness";
import {
  ensureCluster,
  fqdn,
  LAB_FENCE_PARAMETERS,
  ObjectSpec,
  objectsStack,
  previewIsClean,
} from "../../support/cluster-harness";
import { TestStack } from "../../support/stack-harness";

jest.setTimeout(900_000);

/** The renames that make pcs unknown: private names the fast path and the agent check use. */
const RENAMES = ["cmd_runner", "find_one_resource_agent_by_type"];

const SHADOW = [
  "set -e",
  `site=$(python3 -c 'import os, pcs; print(os.path.dirname(os.path.dirname(pcs.__file__)))')`,
  "rm -rf /root/pcs-unknown && mkdir -p /root/pcs-unknown && cp -a $site/pcs /root/pcs-unknown/pcs",
  "find /root/pcs-unknown/pcs -name __pycache__ -prune -exec rm -rf {} +",
  `grep -rlE '${RENAMES.join("|")}' /root/pcs-unknown/pcs | xargs sed -i -E ` +
    `'${RENAMES.map((n) => `s/\\b${n}\\b/${n}_unknown/g`).join("; ")}'`,
  "mount --bind /root/pcs-unknown/pcs $site/pcs",
  "echo $site",
].join("\n");

const dummy = (id: string, instanceAttributes: Record<string, string> = {}): ObjectSpec => ({
  kind: "PcsResource",
  name: id,
  args: { resourceId: id, agent: "ocf:pacemaker:Dummy", instanceAttributes },
});
const objects: ObjectSpec[] = [
  dummy("u-a"),
  dummy("u-b"),
  {
    kind: "Constraint",
    name: "u-a-prefers-node2",
    args: { constraint: { type: "location", resource: "u-a", node: fqdn("node2"), score: "100" } },
  },
  {
    kind: "Constraint",
    name: "u-a-then-u-b",
    args: { constraint: { type: "order", first: "u-a", then: "u-b" } },
  },
  {
    kind: "StonithDevice",
    name: "u-fence",
    args: {
      deviceId: "u-fence",
      agent: "fence_virsh",
      parameters: LAB_FENCE_PARAMETERS,
    },
  },
];

let stack: TestStack & { setObjects(o: ObjectSpec[]): Promise<void> };
let site = "";
const pcsVersion = (): string => labStatus().nodes[0].versions.pcs ?? "";

beforeAll(async () => {
  ensureCluster();
  site = inNodeOk("node1", SHADOW).trim();
  stack = await objectsStack(objects);
});

afterAll(() => {
  stack?.dispose();
  if (site) inNodeOk("node1", `umount ${site}/pcs; rm -rf /root/pcs-unknown`);
});

test("the shadow is an unknown pcs: its commands work, its internals are not the known ones", () => {
  expect(onNodeOk("node1", "pcs --version").trim()).toBe(pcsVersion());
  expect(onNodeOk("node1", `grep -c 'def cmd_runner_unknown' ${site}/pcs/utils.py`).trim()).toBe("1");
  expect(onNodeOk("node1", "pcs resource config >/dev/null && echo ok").trim()).toBe("ok");
});

test("every write is done through the plain path, and the fallback is one warning naming the host", async () => {
  const up = await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  const output = up.stdout + up.stderr;
  expect(output).toMatch(
    new RegExp(
      `pcs ${pcsVersion().replace(/\./g, "\\.")} on \\S*${escapeRegExp(nodeAddress("node1"))}\\S* failed the self-test`,
    ),
  );
  // once per host, however many batch processes ran there: one warning in the run's diagnostics
  // (the progress lines above them show it again, as the engine shows every diagnostic)
  const diagnostics = output.slice(output.indexOf("Diagnostics:"));
  expect(diagnostics.match(/failed the self-test of the writer's fast path/g)).toHaveLength(1);
  const cib = onNodeOk("node1", "cibadmin --query --scope configuration");
  for (const id of ["u-a", "u-b", "u-fence", "location-u-a-node2.example.com-100", "order-u-a-u-b-Mandatory"])
    expect(cib).toContain(`id="${id}"`);
  // released: nothing left held by the run
  expect(cib).not.toContain("pcmk-lab-held");
  expect((await previewIsClean(stack)).clean).toBe(true);
});

test("bad input is still refused at preview, judged from the agent's metadata, nothing touched", async () => {
  await stack.setObjects([...objects, dummy("u-bad", { no_such_option: "x" })]);
  const preview = await stack.pulumi(["preview"]);
  const output = preview.stdout + preview.stderr;
  expect(preview.status).not.toBe(0);
  expect(output).toMatch(
    /u-bad[\s\S]*instanceAttributes[\s\S]*would refuse it \(judged by pcs's rules from the agent's metadata\)[\s\S]*no_such_option/,
  );
  expect(onNodeOk("node1", "cibadmin --query --scope resources")).not.toContain('id="u-bad"');
  await stack.setObjects(objects);
});

test("an update and a destroy go through the plain path too", async () => {
  const changed = objects.map((o) =>
    o.name === "u-a-prefers-node2"
      ? {
          ...o,
          args: {
            constraintId: "location-u-a-node2.example.com-100",
            constraint: { type: "location", resource: "u-a", node: fqdn("node2"), score: "200" },
          },
        }
      : o,
  );
  await stack.setObjects(changed);
  await stack.pulumiOk(["up", "--yes", "--skip-preview"]);
  expect(onNodeOk("node1", "cibadmin --query --scope constraints")).toMatch(
    /id="location-u-a-node2\.example\.com-100"[^>]*score="200"/,
  );
  await stack.pulumiOk(["destroy", "--yes", "--skip-preview"]);
  const cib = onNodeOk("node1", "cibadmin --query --scope configuration");
  for (const id of ["u-a", "u-b", "u-fence", "location-u-a-node2.example.com-100"])
    expect(cib).not.toContain(`id="${id}"`);
});
