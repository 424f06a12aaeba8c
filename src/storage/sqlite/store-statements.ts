/**
 * The prepared statements of the SQLite store (prepared once, when the store opens). Everything here
 * runs inside a commit's transaction.
 * @module
 */

import type { Database, Statement } from "better-sqlite3";

export interface StoreStatements {
  readonly putMessage: Statement;
  readonly putSession: Statement;
  readonly deleteSessionRows: readonly Statement[];
  readonly putSubscription: Statement;
  readonly deleteSubscription: Statement;
  readonly putInflight: Statement;
  readonly deleteInflight: Statement;
  readonly putQueued: Statement;
  readonly deleteQueued: Statement;
  readonly putIncomingQos2: Statement;
  readonly deleteIncomingQos2: Statement;
  readonly putRetained: Statement;
  readonly deleteRetained: Statement;
  readonly putWill: Statement;
  readonly deleteWill: Statement;
  /** Deletes every message no entry references any more. */
  readonly sweepMessages: Statement;
  readonly putMeta: Statement;
  /** Appends one commit's changes to the change log. */
  readonly appendChanges: Statement;
  /** Empties the change log (a checkpoint applied it). */
  readonly clearChanges: Statement;
}

export function prepareStatements(db: Database): StoreStatements {
  const s = (sql: string): Statement => db.prepare(sql);
  return {
    // refs last: a checkpoint inserts a message after the entries naming it, with their count
    putMessage: s(
      `INSERT OR IGNORE INTO messages (id, topic, payload, qos, retain, created_at, expires_at, publisher_id,
         payload_format, content_type, response_topic, correlation_data, user_properties, refs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    putSession: s(
      `INSERT INTO sessions (client_id, protocol_version, expiry_interval, disconnected_at, owner)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET protocol_version = excluded.protocol_version,
         expiry_interval = excluded.expiry_interval, disconnected_at = excluded.disconnected_at,
         owner = excluded.owner`,
    ),
    deleteSessionRows: ["subscriptions", "inflight", "queue", "incoming_qos2", "sessions"].map((table) =>
      s(`DELETE FROM ${table} WHERE client_id = ?`),
    ),
    putSubscription: s(
      `INSERT INTO subscriptions (client_id, topic_filter, qos, no_local, retain_as_published, retain_handling,
         subscription_identifier) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id, topic_filter) DO UPDATE SET qos = excluded.qos, no_local = excluded.no_local,
         retain_as_published = excluded.retain_as_published, retain_handling = excluded.retain_handling,
         subscription_identifier = excluded.subscription_identifier`,
    ),
    deleteSubscription: s(`DELETE FROM subscriptions WHERE client_id = ? AND topic_filter = ?`),
    putInflight: s(
      `INSERT INTO inflight (client_id, packet_id, message_id, qos, retain, subscription_identifiers, phase,
         share_group) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id, packet_id) DO UPDATE SET message_id = excluded.message_id, qos = excluded.qos,
         retain = excluded.retain, subscription_identifiers = excluded.subscription_identifiers,
         phase = excluded.phase, share_group = excluded.share_group`,
    ),
    deleteInflight: s(`DELETE FROM inflight WHERE client_id = ? AND packet_id = ?`),
    putQueued: s(
      `INSERT INTO queue (client_id, seq, message_id, qos, retain, subscription_identifiers, share_group)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id, seq) DO UPDATE SET message_id = excluded.message_id, qos = excluded.qos,
         retain = excluded.retain, subscription_identifiers = excluded.subscription_identifiers,
         share_group = excluded.share_group`,
    ),
    deleteQueued: s(`DELETE FROM queue WHERE client_id = ? AND seq = ?`),
    putIncomingQos2: s(`INSERT OR IGNORE INTO incoming_qos2 (client_id, packet_id) VALUES (?, ?)`),
    deleteIncomingQos2: s(`DELETE FROM incoming_qos2 WHERE client_id = ? AND packet_id = ?`),
    putRetained: s(
      `INSERT INTO retained (topic, message_id) VALUES (?, ?)
       ON CONFLICT (topic) DO UPDATE SET message_id = excluded.message_id`,
    ),
    deleteRetained: s(`DELETE FROM retained WHERE topic = ?`),
    putWill: s(
      `INSERT INTO wills (client_id, message_id, delay, due_at, publisher) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET message_id = excluded.message_id, delay = excluded.delay,
         due_at = excluded.due_at, publisher = excluded.publisher`,
    ),
    deleteWill: s(`DELETE FROM wills WHERE client_id = ?`),
    sweepMessages: s(`DELETE FROM messages WHERE refs <= 0`),
    putMeta: s(
      `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
    appendChanges: s(`INSERT INTO change_log (changes) VALUES (?)`),
    clearChanges: s(`DELETE FROM change_log`),
  };
}
