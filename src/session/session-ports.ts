/**
 * The ports through which a Session acts on the world. The session itself does no I/O: the broker
 * implements these over a connection, a store and its metrics.
 * @module
 */

import type { Delivery, InflightDelivery, QueuedDelivery } from "./delivery.js";
import type { Session } from "./session.js";

/** The live connection of a session. */
export interface SessionLink {
  /** False while the connection's unsent bytes are above the high-water mark (a slow consumer). */
  readonly writable: boolean;
  /**
   * Encodes and queues a PUBLISH (packetId 0 for QoS 0). Returns undefined when it was sent, or why it
   * was not: it exceeds the client's Maximum Packet Size [MQTT-3.1.2-25], or the client may not receive it.
   * With a packet id, `delivery` is the session's {@link InflightDelivery} entry: the link keeps on it
   * (`shown`) the message as first sent, and sends that again for a resend (`dup`).
   */
  sendPublish(delivery: Delivery, packetId: number, dup: boolean, now: number): DropReason | undefined;
  sendPubrel(packetId: number): void;
}

/** Durable record of a persistent session's message state; a no-op for sessions that end with their connection. */
export interface SessionJournal {
  putInflight(entry: InflightDelivery): void;
  deleteInflight(packetId: number): void;
  putQueued(entry: QueuedDelivery): void;
  deleteQueued(seq: number): void;
  putIncomingQos2(packetId: number): void;
  deleteIncomingQos2(packetId: number): void;
}

export const NULL_JOURNAL: SessionJournal = Object.freeze({
  putInflight() {},
  deleteInflight() {},
  putQueued() {},
  deleteQueued() {},
  putIncomingQos2() {},
  deleteIncomingQos2() {},
});

/** Why a delivery was not delivered. */
export type DropReason =
  | "queue-full"
  | "expired"
  | "slow-consumer"
  | "too-large"
  | "offline-qos0"
  | "not-authorized"
  /** Withheld from this subscriber by privacy rules (a drop rule, a binary payload; docs/privacy.md). */
  | "privacy";

/** Told about deliveries that were dropped, for counters and logs. */
export interface SessionObserver {
  dropped(session: Session, delivery: Delivery, reason: DropReason): void;
}
