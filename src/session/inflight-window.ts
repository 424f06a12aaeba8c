/**
 * Outbound QoS 1/2 messages awaiting acknowledgement, keyed by packet identifier, with identifier
 * allocation. Insertion order is kept so that, on reconnect, messages are resent in the order they
 * were first sent [MQTT-4.6.0-1].
 * @module
 */

import type { InflightDelivery } from "./delivery.js";

const MAX_PACKET_ID = 0xffff;
/** What an empty window iterates (never written to). */
const NO_ENTRIES: ReadonlyMap<number, InflightDelivery> = new Map();

export class InflightWindow {
  /** Created with the first delivery in flight: an idle session keeps no map. */
  #entries: Map<number, InflightDelivery> | undefined = undefined;
  #nextId = 1;
  /** How many deliveries may be in flight: min(client's Receive Maximum, our per-client cap). */
  capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries === undefined ? 0 : this.#entries.size;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /**
   * A packet identifier not used by any in-flight delivery [MQTT-2.2.1-4]. Never 0 [MQTT-2.2.1-3].
   * Throws when all 65,535 are in use, which the capacity bound (at most 65,535) prevents.
   */
  allocateId(): number {
    for (let tries = 0; tries < MAX_PACKET_ID; tries++) {
      const id = this.#nextId;
      this.#nextId = id === MAX_PACKET_ID ? 1 : id + 1;
      if (this.#entries?.has(id) !== true) return id;
    }
    throw new RangeError("Cannot allocate a packet identifier: all 65535 are in use");
  }

  add(entry: InflightDelivery): void {
    (this.#entries ??= new Map()).set(entry.packetId, entry);
  }

  get(packetId: number): InflightDelivery | undefined {
    return this.#entries?.get(packetId);
  }

  delete(packetId: number): boolean {
    return this.#entries?.delete(packetId) === true;
  }

  values(): IterableIterator<InflightDelivery> {
    return (this.#entries ?? NO_ENTRIES).values();
  }

  clear(): void {
    this.#entries = undefined;
  }
}
