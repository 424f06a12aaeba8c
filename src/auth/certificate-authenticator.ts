/**
 * TLS client certificates (`auth.certificates`): the identity chosen by `identity` (the subject's CN, a
 * subject alternative name, or the fingerprint) of a certificate the listener's CA bundle verified
 * becomes the principal id; its tenant and roles come from `mappings`, else the defaults.
 *
 * Answers: no verified certificate, or one without the chosen identity: `defer`. An identity without a
 * mapping when `requireMapping` is set: `deny` 0x87. Otherwise `allow` (the user name, if any, is not
 * used: the certificate is the stronger credential).
 * @module
 */

import type { CertificateAuthConfig, CertificateIdentity, CertificateMapping } from "../config/index.js";
import {
  type AuthenticationResult,
  type Authenticator,
  type ConnectAttempt,
  DEFER,
  deny,
  type PeerCertificate,
} from "../hooks/index.js";
import { ReasonCode } from "../protocol/index.js";
import { makePrincipal } from "./principals.js";

/** The identity `kind` names in `certificate`, or undefined when it has none. */
export function certificateIdentity(
  certificate: PeerCertificate,
  kind: CertificateIdentity,
): string | undefined {
  switch (kind) {
    case "cn":
      return nonEmpty(certificate.subject["CN"]);
    case "fingerprint":
      return certificate.fingerprint256;
    case "san-dns":
    case "san-email":
    case "san-uri":
    case "san-ip": {
      const type = kind.slice("san-".length);
      return nonEmpty(certificate.subjectAltNames.find((name) => name.type === type)?.value);
    }
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

export class CertificateAuthenticator implements Authenticator {
  readonly name = "certificate";
  readonly #config: CertificateAuthConfig;
  readonly #mappings: ReadonlyMap<string, CertificateMapping>;

  constructor(config: CertificateAuthConfig) {
    this.#config = config;
    this.#mappings = new Map(config.mappings.map((m) => [m.identity, m]));
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult {
    const certificate = attempt.certificate;
    if (certificate === undefined) return DEFER;
    const identity = certificateIdentity(certificate, this.#config.identity);
    if (identity === undefined) return DEFER;
    const mapping = this.#mappings.get(identity);
    if (mapping === undefined && this.#config.requireMapping)
      return deny(ReasonCode.NotAuthorized, "The certificate's identity has no mapping");
    return {
      kind: "allow",
      principal: makePrincipal({
        id: identity,
        tenant: mapping?.tenant ?? this.#config.tenant,
        roles: mapping?.roles ?? this.#config.roles,
        attributes: { credential: "certificate", fingerprint: certificate.fingerprint256 },
      }),
    };
  }
}
