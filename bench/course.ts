// B1 — the course lab from nothing: `pulumi up` of the lab stack (what scripts/deploy-lab.sh
// runs) against bench/course/course-lab.sh, the notes' commands typed one ssh at a time. Each
// side starts from freshly booted nodes (the boot is not counted) and must end with the same
// cluster: the same resource and constraint ids and every node online. The sides alternate
// which goes first. Writes its section of docs/BENCHMARKS.md.
// Usage: npm run bench:course [-- --runs 3]
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../common/repo-root";
import { ensureEngine } from "../engine/pulumi-cli";
import { labCli, labStatus, onNodeOk } from "../tests/support/lab-harness";
import { projectCopy } from "../tests/support/project-stack";
import { machineLines, median, spread, writeSection } from "./report";

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] || 3) || 3;
const NODES = 3;

const STACK = "pulumi up (lab stack)";
/** The stack with settling off: what waiting for the cluster to settle after the up costs. */
const UNSETTLED = "pulumi up (lab stack, settleSeconds 0)";
const SCRIPT = "hand script (course commands)";
type Side = typeof STACK | typeof UNSETTLED | typeof SCRIPT;

function freshLab(): void {
  labCli("down");
  const r = labCli("up", "--fresh", "--nodes", String(NODES));
  if (r.status !== 0) throw new Error(`lab up: ${r.stderr}`);
}

/** What both sides must have made: ids of resources and constraints, and the nodes online. */
function endState(): string {
  const ids = onNodeOk(
    "node1",
    "cibadmin --query --scope resources | grep -o ' id=\"[^\"]*\"' | grep -v -- '-instance_attributes\\|-meta_attributes\\|-monitor\\|-start\\|-stop\\|-promote\\|-demote\\|-notify\\|-reload\\|-migrate\\|-interval' | sort | tr '\\n' ' '",
  );
  const constraints = onNodeOk("node1", "cibadmin --query --scope constraints | grep -c '<rsc_'").trim();
  const online = onNodeOk("node1", "crm_mon -1 --output-as=xml | grep -c 'online=\"true\"'").trim();
  return `resources: ${ids.trim()}; constraints: ${constraints}; nodes online: ${online}`;
}

function seconds(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function handScript(): number {
  const lab = labStatus();
  const nodes = lab.nodes.filter((n) => n.running).map((n) => `${n.name}:${n.fqdn}:${n.address}`);
  const argv = [
    path.join(repoRoot, "bench", "course", "course-lab.sh"),
    lab.sshKeyPath,
    lab.knownHostsPath,
    lab.haclusterPasswordFile,
    lab.vip,
    lab.hypervisor.address,
    lab.hypervisor.identityFileOnNodes,
    ...nodes,
  ];
  return seconds(() => {
    const r = spawnSync("bash", argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`course-lab.sh failed: ${r.stdout}\n${r.stderr}`);
  });
}

async function stackUp(settle = true): Promise<number> {
  const copy = projectCopy("");
  try {
    const stack = await copy.stack("lab");
    if (!settle) await stack.pulumiOk(["config", "set", "pcmk-lab:settleSeconds", "0"]);
    const t0 = process.hrtime.bigint();
    await stack.pulumiOk(["up", "--refresh", "--yes"]);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  } finally {
    copy.dispose();
  }
}

async function main(): Promise<void> {
  const times: Record<Side, number[]> = { [STACK]: [], [UNSETTLED]: [], [SCRIPT]: [] };
  const states = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const order: Side[] = i % 2 === 0 ? [STACK, UNSETTLED, SCRIPT] : [SCRIPT, UNSETTLED, STACK];
    for (const side of order) {
      freshLab();
      const t = side === SCRIPT ? handScript() : await stackUp(side === STACK);
      const state = endState();
      states.add(state);
      times[side].push(t);
      console.log(`run ${i + 1} ${side}: ${t.toFixed(1)} s — ${state}`);
    }
  }
  labCli("down");
  if (states.size !== 1)
    throw new Error(`the two sides did not make the same cluster:\n${[...states].join("\n")}`);
  const stack = times[STACK];
  const unsettled = times[UNSETTLED];
  const script = times[SCRIPT];
  const ratio = median(stack) / median(script);
  const section = [
    "## B1 — the course lab from nothing (`npm run bench:course`)",
    "",
    ...machineLines(ensureEngine()),
    "",
    `${runs} runs per side, each from freshly booted nodes (boot not counted), sides alternating;`,
    `both made the same cluster: ${[...states][0]}.`,
    "",
    "| side | seconds, median (min–max) |",
    "|---|---|",
    `| pulumi up --refresh --yes (lab stack, preview included) | ${spread(stack)} |`,
    `| the same, settling off (pcmk-lab:settleSeconds 0) | ${spread(unsettled)} |`,
    `| bench/course/course-lab.sh (one ssh per command) | ${spread(script)} |`,
    "",
    `Ratio stack / script: **${ratio.toFixed(2)}** (target: at most 1.1). Settling (the up waits ` +
      `until what it wrote started, or failed) costs ${(median(stack) - median(unsettled)).toFixed(1)} s ` +
      `(${(median(stack) / median(unsettled)).toFixed(2)}× the up without it); the script waits for nothing.`,
  ].join("\n");
  writeSection("course", section);
  console.log(`\n${section}`);
}

main().catch((e) => {
  console.error(e);
  labCli("down");
  process.exit(1);
});
