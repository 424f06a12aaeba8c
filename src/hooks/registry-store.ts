/**
 * The registry's storage plug-in interface: the platform model (tenants, zones, devices, users, API
 * keys...) and the current state values of entities, kept next to the broker's own state.
 *
 * Like {@link Store}, it is a change log: `put*`/`delete*` calls are synchronous and only record a
 * change; `commit()` resolves once every change recorded before it is durable. The SQLite
 * implementation writes into the same database file as the broker's store and joins its group commit,
 * so a state value written while a PUBLISH is processed costs no transaction of its own: it is
 * committed with the rest of the turn. Repeated writes of the same entity or state channel before a
 * commit are coalesced (the last one wins).
 *
 * Entities are opaque to the store beyond their kind, id, tenant and creation time: it keeps them as
 * given and `load()` returns them equal (`shapeEntity` restores fields JSON cannot hold). The registry
 * (`platform/registry/registry.ts`) enforces every rule.
 *
 * Every implementation runs the contract suite in `test/contract/registry-store.contract.ts`.
 * @module
 */

import type { EntityKind, EntityOf, EntityRef, StateValue } from "../platform/registry/index.js";

/** One stored entity with its kind. */
export type StoredEntity = {
  readonly [K in EntityKind]: { readonly kind: K; readonly entity: EntityOf[K] };
}[EntityKind];

export interface RegistrySnapshot {
  /** Every entity, ordered by creation time, then kind, then id. */
  readonly entities: readonly StoredEntity[];
  /** Every current state value (order unspecified). */
  readonly state: readonly StateValue[];
}

export interface RegistryStore {
  readonly name: string;
  /** True when committed changes survive the process. */
  readonly durable: boolean;
  /** What was committed (and what was recorded since, for stores that keep it in memory). */
  load(): Promise<RegistrySnapshot>;
  /** Creates or replaces the entity of `record.kind` with `record.entity.id`. */
  putEntity(record: StoredEntity): void;
  deleteEntity(kind: EntityKind, id: string): void;
  /** Creates or replaces the value of one channel of an entity. */
  putState(value: StateValue): void;
  /** Deletes every state value of an entity (when it is deleted). */
  deleteState(entity: EntityRef): void;
  /** Resolves when every change recorded so far is durable. */
  commit(): Promise<void>;
  close(): Promise<void>;
}
