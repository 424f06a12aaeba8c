/**
 * The storage plug-in interface: everything a broker must find again after a restart.
 *
 * The broker keeps its live state in memory and writes every change of persistent state through this
 * interface. Writes are synchronous calls that record the change; `commit()` resolves once every change
 * recorded before it is durable (a group commit). When the store says `ackAfterCommit`, the broker
 * acknowledges a QoS 1/2 PUBLISH (and writes anything else to its clients) only after the commit that
 * covers it. On start, `load()` returns what was committed.
 *
 * Messages are stored once and referenced by id from queues, in-flight entries, retained values and
 * wills; a message no referencing entry remains for is deleted by the store.
 *
 * Every implementation runs the contract suite in `test/contract/store.contract.ts`.
 * @module
 */

import type { ProtocolVersion, QoS, RetainHandling } from "../protocol/index.js";
import type { ApplicationMessage } from "../session/index.js";
import type { Principal } from "./principal.js";

export interface StoredSession {
  readonly clientId: string;
  readonly protocolVersion: ProtocolVersion;
  /** Seconds; 0xFFFFFFFF never expires. */
  readonly expiryInterval: number;
  /** Milliseconds since the epoch when the client disconnected; undefined while connected. */
  readonly disconnectedAt: number | undefined;
  /**
   * Who opened the session last (`Session.owner`: the principal id and org), so that after a restart a
   * principal limited to an org can no more take over or discard another principal's session than
   * before it. Undefined when unknown: a session stored by a version that did not keep it.
   */
  readonly owner?: string | undefined;
}

export interface StoredSubscription {
  /** As the client sent it, `$share/<group>/` prefix included. */
  readonly topicFilter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: RetainHandling;
  readonly subscriptionIdentifier: number | undefined;
}

/** An outbound QoS 1/2 message sent and not yet fully acknowledged. */
export interface StoredInflight {
  readonly packetId: number;
  readonly messageId: number;
  /** The QoS it was sent with. */
  readonly qos: 1 | 2;
  /** The RETAIN flag it was sent with. */
  readonly retain: boolean;
  readonly subscriptionIdentifiers: readonly number[];
  /** "publish": awaiting PUBACK/PUBREC; "pubrel": PUBREC received, PUBREL sent, awaiting PUBCOMP. */
  readonly phase: "publish" | "pubrel";
  /** See {@link StoredQueued.group}. */
  readonly group?: string | undefined;
}

/** A message waiting for delivery to a session (offline, or beyond its in-flight window). */
export interface StoredQueued {
  /** Position in the session's queue; increasing. */
  readonly seq: number;
  readonly messageId: number;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIdentifiers: readonly number[];
  /**
   * The shared subscription group the message was given to the session for (`Delivery.group`), as the
   * topic filter its members subscribed with, `$share/<ShareName>/<filter>` (the filter mounted in its
   * tenant, as in {@link StoredSubscription.topicFilter}): after a restart the entry joins that group
   * again, so another member gets it should the session end first (spec 4.8.2). Undefined for a delivery
   * to the session's own subscription, and for an entry stored by a version that did not keep it.
   */
  readonly group?: string | undefined;
}

export interface StoredWill {
  readonly clientId: string;
  /**
   * The will's message as it waits: its Message Expiry Interval is its `expiresAt` − `createdAt`, counted
   * again from when the will is published (the times themselves are those of when it was made).
   */
  readonly messageId: number;
  /** The Will Delay Interval in seconds (used when the broker stopped while the client was connected). */
  readonly delay: number;
  /** Milliseconds since the epoch when the will is due; undefined while its client is connected. */
  readonly dueAt: number | undefined;
  /**
   * Who the will is published as, so that a will restored after a restart goes through the message
   * stages as its client's publish would. Undefined when unknown (a will stored by a version that did
   * not keep it): it is restored with an identity holding only its tenant.
   */
  readonly publisher?: StoredPublisher | undefined;
}

/**
 * The client a stored will is published as: its `ClientIdentity` without the user name, which is not
 * stored because it may be the credential itself (PlaceOS API users log in with their token as user
 * name). The principal is stored whole: id, tenant, roles, scopes, expiry and attributes.
 */
export interface StoredPublisher {
  /** The client identifier as the client sent it (not the tenant-mounted session key). */
  readonly clientId: string;
  readonly principal: Principal;
}

export interface StoredSessionState {
  readonly session: StoredSession;
  readonly subscriptions: readonly StoredSubscription[];
  readonly inflight: readonly StoredInflight[];
  readonly queue: readonly StoredQueued[];
  /** Packet ids of inbound QoS 2 messages received (PUBREC sent) and not yet released (PUBREL). */
  readonly incomingQos2: readonly number[];
}

export interface StoreSnapshot {
  readonly sessions: readonly StoredSessionState[];
  /** Every message referenced by a queue, in-flight entry, retained value or will. */
  readonly messages: ReadonlyMap<number, ApplicationMessage>;
  /** Message ids of retained messages, by topic. */
  readonly retained: ReadonlyMap<string, number>;
  readonly wills: readonly StoredWill[];
  /** The largest message id the store has seen, so new ids do not collide. */
  readonly lastMessageId: number;
}

/** Why a store cannot commit, for as long as it cannot (`Store.failure`). */
export interface StoreFailure {
  /** The stable error code (`SB_ERR_STORE`). */
  readonly code: string;
  /** Milliseconds since the epoch of the first commit that failed (none has succeeded since). */
  readonly since: number;
  /** The last failure's message. */
  readonly message: string;
  /** Commits failed since `since`. */
  readonly failures: number;
}

export interface Store {
  readonly name: string;
  /** True when committed state survives the process. */
  readonly durable: boolean;
  /**
   * True when the broker must hold what it tells clients (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK and
   * every other frame of the turn) until the commit that covers the changes behind it: the durability
   * promise. False sends at once (the memory store, and a durable store in `relaxed` mode). Read anew
   * for every acknowledgement: a `relaxed` store asks for it while its commits fail, so that nothing is
   * acknowledged ahead of a commit that may never come.
   */
  readonly ackAfterCommit: boolean;
  /**
   * Set while commits fail (a commit failed and none has succeeded since); undefined while they
   * succeed, and for stores that cannot fail. A cheap question, asked before a change that should not
   * be made while nothing can be saved: the admin API refuses its writes with 503 meanwhile, and its
   * health answers `degraded`.
   */
  readonly failure?: StoreFailure | undefined;
  load(): Promise<StoreSnapshot>;

  putMessage(message: ApplicationMessage): void;

  putSession(session: StoredSession): void;
  /** Deletes the session and everything that hangs off it (subscriptions, in-flight, queue, inbound QoS 2 ids). Not its will. */
  deleteSession(clientId: string): void;

  putSubscription(clientId: string, subscription: StoredSubscription): void;
  deleteSubscription(clientId: string, topicFilter: string): void;

  putInflight(clientId: string, entry: StoredInflight): void;
  deleteInflight(clientId: string, packetId: number): void;

  putQueued(clientId: string, entry: StoredQueued): void;
  deleteQueued(clientId: string, seq: number): void;

  putIncomingQos2(clientId: string, packetId: number): void;
  deleteIncomingQos2(clientId: string, packetId: number): void;

  putRetained(topic: string, messageId: number): void;
  deleteRetained(topic: string): void;

  putWill(will: StoredWill): void;
  deleteWill(clientId: string): void;

  /** Resolves when every change recorded so far is durable. */
  commit(): Promise<void>;
  /**
   * Makes a last attempt to commit what is pending, then releases the backend (files, locks, timers)
   * whatever that attempt gave; rejects, once released, when the last commit failed.
   */
  close(): Promise<void>;
}
