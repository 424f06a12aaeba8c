/**
 * The in-memory {@link RegistryStore}: keeps what it is given for the life of the process. Reopening
 * it (as a broker restarted in the same process would) is using the same instance.
 * @module
 */

import type { RegistrySnapshot, RegistryStore, StoredEntity } from "../../hooks/index.js";
import type { EntityKind, EntityRef, StateValue } from "../../platform/registry/index.js";

function stateKey(entity: EntityRef): string {
  return `${entity.kind}\u0000${entity.id}`;
}

export class MemoryRegistryStore implements RegistryStore {
  readonly name = "memory";
  readonly durable = false;
  readonly #entities = new Map<string, StoredEntity>();
  /** Channels by entity. */
  readonly #state = new Map<string, Map<string, StateValue>>();

  load(): Promise<RegistrySnapshot> {
    const entities = [...this.#entities.values()].sort(
      (a, b) =>
        a.entity.createdAt - b.entity.createdAt ||
        compare(a.kind, b.kind) ||
        compare(a.entity.id, b.entity.id),
    );
    const state = [...this.#state.values()].flatMap((channels) => [...channels.values()]);
    return Promise.resolve({ entities, state });
  }

  putEntity(record: StoredEntity): void {
    this.#entities.set(`${record.kind}\u0000${record.entity.id}`, record);
  }

  deleteEntity(kind: EntityKind, id: string): void {
    this.#entities.delete(`${kind}\u0000${id}`);
  }

  putState(value: StateValue): void {
    const key = stateKey(value.entity);
    let channels = this.#state.get(key);
    if (channels === undefined) {
      channels = new Map();
      this.#state.set(key, channels);
    }
    channels.set(value.channel, value);
  }

  deleteState(entity: EntityRef): void {
    this.#state.delete(stateKey(entity));
  }

  commit(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
