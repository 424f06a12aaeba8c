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
import { ReasonCode } from "../../../protocol/index.js";

/** The literal user name of a Gooee login. */
export const GOOEE_LOGIN = "authorization";

/** Checks a user API token: `allow` with its principal, `deny`, or `defer` when it is not one it knows. */
export interface TokenVerifier {
  readonly name: string;
  verifyToken(token: string, attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult>;
  /** Passed on from the Gooee authenticator (e.g. so that revoking a key disconnects its clients). */
  attach?(host: AuthenticatorHost): void;
}

/**
 * An authenticator that takes a bare token as the password (no user name: the API key and JWT
 * authenticators do) as a {@link TokenVerifier}.
 */
export function tokenVerifier(authenticator: Authenticator): TokenVerifier {
  const encoder = new TextEncoder();
  return {
    name: authenticator.name,
    verifyToken: (token, attempt) =>
      authenticator.authenticate({ ...attempt, username: undefined, password: encoder.encode(token) }),
    attach: (host) => authenticator.attach?.(host),
  };
}

const decoder = new TextDecoder();

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

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
    return this.#verify(decoder.decode(attempt.password), attempt, 0);
  }

  #verify(
    token: string,
    attempt: ConnectAttempt,
    from: number,
  ): AuthenticationResult | Promise<AuthenticationResult> {
    for (let i = from; i < this.#verifiers.length; i++) {
      const result = this.#verifiers[i]!.verifyToken(token, attempt);
      if (isPromise(result))
        return result.then((r) => (r.kind === "defer" ? this.#verify(token, attempt, i + 1) : settled(r)));
      if (result.kind !== "defer") return settled(result);
    }
    return deny(ReasonCode.BadUserNameOrPassword, "Unknown user API token");
  }
}

/** A multi-step answer has no place in a password login. */
function settled(result: AuthenticationResult): AuthenticationResult {
  return result.kind === "continue"
    ? deny(ReasonCode.BadUserNameOrPassword, "Unknown user API token")
    : result;
}
