/**
 * The broker runtime: owns every connection, session, subscription and retained message of one node,
 * runs the publish pipeline (authorize -> message stages -> retained -> route -> cluster) and writes
 * each connection's packets once per event-loop turn.
 *
 * Durability seam (write-ahead, `write-ahead.ts`): when the store says `ackAfterCommit` (the SQLite
 * store in `strict` and `process` mode), nothing reaches a client before the store has committed the
 * changes behind it: once per event-loop turn the broker commits, then writes the turn's packets with
 * the PUBACK, PUBREC, PUBCOMP, SUBACK and UNSUBACK held for that commit. So an acknowledged message is
 * never lost, and QoS 2 stays exactly-once across a crash. With the memory store, and the SQLite store
 * in `relaxed` mode, everything is sent at once and the store commits on its own, except while the
 * store is failing: then a `relaxed` store asks for write-ahead too (`ackAfterCommit` is read anew
 * each time), so nothing is acknowledged ahead of a commit that may never come.
 * @module
 */

import { randomUUID } from "node:crypto";
import { AnonymousAuthenticator } from "../auth/index.js";
import { SingleNodeBus } from "../cluster/index.js";
import type { Config } from "../config/index.js";
import {
  type Authenticator,
  type Authorizer,
  type ClusterBus,
  type ClientIdentity,
  HookChain,
  type MessageStage,
  type Principal,
  type Store,
} from "../hooks/index.js";
import type { Logger } from "../observability/index.js";
import {
  FramePool,
  PacketType,
  type Packet,
  type Properties,
  ProtocolErrorCode,
  type ProtocolError,
  ConnackReturnCode,
  ReasonCode,
  toV3ConnackReturnCode,
  TopicFields,
} from "../protocol/index.js";
import {
  type ApplicationMessage,
  inflightCapacity,
  type ServerLimits,
  type Delivery,
  type Session,
  type DropReason,
  type SessionObserver,
  type Subscription,
} from "../session/index.js";
import { MemoryStore } from "../storage/index.js";
import { clientTopicOf, tenantOfTopic } from "../tenancy/index.js";
import type { Transport } from "../transport/index.js";
import { AccessGuard } from "./access-guard.js";
import { BrokerAuthentication } from "./authentication.js";
import { Connection, type ListenerInfo } from "./connection.js";
import { messageFromWill, publishedWill } from "./message-factory.js";
import { Metrics } from "./metrics.js";
import { restoreState } from "./restore-state.js";
import { RetainedMessages, type RetainedRefusal } from "./retained-messages.js";
import { Router } from "./router.js";
import { Scheduler } from "./scheduler.js";
import { SessionRegistry, toStoredSubscription } from "./session-registry.js";
import type { DeliveryPrivacy } from "./delivery-privacy.js";
import { SysTopics } from "./sys-topics.js";
import { WriteAhead } from "./write-ahead.js";

export interface BrokerOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly store?: Store;
  /** Defaults to the anonymous authenticator configured by `auth.allowAnonymous`. */
  readonly authenticators?: readonly Authenticator[];
  /**
   * Asked in order before the configured rules (`authorization.rules`, always the last link, which
   * allow everything when there are none).
   */
  readonly authorizers?: readonly Authorizer[];
  readonly stages?: readonly MessageStage[];
  readonly cluster?: ClusterBus;
  /** Milliseconds since the epoch; tests may pass a controllable clock. */
  readonly clock?: () => number;
}

/** UTF-16 code units of a topic in a log line (a topic may have 65,535 bytes). */
const MAX_TOPIC_LOGGED = 256;

export type IngestResult =
  | { readonly accepted: true; readonly matched: number }
  | { readonly accepted: false; readonly reasonCode: number; readonly reason: string | undefined };

export class Broker {
  readonly config: Config;
  readonly logger: Logger;
  readonly limits: ServerLimits;
  readonly hooks: HookChain;
  /** Tenants, `$SYS` access, limits, the configured rules and the audit log (access-guard.ts). */
  readonly guard: AccessGuard;
  /** Enhanced-authentication state, credential deadlines, failure backoff, revocation (authentication.ts). */
  readonly authentication: BrokerAuthentication;
  readonly metrics: Metrics;
  readonly scheduler: Scheduler;
  readonly store: Store;
  readonly router = new Router();
  /** Outgoing PUBLISH frames are carved from its slabs (protocol/frame-pool.ts). */
  readonly framePool = new FramePool();
  /** Encoded Topic Names of topics sent again and again (protocol/topic-fields.ts). */
  readonly topicFields = new TopicFields();
  readonly retained: RetainedMessages;
  readonly sessions: SessionRegistry;
  readonly cluster: ClusterBus;
  readonly connections = new Set<Connection>();
  /** Privacy rules of deliveries to clients; undefined while no tenant has any (delivery-privacy.ts). */
  privacy: DeliveryPrivacy | undefined = undefined;
  readonly now: () => number;

  readonly #stages: readonly MessageStage[];
  readonly #sys: SysTopics;
  #dirty: Connection[] = [];
  #flushScheduled = false;
  readonly #writeAhead: WriteAhead;
  #messageId = 0;
  #state: "new" | "running" | "closing" | "closed" = "new";

  constructor(options: BrokerOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.now = options.clock ?? Date.now;
    this.limits = options.config.mqtt;
    this.store = options.store ?? new MemoryStore();
    this.cluster = options.cluster ?? new SingleNodeBus();
    this.guard = new AccessGuard(this);
    this.hooks = new HookChain(
      options.authenticators ?? [
        new AnonymousAuthenticator({ allowAnonymous: options.config.auth.allowAnonymous }),
      ],
      [...(options.authorizers ?? []), this.guard.rules], // the configured rules answer last
    );
    this.#stages = options.stages ?? [];
    for (const stage of this.#stages) stage.attach?.(this);
    this.metrics = new Metrics(this.now());
    this.scheduler = new Scheduler(this.now, (error) =>
      this.logger.error({ err: error }, "A scheduled task (keep-alive, will, session expiry) failed"),
    );
    this.authentication = new BrokerAuthentication(this);
    this.retained = new RetainedMessages(this.store, this.scheduler, this.config.limits);
    this.sessions = new SessionRegistry({
      store: this.store,
      router: this.router,
      scheduler: this.scheduler,
      logger: this.logger,
      queueLimits: this.config.queue,
      observer: this.#observer,
      // a waiting will's expiry counts from its publication, now
      publish: (message, now, publisher) =>
        this.#publishWill(publishedWill(message, this.nextMessageId(), now), publisher, now),
    });
    this.#sys = new SysTopics(this);
    this.#writeAhead = new WriteAhead({
      store: this.store,
      logger: this.logger,
      scheduleFlush: () => {
        if (this.#dirty.length > 0 || this.#writeAhead.waiting) this.#scheduleFlush();
      },
    });
  }

  get running(): boolean {
    return this.#state === "running";
  }

  /** Restores state from the store and starts the cluster bus and `$SYS` topics. */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error("Cannot start the broker: it was already started");
    const snapshot = await this.store.load();
    this.#messageId = Math.max(this.#messageId, snapshot.lastMessageId);
    restoreState(this, snapshot, this.now());
    await this.cluster.start({
      remoteMessage: (message) => this.publishLocal(message, this.now()),
      sessionClaimed: (clientId) => this.#sessionClaimed(clientId),
    });
    this.#state = "running";
    this.#sys.start();
    this.logger.info(
      { sessions: this.sessions.size, retained: this.retained.size, store: this.store.name },
      "Broker started",
    );
  }

  /** Serves a new transport (called by listeners). */
  accept(transport: Transport, listener: ListenerInfo): void {
    if (this.#state !== "running") {
      transport.destroy();
      return;
    }
    const conn = new Connection(this, transport, listener);
    this.connections.add(conn);
    this.guard.accepted(conn);
    this.metrics.connectionsAccepted++;
    conn.deadline = this.scheduler.schedule(this.now() + this.config.mqtt.connectTimeout * 1000, conn);
    transport.start(conn);
  }

  nextMessageId(): number {
    return ++this.#messageId;
  }

  readonly assignClientId = (): string => `sb-${randomUUID()}`;

  // ---- connection lifecycle ----

  /** Accepts a connection whose CONNECT passed negotiation and authentication. */
  openSession(conn: Connection, connackProperties: Properties | undefined): void {
    const refusal = this.guard.admit(conn); // tenant, tenant limit, will; mounts the session key
    if (refusal !== undefined) {
      this.refuseConnectWith(conn, refusal.reasonCode, refusal.reason);
      return;
    }
    const params = conn.params!;
    const now = this.now();
    const principal = conn.identity!.principal;
    const owner = sessionOwner(principal);
    const limitedToOrg = principal.attributes["org"] !== undefined;
    const held = this.sessions.get(params.clientId);
    if (limitedToOrg && held?.owner !== undefined && !held.owner.startsWith(`${principal.id}\u0000`)) {
      // another principal's session: no takeover, no discarding (a user of the PlaceOS API must not
      // end a driver's or a service's session by borrowing its client identifier)
      this.refuseConnectWith(
        conn,
        ReasonCode.ClientIdentifierNotValid,
        "Client identifier in use by another client",
      );
      return;
    }
    const previous = held?.link;
    if (previous instanceof Connection) {
      // [MQTT-3.1.4-3] session takeover: the existing connection is closed with 0x8E; a session that
      // ends with its connection (expiry 0) ends here, so it is looked up again below
      previous.log.info("Session taken over by a new connection");
      previous.disconnect(ReasonCode.SessionTakenOver, "Session taken over");
      this.#endConnection(previous, now);
    }
    let existing = this.sessions.get(params.clientId);
    if (existing !== undefined && limitedToOrg) {
      // a principal limited to an org never inherits what it did not subscribe to: a session it left
      // in another org, or one restored from a store that did not keep its owner, starts afresh
      if (existing.owner !== owner) this.sessions.end(existing, now);
      existing = existing.owner === owner ? existing : undefined;
    }
    let session: Session;
    let sessionPresent = false;
    const capacity = inflightCapacity(params, this.limits);
    if (existing !== undefined && !params.cleanStart) {
      session = existing;
      sessionPresent = true; // [MQTT-3.2.2-3]
      this.sessions.resume(session);
    } else {
      if (existing !== undefined) this.sessions.end(existing, now); // [MQTT-3.1.2-4] Clean Start discards it
      session = this.sessions.create(params.clientId, params.version, params.sessionExpiry, capacity);
    }
    session.protocolVersion = params.version;
    session.expiryInterval = params.sessionExpiry;
    session.owner = owner;
    this.sessions.persist(session, undefined);
    if (conn.will !== undefined && session.expiryInterval > 0) this.#storeWill(conn, undefined);

    conn.session = session;
    conn.state = "connected";
    this.scheduler.cancel(conn.deadline);
    conn.deadline =
      params.keepAlive > 0
        ? this.scheduler.schedule(conn.lastPacketAt + params.keepAlive * 1500, conn)
        : undefined;
    const connack: Packet = {
      type: PacketType.CONNACK,
      sessionPresent: params.version === 3 ? false : sessionPresent,
      reasonCode: ReasonCode.Success,
    };
    if (connackProperties !== undefined) connack.properties = connackProperties;
    conn.send(connack); // [MQTT-3.2.0-1] the first packet from the server
    this.metrics.clientConnected();
    conn.log.info(
      { version: params.version, cleanStart: params.cleanStart, sessionPresent, keepAlive: params.keepAlive },
      "Client connected",
    );
    session.attach(conn, capacity, now);
  }

  /** Refuses a CONNECT that failed to decode or broke a rule (see Connection.protocolError). */
  refuseConnect(conn: Connection, error: ProtocolError): void {
    if (error.code === ProtocolErrorCode.UnsupportedProtocolVersion) {
      // [MQTT-3.1.2-2] v3 form: return code 0x01 unacceptable protocol version, then close
      conn.version = 4;
      conn.send({
        type: PacketType.CONNACK,
        sessionPresent: false,
        reasonCode: ConnackReturnCode.UnacceptableProtocolVersion,
      });
      this.#refused(conn);
      return;
    }
    if (error.protocolVersion === 5 || conn.version === 5) {
      conn.version = 5;
      this.refuseConnectWith(conn, error.reasonCode, error.message);
      return;
    }
    // [MQTT-3.1.4-1] v3: a CONNECT that does not conform closes the connection without CONNACK
    this.#refused(conn);
  }

  /** Answers CONNECT with a failure CONNACK (v5 reason code or v3 return code) and closes [MQTT-3.2.2-7]. */
  refuseConnectWith(conn: Connection, reasonCode: number, reason?: string): void {
    const connack: Packet =
      conn.version === 5
        ? { type: PacketType.CONNACK, sessionPresent: false, reasonCode }
        : { type: PacketType.CONNACK, sessionPresent: false, reasonCode: toV3ConnackReturnCode(reasonCode) };
    if (conn.version === 5 && reason !== undefined && conn.params?.requestProblemInformation !== false)
      connack.properties = { reasonString: reason };
    conn.send(connack);
    this.#refused(conn);
  }

  /** Called by a connection once its transport closed. */
  connectionClosed(conn: Connection): void {
    this.connections.delete(conn);
    this.scheduler.cancel(conn.deadline);
    conn.deadline = undefined;
    this.authentication.connectionClosed(conn);
    this.guard.closed(conn);
    this.#endConnection(conn, this.now());
  }

  // ---- publish pipeline ----

  /**
   * Runs a client's message through the message stages and publishes it, then the messages the stages
   * made (`StageResult.publish`: derived topics, rejection reports), in that order.
   */
  ingest(message: ApplicationMessage, publisher: ClientIdentity, now: number): IngestResult {
    let current = message;
    let made: readonly ApplicationMessage[] | undefined;
    for (const stage of this.#stages) {
      const result = stage.process(current, publisher);
      const publish = result.publish;
      // one stage's messages are used as they are; only a second stage's are joined into a new array
      if (publish !== undefined && publish.length > 0)
        made = made === undefined ? publish : [...made, ...publish];
      if (result.kind === "reject") {
        this.#publishAll(made, now);
        return { accepted: false, reasonCode: result.reasonCode, reason: result.reason };
      }
      if (result.kind === "consume") return { accepted: true, matched: 1 + this.#publishAll(made, now) };
      if (result.message !== undefined) current = result.message;
    }
    const matched = this.publish(current, now);
    return { accepted: true, matched: made === undefined ? matched : matched + this.#publishAll(made, now) };
  }

  /**
   * Publishes a message from a client (or its will) on this node and the cluster; returns the number
   * of local deliveries.
   */
  publish(message: ApplicationMessage, now: number): number {
    this.metrics.messagesReceived++;
    this.cluster.forward(message);
    return this.publishLocal(message, now);
  }

  subscribe(session: Session, subscription: Subscription): boolean {
    const previous = session.subscriptions.get(subscription.topicFilter);
    if (previous !== undefined) this.router.remove(session, previous); // [MQTT-3.8.4-3] replaced
    session.subscriptions.set(subscription.topicFilter, subscription);
    this.router.add(session, subscription);
    if (session.expiryInterval > 0)
      this.store.putSubscription(session.clientId, toStoredSubscription(subscription));
    return previous !== undefined;
  }

  unsubscribe(session: Session, topicFilter: string): boolean {
    const subscription = session.subscriptions.get(topicFilter);
    if (subscription === undefined) return false;
    session.subscriptions.delete(topicFilter);
    this.router.remove(session, subscription);
    if (session.expiryInterval > 0) this.store.deleteSubscription(session.clientId, topicFilter);
    return true;
  }

  /** Sends the retained messages matching a new subscription, with RETAIN set [spec 3.3.1.3]. */
  sendRetained(session: Session, subscription: Subscription, now: number): void {
    const subscriptionIdentifiers =
      subscription.subscriptionIdentifier === undefined ? undefined : [subscription.subscriptionIdentifier];
    this.retained.match(subscription.filter, now, (message) => {
      const delivery: Delivery = {
        message,
        qos: Math.min(message.qos, subscription.qos) as 0 | 1 | 2,
        retain: true,
        subscriptionIdentifiers,
      };
      session.deliver(delivery, now);
    });
  }

  // ---- output ----

  markDirty(conn: Connection): void {
    if (conn.dirty) return;
    conn.dirty = true;
    this.#dirty.push(conn);
    this.#scheduleFlush();
  }

  /**
   * True when frames wait for the store's commit before they are written (see the module comment). It
   * may change while the broker runs (a `relaxed` store that fails); what write-ahead holds or commits
   * is written before anything is sent at once again, so that acknowledgements keep their order
   * [MQTT-4.6.0-2].
   */
  get writeAhead(): boolean {
    return this.store.ackAfterCommit || this.#writeAhead.busy;
  }

  /**
   * Sends an acknowledgement once every change recorded so far is committed (immediately when the store
   * does not ask for `ackAfterCommit`). `then` runs right after it is sent (e.g. retained messages after
   * SUBACK).
   */
  acknowledgeAfterCommit(conn: Connection, packet: Packet, then?: () => void): void {
    if (!this.writeAhead) {
      conn.send(packet);
      then?.();
      return;
    }
    this.#writeAhead.hold(conn, packet, then);
    this.#scheduleFlush();
  }

  /** Runs `callback` after the commit of everything recorded so far (at once without write-ahead). */
  afterCommit(callback: () => void): void {
    if (!this.writeAhead) {
      callback();
      return;
    }
    this.#writeAhead.afterCommit(callback);
    this.#scheduleFlush();
  }

  /**
   * Stops the broker: v5 clients get DISCONNECT 0x8B, pending writes are flushed, the store is committed
   * and closed. Every step runs whatever an earlier one threw (a store that cannot commit is still
   * closed, releasing its database); then it rejects with the failure, or an AggregateError of them.
   */
  async close(): Promise<void> {
    if (this.#state === "closing" || this.#state === "closed") return;
    this.#state = "closing";
    this.#sys.stop();
    const closing = [...this.connections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          conn.onClosed = resolve;
        }),
    );
    for (const conn of this.connections) {
      if (conn.state === "connected") conn.disconnect(ReasonCode.ServerShuttingDown, "Server shutting down");
      else conn.transport.destroy();
    }
    this.#flushAll();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.all(closing), timeout]);
    for (const conn of this.connections) conn.transport.destroy();
    await this.#writeAhead.settled();
    this.scheduler.stop();
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<void>): Promise<void> => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    await attempt(() => this.cluster.stop());
    // close() makes its own last attempt at what this commit could not do, and releases the store
    // whatever that gives: a commit that fails here is reported by close() if it still fails then
    try {
      await this.store.commit();
    } catch {
      // retried by close()
    }
    await attempt(() => this.store.close());
    this.#state = "closed";
    if (failures.length === 0) {
      this.logger.info("Broker stopped");
      return;
    }
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, "The broker stopped, but not cleanly: more than one step failed");
  }

  /** Publishes a message on this node only (broker-made messages such as `$SYS`, and messages from other nodes). */
  publishLocal(message: ApplicationMessage, now: number): number {
    if (message.retain) {
      // [MQTT-3.3.1-5]; a message over its tenant's retained quota is still routed, as EMQX does (a
      // publisher that can be told was refused before, handle-publish.ts)
      const refusal = this.retained.update(message);
      if (refusal !== undefined) this.#notRetained(message, refusal);
    }
    const deliveries = this.router.route(message, now);
    if (deliveries === 0) this.metrics.publishUnrouted++;
    return deliveries;
  }

  // ---- internals ----

  /** Counts a message its tenant's retained quota kept from being retained; logs one in a thousand. */
  #notRetained(message: ApplicationMessage, limit: RetainedRefusal): void {
    const count = ++this.metrics.limits[limit];
    if (count % 1000 !== 1) return;
    this.logger.warn(
      {
        tenant: tenantOfTopic(message.topic),
        topic: clientTopicOf(message).slice(0, MAX_TOPIC_LOGGED),
        limit,
        count,
      },
      "Retained message quota exceeded: message routed, not retained",
    );
  }

  /** Detaches a closed (or taken over) connection from its session: will, expiry, counters. */
  #endConnection(conn: Connection, now: number): void {
    const session = conn.session;
    conn.session = undefined;
    if (session === undefined || session.link !== conn) return;
    this.metrics.clientsConnected--;
    session.detach(now);
    const will = conn.will;
    conn.will = undefined;
    // the will stored at CONNECT is replaced below when it waits, else deleted: one discarded by a
    // normal DISCONNECT or published now must not come back after a restart [MQTT-3.1.2-10]
    let waits = false;
    if (will !== undefined) {
      const delay = conn.version === 5 ? (will.properties?.willDelayInterval ?? 0) : 0;
      const message = messageFromWill(will, session.clientId, this.nextMessageId(), now);
      if (this.#state === "closing" && session.expiryInterval > 0) {
        // shutting down: keep the will for after the restart, due when its delay would have passed
        waits = this.#storeWillMessage(session.clientId, message, delay, now + delay * 1000, conn.identity);
      } else if (delay === 0 || session.expiryInterval === 0) {
        this.#publishWill(message, conn.identity, now); // [MQTT-3.1.2-8]
      } else {
        const dueAt = now + Math.min(delay, session.expiryInterval) * 1000;
        this.sessions.scheduleWill(session.clientId, message, dueAt, conn.identity);
        waits = this.#storeWillMessage(session.clientId, message, delay, dueAt, conn.identity);
      }
    }
    if (conn.willStored && !waits) this.store.deleteWill(session.clientId);
    conn.willStored = false;
    this.sessions.disconnected(session, now);
  }

  /**
   * Publishes a will as its client's publish would be: through the message stages (a dialect validates
   * it, makes its derived messages, or consumes it as input). A will restored from the store has the
   * publisher stored with it, without the user name; one stored without a publisher has one holding
   * only its tenant (restore-state.ts).
   */
  #publishWill(message: ApplicationMessage, publisher: ClientIdentity | undefined, now: number): number {
    if (publisher === undefined || this.#stages.length === 0) return this.publish(message, now);
    const result = this.ingest(message, publisher, now);
    return result.accepted ? result.matched : 0;
  }

  #publishAll(messages: readonly ApplicationMessage[] | undefined, now: number): number {
    let deliveries = 0;
    if (messages !== undefined) for (const message of messages) deliveries += this.publish(message, now);
    return deliveries;
  }

  #storeWill(conn: Connection, dueAt: number | undefined): void {
    const will = conn.will!;
    const now = this.now();
    const message = messageFromWill(will, conn.clientId!, this.nextMessageId(), now);
    conn.willStored = this.#storeWillMessage(
      conn.clientId!,
      message,
      conn.version === 5 ? (will.properties?.willDelayInterval ?? 0) : 0,
      dueAt,
      conn.identity,
    );
  }

  /**
   * Stores a will with who publishes it (restored after a restart, see restore-state.ts); false when it
   * is not stored (no session that outlives its connection).
   */
  #storeWillMessage(
    clientId: string,
    message: ApplicationMessage,
    delay: number,
    dueAt: number | undefined,
    identity: ClientIdentity | undefined,
  ): boolean {
    const session = this.sessions.get(clientId);
    if (session === undefined || session.expiryInterval === 0) return false;
    this.store.putMessage(message);
    // not the user name: it may be the credential itself (a PlaceOS API user's token)
    const publisher =
      identity === undefined ? undefined : { clientId: identity.clientId, principal: identity.principal };
    this.store.putWill({ clientId, messageId: message.id, delay, dueAt, publisher });
    return true;
  }

  #refused(conn: Connection): void {
    this.metrics.connectionsRejected++;
    conn.end();
  }

  #sessionClaimed(clientId: string): void {
    const session = this.sessions.get(clientId);
    if (session === undefined) return;
    const link = session.link;
    if (link instanceof Connection)
      link.disconnect(ReasonCode.SessionTakenOver, "Session taken over on another node");
    this.sessions.end(session, this.now());
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushAll);
  }

  readonly #flushAll = (): void => {
    this.#flushScheduled = false;
    const dirty = this.#dirty;
    if (this.writeAhead) {
      if (this.#writeAhead.flush(dirty)) this.#dirty = [];
      return;
    }
    this.#dirty = [];
    for (const conn of dirty) conn.flush();
  };

  readonly #observer: SessionObserver = {
    dropped: (session: Session, delivery: Delivery, reason: DropReason) => {
      this.metrics.dropped[reason]++;
      if (reason === "queue-full" && this.metrics.dropped["queue-full"] % 1000 === 1) {
        this.logger.warn(
          {
            clientId: session.clientId,
            topic: delivery.message.topic,
            dropped: this.metrics.dropped["queue-full"],
          },
          "Session queue full: message dropped",
        );
      }
    },
  };
}

/**
 * The owner of a session opened by `principal`: its id and org. Only principals limited to an org (PlaceOS
 * API users) are held to it; every other principal follows MQTT's plain takeover rules.
 */
function sessionOwner(principal: Principal): string {
  return `${principal.id}\u0000${principal.attributes["org"] ?? ""}`;
}
