// How a resource reaches the node it runs pcs on. Node exposes its own as `connection`, host key
// pin included, so every resource run through a Node inherits that pin.
import { isIP } from "node:net";
import { z } from "zod";
import { Secret } from "./secrets";
import { SshTarget } from "./transport/ssh";

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
    .regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM or OpenSSH private key")
    .regex(/^[\t\n\r\x20-\x7e]*$/, "ASCII text, as key files are (no NUL or other control characters)"),
  hostKeyFingerprint: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "an OpenSSH fingerprint such as SHA256:…(43 characters)")
    .optional(),
};

export const connectionSchema = z.object(connectionFields).strict();
export type Connection = z.infer<typeof connectionSchema>;

export function targetOf(c: Connection, label?: string, pinned?: string): SshTarget {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    privateKey: new Secret(c.privateKey),
    hostKeyFingerprint: c.hostKeyFingerprint ?? pinned,
    label: label ?? c.host,
  };
}
