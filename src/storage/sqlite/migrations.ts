/**
 * The versioned schema of the SQLite store. The schema version is SQLite's `user_version` header field;
 * each migration moves the database from version `n - 1` to `n` in one transaction together with the
 * new version number, so a crash during a migration leaves the previous version intact.
 *
 * A database whose version is above {@link SCHEMA_VERSION} was written by a newer Switchboard and is
 * refused, never downgraded.
 *
 * Messages are stored once (`messages`) and referenced by id from `inflight`, `queue`, `retained` and
 * `wills`. The triggers keep `messages.refs` equal to the number of referencing rows; a checkpoint ends
 * by deleting every message whose count is 0 (the partial index makes that a lookup of the few rows
 * concerned, not a scan). Since version 4 the store writes those tables at checkpoints only; each
 * commit in between appends its changes to `change_log`. Version 5 keeps a session's owner and a will's
 * publisher; rows of earlier versions have NULL there (unknown), which the broker handles as before.
 * Version 6 keeps the shared subscription group of an in-flight or queued delivery; rows of earlier
 * versions have NULL there (none: the entry stays with its session, as before).
 * @module
 */

import type { Database } from "better-sqlite3";
import { outboxSchema } from "./outbox-schema.js";
import { registrySchema } from "./registry-schema.js";

/** Marks a file as a Switchboard store (`PRAGMA application_id`): "SwBd". */
export const APPLICATION_ID = 0x53774264;

export interface Migration {
  /** The schema version this migration produces. */
  readonly version: number;
  readonly description: string;
  /** Runs inside the migration's transaction. */
  readonly up: (db: Database) => void;
}

/** Reference counting of `messages` by one table's `message_id` column. */
function refcountTriggers(table: string): string {
  return `
    CREATE TRIGGER ${table}_ref AFTER INSERT ON ${table} BEGIN
      UPDATE messages SET refs = refs + 1 WHERE id = NEW.message_id;
    END;
    CREATE TRIGGER ${table}_unref AFTER DELETE ON ${table} BEGIN
      UPDATE messages SET refs = refs - 1 WHERE id = OLD.message_id;
    END;
    CREATE TRIGGER ${table}_reref AFTER UPDATE OF message_id ON ${table}
      WHEN OLD.message_id IS NOT NEW.message_id BEGIN
      UPDATE messages SET refs = refs + 1 WHERE id = NEW.message_id;
      UPDATE messages SET refs = refs - 1 WHERE id = OLD.message_id;
    END;`;
}

const initialSchema = `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value ANY
  ) WITHOUT ROWID;

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    refs INTEGER NOT NULL DEFAULT 0,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    publisher_id TEXT,
    payload_format INTEGER,
    content_type TEXT,
    response_topic TEXT,
    correlation_data BLOB,
    user_properties TEXT
  );
  CREATE INDEX messages_unreferenced ON messages (refs) WHERE refs <= 0;
  CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE sessions (
    client_id TEXT PRIMARY KEY,
    protocol_version INTEGER NOT NULL,
    expiry_interval INTEGER NOT NULL,
    disconnected_at INTEGER
  ) WITHOUT ROWID;

  CREATE TABLE subscriptions (
    client_id TEXT NOT NULL,
    topic_filter TEXT NOT NULL,
    qos INTEGER NOT NULL,
    no_local INTEGER NOT NULL,
    retain_as_published INTEGER NOT NULL,
    retain_handling INTEGER NOT NULL,
    subscription_identifier INTEGER,
    PRIMARY KEY (client_id, topic_filter)
  ) WITHOUT ROWID;

  -- ord keeps the order entries were first put (an upsert keeps the row, and so its ord)
  CREATE TABLE inflight (
    ord INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    packet_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    subscription_identifiers TEXT,
    phase TEXT NOT NULL CHECK (phase IN ('publish', 'pubrel')),
    UNIQUE (client_id, packet_id)
  );

  CREATE TABLE queue (
    client_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    subscription_identifiers TEXT,
    PRIMARY KEY (client_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE incoming_qos2 (
    client_id TEXT NOT NULL,
    packet_id INTEGER NOT NULL,
    PRIMARY KEY (client_id, packet_id)
  ) WITHOUT ROWID;

  CREATE TABLE retained (
    topic TEXT PRIMARY KEY,
    message_id INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE wills (
    client_id TEXT PRIMARY KEY,
    message_id INTEGER NOT NULL,
    delay INTEGER NOT NULL,
    due_at INTEGER
  ) WITHOUT ROWID;
  ${["inflight", "queue", "retained", "wills"].map(refcountTriggers).join("\n")}
`;

/**
 * One row per commit since the last checkpoint, in commit order (`id`): the changes of that commit,
 * encoded as `change-log-format.ts` says. A checkpoint applies them to the tables and deletes them in
 * one transaction; opening the store replays what is left (see `sqlite-store.ts`).
 */
const changeLogSchema = `
  CREATE TABLE change_log (
    id INTEGER PRIMARY KEY,
    changes BLOB NOT NULL
  );
`;

/**
 * Who a session and a will belong to: `sessions.owner` (the principal id and org, `Session.owner`) and
 * `wills.publisher` (the publisher's client id and principal as JSON, `publisher-json.ts`). NULL for
 * the rows already there: their owner and publisher were never stored. The change log's records gain
 * them through flag bits (`change-log-format.ts`), so records logged before the upgrade still read.
 */
const ownersSchema = `
  ALTER TABLE sessions ADD COLUMN owner TEXT;
  ALTER TABLE wills ADD COLUMN publisher TEXT;
`;

/**
 * The shared subscription group an in-flight or queued delivery was given to its session for
 * (`StoredQueued.group`: `$share/<ShareName>/<filter>`), so that after a restart another member still
 * gets it should the session end first (spec 4.8.2). NULL for the rows already there: their group was
 * never stored. The change log's entry records gain it through a new bit of their flags byte
 * (`change-log-format.ts`), so records logged before the upgrade still read.
 */
const shareGroupsSchema = `
  ALTER TABLE inflight ADD COLUMN share_group TEXT;
  ALTER TABLE queue ADD COLUMN share_group TEXT;
`;

/** Every migration, in order; `MIGRATIONS[i].version === i + 1`. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "sessions, subscriptions, in-flight, queues, inbound QoS 2 ids, messages, retained, wills",
    up: (db) => {
      db.exec(initialSchema);
      db.pragma(`application_id = ${APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: "the platform registry: entities and current state values",
    up: (db) => db.exec(registrySchema),
  },
  {
    version: 3,
    description: "the outbound bridges' durable outboxes and resync fingerprints",
    up: (db) => db.exec(outboxSchema),
  },
  {
    version: 4,
    description: "the change log: each commit's changes, applied to the tables at checkpoints",
    up: (db) => db.exec(changeLogSchema),
  },
  {
    version: 5,
    description: "a session's owner and a will's publisher, kept across restarts",
    up: (db) => db.exec(ownersSchema),
  },
  {
    version: 6,
    description: "the shared subscription group of an in-flight or queued delivery, kept across restarts",
    up: (db) => db.exec(shareGroupsSchema),
  },
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies the migrations above `from`, each in its own transaction with its version number; returns
 * the versions applied.
 */
export function migrate(db: Database, from: number): number[] {
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    applied.push(migration.version);
  }
  return applied;
}
