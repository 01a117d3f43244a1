// What depends on the pcs and Pacemaker a node runs, learned from the node rather than assumed from
// one generation: pcs's version and capability ids (`pcs --version --full`), the cluster properties
// its Pacemaker accepts with their types, and pcs's totem options. One remote command per host,
// kept for the life of the provider process. A node that cannot be asked (not reachable, not known
// until apply, no pcs yet) gets the built-in tables (pcs-options.ts), and the user is told so.
import { XMLParser } from "fast-xml-parser";
import {
  CLUSTER_PROPERTIES,
  propertyType,
  READONLY_PROPERTIES,
  TOTEM_OPTIONS,
  ValueType,
} from "./pcs-options";
import { keyOf, nameOf, RemoteCommandError, SshPool, SshTarget } from "../transport/ssh";
import { Warn, warnUser } from "../kit/warnings";

/** pcs's version and what it says it can do (pcsd/capabilities.xml's in-pcs ids). */
export interface PcsFacts {
  host: string;
  version: string;
  capabilities: ReadonlySet<string>;
}

/** The options a node's pcs and Pacemaker accept, each with its type. */
export interface OptionFacts {
  pcs: PcsFacts;
  properties: Record<string, ValueType>;
  /** Where the properties were read: pcs's own description, or Pacemaker's daemons' metadata. */
  propertiesFrom: "pcs property describe" | "pacemaker metadata";
  totem: Record<string, ValueType>;
}

const MARK = "@@pcmk-lab-facts@@";

/** pcs describes the properties itself (JSON) from 0.11.6 on; this capability says so. */
const DESCRIBES_PROPERTIES = "pcmk.properties.cluster.describe.output-formats";

// pcs before 0.11.6 reads these three daemons' metadata for `pcs property set` (pcs/lib/commands/
// cluster_property.py); later pcs asks Pacemaker (crm_attribute --list-options) and describes the
// result. The totem option names are pcs's own constant, read with pcs's interpreter.
const FACTS_SCRIPT = `
caps=$(pcs --version --full 2>/dev/null); printf '%s\\n' "$caps"
echo ${MARK}
case " $(printf '%s\\n' "$caps" | sed -n 2p) " in
*" ${DESCRIBES_PROPERTIES} "*) pcs property describe --output-format=json 2>/dev/null ;;
*) for d in pacemaker-based pacemaker-controld pacemaker-schedulerd; do
     for dir in /usr/libexec/pacemaker /usr/lib/pacemaker; do
       if [ -x "$dir/$d" ]; then "$dir/$d" metadata 2>/dev/null; break; fi
     done
   done ;;
esac
echo ${MARK}
py=$(sed -n '1{s/^#! *//;s/ .*//;p;}' "$(command -v pcs)" 2>/dev/null)
case "$py" in *python*) ;; *) py=python3 ;; esac
"$py" -c 'from pcs.lib.corosync.constants import TOTEM_OPTIONS; print(" ".join(TOTEM_OPTIONS))' 2>/dev/null
true`;

export const FACTS_ARGV: readonly string[] = ["sh", "-c", FACTS_SCRIPT];
export const PCS_VERSION_ARGV: readonly string[] = ["pcs", "--version", "--full"];

// ---- parsing ------------------------------------------------------------------------------------

/** `pcs --version --full`: the version, then the capability ids on one line; null without a version. */
export function parsePcsVersion(host: string, text: string): PcsFacts | null {
  const [version = "", capabilities = ""] = text.trim().split("\n");
  if (!/^\d+\.\d+/.test(version.trim())) return null;
  return { host, version: version.trim(), capabilities: new Set(capabilities.trim().split(/\s+/)) };
}

interface DescribedProperty {
  name: string;
  type: string;
  enum_values?: string[] | null;
}

/** `pcs property describe --output-format=json` (pcs ≥ 0.11.6): the settable properties by type. */
export function propertiesFromDescribe(json: string): Record<string, ValueType> {
  const described = JSON.parse(json) as {
    properties_metadata: DescribedProperty[];
    readonly_properties: string[];
  };
  const readonly = new Set(described.readonly_properties);
  return Object.fromEntries(
    described.properties_metadata
      .filter((p) => !readonly.has(p.name))
      .map((p) => [p.name, propertyType(p.type, p.enum_values ?? [])]),
  );
}

const metadataParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  isArray: (name, _path, _leaf, isAttribute) =>
    !isAttribute && ["resource-agent", "parameter", "option"].includes(name),
});

// fast-xml-parser's output is untyped; this is where it becomes typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Xml = any;

/** The daemons' metadata, one document after another: their parameters but pcs's read-only ones. */
export function propertiesFromMetadata(xml: string): Record<string, ValueType> {
  const documents = xml.replace(/<\?xml[^>]*\?>/g, "");
  const agents: Xml[] = metadataParser.parse(`<all>${documents}</all>`)?.all?.["resource-agent"] ?? [];
  const parameters: Xml[] = agents.flatMap((a) => a?.parameters?.parameter ?? []);
  return Object.fromEntries(
    parameters
      .filter((p) => !READONLY_PROPERTIES.includes(p.name))
      .map((p) => {
        const values = (p.content?.option ?? []).map((o: Xml) => String(o.value));
        return [String(p.name), propertyType(String(p.content?.type ?? "string"), values)];
      }),
  );
}

/** pcs's totem names with the types pcs checks (the built-in ones; a name new to them is text). */
export function totemFromNames(line: string): Record<string, ValueType> {
  const names = line.trim().split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    names.map((n) => [n, Object.hasOwn(TOTEM_OPTIONS, n) ? TOTEM_OPTIONS[n] : { type: "string" }]),
  );
}

/** The facts script's output; null when the node's pcs did not answer. */
export function parseOptionFacts(host: string, text: string): OptionFacts | null {
  const [version = "", properties = "", totem = ""] = text.split(`${MARK}\n`);
  const pcs = parsePcsVersion(host, version);
  if (!pcs) return null;
  const described = properties.trimStart().startsWith("{");
  const learned = described ? propertiesFromDescribe(properties) : propertiesFromMetadata(properties);
  return {
    pcs,
    // a node whose daemons said nothing is judged by the built-in table, not by an empty one
    properties: Object.keys(learned).length ? learned : CLUSTER_PROPERTIES,
    propertiesFrom: described ? "pcs property describe" : "pacemaker metadata",
    totem: totem.trim() ? totemFromNames(totem) : TOTEM_OPTIONS,
  };
}

// ---- asking, once per host -------------------------------------------------------------------------

/** Who is asked for a host's facts (tests without nodes answer none). */
export type OptionFactsSource = (pool: SshPool, target: SshTarget) => Promise<OptionFacts | null>;

/** The facts command over ssh (a connection or command failure rejects). */
export async function askNode(pool: SshPool, target: SshTarget): Promise<OptionFacts | null> {
  return parseOptionFacts(nameOf(target), await pool.run(target, FACTS_ARGV));
}

/** The facts, or why there are none (for the user: the check then uses the built-in lists). */
export type Answer = { facts: OptionFacts } | { facts: null; why: string };

let source: OptionFactsSource = askNode;
let notify: Warn = warnUser;

/** Who answers, and where notices go (default: a warning in the `pulumi preview`/`up` output). */
export function useNodeFacts(answer: OptionFactsSource, notices?: Warn): void {
  source = answer;
  if (notices) notify = notices;
  optionFacts.clear();
  pcsFacts.clear();
  noticed.clear();
}

const optionFacts = new Map<string, Promise<Answer>>();
const pcsFacts = new Map<string, Promise<PcsFacts | null>>();
const noticed = new Set<string>();

/** Tells the user once per process; the same line again is not repeated. */
export function notice(line: string): void {
  if (noticed.has(line)) return;
  noticed.add(line);
  notify(line);
}

/** Why a node could not be asked, in a line (not the facts command's text, which is long). */
const whyNot = (err: Error): string =>
  err instanceof RemoteCommandError
    ? `the facts command failed${err.stderr ? `: ${err.stderr.trim().split("\n")[0]}` : ""}`
    : err.message.trim().split("\n")[0];

/** A host's option facts, asked once per process, or why it could not be asked. */
export function optionFactsOf(pool: SshPool, target: SshTarget): Promise<Answer> {
  const key = keyOf(target);
  let answer = optionFacts.get(key);
  if (!answer) {
    answer = source(pool, target).then(
      (facts): Answer => (facts ? { facts } : { facts: null, why: "its pcs did not answer `pcs --version`" }),
      (err: Error): Answer => ({ facts: null, why: whyNot(err) }),
    );
    optionFacts.set(key, answer);
  }
  return answer;
}

/**
 * A host's pcs version and capabilities: from its option facts when they were asked, else from
 * `pcs --version --full` once per process; null when pcs did not answer (asked again next time).
 */
export async function pcsFactsOf(pool: SshPool, target: SshTarget): Promise<PcsFacts | null> {
  const key = keyOf(target);
  const options = await optionFacts.get(key);
  if (options?.facts) return options.facts.pcs;
  let facts = pcsFacts.get(key);
  if (!facts) {
    facts = pool
      .run(target, PCS_VERSION_ARGV)
      .then((text) => parsePcsVersion(nameOf(target), text))
      .catch(() => null);
    pcsFacts.set(key, facts);
  }
  const answer = await facts;
  if (!answer) pcsFacts.delete(key);
  return answer;
}

/** How long a preview-time check waits for a node's answer before it goes on without it. */
export const PREVIEW_WAIT_MS = 10_000;

/** The answer, or `late` once `ms` have passed (a node that does not answer holds no check up). */
export const withinMs = <T>(p: Promise<T>, ms: number, late: T): Promise<T> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(late), ms);
    void p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
