// Looks for secret values in text (CLI output, `pulumi stack export`, error messages, process argv
// and environments) in every form a leak could take: the value itself, JSON-escaped, shell-quoted
// (as providers/transport/shell.ts quotes it), XML- and URL-escaped, base64 at each of the three
// byte alignments it can have inside a longer base64 text (the pcs batch requests are base64 JSON),
// and a marker: the run of letters and digits each test value starts with, which survives any
// escaping.
// For an ssh private key the secret part is what matters (the OpenSSH file's first lines are the
// same header and public key for everybody): the lines of the key file that hold private key bytes,
// and those bytes in base64 and hex. Reports never contain a value: hits name the secret's kind and
// label, and context is shown with every known value masked.
import { quoteArg } from "../../providers/transport/shell";

/** Where tests/adversarial/secrets.test.ts writes its tally (for docs/RELIABILITY.md). */
export const SECRETS_FILE = process.env.PCMK_SECRETS_FILE ?? "/var/cache/pcmk-lab/results/secrets.json";

export interface Needle {
  form: string;
  text: string;
}

export interface SecretValue {
  kind: string;
  label: string;
  needles: Needle[];
}

export interface Hit {
  kind: string;
  label: string;
  /** The form found most often (e.g. "plain", "json", "marker", "key line 4"). */
  form: string;
  /** Occurrences: the most any one form of this value occurs (forms overlap: not summed). */
  count: number;
  /** Index of the first occurrence in the text. */
  at: number;
}

const MIN_NEEDLE = 12;

/** Base64 of `bytes` as it reads inside any longer base64 text: one core per alignment. */
export function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64");
    const core = b64.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (core.length >= MIN_NEEDLE) cores.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...new Set(cores)];
}

const xmlEscape = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");

/**
 * The needles of a password-like secret, which starts with `marker` (a broken key file on purpose:
 * right after its first line).
 */
export function stringNeedles(value: string, marker: string): Needle[] {
  const start = value.startsWith("-----BEGIN ") ? value.indexOf("\n") + 1 : 0;
  if (!/^[A-Za-z0-9]{10,}$/.test(marker) || value.indexOf(marker) !== start)
    throw new Error("a test secret starts with a marker of 10+ letters and digits");
  const forms: Needle[] = [
    { form: "plain", text: value },
    { form: "json", text: JSON.stringify(value).slice(1, -1) },
    { form: "shell-quoted", text: quoteArg(value) },
    { form: "xml-escaped", text: xmlEscape(value) },
    { form: "url-encoded", text: encodeURIComponent(value) },
    { form: "marker", text: marker },
  ];
  for (const f of ["plain", "json"]) {
    const text = forms.find((n) => n.form === f)!.text;
    for (const core of base64Cores(Buffer.from(text, "utf8")))
      forms.push({ form: `base64 of ${f}`, text: core });
  }
  const seen = new Set<string>();
  return forms.filter((n) => n.text.length >= 6 && !seen.has(n.text) && seen.add(n.text));
}

/** The byte range of the private key material in an unencrypted OpenSSH key file, and the body. */
export function opensshPrivateRange(pem: string): {
  body: Buffer;
  lines: string[];
  from: number;
  to: number;
} {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----\r?\n([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(pem);
  if (!m) throw new Error("not an OpenSSH private key");
  const lines = m[1].split(/\r?\n/).filter(Boolean);
  const body = Buffer.from(lines.join(""), "base64");
  let at = 0;
  const u32 = (): number => {
    const v = body.readUInt32BE(at);
    at += 4;
    return v;
  };
  const str = (): Buffer => {
    const n = u32();
    const b = body.subarray(at, at + n);
    at += n;
    return b;
  };
  if (body.subarray(0, 15).toString("latin1") !== "openssh-key-v1\0") throw new Error("not openssh-key-v1");
  at = 15;
  const cipher = str().toString();
  str(); // kdf name
  str(); // kdf options
  const keys = u32();
  if (cipher !== "none" || keys !== 1) throw new Error("an unencrypted key file with one key");
  str(); // public key
  const privateLength = u32();
  const sectionStart = at;
  u32(); // check ints
  u32();
  const type = str().toString();
  if (type === "ssh-ed25519") {
    str(); // public part
    const privLength = u32();
    if (privLength !== 64) throw new Error("an ed25519 private part of 64 bytes");
    return { body, lines, from: at, to: at + 32 }; // the seed; the rest is the public key again
  }
  return { body, lines, from: sectionStart, to: sectionStart + privateLength };
}

/** The needles of an OpenSSH private key: its lines that hold private bytes, those bytes in base64 and hex. */
export function keyNeedles(pem: string): Needle[] {
  const { body, lines, from, to } = opensshPrivateRange(pem);
  const needles: Needle[] = [];
  let chars = 0;
  lines.forEach((line, i) => {
    const first = Math.floor((chars * 3) / 4);
    const last = Math.ceil(((chars + line.length) * 3) / 4);
    chars += line.length;
    if (first < to && last > from && line.length >= 16)
      needles.push({ form: `key line ${i + 1}`, text: line });
  });
  const secret = body.subarray(from, to);
  for (const core of base64Cores(secret)) needles.push({ form: "base64 of key bytes", text: core });
  needles.push({ form: "hex of key bytes", text: secret.toString("hex") });
  return needles;
}

function count(text: string, needle: string): { n: number; first: number } {
  let n = 0;
  let first = -1;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) {
    if (first < 0) first = i;
    n++;
  }
  return { n, first };
}

export class SecretRegistry {
  readonly values: SecretValue[] = [];

  /** A password-like value; it starts with `marker`, 10+ letters and digits. */
  addString(kind: string, label: string, value: string, marker: string): void {
    this.add(kind, label, stringNeedles(value, marker));
  }

  /**
   * An OpenSSH private key file; for one that cannot be parsed (a broken key on purpose), the
   * marker its body starts with and any further forms to look for.
   */
  addKey(kind: string, label: string, pem: string, marker?: string, extra: Needle[] = []): void {
    this.add(kind, label, [...(marker ? stringNeedles(pem, marker) : keyNeedles(pem)), ...extra]);
  }

  private add(kind: string, label: string, needles: Needle[]): void {
    if (this.values.some((v) => v.kind === kind && v.label === label))
      throw new Error(`${kind}/${label} twice`);
    for (const n of needles) {
      if (n.text.length < 6) throw new Error(`${kind}/${label}: a needle of ${n.text.length} characters`);
    }
    this.values.push({ kind, label, needles });
  }

  kinds(): string[] {
    return [...new Set(this.values.map((v) => v.kind))];
  }

  /** Every value of every kind found in text, with how often. */
  scan(text: string): Hit[] {
    const hits: Hit[] = [];
    for (const v of this.values) {
      let best: Hit | undefined;
      for (const nd of v.needles) {
        const { n, first } = count(text, nd.text);
        if (n > 0 && (!best || n > best.count))
          best = { kind: v.kind, label: v.label, form: nd.form, count: n, at: first };
      }
      if (best) hits.push(best);
    }
    return hits;
  }

  /** text with every needle of every value replaced by <kind/label>. */
  mask(text: string): string {
    const all = this.values
      .flatMap((v) => v.needles.map((n) => ({ text: n.text, tag: `<${v.kind}/${v.label}>` })))
      .sort((a, b) => b.text.length - a.text.length);
    let out = text;
    for (const n of all) out = out.split(n.text).join(n.tag);
    return out;
  }

  /**
   * What precedes a hit, with every value masked: safe to print, since each test value starts
   * with its marker (nothing of a value comes before the place a hit is reported at).
   */
  context(text: string, hit: Hit, width = 80): string {
    const before = this.mask(text.slice(Math.max(0, hit.at - width - 4096), hit.at)).slice(-width);
    return `${JSON.stringify(before.replace(/\0/g, " "))} then <${hit.kind}/${hit.label} as ${hit.form}>`;
  }
}
