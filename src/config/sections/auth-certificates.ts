/**
 * `auth.certificates`: TLS client certificates as identities (the listener must request them, see
 * `listeners[].tls.requestCert`).
 * @module
 */

import { type JsonSchema, type PropertiesOf, section, valuesOf } from "../schema-support.js";
import { rolesSchema, tenantSchema } from "./principal-mapping.js";

/** Which part of a certificate is the identity. */
export type CertificateIdentity = "cn" | "san-dns" | "san-email" | "san-uri" | "san-ip" | "fingerprint";

export interface CertificateMapping {
  /** The identity (as chosen by `identity`) this entry applies to. */
  readonly identity: string;
  readonly tenant: string;
  readonly roles: readonly string[];
}

export interface CertificateAuthConfig {
  readonly identity: CertificateIdentity;
  readonly tenant: string;
  readonly roles: readonly string[];
  readonly mappings: readonly CertificateMapping[];
  /** Whether certificates whose identity has no mapping are refused. */
  readonly requireMapping: boolean;
}

export const certificateIdentities = valuesOf<CertificateIdentity>({
  cn: 0,
  "san-dns": 0,
  "san-email": 0,
  "san-uri": 0,
  "san-ip": 0,
  fingerprint: 0,
});

const certificateProperties: PropertiesOf<CertificateAuthConfig> = {
  identity: {
    type: "string",
    enum: certificateIdentities,
    default: "cn",
    description:
      "What of a verified client certificate becomes the principal id: the subject's common name (`cn`), the first subject alternative name of a type (`san-dns`, `san-email`, `san-uri`, e.g. a SPIFFE id, `san-ip`), or the SHA-256 `fingerprint`. A certificate without it is not used.",
  },
  tenant: tenantSchema("The tenant of certificate principals that no mapping names."),
  roles: rolesSchema("The roles of certificate principals that no mapping names."),
  mappings: {
    type: "array",
    default: [],
    description: "Tenant and roles per identity, overriding `tenant` and `roles`.",
    items: {
      type: "object",
      description: "The tenant and roles of one certificate identity.",
      additionalProperties: false,
      required: ["identity"],
      properties: {
        identity: { type: "string", minLength: 1, description: "The identity, exactly." },
        tenant: tenantSchema("The tenant of this identity's principal."),
        roles: rolesSchema("The roles of this identity's principal."),
      },
    },
  },
  requireMapping: {
    type: "boolean",
    default: false,
    description:
      "Whether a certificate whose identity no mapping names is refused (0x87), instead of getting `tenant` and `roles`.",
  },
};

export const certificatesSchema: JsonSchema = section(
  "TLS client certificates as identities. Only certificates the listener's CA bundle verified are used.",
  certificateProperties,
);
