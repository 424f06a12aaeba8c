/**
 * The login of PlaceOS's MQTT API for users (`/api/mqtt`, seed 001): the user name and the password
 * are both the user's JWT or API key (PlaceOS's X-API-Key); the password is read, else the user name.
 * The token is checked by the {@link TokenVerifier}s (the JWT providers, the configured and the
 * registry's API keys), so an expired token is refused and a live connection ends at its `exp`, as on
 * any listener. Only connections that came through the API's path (`endpoint: placeos-api`) are this
 * authenticator's: it answers every one of them (never `defer`), and defers all others.
 *
 * Refusals (CONNACK): no token, or one no verifier knows: 0x86 Bad User Name or Password; an MQTT 5
 * Authentication Method: 0x8C Bad authentication method; a tenant without the `placeos` dialect, or no
 * org to limit the user to (see `resolveApiOrg`): 0x87 Not authorized. A verifier's own refusal (an
 * expired token, a revoked key) stands. The principal is the token's, with the attributes `endpoint:
 * placeos-api` and `org`.
 * @module
 */

import { type TokenVerifier, verifyToken } from "../../../auth/token-verifier.js";
import { makePrincipal } from "../../../auth/principals.js";
import {
  type AuthenticationResult,
  type Authenticator,
  type AuthenticatorHost,
  type ConnectAttempt,
  DEFER,
  deny,
  isPromise,
} from "../../../hooks/index.js";
import { ReasonCode } from "../../../protocol/index.js";
import type { Zone } from "../../registry/model.js";
import type { DialectLayer } from "../dialect-layer.js";
import { PLACEOS_API_ENDPOINT, resolveApiOrg } from "./placeos-api.js";
import type { PlaceosDialect } from "./placeos-dialect.js";
import { PLACEOS } from "./placeos-topics.js";

export interface PlaceosApiAuthenticatorOptions {
  readonly verifiers: readonly TokenVerifier[];
  /** Whether the tenant has the `placeos` dialect now. */
  hasDialect(tenant: string): boolean;
  /** The org zones of a tenant now. */
  orgs(tenant: string): readonly Zone[];
}

const decoder = new TextDecoder();
const UNKNOWN_TOKEN = deny(ReasonCode.BadUserNameOrPassword, "Unknown, expired or revoked JWT or API key");
const NO_TOKEN = deny(
  ReasonCode.BadUserNameOrPassword,
  "The PlaceOS API takes the user's JWT or X-API-Key as user name and password",
);
const NO_METHOD = deny(
  ReasonCode.BadAuthenticationMethod,
  "The PlaceOS API takes the user's JWT or X-API-Key as user name and password, not an Authentication Method",
);

export class PlaceosApiAuthenticator implements Authenticator {
  readonly name = "placeosApi";
  readonly #options: PlaceosApiAuthenticatorOptions;

  constructor(options: PlaceosApiAuthenticatorOptions) {
    this.#options = options;
  }

  attach(host: AuthenticatorHost): void {
    for (const verifier of this.#options.verifiers) verifier.attach?.(host);
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    if (attempt.endpoint !== PLACEOS_API_ENDPOINT) return DEFER;
    if (attempt.authenticationMethod !== undefined) return NO_METHOD;
    const { password, username } = attempt;
    const token =
      password !== undefined && password.byteLength > 0 ? decoder.decode(password) : (username ?? "");
    if (token === "") return NO_TOKEN;
    const result = verifyToken(this.#options.verifiers, token, attempt, UNKNOWN_TOKEN);
    return isPromise(result) ? result.then((r) => this.#limit(r)) : this.#limit(result);
  }

  /** The verified principal, limited to its org on the API; refusals as they are. */
  #limit(result: AuthenticationResult): AuthenticationResult {
    if (result.kind === "defer" || result.kind === "continue") return UNKNOWN_TOKEN;
    if (result.kind === "deny") return result;
    const { principal } = result;
    if (!this.#options.hasDialect(principal.tenant))
      return deny(ReasonCode.NotAuthorized, `Tenant "${principal.tenant}" does not have the PlaceOS API`);
    const org = resolveApiOrg(principal, this.#options.orgs(principal.tenant));
    if (!org.ok) return deny(ReasonCode.NotAuthorized, org.reason);
    return {
      kind: "allow",
      principal: makePrincipal({
        id: principal.id,
        tenant: principal.tenant,
        roles: principal.roles,
        scopes: principal.scopes,
        expiresAt: principal.expiresAt,
        attributes: { ...principal.attributes, endpoint: PLACEOS_API_ENDPOINT, org: org.org },
      }),
    };
  }
}

/**
 * The API's authenticator for a dialect layer: its tenants that have `placeos`, and the org zones of
 * the layer's registry under the PlaceOS dialect's hierarchy. Undefined when the layer has no PlaceOS
 * dialect.
 */
export function placeosApiAuthenticator(
  layer: DialectLayer,
  verifiers: readonly TokenVerifier[],
): PlaceosApiAuthenticator | undefined {
  const dialect = layer.dialect(PLACEOS) as PlaceosDialect | undefined;
  if (dialect === undefined) return undefined;
  const { feed } = layer;
  return new PlaceosApiAuthenticator({
    verifiers,
    hasDialect: (tenant) => layer.forTenant(tenant).dialects.some((d) => d.dialect.name === PLACEOS),
    orgs: (tenant) =>
      feed === undefined
        ? []
        : feed.list("zones", { tenant, filter: (zone) => dialect.hierarchy.isOrg(zone as Zone) }).items,
  });
}
