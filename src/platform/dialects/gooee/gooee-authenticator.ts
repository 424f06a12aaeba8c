/**
 * Gooee's login: user name `authorization`, a User API Token as the password (seed 002,
 * "Authentication"). The token is checked by {@link TokenVerifier}s, asked in order: today the API
 * keys of the configuration (`auth.apiKeys`, the `ApiKeyAuthenticator`) and the JWT providers; the
 * registry's API keys when the registry provides a verifier. The principal is the token's.
 *
 * Answers: another user name: `defer` (not a Gooee login). `authorization` without a password, or with
 * a token no verifier knows: `deny` 0x86 Bad User Name or Password. A verifier's own refusal (a revoked
 * or wrong key) stands.
 * @module
 */

import {
  type AuthenticationResult,
  type Authenticator,
  type AuthenticatorHost,
  type ConnectAttempt,
  DEFER,
  deny,
} from "../../../hooks/index.js";
import { type TokenVerifier, verifyToken } from "../../../auth/token-verifier.js";
import { ReasonCode } from "../../../protocol/index.js";

export { type TokenVerifier, tokenVerifier } from "../../../auth/token-verifier.js";

/** The literal user name of a Gooee login. */
export const GOOEE_LOGIN = "authorization";

const decoder = new TextDecoder();
const UNKNOWN_TOKEN = deny(ReasonCode.BadUserNameOrPassword, "Unknown user API token");

export class GooeeAuthenticator implements Authenticator {
  readonly name = "gooee";
  readonly #verifiers: readonly TokenVerifier[];

  constructor(options: { readonly verifiers: readonly TokenVerifier[] }) {
    this.#verifiers = options.verifiers;
  }

  attach(host: AuthenticatorHost): void {
    for (const verifier of this.#verifiers) verifier.attach?.(host);
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    if (attempt.username !== GOOEE_LOGIN) return DEFER;
    if (attempt.password === undefined || attempt.password.byteLength === 0)
      return deny(ReasonCode.BadUserNameOrPassword, "The Gooee login needs a user API token as the password");
    return verifyToken(this.#verifiers, decoder.decode(attempt.password), attempt, UNKNOWN_TOKEN);
  }
}
