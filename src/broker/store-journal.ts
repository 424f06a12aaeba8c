/**
 * A persistent session's journal: records its message state in the store, keyed by client id. A
 * delivery given to the session for a shared subscription is stored with its group's topic filter, so
 * that after a restart it can join the group again (restore-state.ts, spec 4.8.2).
 * @module
 */

import type { Store } from "../hooks/index.js";
import type { InflightDelivery, QueuedDelivery, SessionJournal } from "../session/index.js";

const NO_IDS: readonly number[] = Object.freeze([]);

export class StoreJournal implements SessionJournal {
  readonly #store: Store;
  readonly #clientId: string;

  constructor(store: Store, clientId: string) {
    this.#store = store;
    this.#clientId = clientId;
  }

  putInflight(entry: InflightDelivery): void {
    this.#store.putMessage(entry.message);
    this.#store.putInflight(this.#clientId, {
      packetId: entry.packetId,
      messageId: entry.message.id,
      qos: entry.qos,
      retain: entry.retain,
      subscriptionIdentifiers: entry.subscriptionIdentifiers ?? NO_IDS,
      phase: entry.phase,
      group: entry.group?.topicFilter,
    });
  }

  deleteInflight(packetId: number): void {
    this.#store.deleteInflight(this.#clientId, packetId);
  }

  putQueued(entry: QueuedDelivery): void {
    this.#store.putMessage(entry.message);
    this.#store.putQueued(this.#clientId, {
      seq: entry.seq,
      messageId: entry.message.id,
      qos: entry.qos,
      retain: entry.retain,
      subscriptionIdentifiers: entry.subscriptionIdentifiers ?? NO_IDS,
      group: entry.group?.topicFilter,
    });
  }

  deleteQueued(seq: number): void {
    this.#store.deleteQueued(this.#clientId, seq);
  }

  putIncomingQos2(packetId: number): void {
    this.#store.putIncomingQos2(this.#clientId, packetId);
  }

  deleteIncomingQos2(packetId: number): void {
    this.#store.deleteIncomingQos2(this.#clientId, packetId);
  }
}
