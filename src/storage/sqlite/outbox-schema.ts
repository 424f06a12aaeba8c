/**
 * Schema version 3 of the SQLite store: the outbound bridges' durable outboxes (see
 * `sqlite-outbox-store.ts` and docs/bridges.md).
 *
 * `bridge_outbox` holds one row per message waiting for a bridge, in `seq` order per bridge, with the
 * message's v5 properties in the same columns as `messages` (user properties as a JSON array of
 * `[name, value]` pairs). `bridge_state` holds the fingerprint of the configuration each bridge last
 * resynchronised. A later change is a new migration, never an edit of this one.
 * @module
 */

export const outboxSchema = `
  CREATE TABLE bridge_outbox (
    bridge_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    retain INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    payload_format INTEGER,
    content_type TEXT,
    response_topic TEXT,
    correlation_data BLOB,
    user_properties TEXT,
    PRIMARY KEY (bridge_id, seq)
  );

  CREATE TABLE bridge_state (
    bridge_id TEXT PRIMARY KEY,
    config_hash TEXT NOT NULL
  ) WITHOUT ROWID;
`;
