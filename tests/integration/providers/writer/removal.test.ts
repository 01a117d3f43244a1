// The writer's removal step (pcs_batch.py) against pcs's own delete, on the lab node's pcs: for
// each case, the CIB after the step equals the CIB after `pcs resource delete` / `pcs stonith
// delete` / `pcs constraint delete` of the same ids, one per command, on a copy of the same CIB. On a pcs that deletes
// several ids in one command (0.11.9 on) the step is that command; on an older one it is this
// writer's own edit of the copy (pcs 0.11's resource_remove), which these cases pin down.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ensureLab, fqdn, LAB_FENCE_PARAMETERS } from "../../../support/cluster-harness";
import { labStatus, onNodeOk } from "../../../support/lab-harness";

jest.setTimeout(600_000);

interface Case {
  name: string;
  setup: string[][];
  resources?: string[];
  stonith?: string[];
  constraints?: string[];
  /** pcs 0.11 refuses this delete (its result would name what it deleted): the step must do it, leaving no such reference. */
  refusedByPcs011?: string;
}

const dummy = (id: string, ...more: string[]) => ["resource", "create", id, "ocf:pacemaker:Dummy", ...more];
const fence = (id: string) => [
  "stonith",
  "create",
  id,
  "fence_virsh",
  ...Object.entries(LAB_FENCE_PARAMETERS).map(([k, v]) => `${k}=${v}`),
];
const n1 = fqdn("node1");
const n2 = fqdn("node2");

const CASES: Case[] = [
  {
    name: "a group member",
    setup: [
      dummy("x"),
      dummy("a1", "--group", "g"),
      dummy("a2", "--group", "g"),
      dummy("a3", "--group", "g"),
      ["constraint", "location", "a2", "prefers", n1],
      ["constraint", "colocation", "add", "x", "with", "g"],
      ["constraint", "order", "a3", "then", "x"],
    ],
    resources: ["a2", "a3"],
  },
  {
    name: "a group's last member",
    setup: [
      dummy("x"),
      dummy("b1", "--group", "g2"),
      ["constraint", "order", "g2", "then", "x"],
      ["constraint", "location", "b1", "avoids", n2],
    ],
    resources: ["b1"],
  },
  {
    name: "a whole group, by its id",
    setup: [
      dummy("x"),
      dummy("e1", "--group", "g3"),
      dummy("e2", "--group", "g3"),
      ["constraint", "colocation", "add", "g3", "with", "x"],
    ],
    resources: ["g3"],
  },
  {
    name: "cloned",
    setup: [
      dummy("x"),
      dummy("c1"),
      ["resource", "clone", "c1"],
      ["constraint", "location", "c1-clone", "prefers", n1],
      ["constraint", "colocation", "add", "x", "with", "c1-clone"],
      ["constraint", "location", "c1", "avoids", n2, "--force"], // pcs asks for the clone's id
    ],
    resources: ["c1"],
  },
  {
    name: "a clone, by its id",
    setup: [
      dummy("x"),
      dummy("c2"),
      ["resource", "clone", "c2"],
      ["constraint", "order", "c2-clone", "then", "x"],
    ],
    resources: ["c2-clone"],
  },
  {
    name: "promotable",
    setup: [
      dummy("fs"),
      ["resource", "create", "s1", "ocf:pacemaker:Stateful", "promotable"],
      ["constraint", "order", "promote", "s1-clone", "then", "start", "fs"],
      ["constraint", "colocation", "add", "fs", "with", "Promoted", "s1-clone"],
    ],
    resources: ["s1", "fs"],
  },
  {
    name: "a cloned group",
    setup: [
      dummy("x"),
      dummy("m1", "--group", "cg"),
      dummy("m2", "--group", "cg"),
      ["resource", "clone", "cg"],
      ["constraint", "order", "cg-clone", "then", "x"],
    ],
    resources: ["m1", "m2"],
  },
  {
    name: "in set constraints",
    setup: [
      dummy("r1"),
      dummy("r2"),
      dummy("r3"),
      dummy("r5"),
      ["constraint", "order", "set", "r1", "r2", "set", "r3"],
      ["constraint", "colocation", "set", "r2", "r3", "set", "r5"],
    ],
    resources: ["r2", "r3"],
  },
  {
    name: "with location rules",
    setup: [
      dummy("r4"),
      dummy("r6"),
      ["constraint", "location", "r4", "rule", "score=50", "#uname", "eq", n1],
      ["constraint", "location", "r6", "rule", "score=-INFINITY", "#uname", "eq", n2],
    ],
    resources: ["r4"],
  },
  {
    name: "a fence device with fencing levels",
    setup: [
      fence("f1"),
      fence("f2"),
      // --force: the copy has no nodes
      ["stonith", "level", "add", "1", n1, "f1", "f2", "--force"],
      ["stonith", "level", "add", "2", n1, "f1", "--force"],
      ["stonith", "level", "add", "1", n2, "f1", "--force"],
      ["constraint", "location", "f1", "avoids", n1],
    ],
    stonith: ["f1"],
  },
  {
    name: "a clone named in a set",
    setup: [
      dummy("x"),
      dummy("cs"),
      ["resource", "clone", "cs"],
      ["constraint", "order", "set", "cs-clone", "set", "x", "setoptions", "id=ord-set-cs"],
    ],
    resources: ["cs"],
    refusedByPcs011: "cs-clone",
  },
  {
    name: "constraints, by id",
    setup: [
      dummy("k1"),
      dummy("k2"),
      dummy("k3"),
      ["constraint", "location", "add", "loc-k1", "k1", n1, "50"],
      ["constraint", "location", "k2", "rule", "constraint-id=loc-k2", "score=50", "#uname", "eq", n1],
      ["constraint", "order", "k1", "then", "k2", "id=ord-k"],
      ["constraint", "colocation", "add", "k2", "with", "k1", "id=col-k"],
      ["constraint", "order", "set", "k1", "k2", "set", "k3", "setoptions", "id=ord-set-k"],
      ["constraint", "location", "add", "loc-k3", "k3", n2, "-INFINITY"],
    ],
    constraints: ["loc-k1", "loc-k2", "ord-k", "col-k", "ord-set-k"],
  },
  {
    name: "the only fencing level's device",
    setup: [fence("f3"), ["stonith", "level", "add", "1", n1, "f3", "--force"]],
    stonith: ["f3"],
  },
];

interface Compared {
  name: string;
  equal?: boolean;
  setupFailed?: string;
  said?: string;
  result?: { ok: boolean; stderr?: string };
  pcsSaid?: string[];
  pcs?: string;
  ours?: string;
}

test("each case's CIB after the removal step equals the CIB after pcs's own delete of the same ids", () => {
  ensureLab(); // pcs -f on copies only: no cluster needed
  const program =
    `PCS_BATCH = ${JSON.stringify(readFileSync(path.join(__dirname, "..", "..", "..", "..", "providers", "writer", "pcs_batch.py"), "utf8"))}\n` +
    `CASES = ${JSON.stringify(CASES)}\n` +
    readFileSync(path.join(__dirname, "..", "..", "..", "support", "removal-compare.py"), "utf8");
  const out = onNodeOk("node1", "python3 -", program, 300_000);
  const { hello, cases } = JSON.parse(out.trim().split("\n").pop()!) as { hello: object; cases: Compared[] };
  console.log(`pcs ${labStatus().versions.pcs}: ${JSON.stringify(hello)}`);
  const pcs011 = /^0\.11\.[0-8]\b/.test(labStatus().versions.pcs ?? "");
  const beyond = (c: Compared) =>
    pcs011 ? CASES.find((k) => k.name === c.name)?.refusedByPcs011 : undefined;
  const problems = cases.flatMap((c) =>
    beyond(c)
      ? c.pcsSaid?.every((said) => /: exit 0:/.test(said)) ||
        !c.result?.ok ||
        c.ours?.includes(`"${beyond(c)}"`)
        ? [
            `${c.name}: pcs 0.11 refused it and the step deleted it, leaving no '${beyond(c)}': ${JSON.stringify(c)}`,
          ]
        : []
      : c.setupFailed
        ? [`${c.name}: its setup failed at \`pcs ${c.setupFailed}\`: ${c.said}`]
        : c.pcsSaid?.some((said) => !/: exit 0:/.test(said))
          ? [`${c.name}: pcs's own delete failed: ${c.pcsSaid.join("; ")}`]
          : !c.result?.ok
            ? [`${c.name}: the removal step failed: ${c.result?.stderr}`]
            : !c.equal
              ? [
                  `${c.name}: differs from pcs's delete (${c.pcsSaid?.join("; ")}):\npcs:  ${c.pcs}\nours: ${c.ours}`,
                ]
              : [],
  );
  expect(problems).toEqual([]);
  expect(cases.map((c) => c.name)).toEqual(CASES.map((c) => c.name));
});
