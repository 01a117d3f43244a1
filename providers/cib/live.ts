// The live state of a cluster, as seen from one node, in one round trip: corosync.conf, the CIB's
// configuration (`cibadmin --query`) and the status (`crm_mon --output-as=xml`), and the node's pcs
// constraint capabilities (how it wants constraints written). No pcs start-up: pcs's import is
// the slow part of any pcs command (docs/BENCHMARKS.md, "Figures behind the design").
import { stat } from "../kit/stats";
import { SshPool, SshTarget } from "../transport/ssh";
import { corosyncCluster, CorosyncCluster } from "./corosync-conf";
import { Cib } from "./model";
import { parseCib } from "./parse";
import { ClusterStatus, parseCrmMon } from "./status";

export interface LiveCluster {
  /** null: no cluster is configured on this node */
  corosync: CorosyncCluster | null;
  /** null: the cluster is not running here (no CIB to query) */
  cib: Cib | null;
  status: ClusterStatus | null;
  /** corosync and pacemaker enabled at boot on this node */
  enabled: boolean;
  /** pcs's constraint capability ids (pcmk.constraint.*); absent when pcsd's list was not found */
  pcsCapabilities?: readonly string[];
}

const MARK = "@@pcmk-lab-section@@";
const CAPABILITIES_FOUND = "pcs-capabilities";

// What `pcs --version --full` prints comes from pcsd's capabilities.xml (pcs/settings.py:
// pcsd_exec_location, /usr/share/pcsd on Debian, /usr/lib/pcsd on the RHEL family): read here,
// the constraint ones only, without starting pcs.
const PCS_CAPABILITIES =
  "for f in /usr/share/pcsd/capabilities.xml /usr/lib/pcsd/capabilities.xml /usr/lib64/pcsd/capabilities.xml; " +
  `do if [ -r "$f" ]; then echo ${CAPABILITIES_FOUND}; ` +
  `sed -n 's/.*<capability id="\\(pcmk\\.constraint\\.[^"]*\\)" in-pcs="1".*/\\1/p' "$f"; break; fi; done`;
/** The read's shell text; without `status`, no crm_mon (its section is empty: no status). */
function readLiveText(status: boolean): string {
  return [
    "cat /etc/corosync/corosync.conf 2>/dev/null",
    `echo ${MARK}`,
    // crm_mon runs the scheduler over every resource, beside the CIB's reads; its sections this
    // reader uses only (not each resource's operation history)
    ...(status
      ? [
          'mon=$(mktemp) && { crm_mon -1 --output-as=xml --include=none,summary,nodes,resources >"$mon" 2>/dev/null & }',
        ]
      : []),
    // the CIB without its status section (every operation's history on every node: three quarters
    // of a full query at 300 resources, and unused here), its root first: a change made between
    // the two queries shows as an older version than the configuration read, never a newer one
    "cibadmin --query --xpath /cib --no-children 2>/dev/null",
    "cibadmin --query --scope configuration 2>/dev/null",
    `echo ${MARK}`,
    ...(status ? ['wait; cat "$mon" 2>/dev/null; rm -f "$mon"'] : []),
    `echo ${MARK}`,
    "systemctl is-enabled corosync >/dev/null 2>&1 && systemctl is-enabled pacemaker >/dev/null 2>&1 && echo enabled",
    `echo ${MARK}`,
    PCS_CAPABILITIES,
    "true",
  ].join("; ");
}

/**
 * The CIB from the reader's two queries (its root element alone, then its configuration), or from
 * one whole query; null when the cluster does not run here (no answer to either query).
 */
export function cibOf(text: string): Cib | null {
  const root = /<cib\b[^>]*\/>/.exec(text);
  if (!root) return text.includes("<cib") ? parseCib(text) : null;
  const configuration = text.slice(root.index + root[0].length);
  if (!configuration.includes("<configuration")) return null;
  return parseCib(`${root[0].slice(0, -2)}>${configuration}</cib>`);
}

export function parseLive(text: string): LiveCluster {
  const [conf = "", cib = "", mon = "", enabled = "", capabilities = ""] = text.split(`${MARK}\n`);
  const [found, ...ids] = capabilities.trim().split("\n");
  return {
    corosync: conf.trim() ? corosyncCluster(conf) : null,
    cib: cibOf(cib),
    status: mon.includes("<pacemaker-result") && mon.includes("<nodes") ? parseCrmMon(mon) : null,
    enabled: enabled.trim() === "enabled",
    ...(found === CAPABILITIES_FOUND ? { pcsCapabilities: ids.filter(Boolean) } : {}),
  };
}

/** The read's command: with the status (crm_mon), and without. */
const READ_ARGV = {
  withStatus: ["sh", "-c", readLiveText(true)],
  configurationOnly: ["sh", "-c", readLiveText(false)],
};

/**
 * The live state in one round trip; without `status` (what a configuration-only reader needs),
 * no crm_mon: status is null.
 */
export async function readLive(
  pool: SshPool,
  target: SshTarget,
  { status = true } = {},
): Promise<LiveCluster> {
  const t0 = Date.now();
  const text = await pool.run(target, status ? READ_ARGV.withStatus : READ_ARGV.configurationOnly);
  const t1 = Date.now();
  const live = parseLive(text);
  stat(`read ms=${t1 - t0} parse=${Date.now() - t1} bytes=${text.length}`);
  return live;
}
