/**
 * Retained messages (spec 3.3.1.3): one per topic, replaced by each retained PUBLISH and removed by a
 * retained PUBLISH with an empty payload [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-7]; expired
 * ones are not delivered and are removed when met. Topics are the internal ones: a tenant's retained
 * messages are kept under its mount (`$t/<tenant>/...`) and so only match its own subscriptions; the
 * receive rules are applied when each one is sent (Connection.sendPublish).
 * @module
 */

import type { Store } from "../hooks/index.js";
import { RetainedIndex } from "../routing/index.js";
import { compactPayload, isExpired, type ApplicationMessage } from "../session/index.js";

export class RetainedMessages {
  readonly #index = new RetainedIndex<ApplicationMessage>();
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get size(): number {
    return this.#index.size;
  }

  /**
   * Applies a PUBLISH with RETAIN set. The broker's own `$SYS/` statistics are kept in memory only:
   * they are recomputed after a restart and need not cost a store write per refresh.
   */
  update(message: ApplicationMessage): void {
    const persist = !message.topic.startsWith("$SYS/");
    if (message.payload.byteLength === 0) {
      if (this.#index.get(message.topic) !== undefined) {
        this.#index.delete(message.topic);
        if (persist) this.#store.deleteRetained(message.topic);
      }
      return;
    }
    compactPayload(message);
    this.#index.set(message.topic, message);
    if (!persist) return;
    this.#store.putMessage(message);
    this.#store.putRetained(message.topic, message.id);
  }

  /** Restores a retained message from the store (no store write). */
  restore(message: ApplicationMessage): void {
    this.#index.set(message.topic, message);
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
    for (const topic of expired) {
      this.#index.delete(topic);
      this.#store.deleteRetained(topic);
    }
  }
}
