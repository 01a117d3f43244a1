// Options whose names and values pcs checks itself, checked the same way at preview so that a value
// pcs would refuse is refused before any node is touched, naming the field. Totem options are pcs's
// own list (pcs/lib/corosync/constants.py, config_validators.py: the same from pcs 0.11.5 to
// 0.12.3); cluster properties are those the node's Pacemaker describes, read-only ones left out,
// with pcs's checks of each type — learned from the node where it can be asked (node-facts.ts), else
// the built-in table here, which holds what Pacemaker 2.1.5 and 3.0.0 accept (pcs 0.11.5 and
// 0.12.0.2). Operation options are pcs's (pcs/lib/cib/resource/operations.py), values in the
// spelling pcs stores (it lower-cases on-fail, so "RESTART" would not read back as declared).
// Values are held to the plain spellings of each type (no spaces, no '+' on a count) — a subset of
// what pcs takes, so nothing accepted here is refused there.
import { z } from "zod";
import { UNKNOWN } from "./inputs";

export type ValueType =
  | { type: "boolean" }
  | { type: "count" } // a non-negative integer
  | { type: "integer" } // pacemaker's: an integer or ±INFINITY
  | { type: "percentage" }
  | { type: "port" }
  | { type: "time" }
  | { type: "select"; values: readonly string[] }
  | { type: "string" };

const PCMK_BOOLEANS = ["true", "on", "yes", "y", "1", "false", "off", "no", "n", "0"];

const CHECKS: Record<ValueType["type"], { test: (v: string) => boolean; allowed: string }> = {
  boolean: {
    test: (v) => PCMK_BOOLEANS.includes(v.toLowerCase()),
    allowed: `a pacemaker boolean (${PCMK_BOOLEANS.join(", ")})`,
  },
  count: { test: (v) => /^[0-9]{1,10}$/.test(v), allowed: "a non-negative integer" },
  integer: {
    test: (v) => /^[+-]?([0-9]{1,10}|INFINITY)$/.test(v),
    allowed: "an integer, INFINITY or -INFINITY",
  },
  percentage: {
    test: (v) => /^[0-9]{1,10}%$/.test(v),
    allowed: "a non-negative integer followed by % (e.g. 80%)",
  },
  port: { test: (v) => /^[0-9]{1,5}$/.test(v) && Number(v) <= 65535, allowed: "a port number (0 to 65535)" },
  time: {
    test: (v) => /^[0-9]{1,10}(s|sec|m|min|h|hr)?$/.test(v),
    allowed: "a time interval such as 60, 30s, 5min or 1h",
  },
  select: { test: () => true, allowed: "" },
  string: { test: () => true, allowed: "any text" },
};

const count = { type: "count" } as const;
const yesNo = { type: "select", values: ["yes", "no"] } as const;

/** pcs's totem options: a non-negative integer each, but block_unlisted_ips (yes or no). */
export const TOTEM_OPTIONS: Record<string, ValueType> = {
  block_unlisted_ips: yesNo,
  consensus: count,
  downcheck: count,
  fail_recv_const: count,
  heartbeat_failures_allowed: count,
  hold: count,
  join: count,
  max_messages: count,
  max_network_delay: count,
  merge: count,
  miss_count_const: count,
  send_join: count,
  seqno_unchanged_const: count,
  token: count,
  token_coefficient: count,
  token_retransmit: count,
  token_retransmits_before_loss_const: count,
  window_size: count,
};

const bool = { type: "boolean" } as const;
const int = { type: "integer" } as const;
const time = { type: "time" } as const;
// fence: Pacemaker 3.0
const NO_QUORUM = {
  type: "select",
  values: ["stop", "freeze", "ignore", "demote", "fence", "suicide"],
} as const;

/**
 * The cluster properties pcs lets `pcs property set` change, by type: what Pacemaker 2.1.5 and 3.0.0
 * accept, for a node that cannot be asked (a name or value only one of them takes is taken; the
 * node's pcs judges at up). Read from `pacemaker-based|controld|schedulerd metadata` of each (pcs
 * 0.11.5 reads these) and `pcs property describe --output-format=json` of pcs 0.12.0.2.
 */
export const CLUSTER_PROPERTIES: Record<string, ValueType> = {
  // pacemaker-based
  "enable-acl": bool,
  "cluster-ipc-limit": int,
  // pacemaker-controld
  "dc-deadtime": time,
  "cluster-recheck-interval": time,
  "load-threshold": { type: "percentage" },
  "node-action-limit": int,
  "fence-reaction": { type: "string" }, // 3.0: stop or panic
  "election-timeout": time,
  "shutdown-escalation": time,
  "join-integration-timeout": time,
  "join-finalization-timeout": time,
  "transition-delay": time,
  "stonith-watchdog-timeout": time,
  "stonith-max-attempts": int,
  // pacemaker-schedulerd
  "no-quorum-policy": NO_QUORUM,
  "symmetric-cluster": bool,
  "maintenance-mode": bool,
  "start-failure-is-fatal": bool,
  "enable-startup-probes": bool,
  "shutdown-lock": bool,
  "shutdown-lock-limit": time,
  "stonith-enabled": bool,
  "stonith-action": { type: "select", values: ["reboot", "off", "poweroff"] }, // no poweroff in 3.0
  "stonith-timeout": time,
  "concurrent-fencing": bool,
  "startup-fencing": bool,
  "priority-fencing-delay": time,
  "node-pending-timeout": time, // 3.0
  "cluster-delay": time,
  "batch-limit": int,
  "migration-limit": int,
  "stop-all-resources": bool,
  "stop-orphan-resources": bool,
  "stop-orphan-actions": bool,
  "remove-after-stop": bool, // not in 3.0
  "pe-error-series-max": int,
  "pe-warn-series-max": int,
  "pe-input-series-max": int,
  "node-health-strategy": {
    type: "select",
    values: ["none", "migrate-on-red", "only-green", "progressive", "custom"],
  },
  "node-health-base": int,
  "node-health-green": int,
  "node-health-yellow": int,
  "node-health-red": int,
  "placement-strategy": { type: "select", values: ["default", "utilization", "minimal", "balanced"] },
};

const allowedFor = (t: ValueType): string =>
  t.type === "select" ? `one of ${t.values.join(", ")}` : CHECKS[t.type].allowed;

const valid = (t: ValueType, v: string): boolean =>
  t.type === "select" ? t.values.includes(v) : CHECKS[t.type].test(v);

/** What a map of options names wrongly: the name (its key) and why. */
export interface OptionIssue {
  name: string;
  message: string;
}

const someOf = (names: string[]): string =>
  names.length <= 6 ? names.join(", ") : `${names.slice(0, 4).join(", ")}, … ${names.length} in all`;

/**
 * Options checked against known names and each name's type: an unknown name is refused with some
 * known ones, a value with what its name allows. `what` names the options, plural; `who` is who
 * accepts them ("pcs", "pcs 0.12.0.2 on node1").
 */
export function optionIssues(
  known: Record<string, ValueType>,
  what: string,
  options: Record<string, string>,
  who = "pcs",
): OptionIssue[] {
  return Object.entries(options).flatMap(([name, v]): OptionIssue[] => {
    const t = Object.hasOwn(known, name) ? known[name] : undefined;
    if (!t)
      return [{ name, message: `not one of the ${what} ${who} accepts (${someOf(Object.keys(known))})` }];
    // a value not known until apply is judged by pcs then
    return v === UNKNOWN || valid(t, v) ? [] : [{ name, message: `${name}: ${allowedFor(t)}` }];
  });
}

/** A map of known names to values of each name's type, checked as optionIssues does. */
export function typedOptions(known: Record<string, ValueType>, what: string, value: z.ZodType<string>) {
  return z.record(z.string(), value).superRefine((options, ctx) => {
    // a value its own schema refused is not judged again
    const shaped = Object.fromEntries(Object.entries(options).filter(([, v]) => value.safeParse(v).success));
    for (const issue of optionIssues(known, what, shaped))
      ctx.addIssue({ code: "custom", path: [issue.name], message: issue.message });
  });
}

// ---- what a node describes ----------------------------------------------------------------------

/** pcs's read-only cluster properties (pcs/lib/cluster_property.py, 0.11.5 to 0.12.3). */
export const READONLY_PROPERTIES: readonly string[] = [
  "cluster-infrastructure",
  "cluster-name",
  "dc-version",
  "have-watchdog",
  "last-lrm-refresh",
];

/** Pacemaker's type names (metadata, and pcs's describe) as the checks here; others are text. */
type PlainType = Exclude<ValueType, { type: "select" }>["type"];
const PACEMAKER_TYPES: Record<string, PlainType> = {
  boolean: "boolean",
  integer: "integer",
  score: "integer",
  nonnegative_integer: "count",
  percentage: "percentage",
  port: "port",
  time: "time",
  timeout: "time",
  duration: "time",
};

/** A property's type from Pacemaker's type name and, for a select, its values. */
export function propertyType(type: string, values: readonly string[] = []): ValueType {
  if (type === "select") return values.length ? { type, values } : { type: "string" };
  return { type: Object.hasOwn(PACEMAKER_TYPES, type) ? PACEMAKER_TYPES[type] : "string" };
}

const pcsBool = { type: "select", values: ["0", "1", "true", "false"] } as const;

/** An operation's options besides name, interval, timeout and role (which have fields of their own). */
export const OPERATION_OPTIONS: Record<string, ValueType> = {
  description: { type: "string" },
  enabled: pcsBool,
  "interval-origin": { type: "string" },
  "on-fail": {
    type: "select",
    values: ["block", "demote", "fence", "ignore", "restart", "restart-container", "standby", "stop"],
  },
  "record-pending": pcsBool,
  "start-delay": time,
  OCF_CHECK_LEVEL: count,
};

const trueFalse = { type: "select", values: ["true", "false"] } as const;

/** A resource set's options (pcs/lib/cib/constraint/resource_set.py). */
export const SET_OPTIONS: Record<string, ValueType> = {
  action: { type: "select", values: ["start", "stop", "promote", "demote"] },
  "require-all": trueFalse,
  role: { type: "select", values: ["Stopped", "Started", "Promoted", "Unpromoted"] },
  sequential: trueFalse,
};

/** An order set constraint's options (pcs/lib/cib/constraint/order.py), in the case pcs stores. */
export const ORDER_SET_OPTIONS: Record<string, ValueType> = {
  kind: { type: "select", values: ["Optional", "Mandatory", "Serialize"] },
  symmetrical: trueFalse,
};

/** A colocation set constraint's options (pcs/lib/cib/constraint/colocation.py). */
export const COLOCATION_SET_OPTIONS: Record<string, ValueType> = { score: int };
