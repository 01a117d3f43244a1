// The CIB and crm_mon XML captured from a lab cluster (tests/unit/providers/cib/fixtures), as the
// provider reads them, and a connection for inputs; shared by the unit tests of the kinds.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { LiveCluster } from "../../providers/cib/live";
import { parseCib } from "../../providers/cib/parse";
import { parseCrmMon } from "../../providers/cib/status";

export const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, "..", "unit", "providers", "cib", "fixtures", name), "utf8");
export const cibXml = fixture("cib-objects.xml");
export const monXml = fixture("crm_mon-objects.xml");

/** The live state from this CIB XML (the fixture's by default); `mon` null: no status. */
export const liveFrom = (xml = cibXml, mon: string | null = monXml): LiveCluster => ({
  corosync: null,
  cib: parseCib(xml),
  status: mon === null ? null : parseCrmMon(mon),
  enabled: true,
});

export const runOn = {
  host: "10.77.0.11",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
};
