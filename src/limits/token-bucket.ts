/**
 * A token bucket without timers: the refill is computed from the time elapsed since the last take, so
 * a bucket costs nothing while nobody uses it and a million of them need no timer at all.
 *
 * The bucket holds up to `burst` tokens and gains `rate` tokens per second. `take(now, cost)` succeeds
 * when the bucket holds `cost` tokens and removes them. A cost above `burst` could never be paid, so
 * such a take succeeds when the bucket is full and leaves it in debt (negative): a large message is let
 * through, and the next one waits until the average rate is back under `rate`.
 * @module
 */

export class TokenBucket {
  /** Tokens gained per second. */
  readonly rate: number;
  /** Most tokens the bucket holds. */
  readonly burst: number;
  #tokens: number;
  #last: number;

  /**
   * A full bucket.
   * @param now milliseconds since the epoch
   * @example
   * ```ts
   * const bucket = new TokenBucket(10, 20, Date.now()); // 10 per second, bursts of 20
   * if (!bucket.take(Date.now())) refuse();
   * ```
   */
  constructor(rate: number, burst: number, now: number) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Tokens available at `now` (after the refill; may be negative while in debt). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes `cost` tokens at `now` when the bucket has them (see the module comment for large costs). */
  take(now: number, cost = 1): boolean {
    this.#refill(now);
    if (this.#tokens < Math.min(cost, this.burst)) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Whether the bucket is full at `now`: it then remembers nothing and may be forgotten. */
  full(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.burst;
  }

  #refill(now: number): void {
    const elapsed = now - this.#last;
    if (elapsed <= 0) return;
    this.#last = now;
    const tokens = this.#tokens + (elapsed * this.rate) / 1000;
    this.#tokens = tokens > this.burst ? this.burst : tokens;
  }
}
