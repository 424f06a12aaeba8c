/**
 * The SQLite {@link OutboxStore}: the bridges' outboxes (schema version 3, `outbox-schema.ts`) in the
 * broker's own database file, written through the {@link SqliteStore}'s group commit.
 *
 * Changes wait in memory until the next commit, per bridge: the entries appended, the committed entries
 * deleted, a new fingerprint, and whether the bridge was wiped. Deleting an entry appended since the
 * last commit just forgets it (a message acknowledged by the remote broker within the turn it was
 * taken costs no write). `load` reads the committed rows and lays the pending changes over them, so it
 * is synchronous and needs no commit. A commit that fails keeps every pending change for the next one.
 * @module
 */

import type { Database, Statement } from "better-sqlite3";
import { StoreError } from "../../errors.js";
import type { OutboxContents, OutboxEntry, OutboxStore } from "../../hooks/index.js";
import type { UserProperty } from "../../protocol/index.js";
import type { MessageProperties } from "../../session/index.js";
import { describeSqliteError } from "./describe-sqlite-error.js";
import type { CommitParticipant, SqliteStore } from "./sqlite-store.js";

interface OutboxRow {
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: number;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly payload_format: number | null;
  readonly content_type: string | null;
  readonly response_topic: string | null;
  readonly correlation_data: Buffer | null;
  readonly user_properties: string | null;
}

interface PendingBridge {
  /** Committed rows are deleted first (the bridge was removed, perhaps added again since). */
  wiped: boolean;
  readonly appended: Map<number, OutboxEntry>;
  /** Seqs of committed rows to delete. */
  readonly deleted: Set<number>;
  configHash: string | undefined;
}

export class SqliteOutboxStore implements OutboxStore, CommitParticipant {
  readonly name = "sqlite";
  readonly durable = true;
  readonly #store: SqliteStore;
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #deleteEntry: Statement;
  readonly #wipeEntries: Statement;
  readonly #wipeState: Statement;
  readonly #putHash: Statement;
  readonly #selectEntries: Statement;
  readonly #selectHash: Statement;
  #pending = new Map<string, PendingBridge>();

  /** Joins `store`'s database and group commit. */
  constructor(store: SqliteStore) {
    this.#store = store;
    this.#db = store.join(this);
    const s = (sql: string): Statement => this.#db.prepare(sql);
    this.#insert = s(
      `INSERT OR REPLACE INTO bridge_outbox (bridge_id, seq, topic, payload, retain, created_at, expires_at,
         payload_format, content_type, response_topic, correlation_data, user_properties)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#deleteEntry = s(`DELETE FROM bridge_outbox WHERE bridge_id = ? AND seq = ?`);
    this.#wipeEntries = s(`DELETE FROM bridge_outbox WHERE bridge_id = ?`);
    this.#wipeState = s(`DELETE FROM bridge_state WHERE bridge_id = ?`);
    this.#putHash = s(
      `INSERT INTO bridge_state (bridge_id, config_hash) VALUES (?, ?)
       ON CONFLICT (bridge_id) DO UPDATE SET config_hash = excluded.config_hash`,
    );
    this.#selectEntries = s(`SELECT * FROM bridge_outbox WHERE bridge_id = ? ORDER BY seq`);
    this.#selectHash = s(`SELECT config_hash FROM bridge_state WHERE bridge_id = ?`).pluck();
  }

  get pending(): boolean {
    return this.#pending.size > 0;
  }

  load(bridgeId: string): OutboxContents {
    const pending = this.#pending.get(bridgeId);
    let rows: OutboxRow[] = [];
    let storedHash: string | undefined;
    if (pending?.wiped !== true) {
      try {
        rows = this.#selectEntries.all(bridgeId) as OutboxRow[];
        storedHash = (this.#selectHash.get(bridgeId) as string | undefined) ?? undefined;
      } catch (error) {
        throw new StoreError(
          `Cannot load the outbox of bridge "${bridgeId}" from "${this.#store.file}": ${describeSqliteError(error)}`,
          { cause: error },
        );
      }
    }
    const entries: OutboxEntry[] = [];
    for (const row of rows) if (pending?.deleted.has(row.seq) !== true) entries.push(entryFromRow(row));
    if (pending !== undefined) {
      entries.push(...pending.appended.values());
      entries.sort((a, b) => a.seq - b.seq);
    }
    return { entries, configHash: pending?.configHash ?? storedHash };
  }

  bridgeIds(): readonly string[] {
    const ids = new Set<string>(
      this.#db
        .prepare(`SELECT bridge_id FROM bridge_state UNION SELECT DISTINCT bridge_id FROM bridge_outbox`)
        .pluck()
        .all() as string[],
    );
    for (const [id, pending] of this.#pending) {
      if (pending.wiped && pending.appended.size === 0 && pending.configHash === undefined) ids.delete(id);
      else ids.add(id);
    }
    return [...ids];
  }

  append(bridgeId: string, entry: OutboxEntry): void {
    this.#bridge(bridgeId).appended.set(entry.seq, entry);
    this.#store.participantRecorded();
  }

  delete(bridgeId: string, seq: number): void {
    const pending = this.#bridge(bridgeId);
    if (!pending.appended.delete(seq) && !pending.wiped) pending.deleted.add(seq);
    this.#store.participantRecorded();
  }

  setConfigHash(bridgeId: string, hash: string): void {
    this.#bridge(bridgeId).configHash = hash;
    this.#store.participantRecorded();
  }

  deleteBridge(bridgeId: string): void {
    this.#pending.set(bridgeId, {
      wiped: true,
      appended: new Map(),
      deleted: new Set(),
      configHash: undefined,
    });
    this.#store.participantRecorded();
  }

  commit(): Promise<void> {
    return this.#store.commit();
  }

  /** Nothing of its own to close: the database is the {@link SqliteStore}'s, which commits what is pending when it closes. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- CommitParticipant: inside the store's transaction ----

  apply(): void {
    for (const [bridgeId, pending] of this.#pending) {
      if (pending.wiped) {
        this.#wipeEntries.run(bridgeId);
        this.#wipeState.run(bridgeId);
      }
      for (const seq of pending.deleted) this.#deleteEntry.run(bridgeId, seq);
      for (const entry of pending.appended.values()) this.#insert.run(bridgeId, ...entryParams(entry));
      if (pending.configHash !== undefined) this.#putHash.run(bridgeId, pending.configHash);
    }
  }

  committed(): void {
    this.#pending = new Map();
  }

  #bridge(bridgeId: string): PendingBridge {
    let pending = this.#pending.get(bridgeId);
    if (pending === undefined) {
      pending = { wiped: false, appended: new Map(), deleted: new Set(), configHash: undefined };
      this.#pending.set(bridgeId, pending);
    }
    return pending;
  }
}

/** A view of the same bytes as a Buffer (better-sqlite3 binds Buffers as BLOBs); no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array view of a BLOB read back. */
function asBytes(blob: Buffer): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

function entryParams(entry: OutboxEntry): unknown[] {
  const p = entry.properties;
  const userProperties = p?.userProperties;
  return [
    entry.seq,
    entry.topic,
    asBuffer(entry.payload),
    entry.retain ? 1 : 0,
    entry.createdAt,
    entry.expiresAt ?? null,
    p?.payloadFormatIndicator === undefined ? null : p.payloadFormatIndicator ? 1 : 0,
    p?.contentType ?? null,
    p?.responseTopic ?? null,
    p?.correlationData === undefined ? null : asBuffer(p.correlationData),
    userProperties === undefined || userProperties.length === 0 ? null : JSON.stringify(userProperties),
  ];
}

function entryFromRow(row: OutboxRow): OutboxEntry {
  return {
    seq: row.seq,
    topic: row.topic,
    payload: asBytes(row.payload),
    retain: row.retain !== 0,
    properties: propertiesFromRow(row),
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
  };
}

function propertiesFromRow(row: OutboxRow): MessageProperties | undefined {
  const properties: {
    payloadFormatIndicator?: boolean;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Uint8Array;
    userProperties?: readonly UserProperty[];
  } = {};
  let any = false;
  if (row.payload_format !== null) {
    properties.payloadFormatIndicator = row.payload_format !== 0;
    any = true;
  }
  if (row.content_type !== null) {
    properties.contentType = row.content_type;
    any = true;
  }
  if (row.response_topic !== null) {
    properties.responseTopic = row.response_topic;
    any = true;
  }
  if (row.correlation_data !== null) {
    properties.correlationData = asBytes(row.correlation_data);
    any = true;
  }
  if (row.user_properties !== null) {
    properties.userProperties = JSON.parse(row.user_properties) as UserProperty[];
    any = true;
  }
  return any ? properties : undefined;
}
