/**
 * User name and password against the users of the configuration file (`auth.users`), whose passwords
 * are stored as scrypt hashes (`password-hash.ts`).
 *
 * Answers: no user name, no password, or a user name it does not know: `defer` (another authenticator
 * may know the client). A known user with the right password: `allow`; with a wrong one: `deny` 0x86.
 * An unknown user name still costs one scrypt check against a dummy hash, so the time of the answer
 * does not tell which user names exist.
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
import { parsePasswordHash, type PasswordHash, verifyPassword } from "./password-hash.js";
import { makePrincipal } from "./principals.js";

interface UserEntry {
  readonly hash: PasswordHash;
  readonly principal: Principal;
}

export class PasswordAuthenticator implements Authenticator {
  readonly name = "password";
  readonly #users = new Map<string, UserEntry>();
  /** Checked for unknown user names, with the cost of the first user's hash. */
  readonly #dummy: PasswordHash | undefined;

  constructor(users: readonly UserConfig[]) {
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
    const first = this.#users.values().next().value;
    this.#dummy = first === undefined ? undefined : { ...first.hash, salt: Buffer.alloc(16, 1) };
  }

  /** How many users are configured. */
  get size(): number {
    return this.#users.size;
  }

  async authenticate(attempt: ConnectAttempt): Promise<AuthenticationResult> {
    const { username, password } = attempt;
    if (username === undefined || password === undefined || this.#dummy === undefined) return DEFER;
    const user = this.#users.get(username);
    if (user === undefined) {
      await verifyPassword(password, this.#dummy);
      return DEFER;
    }
    if (await verifyPassword(password, user.hash)) return { kind: "allow", principal: user.principal };
    return deny(ReasonCode.BadUserNameOrPassword, "Bad user name or password");
  }
}
