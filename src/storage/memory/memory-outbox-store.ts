/**
 * The in-memory {@link OutboxStore}: keeps the bridges' outboxes for the life of the process. Reopening
 * it (as a broker restarted in the same process would) is using the same instance.
 * @module
 */

import type { OutboxContents, OutboxEntry, OutboxStore } from "../../hooks/index.js";

interface BridgeRecord {
  /** By seq; appends come in increasing seq order, so the map's order is the seq order. */
  readonly entries: Map<number, OutboxEntry>;
  configHash: string | undefined;
}

export class MemoryOutboxStore implements OutboxStore {
  readonly name = "memory";
  readonly durable = false;
  readonly #bridges = new Map<string, BridgeRecord>();

  load(bridgeId: string): OutboxContents {
    const record = this.#bridges.get(bridgeId);
    if (record === undefined) return { entries: [], configHash: undefined };
    const entries = [...record.entries.values()].sort((a, b) => a.seq - b.seq);
    return { entries, configHash: record.configHash };
  }

  bridgeIds(): readonly string[] {
    return [...this.#bridges.keys()];
  }

  append(bridgeId: string, entry: OutboxEntry): void {
    this.#record(bridgeId).entries.set(entry.seq, entry);
  }

  delete(bridgeId: string, seq: number): void {
    this.#bridges.get(bridgeId)?.entries.delete(seq);
  }

  setConfigHash(bridgeId: string, hash: string): void {
    this.#record(bridgeId).configHash = hash;
  }

  deleteBridge(bridgeId: string): void {
    this.#bridges.delete(bridgeId);
  }

  commit(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #record(bridgeId: string): BridgeRecord {
    let record = this.#bridges.get(bridgeId);
    if (record === undefined) {
      record = { entries: new Map(), configHash: undefined };
      this.#bridges.set(bridgeId, record);
    }
    return record;
  }
}
