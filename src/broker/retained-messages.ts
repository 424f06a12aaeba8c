/**
 * Retained messages (spec 3.3.1.3): one per topic, replaced by each retained PUBLISH and removed by a
 * retained PUBLISH with an empty payload [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-7]; expired
 * ones are not delivered [MQTT-3.3.2-5], and are removed (from memory and the store) when their Message
 * Expiry Interval has passed, by one scheduler deadline for the earliest, or when a subscription meets
 * them first. Topics are the internal ones: a tenant's retained
 * messages are kept under its mount (`$t/<tenant>/...`) and so only match its own subscriptions; the
 * receive rules are applied when each one is sent (Connection.sendPublish).
 *
 * Quota. Each tenant's retained messages and their bytes (`messageBytes`: topic, properties and
 * payload as a PUBLISH carries them) are counted as they are set, replaced, restored, cleared, expired
 * or deleted, so checking `limits.maxRetainedPerTenant` and `limits.maxRetainedBytesPerTenant` costs no
 * scan. A clearing always passes, and a replacement never counts against the count bound; against the
 * byte bound it counts what it adds. A replacement that is not retained also removes the value it
 * would have replaced, which is out of date. Messages restored at start count even beyond the limits
 * (they were accepted before). The broker's `$SYS` topics are neither counted nor limited.
 * @module
 */

import type { Store } from "../hooks/index.js";
import { RetainedIndex } from "../routing/index.js";
import { tenantOfTopic } from "../tenancy/index.js";
import {
  compactPayload,
  type Deadline,
  DeadlineQueue,
  isExpired,
  messageBytes,
  type ApplicationMessage,
} from "../session/index.js";
import type { Scheduler, TimedTask } from "./scheduler.js";

/** The per-tenant bounds (`limits.maxRetainedPerTenant`, `limits.maxRetainedBytesPerTenant`); 0: none. */
export interface RetainedLimits {
  readonly maxRetainedPerTenant: number;
  readonly maxRetainedBytesPerTenant: number;
}

/** The limit that kept a retained message from being stored (metrics.ts `LimitName`). */
export type RetainedRefusal = "retained" | "retained-bytes";

/** What one tenant's retained messages hold. */
export interface RetainedUsage {
  count: number;
  bytes: number;
}

const UNLIMITED: RetainedLimits = { maxRetainedPerTenant: 0, maxRetainedBytesPerTenant: 0 };

export class RetainedMessages implements TimedTask {
  readonly #index = new RetainedIndex<ApplicationMessage>();
  readonly #store: Store;
  readonly #scheduler: Scheduler | undefined;
  readonly #limits: RetainedLimits;
  /** By tenant; a tenant without retained messages has no entry. */
  readonly #usage = new Map<string, RetainedUsage>();
  /** When each retained message with an expiry is past it, by topic (a replaced one's is cancelled). */
  readonly #expiries = new DeadlineQueue<ApplicationMessage>();
  readonly #deadlines = new Map<string, Deadline<ApplicationMessage>>();
  /** The scheduler's deadline for the earliest expiry, and when it is. */
  #timer: Deadline<TimedTask> | undefined;
  #timerAt = Infinity;

  /** Without a scheduler, expired messages are removed only when a subscription meets them. */
  constructor(store: Store, scheduler?: Scheduler, limits: RetainedLimits = UNLIMITED) {
    this.#store = store;
    this.#scheduler = scheduler;
    this.#limits = limits;
  }

  get size(): number {
    return this.#index.size;
  }

  /** The retained messages of `tenant` and their bytes (`$SYS` not counted). */
  usage(tenant: string): Readonly<RetainedUsage> {
    const usage = this.#usage.get(tenant);
    return usage === undefined ? { count: 0, bytes: 0 } : { count: usage.count, bytes: usage.bytes };
  }

  /**
   * The limit a retained PUBLISH would exceed, or undefined when {@link update} would apply it: a
   * clearing and a `$SYS` topic always pass; a new topic must fit its tenant's bounds; a replacement
   * never counts against the count bound, and against the byte bound only when it grows the tenant's
   * bytes past it (else a tenant could retain many small messages, then replace each with a large one).
   */
  refusal(message: ApplicationMessage): RetainedRefusal | undefined {
    const { maxRetainedPerTenant, maxRetainedBytesPerTenant } = this.#limits;
    if (maxRetainedPerTenant === 0 && maxRetainedBytesPerTenant === 0) return undefined;
    const topic = message.topic;
    if (message.payload.byteLength === 0 || !persisted(topic)) return undefined;
    const usage = this.#usage.get(tenantOfTopic(topic));
    const previous = this.#index.get(topic);
    if (previous === undefined && maxRetainedPerTenant > 0 && (usage?.count ?? 0) >= maxRetainedPerTenant)
      return "retained";
    if (maxRetainedBytesPerTenant === 0) return undefined;
    const growth = messageBytes(message) - (previous === undefined ? 0 : messageBytes(previous));
    return growth > 0 && (usage?.bytes ?? 0) + growth > maxRetainedBytesPerTenant
      ? "retained-bytes"
      : undefined;
  }

  /**
   * Applies a PUBLISH with RETAIN set; answers the limit that kept it from being stored (the caller
   * still routes it), or undefined once applied. The broker's own `$SYS/` statistics are kept in memory
   * only: they are recomputed after a restart and need not cost a store write per refresh.
   */
  update(message: ApplicationMessage): RetainedRefusal | undefined {
    const topic = message.topic;
    if (message.payload.byteLength === 0) {
      if (this.#index.get(topic) !== undefined) this.#remove(topic);
      return undefined;
    }
    const refusal = this.refusal(message);
    if (refusal !== undefined) {
      // a replacement over the byte bound: the value it replaces is out of date, so it is not kept either
      if (this.#index.get(topic) !== undefined) this.#remove(topic);
      return refusal;
    }
    compactPayload(message);
    this.#set(message);
    if (!persisted(topic)) return undefined;
    this.#store.putMessage(message);
    this.#store.putRetained(topic, message.id);
    return undefined;
  }

  /** Restores a retained message from the store (no store write; it counts even beyond the limits). */
  restore(message: ApplicationMessage): void {
    this.#set(message);
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

  #set(message: ApplicationMessage): void {
    const topic = message.topic;
    if (persisted(topic)) {
      const previous = this.#index.get(topic);
      const usage = this.#usageOf(tenantOfTopic(topic));
      if (previous === undefined) usage.count++;
      else usage.bytes -= messageBytes(previous);
      usage.bytes += messageBytes(message);
    }
    this.#index.set(topic, message);
    this.#watch(message);
  }

  #remove(topic: string): void {
    const previous = this.#index.get(topic);
    this.#index.delete(topic);
    this.#unwatch(topic);
    if (!persisted(topic)) return;
    this.#store.deleteRetained(topic);
    if (previous === undefined) return;
    const tenant = tenantOfTopic(topic);
    const usage = this.#usageOf(tenant);
    usage.count--;
    usage.bytes -= messageBytes(previous);
    if (usage.count === 0) this.#usage.delete(tenant);
  }

  #usageOf(tenant: string): RetainedUsage {
    let usage = this.#usage.get(tenant);
    if (usage === undefined) {
      usage = { count: 0, bytes: 0 };
      this.#usage.set(tenant, usage);
    }
    return usage;
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
