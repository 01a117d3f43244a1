// What the cluster is doing, and what failed: from `crm_mon --output-as=xml` (operations in
// flight, the failed operations of the history) and `crm_simulate --live-check --simulate
// --output-as=xml` (the operations the scheduler would run now). An up waits for the objects it
// wrote to have neither (writer/settle.ts); crm_resource --wait would wait for the whole cluster.
import { XMLParser } from "fast-xml-parser";

/** A failed operation of the cluster's history (crm_mon's `<failure>`). */
export interface FailedOperation {
  /** The resource's configured id (a clone instance's `:N` dropped). */
  resource: string;
  node: string;
  /** start, monitor, promote… */
  task: string;
  /** ms; 0 for a one-off action. */
  interval: number;
  exitCode: number;
  /** Pacemaker's words for the exit code: "error", "not installed"… */
  exitStatus: string;
  /** The agent's own reason, when it gave one. */
  exitReason: string;
}

export interface ClusterActivity {
  /** Resource ids with an operation in flight, or one the scheduler would run now. */
  busy: Set<string>;
  failures: FailedOperation[];
}

/** Roles crm_mon shows while an action runs (with record-pending, Pacemaker's default). */
const IN_FLIGHT_ROLES = new Set(["Starting", "Stopping", "Promoting", "Demoting", "Migrating"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name, _path, _leaf, isAttribute) =>
    !isAttribute && ["resource", "clone", "group", "failure", "rsc_action", "node"].includes(name),
});

type Attributes = Record<string, string>;
interface Tree {
  resource?: Attributes[];
  group?: Tree[];
  clone?: Tree[];
}

/** A configured id: clone instances are reported as `id:0`… */
const configuredId = (id: string): string => id.replace(/:\d+$/, "");

function primitivesOf(section: Tree | undefined): Attributes[] {
  if (!section) return [];
  return [
    ...(section.resource ?? []),
    ...(section.group ?? []).flatMap(primitivesOf),
    ...(section.clone ?? []).flatMap(primitivesOf),
  ];
}

function parsed(xml: string, what: string): Record<string, unknown> {
  const doc = parser.parse(xml)?.["pacemaker-result"];
  if (!doc) throw new Error(`not ${what} XML: no <pacemaker-result>`);
  return doc as Record<string, unknown>;
}

/** The failed operation of a `<failure>`, its resource taken from its op_key (`<id>_<task>_<ms>`). */
function failedOperation(f: Attributes): FailedOperation | null {
  const suffix = `_${f.task}_${f.interval}`;
  if (!f.op_key?.endsWith(suffix)) return null;
  return {
    resource: configuredId(f.op_key.slice(0, -suffix.length)),
    node: f.node,
    task: f.task,
    interval: Number(f.interval),
    exitCode: Number(f.exitcode),
    exitStatus: f.exitstatus ?? "",
    exitReason: f.exitreason ?? "",
  };
}

/** The cluster's activity from crm_mon's XML and crm_simulate's. */
export function parseActivity(crmMonXml: string, simulateXml: string): ClusterActivity {
  const mon = parsed(crmMonXml, "crm_mon");
  const busy = new Set<string>();
  for (const r of primitivesOf(mon.resources as Tree | undefined))
    if (r.pending || IN_FLIGHT_ROLES.has(r.role)) busy.add(configuredId(r.id));
  const simulated = parsed(simulateXml, "crm_simulate");
  const transition = simulated.transition as { rsc_action?: Attributes[] } | undefined;
  for (const a of transition?.rsc_action ?? []) busy.add(configuredId(a.resource));
  const failures = ((mon.failures as { failure?: Attributes[] } | undefined)?.failure ?? [])
    .map(failedOperation)
    .filter((f): f is FailedOperation => f !== null);
  return { busy, failures };
}

/** The shell text that prints both, parted by a line parseActivityOutput splits on. */
export const ACTIVITY_SCRIPT =
  "crm_mon -1 --output-as=xml --include=none,resources,failures && echo '<!-- pcmk-lab -->' && " +
  "crm_simulate --live-check --simulate --output-as=xml";

/** The activity from ACTIVITY_SCRIPT's output. */
export function parseActivityOutput(out: string): ClusterActivity {
  const at = out.indexOf("<!-- pcmk-lab -->");
  if (at < 0) throw new Error(`no cluster activity in: ${out.slice(0, 200)}`);
  return parseActivity(out.slice(0, at), out.slice(at + "<!-- pcmk-lab -->".length));
}

/** One failed operation as a user reads it: "start on node1.example.com: rc 1 (error): reason". */
export function describeFailure(f: FailedOperation): string {
  const op = f.interval ? `${f.task} (every ${f.interval / 1000}s)` : f.task;
  const reason = f.exitReason ? `: ${f.exitReason}` : "";
  return `${op} on ${f.node}: rc ${f.exitCode} (${f.exitStatus})${reason}`;
}

/**
 * For fence devices whose failures carry no exit reason (fence agents give none to the history):
 * what the agent printed, from the fencer's log on the node it runs on — the last stderr line of
 * the agent's process whose operation on the device failed there. Prints `<id>\t<line>` per
 * device it found one for. Its arguments (never shell text): the log's path, then the ids.
 */
export const PACEMAKER_LOG = "/var/log/pacemaker/pacemaker.log";
export const FENCER_REASON_SCRIPT = String.raw`log=$1
shift
for id in "$@"; do
  pid=$(grep -aF "using $id returned" "$log" 2>/dev/null | tail -1 | sed -n "s/.*Operation '[^']*' \[\([0-9]*\)\] using .*/\1/p")
  [ -n "$pid" ] || continue
  line=$(grep -aF "[$pid] stderr: [" "$log" | sed -n 's/.*stderr: \[ \(.*[^ ]\) \]$/\1/p' | tail -1)
  [ -n "$line" ] && printf '%s\t%s\n' "$id" "$(printf '%s' "$line" | sed 's/^[0-9-]* [0-9:,.]* //')"
done
true`;

/** FENCER_REASON_SCRIPT's output: device id -> the agent's line. */
export function parseFencerReasons(out: string): Map<string, string> {
  return new Map(
    out
      .split("\n")
      .map((line) => line.split("\t"))
      .filter((parts) => parts.length === 2 && parts[0] && parts[1])
      .map(([id, reason]) => [id, reason.trim()]),
  );
}
