// Options whose names and values pcs checks itself, checked the same way at preview so that a value
// pcs would refuse is refused before any node is touched, naming the field (pcs 0.11.5, pacemaker
// 2.1.5: the lab's and the course's). Totem options are pcs's own list (pcs/lib/corosync/
// constants.py, config_validators.py); cluster properties are those pacemaker's daemons describe
// (`pacemaker-based|controld|schedulerd metadata`, which pcs reads), read-only ones left out, with
// pcs's checks of each type; operation options are pcs's (pcs/lib/cib/resource/operations.py),
// values in the spelling pcs stores (it lower-cases on-fail, so "RESTART" would not read back as
// declared). Values are held to the plain spellings of each type (no spaces, no '+' on a count) —
// a subset of what pcs takes, so nothing accepted here is refused there.
import { z } from "zod";

type ValueType =
  | { type: "boolean" }
  | { type: "count" } // a non-negative integer
  | { type: "integer" } // pacemaker's: an integer or ±INFINITY
  | { type: "percentage" }
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
const NO_QUORUM = { type: "select", values: ["stop", "freeze", "ignore", "demote", "suicide"] } as const;

/** The cluster properties pcs lets `pcs property set` change, by type (pacemaker 2.1.5). */
export const CLUSTER_PROPERTIES: Record<string, ValueType> = {
  // pacemaker-based
  "enable-acl": bool,
  "cluster-ipc-limit": int,
  // pacemaker-controld
  "dc-deadtime": time,
  "cluster-recheck-interval": time,
  "load-threshold": { type: "percentage" },
  "node-action-limit": int,
  "fence-reaction": { type: "string" },
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
  "stonith-action": { type: "select", values: ["reboot", "off", "poweroff"] },
  "stonith-timeout": time,
  "concurrent-fencing": bool,
  "startup-fencing": bool,
  "priority-fencing-delay": time,
  "cluster-delay": time,
  "batch-limit": int,
  "migration-limit": int,
  "stop-all-resources": bool,
  "stop-orphan-resources": bool,
  "stop-orphan-actions": bool,
  "remove-after-stop": bool,
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

/**
 * A map of known names to values of each name's type: an unknown name is refused with some known
 * ones, a value with what its name allows. `what` names the options, plural, in messages.
 */
export function typedOptions(known: Record<string, ValueType>, what: string, value: z.ZodType<string>) {
  const names = Object.keys(known);
  const some =
    names.length <= 6 ? names.join(", ") : `${names.slice(0, 4).join(", ")}, … ${names.length} in all`;
  return z.record(z.string(), value).superRefine((options, ctx) => {
    for (const [name, v] of Object.entries(options)) {
      if (!value.safeParse(v).success) continue; // refused already, by the value's own schema
      const t = Object.hasOwn(known, name) ? known[name] : undefined;
      if (!t)
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `not one of the ${what} pcs accepts (${some})`,
        });
      else if (!valid(t, v))
        ctx.addIssue({ code: "custom", path: [name], message: `${name}: ${allowedFor(t)}` });
    }
  });
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
