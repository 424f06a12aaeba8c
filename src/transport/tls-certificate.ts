/**
 * The client certificate of a TLS connection, as the authenticators see it. Only a certificate the
 * TLS layer verified against the listener's CA bundle is ever reported: with `rejectUnauthorized: false`
 * an untrusted certificate still completes the handshake, but it is not an identity, so the
 * connection then carries no certificate at all.
 * @module
 */

import type { TLSSocket } from "node:tls";

/** A subject alternative name, as `type` (`dns`, `email`, `uri`, `ip`) and value. */
export interface SubjectAltName {
  readonly type: "dns" | "email" | "uri" | "ip";
  readonly value: string;
}

/** A verified client certificate. */
export interface PeerCertificate {
  /** Subject attributes, e.g. `{ CN: "device-1", O: "Acme" }` (the first value when one repeats). */
  readonly subject: Readonly<Record<string, string>>;
  /** Issuer attributes, as `subject`. */
  readonly issuer: Readonly<Record<string, string>>;
  readonly subjectAltNames: readonly SubjectAltName[];
  /** SHA-256 fingerprint, colon-separated upper-case hex (as Node writes it). */
  readonly fingerprint256: string;
  readonly serialNumber: string;
  /** Milliseconds since the epoch after which the certificate is no longer valid. */
  readonly validTo: number;
}

const SAN_TYPES: Readonly<Record<string, SubjectAltName["type"]>> = {
  DNS: "dns",
  email: "email",
  URI: "uri",
  "IP Address": "ip",
};

/** The verified peer certificate of `socket`, or undefined (none sent, or not trusted). */
export function peerCertificateOf(socket: TLSSocket): PeerCertificate | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  // An empty object when the peer sent no certificate
  if (typeof cert.fingerprint256 !== "string" || cert.fingerprint256 === "") return undefined;
  return {
    subject: flatten(cert.subject),
    issuer: flatten(cert.issuer),
    subjectAltNames: parseSubjectAltNames(cert.subjectaltname),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    validTo: Date.parse(cert.valid_to),
  };
}

/** Node gives a repeated attribute (two OUs, say) as an array: keep the first. */
function flatten(names: object | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(names ?? {}) as [string, unknown][]) {
    if (typeof value === "string") out[key] = value;
    else if (Array.isArray(value) && typeof value[0] === "string") out[key] = value[0];
  }
  return out;
}

/**
 * Parses Node's `subjectaltname` text: `DNS:a.example, URI:spiffe://x, email:a@b, IP Address:10.0.0.1`.
 * Node quotes (as a JSON string) a value that contains a comma or a quote.
 */
export function parseSubjectAltNames(text: string | undefined): SubjectAltName[] {
  if (text === undefined || text === "") return [];
  const names: SubjectAltName[] = [];
  const pattern = /(DNS|email|URI|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const match of text.matchAll(pattern)) {
    const type = SAN_TYPES[match[1] ?? ""];
    const raw = match[2] ?? "";
    if (type === undefined) continue;
    names.push({ type, value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return names;
}
