/**
 * The security variant's setup (`sb-secure`, issue 4): JWT authentication with an ES256 key pair made
 * for the run, and 20 authorization rules of the kind a deployment has, 2 of which grant what the
 * bench's clients do (publishers publish to `bench/<i>`, the subscriber reads `bench/#`). The others
 * cover other roles and topics, including deny rules that every request is checked against, since
 * rules are evaluated deny-first (src/auth/authorization/, docs/security.md).
 * @module
 */

import { generateKeyPairSync } from "node:crypto";
import type { ClientAuth } from "../lib/types.js";

const ISSUER = "switchboard-bench";
const AUDIENCE = "switchboard";
/** The tenant of every token: the clients' topics are mounted under it. */
export const SECURE_TENANT = "bench";
const PUBLISHER_ROLE = "sensor";
const SUBSCRIBER_ROLE = "collector";

export interface AuthorizationRule {
  readonly effect: "allow" | "deny";
  readonly action: "publish" | "subscribe" | "receive" | "read" | "all";
  readonly topic: string;
  readonly role?: string;
  readonly tenant?: string;
}

export const BENCH_RULES: readonly AuthorizationRule[] = [
  { effect: "deny", action: "all", topic: "bench/+/secret" },
  { effect: "deny", action: "all", topic: "bench/quarantine/#" },
  { effect: "deny", action: "all", topic: "admin/#", role: PUBLISHER_ROLE },
  { effect: "deny", action: "publish", topic: "alerts/#", role: PUBLISHER_ROLE },
  { effect: "deny", action: "subscribe", topic: "firmware/+/signing/#" },
  { effect: "deny", action: "all", topic: "tenants/+/private/#", tenant: "guests" },
  { effect: "allow", action: "publish", topic: "bench/+", role: PUBLISHER_ROLE },
  { effect: "allow", action: "read", topic: "bench/#", role: SUBSCRIBER_ROLE },
  { effect: "allow", action: "publish", topic: "sensors/%c/#", role: PUBLISHER_ROLE },
  { effect: "allow", action: "read", topic: "sensors/%c/#" },
  { effect: "allow", action: "read", topic: "commands/%c/#", role: PUBLISHER_ROLE },
  { effect: "allow", action: "publish", topic: "commands/+/#", role: "operator" },
  { effect: "allow", action: "read", topic: "alerts/#", role: "operator" },
  { effect: "allow", action: "all", topic: "tenants/%t/shared/#" },
  { effect: "allow", action: "publish", topic: "status/%c" },
  { effect: "allow", action: "read", topic: "status/+", role: "operator" },
  { effect: "allow", action: "read", topic: "firmware/+/latest", role: PUBLISHER_ROLE },
  { effect: "allow", action: "publish", topic: "telemetry/%u/#", role: PUBLISHER_ROLE },
  { effect: "allow", action: "read", topic: "telemetry/#", role: "analytics" },
  { effect: "allow", action: "read", topic: "replies/%c/#" },
];

/** A fresh ES256 key pair: the broker gets the public key, the load generator the private one. */
export function benchKeyPair(): { readonly publicKeyPem: string; readonly privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/** The configuration file's content (JSON, which is YAML) beyond what every `sb` variant gets. */
export function secureConfig(publicKeyPem: string): Record<string, unknown> {
  return {
    auth: {
      allowAnonymous: false,
      jwt: {
        providers: [
          {
            name: "bench",
            issuer: ISSUER,
            audience: [AUDIENCE],
            algorithms: ["ES256"],
            publicKey: publicKeyPem,
            tenant: SECURE_TENANT,
            claims: { roles: "roles" },
          },
        ],
      },
    },
    authorization: { rules: BENCH_RULES, noMatch: "deny" },
  };
}

/** What the load generator needs to sign each client's token. */
export function benchClientAuth(privateKeyPem: string): ClientAuth {
  return {
    kind: "jwt",
    algorithm: "ES256",
    privateKeyPem,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresInSeconds: 3600,
    publisherRoles: [PUBLISHER_ROLE],
    subscriberRoles: [SUBSCRIBER_ROLE],
  };
}
