// How a resource reaches the node it runs pcs on. Node exposes its own as `connection`, host key
// pin included, so every resource run through a Node inherits that pin. The private key is given
// either as its text (`privateKey`, kept secret in state) or as the path of its file on the
// machine that runs pulumi (`privateKeyPath`): then the state holds only the path, and each
// resource's state is much smaller (docs/BENCHMARKS.md, "Figures behind the design"), which
// matters as the engine rewrites the whole state twice per step.
import { isAbsolute } from "node:path";
import { isIP } from "node:net";
import { z } from "zod";
import { PRIVATE_KEY_ARMOUR, readKeyFile, Secret } from "./secrets";
import type { ConnectionRule } from "./kind";
import { SshTarget } from "../transport/ssh";

export const dnsName = z
  .string()
  .regex(
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    "a host name: letters, digits, '-' and '.' (RFC 1123)",
  );
export const ipAddress = z.string().refine((s) => isIP(s) !== 0, "an IPv4 or IPv6 address");

export const connectionFields = {
  host: z.union([ipAddress, dnsName], { message: "an IP address or a host name" }),
  port: z.number().int().min(1).max(65535).default(22),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a Unix user name")
    .default("root"),
  privateKey: z
    .string()
    .regex(PRIVATE_KEY_ARMOUR, "a PEM or OpenSSH private key")
    .regex(/^[\t\n\r\x20-\x7e]*$/, "ASCII text, as key files are (no NUL or other control characters)")
    .optional(),
  privateKeyPath: z
    .string()
    .superRefine((path, ctx) => {
      const refuse = (message: string) => ctx.addIssue({ code: "custom", message });
      if (!isAbsolute(path) || path.includes("\0"))
        return refuse("an absolute path (of the key file on the machine that runs pulumi)");
      // read at check, so that `pulumi preview` says what is wrong before anything reaches a node
      try {
        readKeyFile(path);
      } catch (e) {
        refuse((e as Error).message);
      }
    })
    .optional(),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "an OpenSSH fingerprint such as SHA256:…(43 characters)")
    .optional(),
};

type KeyFields = { privateKey?: string; privateKeyPath?: string };

/** Exactly one of privateKey and privateKeyPath: a schema's check of the object holding them. */
export function oneKey(c: KeyFields, ctx: z.RefinementCtx): void {
  if ((c.privateKey === undefined) === (c.privateKeyPath === undefined))
    ctx.addIssue({
      code: "custom",
      path: [c.privateKey === undefined ? "privateKey" : "privateKeyPath"],
      message:
        c.privateKey === undefined
          ? "required: the private key (privateKey) or the path of its file (privateKeyPath)"
          : "not with privateKey: give the key or the path of its file, not both",
    });
}

export const connectionSchema = z.object(connectionFields).strict().superRefine(oneKey);
export type Connection = z.infer<typeof connectionSchema>;

/** The key of a connection (or a Node's inputs), read from its file only when a dial needs it. */
export const privateKeyOf = (c: KeyFields): Secret =>
  c.privateKey !== undefined ? new Secret(c.privateKey) : Secret.fromKeyFile(c.privateKeyPath!);

export function targetOf(c: Connection, label?: string, pinned?: string): SshTarget {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    privateKey: privateKeyOf(c),
    hostKeyFingerprint: c.hostKeyFingerprint ?? pinned,
    label: label ?? c.host,
  };
}

/** Whether two connections log in as the same user on the same host and port. */
export const sameLogin = (a: Connection, b: Connection): boolean =>
  a.host === b.host && a.port === b.port && a.user === b.user;

/**
 * The rule of every field that holds connections (kind.ts), one for all kinds: any change of one
 * (a new key, a pinned host key, another node) is a change, made in place; it replaces nothing,
 * but where the resource is what the login made on that node (`replacesOnOtherLogin`: the tokens
 * ClusterAuth gives one node) and another host, port or user is declared. A new key for the same
 * login never replaces.
 */
export function connectionRule<O, I>(
  field: keyof O & keyof I & string,
  options: { replacesOnOtherLogin?: true } = {},
): ConnectionRule<O, I> {
  const connection = (o: O | I): Connection => (o as Record<string, Connection>)[field];
  return {
    secret: "key",
    ...(options.replacesOnOtherLogin
      ? { replaces: (olds: O, news: I) => !sameLogin(connection(olds), connection(news)) }
      : {}),
  };
}
