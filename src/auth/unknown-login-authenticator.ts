/**
 * The link `createAuthenticators` puts right after the last password link of the chain (`password`,
 * `registry`): a user name with a password that every password link deferred (no such name) costs one
 * scrypt check against a dummy hash here, then is deferred. The password links themselves check only
 * names they know, so an unknown name costs one check, as a known name with a wrong password does,
 * whichever link knows it and in whatever order: had each link paid for the names it does not know, an
 * unknown name would cost one check per link, and a name of a later link one more than a name of the
 * first. Only while some password login exists (`active`): with none there are no names to tell apart.
 * Its check goes through the same bound as the password links' (`password-checks.ts`), so an unknown
 * name is refused at once exactly when a known one would be.
 * @module
 */

import { type AuthenticationResult, type Authenticator, type ConnectAttempt, DEFER } from "../hooks/index.js";
import { PasswordChecks } from "./password-checks.js";
import type { PasswordHash } from "./password-hash.js";
import { dummyPasswordHash } from "./password-verifier.js";

export interface UnknownLoginAuthenticatorOptions {
  /** Whether any password login exists now (asked at each attempt: the registry's change at run time). */
  readonly active: () => boolean;
  /** The password links' checks (their bound). Default: its own, with scrypt. */
  readonly checks?: PasswordChecks;
}

export class UnknownLoginAuthenticator implements Authenticator {
  readonly name = "unknown-login";
  readonly #active: () => boolean;
  readonly #checks: PasswordChecks;
  readonly #dummy: PasswordHash = dummyPasswordHash();

  constructor(options: UnknownLoginAuthenticatorOptions) {
    this.#active = options.active;
    this.#checks = options.checks ?? new PasswordChecks();
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    const { username, password } = attempt;
    if (username === undefined || password === undefined || !this.#active()) return DEFER;
    // the answer of a dummy hash is ignored; a refusal (not checked: too many checks) stands
    return this.#checks
      .verify(password, this.#dummy, attempt)
      .then((verdict) => (typeof verdict === "boolean" ? DEFER : verdict));
  }
}
