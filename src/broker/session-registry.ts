/**
 * All sessions of the broker by client identifier, and what happens to them between connections:
 * session expiry [MQTT-3.1.2-23] and delayed Will Messages [MQTT-3.1.3-9]. Timers exist only for
 * disconnected sessions, on the broker's single scheduler.
 *
 * A session is persistent when its expiry interval is above 0 (v3: Clean Session 0); only persistent
 * sessions are written to the store.
 * @module
 */

import type { ClientIdentity, Store, StoredSession, StoredSubscription } from "../hooks/index.js";
import type { Logger } from "../observability/index.js";
import type { ProtocolVersion } from "../protocol/index.js";
import {
  type ApplicationMessage,
  type Deadline,
  Session,
  type QueueLimits,
  NULL_JOURNAL,
  type SessionObserver,
  type Subscription,
} from "../session/index.js";
import type { Router } from "./router.js";
import type { Scheduler, TimedTask } from "./scheduler.js";
import { StoreJournal } from "./store-journal.js";

/** Session Expiry Interval meaning "never". */
const NEVER = 0xffffffff;

export interface SessionRegistryOptions {
  readonly store: Store;
  readonly router: Router;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly queueLimits: QueueLimits;
  readonly observer: SessionObserver;
  /**
   * Publishes a will, as published by `publisher` when it is known (undefined: a will restored from the
   * store); returns the number of deliveries. `message` is the will as it waited (`messageFromWill`):
   * its expiry is counted from now (`publishedWill`).
   */
  readonly publish: (
    message: ApplicationMessage,
    now: number,
    publisher: ClientIdentity | undefined,
  ) => number;
}

interface PendingWill {
  readonly message: ApplicationMessage;
  readonly deadline: Deadline<TimedTask>;
  readonly publisher: ClientIdentity | undefined;
}

export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  readonly #expiries = new Map<Session, Deadline<TimedTask>>();
  readonly #wills = new Map<string, PendingWill>();
  readonly #options: SessionRegistryOptions;

  constructor(options: SessionRegistryOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get pendingWills(): number {
    return this.#wills.size;
  }

  get(clientId: string): Session | undefined {
    return this.#sessions.get(clientId);
  }

  values(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  create(
    clientId: string,
    protocolVersion: ProtocolVersion,
    expiryInterval: number,
    inflightCapacity: number,
  ): Session {
    const session = new Session({
      clientId,
      protocolVersion,
      expiryInterval,
      inflightCapacity,
      queueLimits: this.#options.queueLimits,
      observer: this.#options.observer,
    });
    this.#sessions.set(clientId, session);
    return session;
  }

  /** A client connected to an existing session: its expiry stops, and a delayed will is not sent [MQTT-3.1.3-9]. */
  resume(session: Session): void {
    this.#options.scheduler.cancel(this.#expiries.get(session));
    this.#expiries.delete(session);
    this.cancelWill(session.clientId);
  }

  /** Makes the store follow the session's persistence after (re)connection or a changed expiry. */
  persist(session: Session, disconnectedAt: number | undefined): void {
    const store = this.#options.store;
    if (session.expiryInterval > 0) {
      if (session.journal === NULL_JOURNAL) {
        session.journal = new StoreJournal(store, session.clientId);
        this.#writeAll(session);
      }
      store.putSession(storedSession(session, disconnectedAt));
    } else if (session.journal !== NULL_JOURNAL) {
      store.deleteSession(session.clientId);
      session.journal = NULL_JOURNAL;
    }
  }

  /** The session's connection ended: the session ends now or starts counting down its expiry. */
  disconnected(session: Session, now: number): void {
    if (session.expiryInterval === 0) {
      this.end(session, now);
      return;
    }
    this.persist(session, now);
    this.#scheduleExpiry(session, session.disconnectedAt ?? now);
  }

  /**
   * Ends a session: its subscriptions go, what it held for shared subscriptions goes to other members,
   * it is deleted from the store, and a pending will is sent now.
   */
  end(session: Session, now: number): void {
    if (this.#sessions.get(session.clientId) !== session) return;
    this.#sessions.delete(session.clientId);
    this.#options.scheduler.cancel(this.#expiries.get(session));
    this.#expiries.delete(session);
    const router = this.#options.router;
    for (const subscription of session.subscriptions.values()) router.remove(session, subscription);
    // spec 4.8.2: what the session held for shared subscriptions goes to other members of their groups
    const shared = session.sharedPending();
    if (shared.length > 0) {
      const unplaced = router.reshare(shared, now);
      this.#options.logger.debug(
        { clientId: session.clientId, messages: shared.length, unplaced },
        "Shared subscription messages of an ended session given to other members",
      );
    }
    if (session.journal !== NULL_JOURNAL) {
      this.#options.store.deleteSession(session.clientId);
      session.journal = NULL_JOURNAL;
    }
    // [MQTT-3.1.3-9] the will is sent at the earlier of its delay and the end of the session
    const will = this.#wills.get(session.clientId);
    if (will !== undefined) this.#sendWill(session.clientId, will, now);
    this.#options.logger.debug({ clientId: session.clientId }, "Session ended");
  }

  /** Schedules a will for `dueAt`; a will already pending for the client is replaced. */
  scheduleWill(
    clientId: string,
    message: ApplicationMessage,
    dueAt: number,
    publisher?: ClientIdentity,
  ): void {
    const previous = this.#wills.get(clientId);
    if (previous !== undefined) this.#options.scheduler.cancel(previous.deadline);
    const task: TimedTask = {
      fire: (now) => {
        const pending = this.#wills.get(clientId);
        if (pending?.message === message) this.#sendWill(clientId, pending, now);
      },
    };
    this.#wills.set(clientId, {
      message,
      deadline: this.#options.scheduler.schedule(dueAt, task),
      publisher,
    });
  }

  cancelWill(clientId: string): void {
    const pending = this.#wills.get(clientId);
    if (pending === undefined) return;
    this.#options.scheduler.cancel(pending.deadline);
    this.#wills.delete(clientId);
    this.#options.store.deleteWill(clientId);
  }

  /**
   * Restores a session from the store (no store writes) with its stored owner (undefined when the store
   * did not know it); expiry is counted from its disconnection.
   */
  restore(session: Session, disconnectedAt: number, owner: string | undefined): void {
    session.disconnectedAt = disconnectedAt;
    session.owner = owner;
    session.journal = new StoreJournal(this.#options.store, session.clientId);
    this.#sessions.set(session.clientId, session);
    for (const subscription of session.subscriptions.values())
      this.#options.router.add(session, subscription);
    this.#scheduleExpiry(session, disconnectedAt);
  }

  #sendWill(clientId: string, will: PendingWill, now: number): void {
    this.#options.scheduler.cancel(will.deadline);
    this.#wills.delete(clientId);
    this.#options.store.deleteWill(clientId);
    this.#options.logger.debug({ clientId, topic: will.message.topic }, "Publishing will");
    this.#options.publish(will.message, now, will.publisher);
  }

  #scheduleExpiry(session: Session, disconnectedAt: number): void {
    if (session.expiryInterval === NEVER) return;
    const task: TimedTask = { fire: (now) => this.end(session, now) };
    this.#expiries.set(
      session,
      this.#options.scheduler.schedule(disconnectedAt + session.expiryInterval * 1000, task),
    );
  }

  /** Writes a session that just became persistent, with everything it already holds. */
  #writeAll(session: Session): void {
    const store = this.#options.store;
    store.putSession(storedSession(session, undefined));
    for (const subscription of session.subscriptions.values())
      store.putSubscription(session.clientId, toStoredSubscription(subscription));
    for (const entry of session.inflight.values()) session.journal.putInflight(entry);
    for (const entry of session.queue) session.journal.putQueued(entry);
    for (const packetId of session.incomingQos2) session.journal.putIncomingQos2(packetId);
  }
}

function storedSession(session: Session, disconnectedAt: number | undefined): StoredSession {
  return {
    clientId: session.clientId,
    protocolVersion: session.protocolVersion,
    expiryInterval: session.expiryInterval,
    disconnectedAt,
    owner: session.owner,
  };
}

export function toStoredSubscription(subscription: Subscription): StoredSubscription {
  return {
    topicFilter: subscription.topicFilter,
    qos: subscription.qos,
    noLocal: subscription.noLocal,
    retainAsPublished: subscription.retainAsPublished,
    retainHandling: subscription.retainHandling,
    subscriptionIdentifier: subscription.subscriptionIdentifier,
  };
}
