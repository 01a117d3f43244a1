// Role names as Pacemaker 2.1 and later write them. Pacemaker 3.0 accepts only Promoted and
// Unpromoted; a CIB written by an older Pacemaker (or by hand) may still say Master and Slave, in
// any case (Pacemaker reads role names without regard to case). The reader gives these in the
// current names, so nothing compares an old name with a new one; other values stay as written
// (a target-role given as "started" reads back as given).
const CURRENT: Record<string, string> = { master: "Promoted", slave: "Unpromoted" };

/** Whether a text is one of the names Pacemaker 3.0 dropped (Master, Slave, in any case). */
export const isLegacyRole = (role: string): boolean => Object.hasOwn(CURRENT, role.toLowerCase());

/** A role in the current name: Master and Slave become Promoted and Unpromoted; others are kept. */
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
