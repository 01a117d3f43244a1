// corosync.conf, parsed: `name { ... }` sections and `key: value` lines. Repeated sections
// (node, interface) become arrays.
export interface ConfSection {
  values: Record<string, string>;
  sections: Record<string, ConfSection[]>;
}

export function parseCorosyncConf(text: string): ConfSection {
  const root: ConfSection = { values: {}, sections: {} };
  const stack = [root];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const open = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(line);
    if (open) {
      const section: ConfSection = { values: {}, sections: {} };
      (stack[stack.length - 1].sections[open[1]] ??= []).push(section);
      stack.push(section);
    } else if (line === "}") {
      if (stack.length > 1) stack.pop();
    } else {
      const kv = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(line);
      if (kv) stack[stack.length - 1].values[kv[1]] = kv[2];
    }
  }
  return root;
}

export interface CorosyncCluster {
  name: string;
  /** The cluster's own id (cluster_uuid: pcs writes one at setup, from 0.10.7 on), when it has one. */
  uuid?: string;
  transport: string;
  totem: Record<string, string>;
  nodes: { name: string; id: string; addresses: string[] }[];
}

// What pcs writes into totem by itself, as opposed to options the user gives.
const TOTEM_KEYS_NOT_OPTIONS = new Set([
  "version",
  "cluster_name",
  "transport",
  "crypto_cipher",
  "crypto_hash",
  "cluster_uuid",
]);

export function corosyncCluster(text: string): CorosyncCluster {
  const conf = parseCorosyncConf(text);
  const totem = conf.sections.totem?.[0]?.values ?? {};
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(totem)) if (!TOTEM_KEYS_NOT_OPTIONS.has(k)) options[k] = v;
  const nodes = (conf.sections.nodelist?.[0]?.sections.node ?? []).map((n) => ({
    name: n.values.name ?? n.values.ring0_addr,
    id: n.values.nodeid,
    addresses: Object.keys(n.values)
      .filter((k) => /^ring\d+_addr$/.test(k))
      .sort()
      .map((k) => n.values[k]),
  }));
  return {
    name: totem.cluster_name ?? "",
    ...(totem.cluster_uuid ? { uuid: totem.cluster_uuid } : {}),
    transport: totem.transport ?? "knet",
    totem: options,
    nodes,
  };
}
