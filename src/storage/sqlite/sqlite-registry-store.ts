/**
 * The SQLite {@link RegistryStore}: the registry's tables (schema version 2, `registry-schema.ts`) in
 * the broker's own database file, written through the {@link SqliteStore}'s group commit.
 *
 * Changes are coalesced until the next commit: one pending write per entity (kind, id) and per state
 * channel (kind, id, channel), the last one winning; deleting an entity's state drops its pending
 * channel writes and wipes its rows first, so a later write of the same channel survives. A state value
 * written on the publish path is therefore a map insertion, and is committed with the turn's other
 * changes in the broker's transaction. A commit that fails keeps every pending change for the next one.
 *
 * A state value's `value` column is its JSON text: the text its source gave (`valueText`, PlaceOS module
 * state kept raw) when there is one, else `JSON.stringify(value)`, as it always was; so no migration:
 * an older database loads as it did, and an older version reads a newer one's text as JSON. On load
 * the text is kept as `valueText` only when it is not what `JSON.stringify` writes for the value (raw
 * text a parse would lose something of), so most values carry no second copy.
 * @module
 */

import type { Database, Statement } from "better-sqlite3";
import { StoreError } from "../../errors.js";
import type { RegistrySnapshot, RegistryStore, StoredEntity } from "../../hooks/index.js";
import {
  type EntityKind,
  entityKinds,
  type EntityRef,
  shapeEntity,
  type StateValue,
  tenantOf,
} from "../../platform/registry/index.js";
import { describeSqliteError } from "./describe-sqlite-error.js";
import type { CommitParticipant, SqliteStore } from "./sqlite-store.js";

interface EntityRow {
  readonly kind: string;
  readonly data: string;
}

interface StateRow {
  readonly entity_kind: EntityRef["kind"];
  readonly entity_id: string;
  readonly channel: string;
  readonly tenant: string;
  readonly value: string;
  readonly time: number;
  readonly source_time: string | null;
}

type PendingEntity =
  | { readonly op: "put"; readonly record: StoredEntity }
  | { readonly op: "delete"; readonly kind: EntityKind; readonly id: string };

const KINDS: ReadonlySet<string> = new Set(entityKinds);

function key(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}

export class SqliteRegistryStore implements RegistryStore, CommitParticipant {
  /** Entities and state values left out of commits because they cannot be written as JSON. */
  unwritable = 0;
  readonly name = "sqlite";
  readonly durable = true;
  readonly #store: SqliteStore;
  readonly #db: Database;
  readonly #putEntity: Statement;
  readonly #deleteEntity: Statement;
  readonly #putState: Statement;
  readonly #wipeState: Statement;
  #entities = new Map<string, PendingEntity>();
  /** Pending channel writes, by entity key then channel. */
  #state = new Map<string, Map<string, StateValue>>();
  /** Entities whose state rows are deleted before the pending writes are applied. */
  #wipes = new Map<string, EntityRef>();

  /** Joins `store`'s database and group commit. */
  constructor(store: SqliteStore) {
    this.#store = store;
    this.#db = store.join(this);
    const s = (sql: string): Statement => this.#db.prepare(sql);
    this.#putEntity = s(
      `INSERT INTO registry_entities (kind, id, tenant, created_at, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET tenant = excluded.tenant, created_at = excluded.created_at,
         data = excluded.data`,
    );
    this.#deleteEntity = s(`DELETE FROM registry_entities WHERE kind = ? AND id = ?`);
    this.#putState = s(
      `INSERT INTO registry_state (entity_kind, entity_id, channel, tenant, value, time, source_time)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (entity_kind, entity_id, channel) DO UPDATE SET tenant = excluded.tenant,
         value = excluded.value, time = excluded.time, source_time = excluded.source_time`,
    );
    this.#wipeState = s(`DELETE FROM registry_state WHERE entity_kind = ? AND entity_id = ?`);
  }

  get pending(): boolean {
    return this.#entities.size > 0 || this.#state.size > 0 || this.#wipes.size > 0;
  }

  async load(): Promise<RegistrySnapshot> {
    await this.#store.commit();
    try {
      const rows = this.#db
        .prepare("SELECT kind, data FROM registry_entities ORDER BY created_at, kind, id")
        .all() as EntityRow[];
      const entities: StoredEntity[] = [];
      for (const row of rows) {
        if (!KINDS.has(row.kind)) continue; // written by a newer version: ignored
        const kind = row.kind as EntityKind;
        const entity = shapeEntity(kind, JSON.parse(row.data) as Record<string, unknown>);
        entities.push({ kind, entity } as StoredEntity);
      }
      const stateRows = this.#db.prepare("SELECT * FROM registry_state").all() as StateRow[];
      const state = stateRows.map((row): StateValue => {
        const value = JSON.parse(row.value) as unknown;
        const loaded: StateValue = {
          tenant: row.tenant,
          entity: { kind: row.entity_kind, id: row.entity_id },
          channel: row.channel,
          value,
          time: row.time,
          sourceTime: row.source_time ?? undefined,
        };
        return row.value === JSON.stringify(value) ? loaded : { ...loaded, valueText: row.value };
      });
      return { entities, state };
    } catch (error) {
      throw new StoreError(
        `Cannot load the registry from "${this.#store.file}": ${describeSqliteError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  putEntity(record: StoredEntity): void {
    const k = key(record.kind, record.entity.id);
    this.#entities.delete(k); // keeps the map in the order of the last change
    this.#entities.set(k, { op: "put", record });
    this.#store.participantRecorded();
  }

  deleteEntity(kind: EntityKind, id: string): void {
    const k = key(kind, id);
    this.#entities.delete(k);
    this.#entities.set(k, { op: "delete", kind, id });
    this.#store.participantRecorded();
  }

  putState(value: StateValue): void {
    const k = key(value.entity.kind, value.entity.id);
    let channels = this.#state.get(k);
    if (channels === undefined) {
      channels = new Map();
      this.#state.set(k, channels);
    }
    channels.set(value.channel, value);
    this.#store.participantRecorded();
  }

  deleteState(entity: EntityRef): void {
    const k = key(entity.kind, entity.id);
    this.#state.delete(k);
    this.#wipes.set(k, entity);
    this.#store.participantRecorded();
  }

  commit(): Promise<void> {
    return this.#store.commit();
  }

  /**
   * `JSON.stringify(value)`, or undefined (counted in {@link unwritable}) for a value it cannot write:
   * one nested deeper than the stack allows (the entry points refuse those: json-depth.ts). Such a
   * change is left out of the commit rather than failing it, with every other change it carries,
   * again at each retry.
   */
  #json(value: unknown): string | undefined {
    try {
      return JSON.stringify(value);
    } catch {
      this.unwritable++;
      return undefined;
    }
  }

  /** Nothing of its own to close: the database is the {@link SqliteStore}'s, which commits what is pending when it closes. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- CommitParticipant: inside the store's transaction ----

  apply(): void {
    for (const change of this.#entities.values()) {
      if (change.op === "delete") {
        this.#deleteEntity.run(change.kind, change.id);
        continue;
      }
      const { kind, entity } = change.record;
      const json = this.#json(entity);
      if (json !== undefined)
        this.#putEntity.run(kind, entity.id, tenantOf(kind, entity), entity.createdAt, json);
    }
    for (const entity of this.#wipes.values()) this.#wipeState.run(entity.kind, entity.id);
    for (const channels of this.#state.values()) {
      for (const value of channels.values()) {
        const json = value.valueText ?? this.#json(value.value ?? null);
        if (json === undefined) continue;
        this.#putState.run(
          value.entity.kind,
          value.entity.id,
          value.channel,
          value.tenant,
          json,
          value.time,
          value.sourceTime ?? null,
        );
      }
    }
  }

  committed(): void {
    this.#entities = new Map();
    this.#state = new Map();
    this.#wipes = new Map();
  }
}
