// Parses `cibadmin --query` output with a real XML parser into the typed model.
import { XMLParser } from "fast-xml-parser";
import {
  Cib,
  CibNode,
  CibResource,
  Constraint,
  FencingLevel,
  NvPairs,
  Operation,
  Primitive,
  ResourceSet,
  Rule,
} from "./model";
import { normalRole, withNormalTargetRole } from "./roles";

// Elements that may repeat are always arrays, so one shape serves one or many.
const repeated = new Set([
  "nvpair",
  "op",
  "primitive",
  "group",
  "clone",
  "master",
  "rsc_location",
  "rsc_order",
  "rsc_colocation",
  "resource_set",
  "resource_ref",
  "rule",
  "expression",
  "date_expression",
  "node",
  "instance_attributes",
  "meta_attributes",
  "cluster_property_set",
  "fencing-level",
]);

// XML's own references, decoded once: the five named ones and numeric ones (&#10;, &#x2028;).
// fast-xml-parser's default decoder leaves numeric references as they are.
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const decodeReferences = (text: string): string =>
  text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (_, ref: string) =>
    ref[0] !== "#"
      ? NAMED[ref]
      : String.fromCodePoint(ref[1] === "x" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1))),
  );

// Values are kept as they are (trimValues: false: a value may start or end with spaces); the
// whitespace between elements, which would otherwise become text nodes, goes before parsing (a
// CIB has no text content, and `>` and `<` inside a value are always escaped).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  entityDecoder: {
    decode: decodeReferences,
    reset: () => undefined,
    setXmlVersion: () => undefined,
    addInputEntities: () => undefined,
    setExternalEntities: () => undefined,
  },
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && repeated.has(name),
});

// fast-xml-parser's output is untyped; this is where it becomes typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Xml = any;

const list = (x: Xml): Xml[] => (Array.isArray(x) ? x : x === undefined || x === "" ? [] : [x]);

function nvpairs(sets: Xml): NvPairs {
  // fromEntries keeps any name as an own key (an assignment would not keep "__proto__")
  return Object.fromEntries(
    list(sets).flatMap((set) => list(set?.nvpair).map((nv): [string, string] => [nv.name, nv.value ?? ""])),
  );
}

function operation(op: Xml): Operation {
  const { id, name, interval, timeout, role, ...rest } = op;
  // pcs writes OCF_CHECK_LEVEL as the op's instance attribute: an option like the others to pcs
  const options: NvPairs = nvpairs(rest.instance_attributes);
  delete rest.meta_attributes;
  delete rest.instance_attributes;
  for (const [k, v] of Object.entries(rest)) if (typeof v === "string") options[k] = v;
  return {
    id,
    name,
    interval,
    ...(timeout ? { timeout } : {}),
    ...(role ? { role: normalRole(role) } : {}),
    options,
  };
}

function primitive(x: Xml, parent?: string): Primitive {
  const agent = x.provider ? `${x.class}:${x.provider}:${x.type}` : `${x.class}:${x.type}`;
  return {
    kind: "primitive",
    id: x.id,
    agent,
    instance: nvpairs(x.instance_attributes),
    meta: withNormalTargetRole(nvpairs(x.meta_attributes)),
    operations: list(x.operations?.op).map(operation),
    ...(parent ? { parent } : {}),
  };
}

function resources(root: Xml): Map<string, CibResource> {
  const out = new Map<string, CibResource>();
  const addGroup = (g: Xml, parent?: string): string => {
    const members = list(g.primitive).map((p) => primitive(p, g.id));
    for (const m of members) out.set(m.id, m);
    out.set(g.id, {
      kind: "group",
      id: g.id,
      members: members.map((m) => m.id),
      meta: withNormalTargetRole(nvpairs(g.meta_attributes)),
      ...(parent ? { parent } : {}),
    });
    return g.id;
  };
  for (const p of list(root?.primitive)) out.set(p.id, primitive(p));
  for (const g of list(root?.group)) addGroup(g);
  // <master> is the pre-2.0 spelling of a promotable clone
  for (const [c, legacy] of [
    ...list(root?.clone).map((c) => [c, false]),
    ...list(root?.master).map((c) => [c, true]),
  ]) {
    const meta = withNormalTargetRole(nvpairs(c.meta_attributes));
    let child: string;
    const inner = list(c.primitive)[0];
    if (inner) {
      const p = primitive(inner, c.id);
      out.set(p.id, p);
      child = p.id;
    } else {
      child = addGroup(list(c.group)[0], c.id);
    }
    out.set(c.id, { kind: "clone", id: c.id, child, promotable: legacy || meta.promotable === "true", meta });
  }
  return out;
}

function sets(x: Xml): ResourceSet[] {
  return list(x.resource_set).map((s) => {
    const { id, resource_ref, ...rest } = s;
    const options: NvPairs = {};
    for (const [k, v] of Object.entries(rest)) if (typeof v === "string") options[k] = v;
    if (options.role !== undefined) options.role = normalRole(options.role);
    return { id, resources: list(resource_ref).map((r) => r.id), options };
  });
}

function rules(x: Xml): Rule[] {
  return list(x.rule).map((r) => ({
    id: r.id,
    ...(r.score !== undefined ? { score: r.score } : {}),
    ...(r.role !== undefined ? { role: normalRole(r.role) } : {}),
    ...(r["boolean-op"] ? { booleanOp: r["boolean-op"] } : {}),
    expressions: [...list(r.expression), ...list(r.date_expression)].map((e) => {
      const out: NvPairs = {};
      for (const [k, v] of Object.entries(e)) if (typeof v === "string") out[k] = v;
      return out;
    }),
  }));
}

const opt = (key: string, value: string | undefined): Record<string, string> =>
  value === undefined ? {} : { [key]: value };

function constraints(root: Xml): Constraint[] {
  const out: Constraint[] = [];
  for (const c of list(root?.rsc_location)) {
    out.push({
      type: "location",
      id: c.id,
      ...opt("rsc", c.rsc),
      ...opt("rscPattern", c["rsc-pattern"]),
      ...opt("node", c.node),
      ...opt("score", c.score),
      ...opt("role", normalRole(c.role)),
      ...opt("resourceDiscovery", c["resource-discovery"]),
      rules: rules(c),
      sets: sets(c),
    });
  }
  for (const c of list(root?.rsc_order)) {
    out.push({
      type: "order",
      id: c.id,
      ...opt("first", c.first),
      ...opt("then", c.then),
      ...opt("firstAction", c["first-action"]),
      ...opt("thenAction", c["then-action"]),
      ...opt("kind", c.kind),
      ...opt("symmetrical", c.symmetrical),
      sets: sets(c),
    });
  }
  for (const c of list(root?.rsc_colocation)) {
    out.push({
      type: "colocation",
      id: c.id,
      ...opt("rsc", c.rsc),
      ...opt("withRsc", c["with-rsc"]),
      ...opt("score", c.score),
      ...opt("rscRole", normalRole(c["rsc-role"])),
      ...opt("withRscRole", normalRole(c["with-rsc-role"])),
      sets: sets(c),
    });
  }
  return out;
}

function nodes(root: Xml): CibNode[] {
  return list(root?.node).map((n) => ({
    id: n.id,
    uname: n.uname,
    attributes: nvpairs(n.instance_attributes),
  }));
}

function fencingLevels(root: Xml): FencingLevel[] {
  return list(root?.["fencing-level"]).map((l) => ({
    id: l.id,
    target: l.target ?? l["target-pattern"] ?? l["target-attribute"],
    index: Number(l.index),
    devices: String(l.devices).split(","),
  }));
}

export function parseCib(xml: string): Cib {
  const doc = parser.parse(xml.replace(/>\s+</g, "><"));
  const cib = doc?.cib;
  if (cib?.configuration === undefined)
    throw new Error("not a CIB: no <cib><configuration> in cibadmin's output");
  const conf = cib.configuration || {}; // an empty element parses as ""
  const bootstrap = list(conf.crm_config?.cluster_property_set).filter(
    (s) => s.id === "cib-bootstrap-options",
  );
  return {
    version: `${cib.admin_epoch ?? 0}.${cib.epoch ?? 0}.${cib.num_updates ?? 0}`,
    properties: nvpairs(bootstrap),
    nodes: nodes(conf.nodes),
    resources: resources(conf.resources),
    constraints: constraints(conf.constraints),
    fencingLevels: fencingLevels(conf["fencing-topology"]),
  };
}
