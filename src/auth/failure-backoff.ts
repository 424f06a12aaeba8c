/**
 * Exponential backoff of failed authentications, per IP address and per user name: the refusal of
 * the n-th failure within `resetAfter` of the previous one waits `initialDelay x 2^(n-1)`, at most
 * `maxDelay`, where n is the larger of the address's and the user name's counts. A success clears
 * both. Guessing passwords from one address, or against one user from many addresses, gets slower
 * and slower, while a client that mistyped once barely notices.
 *
 * The backoff also limits the work, not only the answers: {@link FailureBackoff.pending} tells how long
 * a new attempt from an address must wait before it is checked at all (until the refusal of the
 * address's last failure is due), so parallel connections cannot each have their password hashed while
 * the first refusals wait.
 *
 * The table is bounded (`maxEntries`): the least recently failing keys are forgotten first (a `Map`
 * keeps insertion order, and a failing key is moved to the end). Time is passed in.
 * @module
 */

export interface FailureBackoffOptions {
  /** Milliseconds for the first failure; 0 disables the backoff. */
  readonly initialDelay: number;
  readonly maxDelay: number;
  /** Milliseconds without failure after which a key starts afresh. */
  readonly resetAfter: number;
  readonly maxEntries: number;
}

/** Who failed: the client's IP address and the user name it sent, if any. */
export interface FailureKeys {
  readonly address: string;
  readonly username: string | undefined;
}

interface Entry {
  count: number;
  lastAt: number;
}

export class FailureBackoff {
  readonly #options: FailureBackoffOptions;
  readonly #entries = new Map<string, Entry>();
  /** Failures recorded since start. */
  failures = 0;
  /** Refusals that were delayed. */
  delayed = 0;

  constructor(options: FailureBackoffOptions) {
    this.#options = options;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Records a failure; returns how long its refusal waits, in milliseconds. */
  failed(keys: FailureKeys, now: number): number {
    this.failures++;
    if (this.#options.initialDelay === 0) return 0;
    let count = this.#bump(`ip:${keys.address}`, now);
    if (keys.username !== undefined) count = Math.max(count, this.#bump(`user:${keys.username}`, now));
    const delay = this.#delay(count);
    if (delay > 0) this.delayed++;
    return delay;
  }

  /**
   * Milliseconds until the refusal of the last failure of `address` is due (0 when it is, or when the
   * address has none): how long a new attempt from it waits before it is checked. By the address only,
   * not the user name: anyone may send a user name, and its count would then hold back its owner's
   * right logins, too.
   */
  pending(address: string, now: number): number {
    if (this.#options.initialDelay === 0) return 0;
    const entry = this.#entries.get(`ip:${address}`);
    if (entry === undefined || now - entry.lastAt >= this.#options.resetAfter) return 0;
    return Math.max(0, entry.lastAt + this.#delay(entry.count) - now);
  }

  /** Clears the counts of the address and the user name. */
  succeeded(keys: FailureKeys): void {
    this.#entries.delete(`ip:${keys.address}`);
    if (keys.username !== undefined) this.#entries.delete(`user:${keys.username}`);
  }

  /** The wait of the `count`-th failure. */
  #delay(count: number): number {
    return Math.min(this.#options.maxDelay, this.#options.initialDelay * 2 ** Math.min(count - 1, 30));
  }

  #bump(key: string, now: number): number {
    const entry = this.#entries.get(key);
    const count = entry !== undefined && now - entry.lastAt < this.#options.resetAfter ? entry.count + 1 : 1;
    this.#entries.delete(key);
    this.#entries.set(key, { count, lastAt: now });
    if (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return count;
  }
}

/** The IP address of an `ip:port` remote address (`[::1]:5000` and `::1:5000` give `::1`). */
export function addressOf(remote: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(remote);
  if (bracketed) return bracketed[1]!;
  const colon = remote.lastIndexOf(":");
  return colon > 0 && /^\d+$/.test(remote.slice(colon + 1)) ? remote.slice(0, colon) : remote;
}
