/**
 * A FIFO ring buffer of queued deliveries. `shift` is O(1) (no `Array.prototype.shift`, whose O(n)
 * cost is what makes Aedes collapse under backlog); capacity doubles when full and the backing array
 * is released again when the queue empties after having grown large.
 * @module
 */

import { messageBytes } from "./application-message.js";
import type { QueuedDelivery } from "./delivery.js";

const INITIAL_CAPACITY = 8;
const SHRINK_ABOVE = 1024;

export class MessageQueue {
  #items: (QueuedDelivery | undefined)[] = [];
  #head = 0;
  #length = 0;
  #bytes = 0;

  /** Number of queued deliveries. */
  get length(): number {
    return this.#length;
  }

  /** Sum of the sizes of queued deliveries' messages (topic, properties, payload: `messageBytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  push(item: QueuedDelivery): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item;
    this.#length++;
    this.#bytes += messageBytes(item.message);
  }

  peek(): QueuedDelivery | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  shift(): QueuedDelivery | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    if (item) this.#bytes -= messageBytes(item.message);
    if (this.#length === 0) {
      this.#head = 0;
      if (this.#items.length > SHRINK_ABOVE) this.#items = [];
    }
    return item;
  }

  /** Removes and returns every queued delivery, oldest first. */
  drain(): QueuedDelivery[] {
    const out: QueuedDelivery[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  *[Symbol.iterator](): IterableIterator<QueuedDelivery> {
    const mask = this.#items.length - 1;
    for (let i = 0; i < this.#length; i++) {
      const item = this.#items[(this.#head + i) & mask];
      if (item) yield item;
    }
  }

  #grow(): void {
    const capacity = Math.max(INITIAL_CAPACITY, this.#items.length * 2);
    const next = new Array<QueuedDelivery | undefined>(capacity);
    const mask = this.#items.length - 1;
    for (let i = 0; i < this.#length; i++) next[i] = this.#items[(this.#head + i) & mask];
    this.#items = next;
    this.#head = 0;
  }
}
