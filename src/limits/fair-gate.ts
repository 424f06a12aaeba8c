/**
 * A bound on costly work (a password hash): at most `concurrency` tasks run at once, at most
 * `maxQueued` wait for a turn, and one key (a client's IP address) holds at most `perKey` places,
 * running or waiting. A task beyond a bound is refused at once, before it starts, so a refusal costs
 * nothing.
 *
 * Waiting tasks are served in turn by key, not in arrival order: each freed place goes to the first key
 * in turn, and a key whose task finished or started goes behind the others, so a key with several
 * tasks waiting does not keep another key's single task behind all of them (a `Map` keeps insertion
 * order: the turn is the order of `#waiting`).
 * @module
 */

export interface FairGateOptions {
  /** Tasks running at once (at least 1). */
  readonly concurrency: number;
  /** Tasks waiting for a turn (0: none wait, a task that cannot start at once is refused). */
  readonly maxQueued: number;
  /** Places, running or waiting, one key holds (at least 1). */
  readonly perKey: number;
}

/** Why a task was refused: its key already holds `perKey` places, or every place is taken. */
export type GateRefusal = "key" | "full";

export class FairGate {
  readonly #options: FairGateOptions;
  /** Places (running or waiting) per key; a key with none is not kept. */
  readonly #held = new Map<string, number>();
  /** The waiting tasks' starts, per key, keys in the order they are to be served. */
  readonly #waiting = new Map<string, (() => void)[]>();
  #running = 0;
  #queued = 0;
  /** The most tasks that ever ran at once. */
  peak = 0;

  constructor(options: FairGateOptions) {
    this.#options = options;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting now. */
  get queued(): number {
    return this.#queued;
  }

  /** Keys holding a place now. */
  get keys(): number {
    return this.#held.size;
  }

  /**
   * Runs `task` for `key` when a place is free: its result (the place is given back once it settles),
   * or, at once and without calling it, why it was refused.
   * @example
   * ```ts
   * const outcome = gate.run("203.0.113.7", () => verifyPassword(password, hash));
   * if (typeof outcome === "string") refuse(outcome); // "key" or "full"
   * else allowed = await outcome;
   * ```
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T> | GateRefusal {
    const { concurrency, maxQueued, perKey } = this.#options;
    const held = this.#held.get(key) ?? 0;
    if (held >= perKey) return "key";
    const startNow = this.#running < concurrency;
    if (!startNow && this.#queued >= maxQueued) return "full";
    this.#held.set(key, held + 1);
    if (startNow) {
      this.#running++;
      return this.#start(key, task);
    }
    this.#queued++;
    return new Promise<void>((resolve) => {
      const waiting = this.#waiting.get(key);
      if (waiting === undefined) this.#waiting.set(key, [resolve]);
      else waiting.push(resolve);
    }).then(() => this.#start(key, task));
  }

  /** Runs a task whose place is counted in `#running`. */
  #start<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.#running > this.peak) this.peak = this.#running;
    let result: Promise<T>;
    try {
      result = task();
    } catch (error) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return result.finally(() => this.#finished(key));
  }

  /** A task settled: its key gives back its place, and the next key in turn starts one of its own. */
  #finished(key: string): void {
    this.#running--;
    const held = this.#held.get(key)! - 1;
    if (held > 0) this.#held.set(key, held);
    else this.#held.delete(key);
    // the key just served goes behind the others waiting
    const own = this.#waiting.get(key);
    if (own !== undefined) {
      this.#waiting.delete(key);
      this.#waiting.set(key, own);
    }
    const next = this.#waiting.entries().next().value;
    if (next === undefined) return;
    const [nextKey, starts] = next;
    const start = starts.shift()!;
    // served: to the back of the turn, or out of it when it has nothing else waiting
    this.#waiting.delete(nextKey);
    if (starts.length > 0) this.#waiting.set(nextKey, starts);
    this.#queued--;
    this.#running++;
    start();
  }
}
