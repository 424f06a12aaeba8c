/**
 * The bound on password checks (`auth.passwordChecks`): every scrypt computation of a login (the
 * password links' checks, and the `unknown-login` link's check of a name nobody has) goes through one
 * {@link PasswordChecks}, shared by all of them, which runs at most `concurrency` at once, lets at most
 * `maxQueued` wait, and lets one IP address hold at most `perAddress` of these places (`FairGate`).
 *
 * A check beyond a bound is not computed: the login is refused at once, 0x9F Connection rate exceeded
 * when its address already has `perAddress` checks running or waiting (the client, or its address, is
 * connecting faster than its logins can be checked: it should slow down), 0x89 Server busy when every
 * place is taken (the broker is overloaded, whoever the client is: it may come back later). MQTT 3 has
 * only return code 3 Server unavailable for both. A refusal does not depend on the user name, so it
 * tells nothing about which names exist: a known name and an unknown one both cost one check, or none.
 *
 * Without the bound, each CONNECT with a password costs one 32 MiB, 100 ms scrypt on libuv's thread pool
 * (four threads by default) before any refusal: one address opening connections in parallel queued
 * thousands of checks, and every other login (and the pool's file and DNS work) waited behind them.
 * @module
 */

import type { PasswordChecksConfig } from "../config/index.js";
import { type Deny, deny } from "../hooks/index.js";
import { FairGate, remoteIp } from "../limits/index.js";
import { ReasonCode } from "../protocol/index.js";
import type { PasswordHash } from "./password-hash.js";
import { type PasswordVerifier, scryptVerifier } from "./password-verifier.js";

export interface PasswordCheckLimits {
  /** Checks computed at once (at least 1). */
  readonly concurrency: number;
  /** Checks waiting for one of those places; beyond, refused with 0x89 Server busy. */
  readonly maxQueued: number;
  /** Checks, computed or waiting, of one IP address; beyond, refused with 0x9F Connection rate exceeded. */
  readonly perAddress: number;
}

/** The defaults of `auth.passwordChecks`, for the thread pool's default size of 4. */
export const DEFAULT_PASSWORD_CHECK_LIMITS: PasswordCheckLimits = Object.freeze({
  concurrency: 3,
  maxQueued: 32,
  perAddress: 2,
});

/** What `broker.metrics.limits` counts a refusal under: the bound overall, or the address's. */
export type PasswordCheckLimit = "password-checks" | "password-checks-per-ip";

/** A login refused without a check: a `deny` that says which bound refused it. */
export interface PasswordCheckRefusal extends Deny {
  readonly limit: PasswordCheckLimit;
}

/** Whether a refusal is one of {@link PasswordChecks}' (for load, not for the credential). */
export function isPasswordCheckRefusal(result: Deny): result is PasswordCheckRefusal {
  return "limit" in result;
}

const PER_ADDRESS_REFUSAL: PasswordCheckRefusal = Object.freeze({
  ...deny(ReasonCode.ConnectionRateExceeded, "Too many logins from this address are being checked"),
  limit: "password-checks-per-ip",
});

const BUSY_REFUSAL: PasswordCheckRefusal = Object.freeze({
  ...deny(ReasonCode.ServerBusy, "Too many logins are being checked"),
  limit: "password-checks",
});

/** libuv's default thread pool size, when `UV_THREADPOOL_SIZE` is not set. */
const DEFAULT_THREAD_POOL_SIZE = 4;
/** libuv's largest thread pool. */
const MAX_THREAD_POOL_SIZE = 1024;

/** The threads of libuv's pool, as libuv reads `UV_THREADPOOL_SIZE` (clamped to 1..1024). */
export function threadPoolSize(env: Readonly<Record<string, string | undefined>>): number {
  const size = Number.parseInt(env["UV_THREADPOOL_SIZE"] ?? "", 10);
  if (!Number.isFinite(size) || size < 1) return DEFAULT_THREAD_POOL_SIZE;
  return Math.min(size, MAX_THREAD_POOL_SIZE);
}

/**
 * The limits of `auth.passwordChecks`, with `concurrency: 0` resolved: one fewer than the thread pool's
 * threads (at least 1), so that file I/O, DNS lookups and compression, which share the pool, are never
 * all queued behind 100 ms checks.
 * @example
 * ```ts
 * passwordCheckLimits(config.auth.passwordChecks, threadPoolSize(process.env)); // { concurrency: 3, ... }
 * ```
 */
export function passwordCheckLimits(config: PasswordChecksConfig, poolSize: number): PasswordCheckLimits {
  return {
    concurrency: config.concurrency > 0 ? config.concurrency : Math.max(1, poolSize - 1),
    maxQueued: config.maxQueued,
    perAddress: config.perAddress,
  };
}

/** Counters for `$SYS` and metrics. */
export interface PasswordCheckCounters {
  /** Checks computed. */
  checks: number;
  /** Logins refused because their address had `perAddress` checks running or waiting. */
  refusedPerAddress: number;
  /** Logins refused because every place was taken. */
  refusedBusy: number;
  /** Checks not computed when their turn came: their client was gone. */
  skipped: number;
}

export interface PasswordChecksOptions {
  /** Default {@link scryptVerifier}. */
  readonly verifier?: PasswordVerifier;
  /** Default {@link DEFAULT_PASSWORD_CHECK_LIMITS}. */
  readonly limits?: PasswordCheckLimits;
}

export class PasswordChecks {
  readonly counters: PasswordCheckCounters = { checks: 0, refusedPerAddress: 0, refusedBusy: 0, skipped: 0 };
  readonly #verifier: PasswordVerifier;
  readonly #gate: FairGate;

  constructor(options: PasswordChecksOptions = {}) {
    this.#verifier = options.verifier ?? scryptVerifier;
    const limits = options.limits ?? DEFAULT_PASSWORD_CHECK_LIMITS;
    this.#gate = new FairGate({
      concurrency: limits.concurrency,
      maxQueued: limits.maxQueued,
      perKey: limits.perAddress,
    });
  }

  /** Checks computed now. */
  get running(): number {
    return this.#gate.running;
  }

  /** Checks waiting now. */
  get queued(): number {
    return this.#gate.queued;
  }

  /** The most checks ever computed at once. */
  get peak(): number {
    return this.#gate.peak;
  }

  /**
   * Whether `password` matches `stored` (one check, when its turn comes), or the refusal of a login
   * whose check was not computed (see the module comment). `from` is the login's: its client's address
   * (`ip:port`), and whether the client is gone, in which case a check whose turn comes is skipped
   * (answered false): nobody waits for it, and it would take the place of a live login.
   * @example
   * ```ts
   * const verdict = await checks.verify(attempt.password, hash, attempt);
   * if (typeof verdict !== "boolean") return verdict; // refused without a check
   * ```
   */
  verify(
    password: string | Uint8Array,
    stored: PasswordHash,
    from: { readonly remoteAddress: string; readonly abandoned?: (() => boolean) | undefined },
  ): Promise<boolean | PasswordCheckRefusal> {
    const outcome = this.#gate.run(remoteIp(from.remoteAddress), () => {
      if (from.abandoned?.() === true) {
        this.counters.skipped++;
        return Promise.resolve(false);
      }
      this.counters.checks++;
      return this.#verifier.verify(password, stored);
    });
    switch (outcome) {
      case "key":
        this.counters.refusedPerAddress++;
        return Promise.resolve(PER_ADDRESS_REFUSAL);
      case "full":
        this.counters.refusedBusy++;
        return Promise.resolve(BUSY_REFUSAL);
      default:
        return outcome;
    }
  }
}
