/**
 * User name and password against the users of the configuration file (`auth.users`), whose passwords
 * are stored as scrypt hashes (`password-hash.ts`).
 *
 * Answers: no user name, no password, or a user name it does not know: `defer` (another authenticator
 * may know the client). A known user with the right password: `allow`; with a wrong one: `deny` 0x86.
 * A known name costs one scrypt check, an unknown one none here: the chain's `unknown-login` link pays
 * one for it once every password link has deferred (`unknown-login-authenticator.ts`), so the time of
 * the answer does not tell which user names exist, however many password links the chain has. Checks go
 * through the broker's bound on password checks (`password-checks.ts`): one it does not compute refuses
 * the client at once (0x9F or 0x89).
 * @module
 */

import type { UserConfig } from "../config/index.js";
import {
  type AuthenticationResult,
  type Authenticator,
  type ConnectAttempt,
  DEFER,
  deny,
  type Principal,
} from "../hooks/index.js";
import { ReasonCode } from "../protocol/index.js";
import { parsePasswordHash, type PasswordHash } from "./password-hash.js";
import { PasswordChecks } from "./password-checks.js";
import { makePrincipal } from "./principals.js";

interface UserEntry {
  readonly hash: PasswordHash;
  readonly principal: Principal;
}

export interface PasswordAuthenticatorOptions {
  /** The checks of every password link (shared, so their bound is one). Default: its own, with scrypt. */
  readonly checks?: PasswordChecks;
}

export class PasswordAuthenticator implements Authenticator {
  readonly name = "password";
  readonly #users = new Map<string, UserEntry>();
  readonly #checks: PasswordChecks;

  constructor(users: readonly UserConfig[], options: PasswordAuthenticatorOptions = {}) {
    for (const user of users) {
      this.#users.set(user.username, {
        hash: parsePasswordHash(user.password),
        principal: makePrincipal({
          id: user.username,
          tenant: user.tenant,
          roles: user.roles,
          attributes: { credential: "password" },
        }),
      });
    }
    this.#checks = options.checks ?? new PasswordChecks();
  }

  /** How many users are configured. */
  get size(): number {
    return this.#users.size;
  }

  async authenticate(attempt: ConnectAttempt): Promise<AuthenticationResult> {
    const { username, password } = attempt;
    const user = username === undefined ? undefined : this.#users.get(username);
    if (user === undefined || password === undefined) return DEFER;
    const verdict = await this.#checks.verify(password, user.hash, attempt);
    if (verdict === true) return { kind: "allow", principal: user.principal };
    if (verdict === false) return deny(ReasonCode.BadUserNameOrPassword, "Bad user name or password");
    return verdict; // not checked: too many checks
  }
}
