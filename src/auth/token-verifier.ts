/**
 * Logins that carry a bare token (a user API token, a JWT, an API key) where the authenticator is not
 * the one that knows tokens: Gooee's `authorization` login, PlaceOS's `/api/mqtt` endpoint. Each asks
 * {@link TokenVerifier}s in order; the first answer that is not `defer` stands.
 * @module
 */

import {
  type AuthenticationResult,
  type Authenticator,
  type AuthenticatorHost,
  type ConnectAttempt,
  isPromise,
} from "../hooks/index.js";

/** Checks a token: `allow` with its principal, `deny`, or `defer` when it is not one it knows. */
export interface TokenVerifier {
  readonly name: string;
  verifyToken(token: string, attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult>;
  /** Passed on from the login's authenticator (e.g. so that revoking a key disconnects its clients). */
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

/**
 * Asks `verifiers` in order about `token`. Every one deferring, or a multi-step answer (which has no
 * place in a password login): `unknown`.
 */
export function verifyToken(
  verifiers: readonly TokenVerifier[],
  token: string,
  attempt: ConnectAttempt,
  unknown: AuthenticationResult,
  from = 0,
): AuthenticationResult | Promise<AuthenticationResult> {
  for (let i = from; i < verifiers.length; i++) {
    const result = verifiers[i]!.verifyToken(token, attempt);
    if (isPromise(result))
      return result.then((r) =>
        r.kind === "defer" ? verifyToken(verifiers, token, attempt, unknown, i + 1) : settled(r, unknown),
      );
    if (result.kind !== "defer") return settled(result, unknown);
  }
  return unknown;
}

function settled(result: AuthenticationResult, unknown: AuthenticationResult): AuthenticationResult {
  return result.kind === "continue" ? unknown : result;
}
