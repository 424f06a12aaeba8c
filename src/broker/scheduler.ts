/**
 * One Node timer for every deadline of the broker (keep-alives, connect timeouts, will delays,
 * session expiries), armed for the earliest one. Tasks are objects with a `fire` method, so scheduling
 * allocates no closure.
 * @module
 */

import { DeadlineQueue, type Deadline } from "../session/index.js";

export interface TimedTask {
  fire(now: number): void;
}

/** setTimeout's largest delay; longer deadlines re-arm when it elapses. */
const MAX_TIMER_DELAY = 2_147_483_647;

export class Scheduler {
  readonly #queue = new DeadlineQueue<TimedTask>();
  readonly #now: () => number;
  readonly #failed: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #stopped = false;

  /** `failed` is told about a task that threw; the other due tasks still fire, and the timer is armed again. */
  constructor(now: () => number, failed: (error: unknown) => void) {
    this.#now = now;
    this.#failed = failed;
  }

  get size(): number {
    return this.#queue.size;
  }

  schedule(at: number, task: TimedTask): Deadline<TimedTask> {
    const entry = this.#queue.push(at, task);
    if (at < this.#timerAt) this.#arm();
    return entry;
  }

  cancel(entry: Deadline<TimedTask> | undefined): void {
    if (entry !== undefined) this.#queue.cancel(entry);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #fireDue = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#now();
    for (let entry = this.#queue.popDue(now); entry !== undefined; entry = this.#queue.popDue(now)) {
      try {
        entry.item.fire(now);
      } catch (error) {
        // one failing task (a will through a message stage, a session expiry) must neither take the
        // process down from a timer callback nor leave every later deadline without a timer
        this.#failed(error);
      }
    }
    this.#arm();
  };

  #arm(): void {
    if (this.#stopped) return;
    const next = this.#queue.nextAt;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (next === undefined) return;
    const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, next - this.#now()));
    this.#timerAt = next;
    this.#timer = setTimeout(this.#fireDue, delay);
    this.#timer.unref();
  }
}
