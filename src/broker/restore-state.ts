/**
 * Rebuilds the broker's state from a store snapshot at start-up: retained messages, sessions with
 * their owners, subscriptions, in-flight and queued deliveries and inbound QoS 2 ids, and pending wills
 * with their publishers. Deliveries are restored once every session's subscriptions are in the router,
 * so that one given for a shared subscription joins its group again, whichever session is restored
 * first. Session expiry and will delays keep counting from the wall-clock times in the
 * store; a session whose client was connected when the broker stopped counts as disconnected at restart.
 * @module
 */

import {
  ANONYMOUS_PRINCIPAL,
  type ClientIdentity,
  type StoreSnapshot,
  type StoredSessionState,
  type StoredWill,
} from "../hooks/index.js";
import { parseSubscriptionFilter } from "../protocol/index.js";
import type { SharedGroup } from "../routing/index.js";
import {
  type ApplicationMessage,
  type Delivery,
  isExpired,
  type Session,
  type Subscription,
} from "../session/index.js";
import { MOUNT_ROOT, unmountTopic } from "../tenancy/index.js";
import type { Broker } from "./broker.js";

export function restoreState(broker: Broker, snapshot: StoreSnapshot, now: number): void {
  const { messages } = snapshot;
  const missing = (id: number, what: string): void => {
    broker.logger.warn(
      { messageId: id },
      `Store is inconsistent: message of a ${what} is missing; entry skipped`,
    );
  };

  for (const [topic, id] of snapshot.retained) {
    const message = messages.get(id);
    if (message === undefined) missing(id, `retained value on "${topic}"`);
    else if (!isExpired(message, now)) broker.retained.restore(message);
  }

  const restored: [Session, StoredSessionState][] = [];
  for (const state of snapshot.sessions) {
    const stored = state.session;
    // a cap lowered since it was stored applies (it would have been applied at its CONNECT)
    const expiryInterval = Math.min(stored.expiryInterval, broker.config.mqtt.maxSessionExpiry);
    const session = broker.sessions.create(
      stored.clientId,
      stored.protocolVersion,
      expiryInterval,
      broker.limits.maxInflight,
    );
    for (const sub of state.subscriptions) {
      const parsed = parseSubscriptionFilter(sub.topicFilter);
      if ("error" in parsed) continue;
      session.subscriptions.set(sub.topicFilter, {
        topicFilter: sub.topicFilter,
        filter: parsed.filter,
        shareGroup: parsed.shareGroup,
        qos: sub.qos,
        noLocal: sub.noLocal,
        retainAsPublished: sub.retainAsPublished,
        retainHandling: sub.retainHandling,
        subscriptionIdentifier: sub.subscriptionIdentifier,
      });
    }
    for (const packetId of state.incomingQos2) session.incomingQos2.add(packetId);
    const disconnectedAt = stored.disconnectedAt ?? now;
    broker.sessions.restore(session, disconnectedAt, stored.owner);
    if (stored.disconnectedAt === undefined || expiryInterval !== stored.expiryInterval)
      broker.store.putSession({ ...stored, expiryInterval, disconnectedAt });
    restored.push([session, state]);
  }

  // every session's subscriptions are in the router now: a shared delivery finds its group
  const groups = new Map<string, SharedGroup<Session, Subscription> | undefined>();
  const groupOf = (topicFilter: string | undefined): SharedGroup<Session, Subscription> | undefined => {
    if (topicFilter === undefined) return undefined;
    if (!groups.has(topicFilter)) groups.set(topicFilter, broker.router.sharedGroup(topicFilter));
    return groups.get(topicFilter);
  };
  for (const [session, state] of restored) restoreEntries(session, state, { messages, missing, groupOf });

  for (const will of snapshot.wills) {
    const message: ApplicationMessage | undefined = messages.get(will.messageId);
    if (message === undefined) {
      missing(will.messageId, "will");
      continue;
    }
    const session = broker.sessions.get(will.clientId);
    const delayMs = will.delay * 1000;
    const cap =
      session !== undefined && session.expiryInterval !== 0xffffffff
        ? session.expiryInterval * 1000
        : delayMs;
    broker.sessions.scheduleWill(
      will.clientId,
      message,
      will.dueAt ?? now + Math.min(delayMs, cap),
      restoredPublisher(will),
    );
  }
}

interface EntrySources {
  readonly messages: ReadonlyMap<number, ApplicationMessage>;
  readonly missing: (id: number, what: string) => void;
  /** The live group a stored entry's group names; undefined when it names none or has no member. */
  readonly groupOf: (topicFilter: string | undefined) => SharedGroup<Session, Subscription> | undefined;
}

/** The delivery a stored in-flight or queued entry stands for, but its QoS (typed per kind). */
function deliveryOf(
  entry: StoredSessionState["queue"][number] | StoredSessionState["inflight"][number],
  message: ApplicationMessage,
  groupOf: EntrySources["groupOf"],
): Omit<Delivery, "qos"> {
  return {
    message,
    retain: entry.retain,
    subscriptionIdentifiers:
      entry.subscriptionIdentifiers.length > 0 ? entry.subscriptionIdentifiers : undefined,
    group: groupOf(entry.group),
  };
}

/**
 * Restores a session's in-flight entries and queue. An entry given to the session for a shared
 * subscription joins that group again (spec 4.8.2: should the session end before its client has it,
 * another member gets it); when the group has no member left (every member's subscription is gone), or
 * the entry was stored without its group (by an earlier version), it stays with its session only.
 */
function restoreEntries(session: Session, state: StoredSessionState, sources: EntrySources): void {
  const { messages, missing, groupOf } = sources;
  const messageOf = (messageId: number, what: string): ApplicationMessage | undefined => {
    const message = messages.get(messageId);
    if (message === undefined) missing(messageId, what);
    return message;
  };
  for (const entry of state.inflight) {
    const message = messageOf(entry.messageId, "in-flight entry");
    if (message === undefined) continue;
    session.restoreInflight({
      ...deliveryOf(entry, message, groupOf),
      qos: entry.qos,
      packetId: entry.packetId,
      phase: entry.phase,
      shown: undefined, // not stored: a resend after a restart is shown anew (docs/privacy.md)
    });
  }
  for (const entry of [...state.queue].sort((a, b) => a.seq - b.seq)) {
    const message = messageOf(entry.messageId, "queued entry");
    if (message === undefined) continue;
    session.restoreQueued({
      ...deliveryOf(entry, message, groupOf),
      qos: entry.qos,
      seq: entry.seq,
    });
  }
}

/**
 * The publisher of a will restored from the store: the client and principal stored with it, without the
 * user name (never stored). The will's topic was authorized when its client connected; with this
 * identity it goes through the message stages (a dialect validates it, or takes it as input) instead of
 * being routed as it came.
 */
function restoredPublisher(will: StoredWill): ClientIdentity {
  const stored = will.publisher;
  if (stored !== undefined)
    return { clientId: stored.clientId, username: undefined, principal: stored.principal };
  return unknownPublisher(will.clientId);
}

/**
 * The publisher of a will stored without one (by a version that did not keep it): only its session key
 * is known, which names its tenant. It has no roles, scopes or attributes.
 */
function unknownPublisher(sessionKey: string): ClientIdentity {
  const mounted = sessionKey.startsWith(`${MOUNT_ROOT}/`);
  const tenant = mounted
    ? sessionKey.slice(MOUNT_ROOT.length + 1, sessionKey.indexOf("/", MOUNT_ROOT.length + 1))
    : undefined;
  const clientId = unmountTopic(sessionKey);
  return {
    clientId,
    username: undefined,
    principal: { ...ANONYMOUS_PRINCIPAL, id: clientId, ...(tenant === undefined ? {} : { tenant }) },
  };
}
