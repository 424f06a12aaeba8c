/**
 * Schema version 2 of the SQLite store: the platform registry (see `sqlite-registry-store.ts`).
 *
 * Entities are kept as JSON documents keyed by kind and id, with the columns the store needs to load
 * them in order; the registry keeps its indexes in memory. State values are one row per entity
 * channel. A later change of an entity's shape is a new migration rewriting `data` (SQLite's JSON
 * functions), never an edit of this one.
 * @module
 */

export const registrySchema = `
  CREATE TABLE registry_entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  ) WITHOUT ROWID;

  CREATE TABLE registry_state (
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT NOT NULL,
    value TEXT NOT NULL,
    time INTEGER NOT NULL,
    source_time TEXT,
    PRIMARY KEY (entity_kind, entity_id, channel)
  ) WITHOUT ROWID;
`;
