// Role names as Pacemaker 2.1 and later write them. Pacemaker 3.0 accepts only Promoted and
// Unpromoted; a CIB written by an older Pacemaker (or by hand) may still say Master and Slave, in
// any case (Pacemaker reads role names without regard to case). The reader gives every role in the
// current spelling, so nothing compares an old name with a new one.
const CURRENT: Record<string, string> = {
  master: "Promoted",
  slave: "Unpromoted",
  promoted: "Promoted",
  unpromoted: "Unpromoted",
  started: "Started",
  stopped: "Stopped",
};

/** A role in the current spelling; a text that is no role is kept as it is. */
export function normalRole(role: string): string;
export function normalRole(role: string | undefined): string | undefined;
export function normalRole(role: string | undefined): string | undefined {
  const key = role?.toLowerCase();
  return key !== undefined && Object.hasOwn(CURRENT, key) ? CURRENT[key] : role;
}

/** Meta attributes with target-role (which may name a role) in the current spelling. */
export function withNormalTargetRole(meta: Record<string, string>): Record<string, string> {
  return Object.hasOwn(meta, "target-role")
    ? { ...meta, "target-role": normalRole(meta["target-role"]) }
    : meta;
}
