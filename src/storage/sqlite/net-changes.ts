/**
 * The net effect of the changes recorded since the SQLite store's last checkpoint: what the tables
 * must become, folded key by key as the changes are recorded, so that a checkpoint writes only what
 * survives. A queue entry put and deleted again before the checkpoint (a message delivered and
 * acknowledged in the meantime) costs nothing in the tables; an entry of the tables deleted and put
 * again is deleted and inserted once.
 *
 * Applying the net changes (`apply`) leaves the tables exactly as applying every change in order
 * would, in-flight order included (`inflight.ord` is the order an entry was first put since it was
 * last deleted): all deletions first (sessions wiped by `deleteSession`, then entries that exist in the
 * tables and were deleted), then the surviving entries in the order they were first put, then the new
 * messages they reference, each inserted with its reference count (so a new message never passes
 * through the `refs <= 0` index). Whether an entry exists in the tables is known exactly for
 * in-flight entries, queue entries and inbound QoS 2 ids (their keys as of the last checkpoint are kept
 * in memory, {@link CommittedKeys}); deleting one that was put since the checkpoint leaves nothing to
 * do. Subscriptions, sessions, retained values and wills change rarely: their deletions are always
 * applied.
 *
 * Messages put since the checkpoint are kept with the number of surviving entries naming them and
 * dropped when it falls to 0 (as `MemoryStore` does), so a message delivered before the checkpoint is
 * never written to the `messages` table.
 * @module
 */

import type { Database } from "better-sqlite3";
import type {
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import { assertNever } from "../../protocol/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { messageParams } from "./message-row.js";
import { publisherToJson } from "./publisher-json.js";
import type { StoreOp } from "./store-op.js";
import type { StoreStatements } from "./store-statements.js";

/** The keys of one session's rows in the tables as of the last checkpoint. */
export interface CommittedKeys {
  readonly inflight: Set<number>;
  readonly queue: Set<number>;
  readonly incomingQos2: Set<number>;
}

interface MessageRecord {
  readonly message: ApplicationMessage;
  /** Surviving entries (since the checkpoint) naming the message. */
  refs: number;
}

class ClientChanges {
  /** `deleteSession` since the checkpoint: the session's rows are wiped before anything is put. */
  cleared = false;
  /** The session record to put; null once deleted; undefined when unchanged. */
  session: StoredSession | null | undefined = undefined;
  /** Subscriptions to put, or null for deleted ones. */
  subscriptions: Map<string, StoredSubscription | null> | undefined = undefined;
  readonly inflight = new Map<number, StoredInflight>();
  readonly inflightDeleted = new Set<number>();
  readonly queue = new Map<number, StoredQueued>();
  readonly queueDeleted = new Set<number>();
  readonly incoming = new Set<number>();
  readonly incomingDeleted = new Set<number>();
  readonly committed: CommittedKeys | undefined;

  constructor(committed: CommittedKeys | undefined) {
    this.committed = committed;
  }
}

const bit = (value: boolean): number => (value ? 1 : 0);

/** Subscription identifiers as stored: a JSON array, or NULL for none. */
function idsParam(ids: readonly number[]): string | null {
  return ids.length === 0 ? null : JSON.stringify(ids);
}

/** Reads the keys of every in-flight entry, queue entry and inbound QoS 2 id in the tables. */
export function readCommittedKeys(db: Database): Map<string, CommittedKeys> {
  const keys = new Map<string, CommittedKeys>();
  const of = (clientId: string): CommittedKeys => {
    let k = keys.get(clientId);
    if (k === undefined) {
      k = { inflight: new Set(), queue: new Set(), incomingQos2: new Set() };
      keys.set(clientId, k);
    }
    return k;
  };
  for (const [table, column, set] of [
    ["inflight", "packet_id", "inflight"],
    ["queue", "seq", "queue"],
    ["incoming_qos2", "packet_id", "incomingQos2"],
  ] as const) {
    const rows = db.prepare(`SELECT client_id, ${column} FROM ${table}`).raw().iterate() as IterableIterator<
      [string, number]
    >;
    for (const [clientId, key] of rows) of(clientId)[set].add(key);
  }
  return keys;
}

export class NetChanges {
  readonly #committed: Map<string, CommittedKeys>;
  #clients = new Map<string, ClientChanges>();
  /** The client of the last change and its changes (most changes come in runs for one client). */
  #lastClientId: string | undefined;
  #lastClient: ClientChanges | undefined;
  #messages = new Map<number, MessageRecord>();
  #retained = new Map<string, number | null>();
  #wills = new Map<string, StoredWill | null>();
  /** Keys with something to write (entries to put, deletions to apply); approximate upper bound. */
  #size = 0;

  constructor(committed: Map<string, CommittedKeys>) {
    this.#committed = committed;
  }

  /** Roughly how many rows the next checkpoint writes (entries, deletions, messages). */
  get size(): number {
    return this.#size + this.#messages.size;
  }

  get empty(): boolean {
    return (
      this.#clients.size === 0 &&
      this.#messages.size === 0 &&
      this.#retained.size === 0 &&
      this.#wills.size === 0
    );
  }

  /** Records a recorded change (the replay of the change log). */
  record(op: StoreOp): void {
    switch (op.kind) {
      case "putMessage":
        this.putMessage(op.message);
        return;
      case "putSession":
        this.putSession(op.session);
        return;
      case "deleteSession":
        this.deleteSession(op.clientId);
        return;
      case "putSubscription":
        this.putSubscription(op.clientId, op.subscription);
        return;
      case "deleteSubscription":
        this.deleteSubscription(op.clientId, op.topicFilter);
        return;
      case "putInflight":
        this.putInflight(op.clientId, op.entry);
        return;
      case "deleteInflight":
        this.deleteInflight(op.clientId, op.packetId);
        return;
      case "putQueued":
        this.putQueued(op.clientId, op.entry);
        return;
      case "deleteQueued":
        this.deleteQueued(op.clientId, op.seq);
        return;
      case "putIncomingQos2":
        this.putIncomingQos2(op.clientId, op.packetId);
        return;
      case "deleteIncomingQos2":
        this.deleteIncomingQos2(op.clientId, op.packetId);
        return;
      case "putRetained":
        this.putRetained(op.topic, op.messageId);
        return;
      case "deleteRetained":
        this.deleteRetained(op.topic);
        return;
      case "putWill":
        this.putWill(op.will);
        return;
      case "deleteWill":
        this.deleteWill(op.clientId);
        return;
      default:
        assertNever(op);
    }
  }

  /** False when the message is already held (put since the checkpoint and still named). */
  putMessage(message: ApplicationMessage): boolean {
    if (this.#messages.has(message.id)) return false;
    this.#messages.set(message.id, { message, refs: 0 });
    return true;
  }

  putSession(session: StoredSession): void {
    const c = this.#client(session.clientId);
    if (c.session === undefined) this.#size++;
    c.session = session;
  }

  deleteSession(clientId: string): void {
    const c = this.#client(clientId);
    for (const entry of c.inflight.values()) this.#unref(entry.messageId);
    for (const entry of c.queue.values()) this.#unref(entry.messageId);
    this.#size -= c.inflight.size + c.queue.size + c.incoming.size;
    c.inflight.clear();
    c.queue.clear();
    c.incoming.clear();
    this.#size -= c.inflightDeleted.size + c.queueDeleted.size + c.incomingDeleted.size;
    c.inflightDeleted.clear();
    c.queueDeleted.clear();
    c.incomingDeleted.clear();
    if (c.subscriptions !== undefined) {
      this.#size -= c.subscriptions.size;
      c.subscriptions = undefined;
    }
    if (!c.cleared) this.#size++;
    c.cleared = true;
    if (c.session === undefined) this.#size++;
    c.session = null;
  }

  putSubscription(clientId: string, subscription: StoredSubscription): void {
    const subs = (this.#client(clientId).subscriptions ??= new Map());
    if (!subs.has(subscription.topicFilter)) this.#size++;
    subs.set(subscription.topicFilter, subscription);
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    const subs = (this.#client(clientId).subscriptions ??= new Map());
    if (!subs.has(topicFilter)) this.#size++;
    subs.set(topicFilter, null);
  }

  putInflight(clientId: string, entry: StoredInflight): void {
    const c = this.#client(clientId);
    const previous = c.inflight.get(entry.packetId);
    c.inflight.set(entry.packetId, entry);
    this.#ref(entry.messageId);
    if (previous === undefined) this.#size++;
    else this.#unref(previous.messageId);
  }

  deleteInflight(clientId: string, packetId: number): void {
    const c = this.#client(clientId);
    const previous = c.inflight.get(packetId);
    if (previous !== undefined) {
      c.inflight.delete(packetId);
      this.#unref(previous.messageId);
      this.#size--;
    }
    if (!c.cleared && c.committed?.inflight.has(packetId) === true) {
      const before = c.inflightDeleted.size;
      if (c.inflightDeleted.add(packetId).size > before) this.#size++;
    }
  }

  putQueued(clientId: string, entry: StoredQueued): void {
    const c = this.#client(clientId);
    const previous = c.queue.get(entry.seq);
    c.queue.set(entry.seq, entry);
    this.#ref(entry.messageId);
    if (previous === undefined) this.#size++;
    else this.#unref(previous.messageId);
  }

  deleteQueued(clientId: string, seq: number): void {
    const c = this.#client(clientId);
    const previous = c.queue.get(seq);
    if (previous !== undefined) {
      c.queue.delete(seq);
      this.#unref(previous.messageId);
      this.#size--;
    }
    if (!c.cleared && c.committed?.queue.has(seq) === true) {
      const before = c.queueDeleted.size;
      if (c.queueDeleted.add(seq).size > before) this.#size++;
    }
  }

  putIncomingQos2(clientId: string, packetId: number): void {
    const c = this.#client(clientId);
    if (c.incoming.has(packetId)) return;
    c.incoming.add(packetId);
    this.#size++;
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    const c = this.#client(clientId);
    if (c.incoming.delete(packetId)) this.#size--;
    if (!c.cleared && c.committed?.incomingQos2.has(packetId) === true) {
      const before = c.incomingDeleted.size;
      if (c.incomingDeleted.add(packetId).size > before) this.#size++;
    }
  }

  putRetained(topic: string, messageId: number): void {
    const previous = this.#retained.get(topic);
    this.#retained.set(topic, messageId);
    this.#ref(messageId);
    if (previous === undefined) this.#size++;
    else if (previous !== null) this.#unref(previous);
  }

  deleteRetained(topic: string): void {
    const previous = this.#retained.get(topic);
    this.#retained.set(topic, null);
    if (previous === undefined) this.#size++;
    else if (previous !== null) this.#unref(previous);
  }

  putWill(will: StoredWill): void {
    const previous = this.#wills.get(will.clientId);
    this.#wills.set(will.clientId, will);
    this.#ref(will.messageId);
    if (previous === undefined) this.#size++;
    else if (previous !== null) this.#unref(previous.messageId);
  }

  deleteWill(clientId: string): void {
    const previous = this.#wills.get(clientId);
    this.#wills.set(clientId, null);
    if (previous === undefined) this.#size++;
    else if (previous !== null) this.#unref(previous.messageId);
  }

  /** Writes the net changes to the tables (inside the checkpoint's transaction); changes nothing here. */
  apply(st: StoreStatements): void {
    // 1. deletions: wiped sessions, then entries of the tables deleted since the checkpoint
    for (const [clientId, c] of this.#clients) {
      if (c.cleared) for (const statement of st.deleteSessionRows) statement.run(clientId);
      if (c.subscriptions !== undefined)
        for (const [filter, sub] of c.subscriptions)
          if (sub === null) st.deleteSubscription.run(clientId, filter);
      for (const packetId of c.inflightDeleted) st.deleteInflight.run(clientId, packetId);
      for (const seq of c.queueDeleted) st.deleteQueued.run(clientId, seq);
      for (const packetId of c.incomingDeleted) st.deleteIncomingQos2.run(clientId, packetId);
    }
    for (const [topic, messageId] of this.#retained) if (messageId === null) st.deleteRetained.run(topic);
    for (const [clientId, will] of this.#wills) if (will === null) st.deleteWill.run(clientId);
    // 2. the surviving entries, each in the order it was first put (their triggers count the references
    // to messages already in the table)
    for (const [clientId, c] of this.#clients) {
      const s = c.session;
      if (s !== undefined && s !== null)
        st.putSession.run(
          clientId,
          s.protocolVersion,
          s.expiryInterval,
          s.disconnectedAt ?? null,
          s.owner ?? null,
        );
      if (c.subscriptions !== undefined) {
        for (const sub of c.subscriptions.values()) {
          if (sub === null) continue;
          st.putSubscription.run(
            clientId,
            sub.topicFilter,
            sub.qos,
            bit(sub.noLocal),
            bit(sub.retainAsPublished),
            sub.retainHandling,
            sub.subscriptionIdentifier ?? null,
          );
        }
      }
      for (const e of c.inflight.values()) {
        st.putInflight.run(
          clientId,
          e.packetId,
          e.messageId,
          e.qos,
          bit(e.retain),
          idsParam(e.subscriptionIdentifiers),
          e.phase,
          e.group ?? null,
        );
      }
      for (const e of c.queue.values())
        st.putQueued.run(
          clientId,
          e.seq,
          e.messageId,
          e.qos,
          bit(e.retain),
          idsParam(e.subscriptionIdentifiers),
          e.group ?? null,
        );
      for (const packetId of c.incoming) st.putIncomingQos2.run(clientId, packetId);
    }
    for (const [topic, messageId] of this.#retained)
      if (messageId !== null) st.putRetained.run(topic, messageId);
    for (const will of this.#wills.values()) {
      if (will === null) continue;
      const publisher = will.publisher === undefined ? null : publisherToJson(will.publisher);
      st.putWill.run(will.clientId, will.messageId, will.delay, will.dueAt ?? null, publisher);
    }
    // 3. the messages put since the checkpoint that surviving entries name, with that number of
    // references (their entries' triggers found no row to count on); one already in the table is kept
    for (const record of this.#messages.values())
      if (record.refs > 0) st.putMessage.run(messageParams(record.message), record.refs);
  }

  /** The checkpoint that applied these changes committed: the keys move to the committed ones, and the changes start over. */
  applied(): void {
    for (const [clientId, c] of this.#clients) {
      let keys = this.#committed.get(clientId);
      if (c.cleared && keys !== undefined) {
        keys.inflight.clear();
        keys.queue.clear();
        keys.incomingQos2.clear();
      }
      if (c.inflight.size === 0 && c.queue.size === 0 && c.incoming.size === 0) {
        if (keys !== undefined) {
          for (const packetId of c.inflightDeleted) keys.inflight.delete(packetId);
          for (const seq of c.queueDeleted) keys.queue.delete(seq);
          for (const packetId of c.incomingDeleted) keys.incomingQos2.delete(packetId);
          if (c.session === null && keys.inflight.size + keys.queue.size + keys.incomingQos2.size === 0)
            this.#committed.delete(clientId);
        }
        continue;
      }
      if (keys === undefined) {
        keys = { inflight: new Set(), queue: new Set(), incomingQos2: new Set() };
        this.#committed.set(clientId, keys);
      }
      for (const packetId of c.inflightDeleted) keys.inflight.delete(packetId);
      for (const seq of c.queueDeleted) keys.queue.delete(seq);
      for (const packetId of c.incomingDeleted) keys.incomingQos2.delete(packetId);
      for (const packetId of c.inflight.keys()) keys.inflight.add(packetId);
      for (const seq of c.queue.keys()) keys.queue.add(seq);
      for (const packetId of c.incoming) keys.incomingQos2.add(packetId);
    }
    this.#clients = new Map();
    this.#lastClientId = undefined;
    this.#lastClient = undefined;
    this.#messages = new Map();
    this.#retained = new Map();
    this.#wills = new Map();
    this.#size = 0;
  }

  #client(clientId: string): ClientChanges {
    if (clientId === this.#lastClientId) return this.#lastClient!;
    let c = this.#clients.get(clientId);
    if (c === undefined) {
      c = new ClientChanges(this.#committed.get(clientId));
      this.#clients.set(clientId, c);
    }
    this.#lastClientId = clientId;
    this.#lastClient = c;
    return c;
  }

  #ref(messageId: number): void {
    const record = this.#messages.get(messageId);
    if (record !== undefined) record.refs++;
  }

  #unref(messageId: number): void {
    const record = this.#messages.get(messageId);
    if (record !== undefined && --record.refs <= 0) this.#messages.delete(messageId);
  }
}
