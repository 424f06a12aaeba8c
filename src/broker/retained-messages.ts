/**
 * Retained messages (spec 3.3.1.3): one per topic, replaced by each retained PUBLISH and removed by a
 * retained PUBLISH with an empty payload [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-7]; expired
 * ones are not delivered [MQTT-3.3.2-5], and are removed (from memory and the store) when their Message
 * Expiry Interval has passed, by one scheduler deadline for the earliest, or when a subscription meets
 * them first. Topics are the internal ones: a tenant's retained
 * messages are kept under its mount (`$t/<tenant>/...`) and so only match its own subscriptions; the
 * receive rules are applied when each one is sent (Connection.sendPublish).
 * @module
 */

import type { Store } from "../hooks/index.js";
import { RetainedIndex } from "../routing/index.js";
import {
  compactPayload,
  type Deadline,
  DeadlineQueue,
  isExpired,
  type ApplicationMessage,
} from "../session/index.js";
import type { Scheduler, TimedTask } from "./scheduler.js";

export class RetainedMessages implements TimedTask {
  readonly #index = new RetainedIndex<ApplicationMessage>();
  readonly #store: Store;
  readonly #scheduler: Scheduler | undefined;
  /** When each retained message with an expiry is past it, by topic (a replaced one's is cancelled). */
  readonly #expiries = new DeadlineQueue<ApplicationMessage>();
  readonly #deadlines = new Map<string, Deadline<ApplicationMessage>>();
  /** The scheduler's deadline for the earliest expiry, and when it is. */
  #timer: Deadline<TimedTask> | undefined;
  #timerAt = Infinity;

  /** Without a scheduler, expired messages are removed only when a subscription meets them. */
  constructor(store: Store, scheduler?: Scheduler) {
    this.#store = store;
    this.#scheduler = scheduler;
  }

  get size(): number {
    return this.#index.size;
  }

  /**
   * Applies a PUBLISH with RETAIN set. The broker's own `$SYS/` statistics are kept in memory only:
   * they are recomputed after a restart and need not cost a store write per refresh.
   */
  update(message: ApplicationMessage): void {
    if (message.payload.byteLength === 0) {
      if (this.#index.get(message.topic) !== undefined) this.#remove(message.topic);
      return;
    }
    compactPayload(message);
    this.#index.set(message.topic, message);
    this.#watch(message);
    if (!persisted(message.topic)) return;
    this.#store.putMessage(message);
    this.#store.putRetained(message.topic, message.id);
  }

  /** Restores a retained message from the store (no store write). */
  restore(message: ApplicationMessage): void {
    this.#index.set(message.topic, message);
    this.#watch(message);
  }

  get(topic: string): ApplicationMessage | undefined {
    return this.#index.get(topic);
  }

  /** Calls `visit` for each live retained message whose topic matches `filter`. */
  match(filter: string, now: number, visit: (message: ApplicationMessage) => void): void {
    const expired: string[] = [];
    this.#index.match(filter, (topic, message) => {
      if (isExpired(message, now)) expired.push(topic);
      else visit(message);
    });
    for (const topic of expired) this.#remove(topic);
  }

  /** The earliest expiry has come: removes every retained message past its expiry. */
  fire(now: number): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    for (let due = this.#expiries.popDue(now); due !== undefined; due = this.#expiries.popDue(now)) {
      const message = due.item;
      this.#deadlines.delete(message.topic);
      if (this.#index.get(message.topic) === message && isExpired(message, now)) this.#remove(message.topic);
    }
    this.#arm();
  }

  #remove(topic: string): void {
    this.#index.delete(topic);
    this.#unwatch(topic);
    if (persisted(topic)) this.#store.deleteRetained(topic);
  }

  /** Watches `message`'s expiry (strictly after its last millisecond), in place of its topic's last. */
  #watch(message: ApplicationMessage): void {
    this.#unwatch(message.topic);
    const expiresAt = message.expiresAt;
    if (expiresAt === undefined || this.#scheduler === undefined) return;
    this.#deadlines.set(message.topic, this.#expiries.push(expiresAt + 1, message));
    if (expiresAt + 1 < this.#timerAt) this.#arm();
  }

  #unwatch(topic: string): void {
    const deadline = this.#deadlines.get(topic);
    if (deadline === undefined) return;
    this.#deadlines.delete(topic);
    this.#expiries.cancel(deadline);
  }

  /** Schedules the earliest expiry (none left: no deadline). */
  #arm(): void {
    const scheduler = this.#scheduler;
    if (scheduler === undefined) return;
    scheduler.cancel(this.#timer);
    this.#timer = undefined;
    const next = this.#expiries.nextAt;
    this.#timerAt = next ?? Infinity;
    if (next !== undefined) this.#timer = scheduler.schedule(next, this);
  }
}

/** Whether a retained topic is kept in the store: not the broker's own `$SYS/` statistics. */
function persisted(topic: string): boolean {
  return !topic.startsWith("$SYS/");
}
