// Reading single values of the live CIB on node1, for the repair matrix's checks.
import { onNode } from "./lab-harness";

const attributesOf = (tag: string): Record<string, string> =>
  Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));

/** The elements an XPath finds, each as its own tag's attributes ([] when none). */
export function xpathElements(xpath: string): Record<string, string>[] {
  const r = onNode("node1", `cibadmin --query --xpath "${xpath}"`);
  if (r.status !== 0) return [];
  // with several matches cibadmin wraps them in <xpath-query>
  return [...r.stdout.matchAll(/<([\w-]+)(\s[^>]*?)?\/?>/g)]
    .filter((m) => m[1] !== "xpath-query")
    .map((m) => ({ tag: m[1], ...attributesOf(m[2] ?? "") }));
}

/** A resource's (primitive, group or clone) instance or meta attribute; undefined when unset. */
export function resourceParameter(rsc: string, name: string, meta = false): string | undefined {
  const set = meta ? "meta_attributes" : "instance_attributes";
  return xpathElements(`//*[@id='${rsc}']/${set}/nvpair[@name='${name}']`)[0]?.value;
}

/** The <op> elements of a primitive, each as its attributes (nested OCF_CHECK_LEVEL left out). */
export const operationsOf = (rsc: string): Record<string, string>[] =>
  xpathElements(`//primitive[@id='${rsc}']/operations/op`).filter((e) => e.tag === "op");

/** The id of the group or clone that holds a primitive, or undefined. */
export function parentOf(rsc: string): { tag: string; id: string } | undefined {
  // the first element is the parent itself, its children follow
  const parent = xpathElements(`//*[primitive[@id='${rsc}']]`)[0];
  return parent && parent.tag !== "resources" ? { tag: parent.tag, id: parent.id } : undefined;
}

/** A constraint (rsc_location, rsc_order, rsc_colocation) by its id, as its attributes. */
export const constraintById = (id: string): Record<string, string> | undefined =>
  xpathElements(`//constraints/*[@id='${id}']`)[0];
