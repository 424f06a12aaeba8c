/**
 * The link `createAuthenticators` puts right after the last password link of the chain (`password`,
 * `registry`): a user name with a password that every password link deferred (no such name) costs one
 * scrypt check against a dummy hash here, then is deferred. The password links themselves check only
 * names they know, so an unknown name costs one check, as a known name with a wrong password does,
 * whichever link knows it and in whatever order: had each link paid for the names it does not know, an
 * unknown name would cost one check per link, and a name of a later link one more than a name of the
 * first. Only while some password login exists (`active`): with none there are no names to tell apart.
 * @module
 */

import { type AuthenticationResult, type Authenticator, type ConnectAttempt, DEFER } from "../hooks/index.js";
import type { PasswordHash } from "./password-hash.js";
import { dummyPasswordHash, type PasswordVerifier, scryptVerifier } from "./password-verifier.js";

export interface UnknownLoginAuthenticatorOptions {
  /** Whether any password login exists now (asked at each attempt: the registry's change at run time). */
  readonly active: () => boolean;
  /** Default {@link scryptVerifier}. */
  readonly verifier?: PasswordVerifier;
}

export class UnknownLoginAuthenticator implements Authenticator {
  readonly name = "unknown-login";
  readonly #active: () => boolean;
  readonly #verifier: PasswordVerifier;
  readonly #dummy: PasswordHash = dummyPasswordHash();

  constructor(options: UnknownLoginAuthenticatorOptions) {
    this.#active = options.active;
    this.#verifier = options.verifier ?? scryptVerifier;
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    const { username, password } = attempt;
    if (username === undefined || password === undefined || !this.#active()) return DEFER;
    return this.#verifier.verify(password, this.#dummy).then(() => DEFER);
  }
}
