// `crm_mon --output-as=xml`: who is online, the DC, quorum, and where resources run.
import { XMLParser } from "fast-xml-parser";
import { normalRole } from "./roles";

export interface ClusterStatus {
  dc: string | null;
  quorate: boolean;
  nodes: { name: string; online: boolean; standby: boolean }[];
  /** resource id -> nodes it is active on, with its role there */
  resources: Record<string, { node: string; role: string }[]>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name, _path, _leaf, isAttribute) =>
    !isAttribute && ["node", "resource", "clone", "group"].includes(name),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parser output, typed below
type Xml = any;

function collect(resources: Record<string, { node: string; role: string }[]>, r: Xml): void {
  // clone instances are reported as "id:0"…; the configured id is before the colon
  const id = String(r.id).replace(/:\d+$/, "");
  for (const n of r.node ?? []) {
    if (r.active === "true") (resources[id] ??= []).push({ node: n.name, role: normalRole(r.role) });
  }
}

export function parseCrmMon(xml: string): ClusterStatus {
  const doc = parser.parse(xml)?.["pacemaker-result"];
  if (!doc) throw new Error("not crm_mon XML: no <pacemaker-result>");
  const dc = doc.summary?.current_dc;
  // no prototype: a resource may be called "constructor" or "__proto__"
  const resources: ClusterStatus["resources"] = Object.create(null);
  const section = doc.resources ?? {};
  for (const r of section.resource ?? []) collect(resources, r);
  for (const g of section.group ?? []) for (const r of g.resource ?? []) collect(resources, r);
  for (const c of section.clone ?? []) {
    for (const r of c.resource ?? []) collect(resources, r);
    for (const g of c.group ?? []) for (const r of g.resource ?? []) collect(resources, r);
  }
  for (const list of Object.values(resources)) list.sort((a, b) => a.node.localeCompare(b.node));
  return {
    dc: dc?.present === "true" ? dc.name : null,
    quorate: dc?.with_quorum === "true",
    nodes: (doc.nodes?.node ?? []).map((n: Xml) => ({
      name: n.name,
      online: n.online === "true",
      standby: n.standby === "true",
    })),
    resources,
  };
}

/** Where a resource is active, with its role there: its own entry only, whatever its id. */
export function activeOn(status: ClusterStatus | null, id: string): { node: string; role: string }[] {
  return status && Object.hasOwn(status.resources, id) ? status.resources[id] : [];
}
