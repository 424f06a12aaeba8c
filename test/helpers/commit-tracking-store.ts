/**
 * A Store that forwards to another one and records the order of changes and commits, so a test can
 * tell whether a packet a client received was sent before or after the commit covering its change.
 * @module
 */

import type {
  Store,
  StoreFailure,
  StoreSnapshot,
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../src/hooks/store.js";
import { StoreError } from "../../src/errors.js";
import type { ApplicationMessage } from "../../src/session/application-message.js";

export interface RecordedChange {
  /** Position in the change log, from 0. */
  readonly index: number;
  readonly kind: string;
  readonly clientId: string | undefined;
  readonly detail: unknown;
}

export class CommitTrackingStore implements Store {
  readonly inner: Store;
  readonly changes: RecordedChange[] = [];
  /** Changes with an index below this are committed (as far as commits through this wrapper go). */
  committedThrough = 0;
  commits = 0;
  /**
   * While set, commit() fails (as on a full disk) without committing anything, and so does close()'s
   * last commit (after closing the inner store, as the SQLite store releases its database).
   */
  failCommits = false;
  #failure: StoreError | undefined;

  constructor(inner: Store) {
    this.inner = inner;
  }

  get name(): string {
    return this.inner.name;
  }
  get durable(): boolean {
    return this.inner.durable;
  }
  get ackAfterCommit(): boolean {
    return this.inner.ackAfterCommit;
  }
  get failure(): StoreFailure | undefined {
    const failure = this.#failure;
    if (failure === undefined) return this.inner.failure;
    return { code: failure.code, since: 0, message: failure.message, failures: 1 };
  }

  /** The last recorded change of `kind` for `clientId` matching `where`. */
  last(kind: string, clientId?: string, where: (detail: unknown) => boolean = () => true): RecordedChange {
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const change = this.changes[i]!;
      if (
        change.kind === kind &&
        (clientId === undefined || change.clientId === clientId) &&
        where(change.detail)
      )
        return change;
    }
    throw new Error(`No ${kind} recorded${clientId === undefined ? "" : ` for ${clientId}`}`);
  }

  isCommitted(change: RecordedChange): boolean {
    return change.index < this.committedThrough;
  }

  #log(kind: string, clientId: string | undefined, detail: unknown): void {
    this.changes.push({ index: this.changes.length, kind, clientId, detail });
  }

  load(): Promise<StoreSnapshot> {
    return this.inner.load();
  }
  putMessage(message: ApplicationMessage): void {
    this.#log("putMessage", undefined, message.id);
    this.inner.putMessage(message);
  }
  putSession(session: StoredSession): void {
    this.#log("putSession", session.clientId, session);
    this.inner.putSession(session);
  }
  deleteSession(clientId: string): void {
    this.#log("deleteSession", clientId, undefined);
    this.inner.deleteSession(clientId);
  }
  putSubscription(clientId: string, subscription: StoredSubscription): void {
    this.#log("putSubscription", clientId, subscription);
    this.inner.putSubscription(clientId, subscription);
  }
  deleteSubscription(clientId: string, topicFilter: string): void {
    this.#log("deleteSubscription", clientId, topicFilter);
    this.inner.deleteSubscription(clientId, topicFilter);
  }
  putInflight(clientId: string, entry: StoredInflight): void {
    this.#log("putInflight", clientId, entry);
    this.inner.putInflight(clientId, entry);
  }
  deleteInflight(clientId: string, packetId: number): void {
    this.#log("deleteInflight", clientId, packetId);
    this.inner.deleteInflight(clientId, packetId);
  }
  putQueued(clientId: string, entry: StoredQueued): void {
    this.#log("putQueued", clientId, entry);
    this.inner.putQueued(clientId, entry);
  }
  deleteQueued(clientId: string, seq: number): void {
    this.#log("deleteQueued", clientId, seq);
    this.inner.deleteQueued(clientId, seq);
  }
  putIncomingQos2(clientId: string, packetId: number): void {
    this.#log("putIncomingQos2", clientId, packetId);
    this.inner.putIncomingQos2(clientId, packetId);
  }
  deleteIncomingQos2(clientId: string, packetId: number): void {
    this.#log("deleteIncomingQos2", clientId, packetId);
    this.inner.deleteIncomingQos2(clientId, packetId);
  }
  putRetained(topic: string, messageId: number): void {
    this.#log("putRetained", undefined, { topic, messageId });
    this.inner.putRetained(topic, messageId);
  }
  deleteRetained(topic: string): void {
    this.#log("deleteRetained", undefined, topic);
    this.inner.deleteRetained(topic);
  }
  putWill(will: StoredWill): void {
    this.#log("putWill", will.clientId, will);
    this.inner.putWill(will);
  }
  deleteWill(clientId: string): void {
    this.#log("deleteWill", clientId, undefined);
    this.inner.deleteWill(clientId);
  }
  async commit(): Promise<void> {
    if (this.failCommits) throw (this.#failure = injectedFailure());
    const through = this.changes.length;
    await this.inner.commit();
    this.#failure = undefined;
    this.commits++;
    this.committedThrough = Math.max(this.committedThrough, through);
  }
  async close(): Promise<void> {
    await this.inner.close();
    if (this.failCommits) throw (this.#failure = injectedFailure());
  }
}

function injectedFailure(): StoreError {
  return new StoreError("Cannot commit to the store: the disk is full (injected failure)");
}
