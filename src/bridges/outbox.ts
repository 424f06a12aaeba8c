/**
 * A bridge's durable outbox: the messages selected for the bridge and not yet acknowledged by the
 * remote broker, in the order they were taken, mirrored in an {@link OutboxStore} (every append and
 * removal is recorded there at once; the store makes it durable with its next commit).
 *
 * Sending. `next()` hands out the oldest waiting entry and marks it in flight; `settle()` removes an
 * entry once the remote broker acknowledged it (or refused it for good); `retry()` puts one entry back
 * to be sent again first (refused for now); `release()` puts every in-flight entry back after a lost
 * connection, so they are sent again, first and in their order. Entries are handed
 * out strictly in order, so the remote receives each topic's messages in order (at least once).
 *
 * Bounds. When the waiting messages exceed `maxMessages` or `maxBytes` (topic, properties and payload,
 * counted as a session queue counts them), the outbox is coalesced to the
 * latest value per topic: an older waiting message of a topic that has a newer one is removed (first
 * the one of the topic just appended, then, if needed, every such message in one pass). Only if the
 * outbox is still over its bounds when every topic has a single message left is the oldest waiting
 * message dropped. `maintain()` also coalesces messages older than `maxAge`. Nothing disappears
 * unnoticed: every removal that is not an acknowledgement is counted (`coalesced`, `dropped`,
 * `expired`) and reported to `onReduced` for the log. Entries in flight are never removed, and never
 * cause a drop: the outbox may exceed its bounds by what is in flight (at most `maxInflight`).
 *
 * Layout. Entries sit in an array in seq order with a head index (entries before it are gone) and a
 * cursor (every entry before it is in flight or gone); removals in the middle only mark the slot, and
 * the array is compacted when marked slots outnumber live ones. Per topic, the number of live entries
 * and the newest one are kept, so "is there an older message of this topic" is O(1).
 * @module
 */

import type { OutboxEntry, OutboxStore } from "../hooks/index.js";
import { compactBytes, contentBytes, type MessageProperties } from "../session/index.js";

/** A message to append. */
export interface OutboxMessage {
  /** The internal (tenant-mounted) topic. */
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  readonly expiresAt: number | undefined;
}

export interface OutboxLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  /** Milliseconds. */
  readonly maxAge: number;
}

/** A reduction of the outbox that was not an acknowledgement, for counters and the log. */
export type OutboxReduction =
  | { readonly kind: "coalesced"; readonly count: number; readonly reason: "bounds" | "age" }
  | { readonly kind: "dropped"; readonly topic: string }
  | { readonly kind: "expired"; readonly topic: string };

/** An entry handed out by {@link Outbox.next}, to give back to `settle`. */
export interface OutboxItem {
  readonly entry: OutboxEntry;
}

interface Slot extends OutboxItem {
  state: "waiting" | "inflight" | "removed";
  readonly bytes: number;
}

interface TopicState {
  count: number;
  /** The newest live entry of the topic; undefined when it was removed before older ones. */
  latest: Slot | undefined;
}

export interface OutboxOptions {
  readonly bridgeId: string;
  readonly store: OutboxStore;
  readonly limits: OutboxLimits;
  readonly now: () => number;
  readonly onReduced?: (reduction: OutboxReduction) => void;
}

/** Array slots that may be marked removed before the array is compacted. */
const COMPACT_MIN = 1024;

export class Outbox {
  readonly #bridgeId: string;
  readonly #store: OutboxStore;
  readonly #now: () => number;
  readonly #onReduced: ((reduction: OutboxReduction) => void) | undefined;
  #limits: OutboxLimits;
  #slots: Slot[] = [];
  #head = 0;
  #cursor = 0;
  #marked = 0;
  #live = 0;
  #bytes = 0;
  #inflight = 0;
  #inflightBytes = 0;
  readonly #topics = new Map<string, TopicState>();
  #nextSeq = 1;
  #configHash: string | undefined;
  /** Messages removed to respect the bounds or the age limit (an older value of the same topic waited). */
  coalesced = 0;
  /** Messages removed while every topic had one message left (the bounds are too small). */
  dropped = 0;
  /** Messages whose Message Expiry Interval ran out while they waited. */
  expired = 0;

  /** Loads what the store holds for the bridge. */
  constructor(options: OutboxOptions) {
    this.#bridgeId = options.bridgeId;
    this.#store = options.store;
    this.#limits = options.limits;
    this.#now = options.now;
    this.#onReduced = options.onReduced;
    const contents = this.#store.load(this.#bridgeId);
    for (const entry of contents.entries) {
      this.#push(entry);
      this.#nextSeq = entry.seq + 1;
    }
    this.#configHash = contents.configHash;
  }

  /** The fingerprint of the configuration the bridge last resynchronised (kept in the store). */
  get configHash(): string | undefined {
    return this.#configHash;
  }

  setConfigHash(hash: string): void {
    this.#configHash = hash;
    this.#store.setConfigHash(this.#bridgeId, hash);
  }

  /** Messages in the outbox, in flight included. */
  get size(): number {
    return this.#live;
  }

  /** Bytes (topic + payload) in the outbox. */
  get bytes(): number {
    return this.#bytes;
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Applies new bounds (a changed configuration), coalescing at once if the outbox is over them. */
  setLimits(limits: OutboxLimits): void {
    this.#limits = limits;
    this.#enforceBounds(undefined);
  }

  /** Appends a message (recorded in the store), then enforces the bounds. */
  append(message: OutboxMessage): void {
    const entry: OutboxEntry = {
      seq: this.#nextSeq++,
      topic: message.topic,
      payload: compactBytes(message.payload),
      retain: message.retain,
      properties: message.properties,
      createdAt: this.#now(),
      expiresAt: message.expiresAt,
    };
    const previous = this.#topics.get(entry.topic)?.latest;
    this.#push(entry);
    this.#store.append(this.#bridgeId, entry);
    this.#enforceBounds(previous);
  }

  /** The oldest waiting entry, now in flight; expired entries on the way are removed. */
  next(): OutboxItem | undefined {
    const slots = this.#slots;
    while (this.#cursor < slots.length) {
      const slot = slots[this.#cursor++]!;
      if (slot.state !== "waiting") continue;
      const expiresAt = slot.entry.expiresAt; // expired strictly after its end, as in the broker (isExpired)
      if (expiresAt !== undefined && expiresAt < this.#now()) {
        this.#remove(slot);
        this.expired++;
        this.#onReduced?.({ kind: "expired", topic: slot.entry.topic });
        continue;
      }
      slot.state = "inflight";
      this.#inflight++;
      this.#inflightBytes += slot.bytes;
      return slot;
    }
    return undefined;
  }

  /** Removes an entry handed out by `next()`: the remote acknowledged it (or refused it for good). */
  settle(item: OutboxItem): void {
    const slot = item as Slot;
    if (slot.state !== "inflight") return;
    this.#inflight--;
    this.#inflightBytes -= slot.bytes;
    this.#remove(slot);
  }

  /**
   * Puts one in-flight entry back, to be sent again before every waiting entry (the remote broker
   * refused it for now); entries handed out after it stay in flight.
   */
  retry(item: OutboxItem): void {
    const slot = item as Slot;
    if (slot.state !== "inflight") return;
    slot.state = "waiting";
    this.#inflight--;
    this.#inflightBytes -= slot.bytes;
    const index = this.#indexOf(slot);
    if (index < this.#cursor) this.#cursor = index;
  }

  /** Puts every in-flight entry back, to be sent again first (the connection was lost). */
  release(): void {
    const slots = this.#slots;
    for (let i = this.#head; i < this.#cursor; i++) {
      const slot = slots[i]!;
      if (slot.state === "inflight") slot.state = "waiting";
    }
    this.#inflight = 0;
    this.#inflightBytes = 0;
    this.#cursor = this.#head;
  }

  /** Coalesces messages older than `maxAge` that have a newer message of their topic; returns how many. */
  maintain(): number {
    const first = this.#slots[this.#head];
    if (first === undefined || this.#live === this.#topics.size) return 0;
    const cutoff = this.#now() - this.#limits.maxAge;
    if (first.entry.createdAt >= cutoff) return 0;
    const removed = this.#coalesce(cutoff);
    if (removed > 0) this.#onReduced?.({ kind: "coalesced", count: removed, reason: "age" });
    return removed;
  }

  /** Every live entry in order (tests and diagnostics). */
  entries(): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (let i = this.#head; i < this.#slots.length; i++) {
      const slot = this.#slots[i]!;
      if (slot.state !== "removed") out.push(slot.entry);
    }
    return out;
  }

  // ---- internals ----

  #push(entry: OutboxEntry): void {
    // topic, properties and payload, as a session queue counts them (`messageBytes`)
    const bytes = contentBytes(entry.topic, entry.payload, entry.properties);
    const slot: Slot = { entry, state: "waiting", bytes };
    this.#slots.push(slot);
    this.#live++;
    this.#bytes += slot.bytes;
    const topic = this.#topics.get(entry.topic);
    if (topic === undefined) this.#topics.set(entry.topic, { count: 1, latest: slot });
    else {
      topic.count++;
      topic.latest = slot;
    }
  }

  #over(): boolean {
    return this.#live > this.#limits.maxMessages || this.#bytes > this.#limits.maxBytes;
  }

  /** Over the bounds with the messages in flight left out (they leave as soon as they are acknowledged). */
  #waitingOver(): boolean {
    return (
      this.#live - this.#inflight > this.#limits.maxMessages ||
      this.#bytes - this.#inflightBytes > this.#limits.maxBytes
    );
  }

  /** After an append (`previous`: the topic's newest entry before it) or a change of limits. */
  #enforceBounds(previous: Slot | undefined): void {
    if (!this.#over()) return;
    if (previous?.state === "waiting") {
      this.#remove(previous);
      this.coalesced++;
      this.#onReduced?.({ kind: "coalesced", count: 1, reason: "bounds" });
      if (!this.#over()) return;
    }
    if (this.#live > this.#topics.size) {
      const removed = this.#coalesce(undefined);
      if (removed > 0) this.#onReduced?.({ kind: "coalesced", count: removed, reason: "bounds" });
    }
    while (this.#waitingOver()) {
      const oldest = this.#oldestWaiting();
      if (oldest === undefined) return;
      this.#remove(oldest);
      this.dropped++;
      this.#onReduced?.({ kind: "dropped", topic: oldest.entry.topic });
    }
  }

  /** Removes every waiting entry older than `cutoff` (any age when undefined) that a newer entry of its topic follows. */
  #coalesce(cutoff: number | undefined): number {
    const seen = new Set<string>();
    let removed = 0;
    for (let i = this.#slots.length - 1; i >= this.#head; i--) {
      const slot = this.#slots[i]!;
      if (slot.state === "removed") continue;
      const topic = slot.entry.topic;
      if (!seen.has(topic)) {
        seen.add(topic);
        continue;
      }
      if (slot.state !== "waiting" || (cutoff !== undefined && slot.entry.createdAt >= cutoff)) continue;
      this.#remove(slot);
      removed++;
    }
    this.coalesced += removed;
    return removed;
  }

  /** The index of a live slot before the cursor (slots are in seq order): binary search. */
  #indexOf(slot: Slot): number {
    const seq = slot.entry.seq;
    let low = this.#head;
    let high = this.#cursor - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#slots[middle]!.entry.seq < seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #oldestWaiting(): Slot | undefined {
    for (let i = this.#cursor; i < this.#slots.length; i++) {
      const slot = this.#slots[i]!;
      if (slot.state === "waiting") return slot;
    }
    return undefined;
  }

  #remove(slot: Slot): void {
    slot.state = "removed";
    this.#live--;
    this.#bytes -= slot.bytes;
    this.#marked++;
    const topic = this.#topics.get(slot.entry.topic)!;
    if (--topic.count === 0) this.#topics.delete(slot.entry.topic);
    else if (topic.latest === slot) topic.latest = undefined;
    this.#store.delete(this.#bridgeId, slot.entry.seq);
    const slots = this.#slots;
    while (this.#head < slots.length && slots[this.#head]!.state === "removed") {
      this.#head++;
      this.#marked--;
    }
    if (this.#cursor < this.#head) this.#cursor = this.#head;
    if (this.#head === slots.length) {
      this.#slots = [];
      this.#head = this.#cursor = this.#marked = 0;
    } else if (this.#head + this.#marked > COMPACT_MIN && this.#head + this.#marked > this.#live) {
      this.#compactArray();
    }
  }

  #compactArray(): void {
    const kept: Slot[] = [];
    let cursor = 0;
    for (let i = this.#head; i < this.#slots.length; i++) {
      const slot = this.#slots[i]!;
      if (slot.state === "removed") continue;
      if (i < this.#cursor) cursor++;
      kept.push(slot);
    }
    this.#slots = kept;
    this.#head = 0;
    this.#cursor = cursor;
    this.#marked = 0;
  }
}
