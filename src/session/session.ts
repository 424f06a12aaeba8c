/**
 * The message-flow state machine of one MQTT session (spec 4.1, 4.3, 4.4, 4.6, 4.9): the outbound
 * QoS 1/2 window and queue, packet identifiers, retransmission on reconnect, and inbound QoS 2 state.
 *
 * Invariants:
 * - A QoS 1/2 delivery is either in the queue or in flight, never both; the queue is drained in
 *   order into the window whenever the window has room and the link is writable, so messages go out
 *   in the order they were accepted [MQTT-4.6.0-6].
 * - While the link is missing or above its high-water mark, QoS 1/2 deliveries wait in the queue
 *   (bounded in messages and bytes); QoS 0 deliveries are dropped, and are queued for an offline
 *   session only when configured.
 * - Time is passed in; the session keeps no timers and does no I/O (see session-ports.ts).
 * @module
 */

import type { ProtocolVersion } from "../protocol/index.js";
import { compactPayload, isExpired, messageBytes } from "./application-message.js";
import type { Delivery, InflightDelivery, QueuedDelivery } from "./delivery.js";
import { InflightWindow } from "./inflight-window.js";
import { MessageQueue } from "./message-queue.js";
import {
  NULL_JOURNAL,
  type SessionJournal,
  type SessionLink,
  type SessionObserver,
} from "./session-ports.js";
import type { Subscription } from "./subscription.js";

export interface QueueLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly queueQos0: boolean;
  readonly overflow: "drop-new" | "drop-old";
}

export interface SessionOptions {
  readonly clientId: string;
  readonly protocolVersion: ProtocolVersion;
  /** Seconds the session outlives its connection; 0xFFFFFFFF never expires. */
  readonly expiryInterval: number;
  readonly inflightCapacity: number;
  readonly queueLimits: QueueLimits;
  readonly observer: SessionObserver;
  readonly journal?: SessionJournal;
}

/** Result of acknowledging an outbound packet id. */
export type AckResult = "ok" | "unknown";

export class Session {
  readonly clientId: string;
  protocolVersion: ProtocolVersion;
  /** Seconds; 0 means the session ends with its connection. */
  expiryInterval: number;
  readonly subscriptions = new Map<string, Subscription>();
  readonly inflight: InflightWindow;
  readonly queue = new MessageQueue();
  /** Milliseconds since the epoch of the last disconnection; undefined while connected. */
  disconnectedAt: number | undefined;
  journal: SessionJournal;
  /**
   * Who opened it last, as the broker tells principals limited to an org apart (see Broker.openSession);
   * stored with the session, so a restored session has it too, except one stored by a version that did
   * not keep it (undefined).
   */
  owner: string | undefined = undefined;

  // Scratch fields for the router's per-message aggregation of overlapping subscriptions.
  routeMark = 0;
  routeQos: 0 | 1 | 2 = 0;
  routeRetainAsPublished = false;
  routeSubscriptionIds: number[] | undefined;

  #link: SessionLink | undefined;
  #incomingQos2: Set<number> | undefined;
  /** In-flight PUBLISH not yet resent on the current connection (they wait for send quota). */
  #resend: InflightDelivery[] = [];
  #nextSeq = 1;
  readonly #limits: QueueLimits;
  readonly #observer: SessionObserver;

  constructor(options: SessionOptions) {
    this.clientId = options.clientId;
    this.protocolVersion = options.protocolVersion;
    this.expiryInterval = options.expiryInterval;
    this.inflight = new InflightWindow(options.inflightCapacity);
    this.#limits = options.queueLimits;
    this.#observer = options.observer;
    this.journal = options.journal ?? NULL_JOURNAL;
  }

  /**
   * Inbound QoS 2 packet ids for which PUBREC was sent and PUBREL not yet received [MQTT-4.3.3-8].
   * Created on first use: a session that only subscribes keeps no set.
   */
  get incomingQos2(): Set<number> {
    return (this.#incomingQos2 ??= new Set());
  }

  get connected(): boolean {
    return this.#link !== undefined;
  }

  get link(): SessionLink | undefined {
    return this.#link;
  }

  /** True when a new QoS 1/2 delivery would be sent at once rather than queued (shared subscriptions prefer such members). */
  get canAcceptNow(): boolean {
    return this.#link !== undefined && this.#canSendNow(this.#link);
  }

  /**
   * Whether a new QoS 1/2 delivery goes out at once on `link`: it is writable, the window has room, and
   * nothing waits before it (the queue, the resends of an attach [MQTT-4.6.0-1]).
   */
  #canSendNow(link: SessionLink): boolean {
    return link.writable && !this.inflight.full && !this.waiting;
  }

  /** Whether deliveries wait for the link: queued, or in flight and not yet resent after an attach. */
  get waiting(): boolean {
    return this.queue.length > 0 || this.#resend.length > 0;
  }

  /** The next queue sequence number (restored sessions continue after their stored entries). */
  set nextSeq(seq: number) {
    this.#nextSeq = seq;
  }

  /**
   * Binds the session to a live connection and resends what is in flight, with the original packet
   * ids [MQTT-4.4.0-1]: PUBREL as PUBREL, PUBLISH with DUP set [MQTT-3.3.1-1] and in their original
   * order, as far as the new connection's send quota allows [MQTT-4.9.0-2] (the rest as acks free
   * it); then drains the queue.
   */
  attach(link: SessionLink, inflightCapacity: number, now: number): void {
    this.#link = link;
    this.disconnectedAt = undefined;
    this.inflight.capacity = inflightCapacity;
    this.#resend = [];
    for (const entry of this.inflight.values()) {
      if (entry.phase === "pubrel") link.sendPubrel(entry.packetId);
      else this.#resend.push(entry);
    }
    this.drain(now);
  }

  detach(now: number): void {
    this.#link = undefined;
    this.#resend = [];
    this.disconnectedAt = now;
  }

  /** Accepts a message for this subscriber: sends it, queues it or drops it. */
  deliver(delivery: Delivery, now: number): void {
    if (isExpired(delivery.message, now)) {
      this.#observer.dropped(this, delivery, "expired");
      return;
    }
    const link = this.#link;
    if (delivery.qos === 0) {
      if (link === undefined) {
        if (this.#limits.queueQos0) this.#enqueue(delivery);
        else this.#observer.dropped(this, delivery, "offline-qos0");
      } else if (!link.writable) {
        this.#observer.dropped(this, delivery, "slow-consumer");
      } else {
        const notSent = link.sendPublish(delivery, 0, false, now);
        if (notSent !== undefined) this.#observer.dropped(this, delivery, notSent);
      }
      return;
    }
    if (link !== undefined && this.#canSendNow(link)) {
      this.#sendInflight(delivery, link, now);
    } else {
      this.#enqueue(delivery);
    }
  }

  /**
   * Resends in-flight messages still waiting for quota, then moves queued deliveries into the window,
   * while it has room and the link is writable.
   */
  drain(now: number): void {
    const link = this.#link;
    if (link === undefined) return;
    if (this.#resend.length > 0 && !this.#resendWaiting(link, now)) return;
    while (this.queue.length > 0 && link.writable) {
      const head = this.queue.peek()!;
      if (head.qos > 0 && this.inflight.full) return;
      this.queue.shift();
      this.journal.deleteQueued(head.seq);
      if (isExpired(head.message, now)) {
        // [MQTT-3.3.2-5] onward delivery had not started: the copy is deleted
        this.#observer.dropped(this, head, "expired");
      } else if (head.qos === 0) {
        const notSent = link.sendPublish(head, 0, false, now);
        if (notSent !== undefined) this.#observer.dropped(this, head, notSent);
      } else {
        this.#sendInflight(head, link, now);
      }
    }
  }

  /**
   * What this session holds for shared subscriptions that its client does not have yet: queued, or sent
   * and not acknowledged (QoS 1) or not received (QoS 2 before PUBREC), in the order they would be
   * sent. For the end of the session: another member of each group should get them (spec 4.8.2).
   */
  sharedPending(): Delivery[] {
    const pending: Delivery[] = [];
    for (const entry of this.inflight.values())
      if (entry.group !== undefined && entry.phase === "publish") pending.push(entry);
    for (const entry of this.queue) if (entry.group !== undefined) pending.push(entry);
    return pending;
  }

  /** PUBACK received for an outbound QoS 1 message: it is no longer unacknowledged [MQTT-4.3.2-3]. */
  acknowledged(packetId: number, now: number): AckResult {
    const entry = this.inflight.get(packetId);
    if (entry === undefined || entry.qos !== 1) return "unknown";
    this.#complete(entry, now);
    return "ok";
  }

  /**
   * PUBREC received for an outbound QoS 2 message. A failure reason code ends the flow (no PUBREL);
   * otherwise PUBREL is sent [MQTT-4.3.3-4] (again, for a duplicate PUBREC).
   */
  received(packetId: number, reasonCode: number, now: number): AckResult {
    const entry = this.inflight.get(packetId);
    if (entry === undefined || entry.qos !== 2) return "unknown";
    if (reasonCode >= 0x80) {
      this.#complete(entry, now);
      return "ok";
    }
    if (entry.phase === "publish") {
      entry.phase = "pubrel";
      this.journal.putInflight(entry);
    }
    this.#link?.sendPubrel(packetId);
    return "ok";
  }

  /** PUBCOMP received: the QoS 2 flow is complete and the packet id is free [MQTT-4.3.3-5]. */
  completed(packetId: number, now: number): AckResult {
    const entry = this.inflight.get(packetId);
    if (entry === undefined || entry.phase !== "pubrel") return "unknown";
    this.#complete(entry, now);
    return "ok";
  }

  /** Records an inbound QoS 2 PUBLISH; false when the packet id is already awaiting PUBREL (a duplicate, not to be forwarded again) [MQTT-4.3.3-10]. */
  beginIncomingQos2(packetId: number): boolean {
    if (this.incomingQos2.has(packetId)) return false;
    this.incomingQos2.add(packetId);
    this.journal.putIncomingQos2(packetId);
    return true;
  }

  /** PUBREL received for an inbound QoS 2 message; false when the packet id was unknown. */
  releaseIncomingQos2(packetId: number): boolean {
    if (this.#incomingQos2?.delete(packetId) !== true) return false;
    this.journal.deleteIncomingQos2(packetId);
    return true;
  }

  /** Restores a queued delivery from the store (no journal write). */
  restoreQueued(entry: QueuedDelivery): void {
    this.queue.push(entry);
    if (entry.seq >= this.#nextSeq) this.#nextSeq = entry.seq + 1;
  }

  /** Restores an in-flight delivery from the store (no journal write). */
  restoreInflight(entry: InflightDelivery): void {
    this.inflight.add(entry);
  }

  /** Resends what the quota allows; true when nothing is left waiting. */
  #resendWaiting(link: SessionLink, now: number): boolean {
    const pending = this.#resend;
    while (
      pending.length > 0 &&
      link.writable &&
      this.inflight.size - pending.length < this.inflight.capacity
    ) {
      const entry = pending.shift()!;
      if (this.inflight.get(entry.packetId) !== entry) continue;
      const notSent = link.sendPublish(entry, entry.packetId, true, now);
      if (notSent !== undefined) {
        this.#observer.dropped(this, entry, notSent);
        this.inflight.delete(entry.packetId);
        this.journal.deleteInflight(entry.packetId);
      }
    }
    return pending.length === 0;
  }

  #complete(entry: InflightDelivery, now: number): void {
    this.inflight.delete(entry.packetId);
    this.journal.deleteInflight(entry.packetId);
    this.drain(now);
  }

  #sendInflight(delivery: Delivery, link: SessionLink, now: number): void {
    const packetId = this.inflight.allocateId();
    const entry: InflightDelivery = {
      message: delivery.message,
      qos: delivery.qos as 1 | 2,
      retain: delivery.retain,
      subscriptionIdentifiers: delivery.subscriptionIdentifiers,
      group: delivery.group,
      packetId,
      phase: "publish",
      shown: undefined,
    };
    const notSent = link.sendPublish(entry, packetId, false, now);
    if (notSent !== undefined) {
      // [MQTT-3.1.2-25] too large for the client (or not authorized): discarded, as if it had been delivered
      this.#observer.dropped(this, delivery, notSent);
      return;
    }
    this.inflight.add(entry);
    this.journal.putInflight(entry);
  }

  #enqueue(delivery: Delivery): void {
    const limits = this.#limits;
    const size = messageBytes(delivery.message); // topic and properties too, not only the payload
    if (size > limits.maxBytes) {
      // can never fit: dropping older messages would not make room
      this.#observer.dropped(this, delivery, "queue-full");
      return;
    }
    while (this.queue.length >= limits.maxMessages || this.queue.bytes + size > limits.maxBytes) {
      if (limits.overflow === "drop-new" || this.queue.length === 0) {
        this.#observer.dropped(this, delivery, "queue-full");
        return;
      }
      const oldest = this.queue.shift()!;
      this.journal.deleteQueued(oldest.seq);
      this.#observer.dropped(this, oldest, "queue-full");
    }
    compactPayload(delivery.message);
    const entry: QueuedDelivery = {
      message: delivery.message,
      qos: delivery.qos,
      retain: delivery.retain,
      subscriptionIdentifiers: delivery.subscriptionIdentifiers,
      group: delivery.group,
      seq: this.#nextSeq++,
    };
    this.queue.push(entry);
    this.journal.putQueued(entry);
  }
}
