/**
 * The in-memory store: keeps what a durable store would, in this process only (`durable: false` and
 * `ackAfterCommit: false`, so the broker does not wait for commits). A broker restarted in the same
 * process with the same instance finds its state again, which is what the contract suite and
 * in-process restart tests rely on.
 *
 * Messages are reference-counted by the entries that name them (queue, in-flight, retained, will);
 * a message whose count falls to zero is deleted, and `commit` sweeps messages that were put but never
 * referenced.
 * @module
 */

import type {
  Store,
  StoreSnapshot,
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSessionState,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import { type ApplicationMessage, withoutCaches } from "../../session/index.js";

interface SessionRecord {
  session: StoredSession;
  readonly subscriptions: Map<string, StoredSubscription>;
  readonly inflight: Map<number, StoredInflight>;
  readonly queue: Map<number, StoredQueued>;
  readonly incomingQos2: Set<number>;
}

interface MessageRecord {
  readonly message: ApplicationMessage;
  refs: number;
}

export class MemoryStore implements Store {
  readonly name = "memory";
  readonly durable = false;
  readonly ackAfterCommit = false;
  readonly #messages = new Map<number, MessageRecord>();
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #retained = new Map<string, number>();
  readonly #wills = new Map<string, StoredWill>();
  #lastMessageId = 0;

  load(): Promise<StoreSnapshot> {
    const sessions: StoredSessionState[] = [];
    for (const record of this.#sessions.values()) {
      sessions.push({
        session: record.session,
        subscriptions: [...record.subscriptions.values()],
        inflight: [...record.inflight.values()],
        queue: [...record.queue.values()].sort((a, b) => a.seq - b.seq),
        incomingQos2: [...record.incomingQos2],
      });
    }
    const messages = new Map<number, ApplicationMessage>();
    for (const [id, record] of this.#messages) if (record.refs > 0) messages.set(id, record.message);
    return Promise.resolve({
      sessions,
      messages,
      retained: new Map(this.#retained),
      wills: [...this.#wills.values()],
      lastMessageId: this.#lastMessageId,
    });
  }

  putMessage(message: ApplicationMessage): void {
    if (message.id > this.#lastMessageId) this.#lastMessageId = message.id;
    if (this.#messages.has(message.id)) return;
    // the message's own fields, without the runtime caches (frames, client topic, mount)
    this.#messages.set(message.id, { message: withoutCaches(message), refs: 0 });
  }

  putSession(session: StoredSession): void {
    const record = this.#sessions.get(session.clientId);
    if (record !== undefined) {
      record.session = session;
      return;
    }
    this.#sessions.set(session.clientId, {
      session,
      subscriptions: new Map(),
      inflight: new Map(),
      queue: new Map(),
      incomingQos2: new Set(),
    });
  }

  deleteSession(clientId: string): void {
    const record = this.#sessions.get(clientId);
    if (record === undefined) return;
    for (const entry of record.inflight.values()) this.#unref(entry.messageId);
    for (const entry of record.queue.values()) this.#unref(entry.messageId);
    this.#sessions.delete(clientId);
  }

  putSubscription(clientId: string, subscription: StoredSubscription): void {
    this.#sessions.get(clientId)?.subscriptions.set(subscription.topicFilter, subscription);
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    this.#sessions.get(clientId)?.subscriptions.delete(topicFilter);
  }

  putInflight(clientId: string, entry: StoredInflight): void {
    const record = this.#sessions.get(clientId);
    if (record === undefined) return;
    this.#ref(entry.messageId);
    const previous = record.inflight.get(entry.packetId);
    record.inflight.set(entry.packetId, entry);
    if (previous !== undefined) this.#unref(previous.messageId);
  }

  deleteInflight(clientId: string, packetId: number): void {
    const record = this.#sessions.get(clientId);
    const entry = record?.inflight.get(packetId);
    if (record === undefined || entry === undefined) return;
    record.inflight.delete(packetId);
    this.#unref(entry.messageId);
  }

  putQueued(clientId: string, entry: StoredQueued): void {
    const record = this.#sessions.get(clientId);
    if (record === undefined) return;
    this.#ref(entry.messageId);
    const previous = record.queue.get(entry.seq);
    record.queue.set(entry.seq, entry);
    if (previous !== undefined) this.#unref(previous.messageId);
  }

  deleteQueued(clientId: string, seq: number): void {
    const record = this.#sessions.get(clientId);
    const entry = record?.queue.get(seq);
    if (record === undefined || entry === undefined) return;
    record.queue.delete(seq);
    this.#unref(entry.messageId);
  }

  putIncomingQos2(clientId: string, packetId: number): void {
    this.#sessions.get(clientId)?.incomingQos2.add(packetId);
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    this.#sessions.get(clientId)?.incomingQos2.delete(packetId);
  }

  putRetained(topic: string, messageId: number): void {
    this.#ref(messageId);
    const previous = this.#retained.get(topic);
    this.#retained.set(topic, messageId);
    if (previous !== undefined) this.#unref(previous);
  }

  deleteRetained(topic: string): void {
    const previous = this.#retained.get(topic);
    if (previous === undefined) return;
    this.#retained.delete(topic);
    this.#unref(previous);
  }

  putWill(will: StoredWill): void {
    this.#ref(will.messageId);
    const previous = this.#wills.get(will.clientId);
    this.#wills.set(will.clientId, will);
    if (previous !== undefined) this.#unref(previous.messageId);
  }

  deleteWill(clientId: string): void {
    const previous = this.#wills.get(clientId);
    if (previous === undefined) return;
    this.#wills.delete(clientId);
    this.#unref(previous.messageId);
  }

  commit(): Promise<void> {
    for (const [id, record] of this.#messages) if (record.refs === 0) this.#messages.delete(id);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Messages held (for tests of reference counting). */
  get messageCount(): number {
    return this.#messages.size;
  }

  #ref(id: number): void {
    const record = this.#messages.get(id);
    if (record !== undefined) record.refs++;
  }

  #unref(id: number): void {
    const record = this.#messages.get(id);
    if (record === undefined) return;
    record.refs--;
    if (record.refs <= 0) this.#messages.delete(id);
  }
}
