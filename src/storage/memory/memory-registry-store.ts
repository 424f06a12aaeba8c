/**
 * The in-memory {@link RegistryStore}: keeps what it is given for the life of the process. Reopening
 * it (as a broker restarted in the same process would) is using the same instance.
 * @module
 */

import type { RegistrySnapshot, RegistryStore, StoredEntity } from "../../hooks/index.js";
import type { EntityKind, EntityRef, StateValue } from "../../platform/registry/index.js";

export class MemoryRegistryStore implements RegistryStore {
  readonly name = "memory";
  readonly durable = false;
  readonly #entities = new Map<string, StoredEntity>();
  /**
   * Channels by entity kind and id. Two levels rather than one joined key: a state write (several per
   * device message in a dialect) then builds and hashes no new string.
   */
  readonly #state = new Map<EntityKind, Map<string, Map<string, StateValue>>>();
  /** The entity of the last state write and its channels (a publish sets several channels of one entity). */
  #lastKind: EntityKind | undefined;
  #lastId = "";
  #lastChannels: Map<string, StateValue> | undefined;

  load(): Promise<RegistrySnapshot> {
    const entities = [...this.#entities.values()].sort(
      (a, b) =>
        a.entity.createdAt - b.entity.createdAt ||
        compare(a.kind, b.kind) ||
        compare(a.entity.id, b.entity.id),
    );
    const state = [...this.#state.values()].flatMap((byId) =>
      [...byId.values()].flatMap((channels) => [...channels.values()]),
    );
    return Promise.resolve({ entities, state });
  }

  putEntity(record: StoredEntity): void {
    this.#entities.set(`${record.kind}\u0000${record.entity.id}`, record);
  }

  deleteEntity(kind: EntityKind, id: string): void {
    this.#entities.delete(`${kind}\u0000${id}`);
  }

  putState(value: StateValue): void {
    const { kind, id } = value.entity;
    let channels = this.#lastChannels;
    if (channels === undefined || id !== this.#lastId || kind !== this.#lastKind) {
      let byId = this.#state.get(kind);
      if (byId === undefined) {
        byId = new Map();
        this.#state.set(kind, byId);
      }
      channels = byId.get(id);
      if (channels === undefined) {
        channels = new Map();
        byId.set(id, channels);
      }
      this.#lastKind = kind;
      this.#lastId = id;
      this.#lastChannels = channels;
    }
    channels.set(value.channel, value);
  }

  deleteState(entity: EntityRef): void {
    this.#lastChannels = undefined;
    const byId = this.#state.get(entity.kind);
    if (byId === undefined) return;
    byId.delete(entity.id);
    if (byId.size === 0) this.#state.delete(entity.kind);
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
