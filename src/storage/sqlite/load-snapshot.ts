/**
 * Reads everything the SQLite store holds into a {@link StoreSnapshot}: each session with its owner,
 * subscriptions, in-flight entries (in the order first put) and queue (by seq), each entry with its
 * shared subscription group if it has one, and inbound QoS 2 ids; the messages they, the retained
 * values and the wills reference; and the largest message id seen.
 * @module
 */

import type { Database } from "better-sqlite3";
import type {
  StoreSnapshot,
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import type { ProtocolVersion, QoS, RetainHandling } from "../../protocol/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { messageFromRow, type MessageRow } from "./message-row.js";
import { withPublisher } from "./publisher-json.js";

interface SessionParts {
  readonly session: StoredSession;
  readonly subscriptions: StoredSubscription[];
  readonly inflight: StoredInflight[];
  readonly queue: StoredQueued[];
  readonly incomingQos2: number[];
}

interface EntryRow {
  readonly client_id: string;
  readonly message_id: number;
  readonly qos: number;
  readonly retain: number;
  readonly subscription_identifiers: string | null;
  /** NULL: no shared subscription group, or stored before schema version 6. */
  readonly share_group: string | null;
}

const ids = (text: string | null): readonly number[] => (text === null ? [] : (JSON.parse(text) as number[]));

/** The entry with its shared subscription group, when the row has one (no `group` key otherwise). */
const withGroup = <T extends StoredInflight | StoredQueued>(entry: T, group: string | null): T =>
  group === null ? entry : { ...entry, group };

function readSessions(db: Database): Map<string, SessionParts> {
  const sessions = new Map<string, SessionParts>();
  const rows = db.prepare("SELECT * FROM sessions ORDER BY client_id").all() as {
    client_id: string;
    protocol_version: number;
    expiry_interval: number;
    disconnected_at: number | null;
    owner: string | null;
  }[];
  for (const row of rows) {
    const session: StoredSession = {
      clientId: row.client_id,
      protocolVersion: row.protocol_version as ProtocolVersion,
      expiryInterval: row.expiry_interval,
      disconnectedAt: row.disconnected_at ?? undefined,
    };
    sessions.set(row.client_id, {
      // NULL: stored before schema version 5, the owner is unknown
      session: row.owner === null ? session : { ...session, owner: row.owner },
      subscriptions: [],
      inflight: [],
      queue: [],
      incomingQos2: [],
    });
  }
  return sessions;
}

function readEntries(db: Database, sessions: Map<string, SessionParts>): void {
  const subscriptions = db.prepare("SELECT * FROM subscriptions").all() as {
    client_id: string;
    topic_filter: string;
    qos: number;
    no_local: number;
    retain_as_published: number;
    retain_handling: number;
    subscription_identifier: number | null;
  }[];
  for (const row of subscriptions) {
    sessions.get(row.client_id)?.subscriptions.push({
      topicFilter: row.topic_filter,
      qos: row.qos as QoS,
      noLocal: row.no_local !== 0,
      retainAsPublished: row.retain_as_published !== 0,
      retainHandling: row.retain_handling as RetainHandling,
      subscriptionIdentifier: row.subscription_identifier ?? undefined,
    });
  }
  const inflight = db.prepare("SELECT * FROM inflight ORDER BY ord").all() as (EntryRow & {
    packet_id: number;
    phase: "publish" | "pubrel";
  })[];
  for (const row of inflight) {
    const entry: StoredInflight = {
      packetId: row.packet_id,
      messageId: row.message_id,
      qos: row.qos as 1 | 2,
      retain: row.retain !== 0,
      subscriptionIdentifiers: ids(row.subscription_identifiers),
      phase: row.phase,
    };
    sessions.get(row.client_id)?.inflight.push(withGroup(entry, row.share_group));
  }
  const queue = db.prepare("SELECT * FROM queue ORDER BY client_id, seq").all() as (EntryRow & {
    seq: number;
  })[];
  for (const row of queue) {
    const entry: StoredQueued = {
      seq: row.seq,
      messageId: row.message_id,
      qos: row.qos as QoS,
      retain: row.retain !== 0,
      subscriptionIdentifiers: ids(row.subscription_identifiers),
    };
    sessions.get(row.client_id)?.queue.push(withGroup(entry, row.share_group));
  }
  const incoming = db.prepare("SELECT client_id, packet_id FROM incoming_qos2").all() as {
    client_id: string;
    packet_id: number;
  }[];
  for (const row of incoming) sessions.get(row.client_id)?.incomingQos2.push(row.packet_id);
}

export function loadSnapshot(db: Database): StoreSnapshot {
  const sessions = readSessions(db);
  readEntries(db, sessions);
  const messages = new Map<number, ApplicationMessage>();
  for (const row of db.prepare("SELECT * FROM messages").iterate() as IterableIterator<MessageRow>)
    messages.set(row.id, messageFromRow(row));
  const retained = new Map<string, number>();
  const retainedRows = db.prepare("SELECT topic, message_id FROM retained").all() as {
    topic: string;
    message_id: number;
  }[];
  for (const row of retainedRows) retained.set(row.topic, row.message_id);
  const willRows = db.prepare("SELECT * FROM wills").all() as {
    client_id: string;
    message_id: number;
    delay: number;
    due_at: number | null;
    publisher: string | null;
  }[];
  const wills: StoredWill[] = willRows.map((row) => {
    const will: StoredWill = {
      clientId: row.client_id,
      messageId: row.message_id,
      delay: row.delay,
      dueAt: row.due_at ?? undefined,
    };
    // NULL: stored before schema version 5, the publisher is unknown
    return row.publisher === null ? will : withPublisher(will, row.publisher);
  });
  return {
    sessions: [...sessions.values()],
    messages,
    retained,
    wills,
    lastMessageId: readLastMessageId(db),
  };
}

/** The largest message id the store has seen: the recorded one, or a larger id still stored. */
export function readLastMessageId(db: Database): number {
  const recorded = db.prepare("SELECT value FROM meta WHERE key = 'last_message_id'").pluck().get();
  const stored = db.prepare("SELECT max(id) FROM messages").pluck().get();
  return Math.max(typeof recorded === "number" ? recorded : 0, typeof stored === "number" ? stored : 0);
}
