/**
 * Test helpers for the tenancy, authorization and limits tests: an authenticator that maps user names
 * to tenants and roles (no passwords), a seeded random generator, and small MQTT.js helpers.
 * @module
 */

import type { AuthenticationResult, Authenticator } from "../../src/hooks/authenticator.js";
import { deny } from "../../src/hooks/decision.js";
import { ANONYMOUS_PRINCIPAL, DEFAULT_TENANT } from "../../src/hooks/principal.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";

export interface TestUser {
  /** Defaults to the default tenant. */
  readonly tenant?: string;
  readonly roles?: readonly string[];
}

/**
 * Accepts the user names in `users` (any password) as principals of their tenant and roles; refuses
 * other user names with 0x86 and clients without one with 0x87 (unless `anonymous` is set, then they
 * get the anonymous principal of the default tenant).
 */
export function tenantAuthenticator(
  users: Readonly<Record<string, TestUser>>,
  options: { readonly anonymous?: boolean } = {},
): Authenticator {
  return {
    name: "test-tenants",
    authenticate(attempt): AuthenticationResult {
      const username = attempt.username;
      if (username === undefined) {
        return options.anonymous === true
          ? { kind: "allow", principal: ANONYMOUS_PRINCIPAL }
          : deny(ReasonCode.NotAuthorized, "A user name is required");
      }
      const user = users[username];
      if (user === undefined) return deny(ReasonCode.BadUserNameOrPassword, "Unknown user");
      return {
        kind: "allow",
        principal: {
          ...ANONYMOUS_PRINCIPAL,
          id: username,
          anonymous: false,
          tenant: user.tenant ?? DEFAULT_TENANT,
          roles: user.roles ?? [],
        },
      };
    },
  };
}

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export class Random {
  readonly seed: number;
  #state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
    return items[this.int(items.length)]!;
  }
}

/** The seed to use: `$SEED` when set (to replay a failure), else a fresh one. */
export function testSeed(): number {
  const fromEnv = process.env["SEED"];
  if (fromEnv !== undefined && fromEnv !== "") return Number(fromEnv) >>> 0;
  return Math.floor(Math.random() * 4_294_967_296);
}
