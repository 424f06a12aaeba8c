/**
 * The subscription index and message routing (spec 4.7, 4.8).
 *
 * Overlapping subscriptions of one session produce one delivery, at the highest QoS granted among the
 * matching subscriptions, carrying every matching subscription identifier [MQTT-3.3.4-2]
 * [MQTT-3.3.4-3]. The aggregation marks sessions with a per-message counter instead of building a map
 * per message. Shared subscriptions (`$share/<group>/<filter>`) deliver each message to one member per
 * group, chosen round robin among members that can take it now (see routing/shared-group.ts).
 * @module
 */

import type { QoS } from "../protocol/index.js";
import { SharedSubscriptions, TopicTrie, type SharedGroup } from "../routing/index.js";
import type { ApplicationMessage, Session, Subscription } from "../session/index.js";

interface ScratchDelivery {
  message: ApplicationMessage;
  qos: QoS;
  retain: boolean;
  subscriptionIdentifiers: readonly number[] | undefined;
}

export class Router {
  readonly #direct = new TopicTrie<Session, Subscription>();
  readonly #shared = new SharedSubscriptions<Session, Subscription>();
  #mark = 0;
  #message: ApplicationMessage | undefined;
  #now = 0;
  #deliveries = 0;
  readonly #matched: Session[] = [];
  /** Reused for every delivery: sessions copy what they keep (see Session.deliver). */
  readonly #scratch: ScratchDelivery = {
    message: undefined as unknown as ApplicationMessage,
    qos: 0,
    retain: false,
    subscriptionIdentifiers: undefined,
  };

  /** Number of subscriptions (shared members included). */
  get size(): number {
    return this.#direct.size + this.#shared.size;
  }

  add(session: Session, subscription: Subscription): void {
    if (subscription.shareGroup === undefined) {
      this.#direct.add(subscription.filter, session, subscription);
      return;
    }
    this.#shared.subscribe(subscription.shareGroup, subscription.filter, session, subscription);
  }

  remove(session: Session, subscription: Subscription): void {
    if (subscription.shareGroup === undefined) {
      this.#direct.remove(subscription.filter, session);
      return;
    }
    this.#shared.unsubscribe(subscription.shareGroup, subscription.filter, session);
  }

  /** Delivers `message` to every matching subscriber; returns the number of sessions it was given to. */
  route(message: ApplicationMessage, now: number): number {
    this.#mark = (this.#mark + 1) | 0;
    this.#message = message;
    this.#now = now;
    this.#deliveries = 0;
    const matched = this.#matched;
    const prefix = message.mountPrefix;
    const rest = message.clientTopic;
    // a mounted topic is matched below its tenant's node (see TopicTrie.matchBelow)
    const below =
      prefix !== undefined && rest !== undefined && prefix.length + rest.length === message.topic.length;
    if (below) this.#direct.matchBelow(prefix, rest, this.#visitDirect);
    else this.#direct.match(message.topic, this.#visitDirect);
    const scratch = this.#scratch;
    scratch.message = message;
    for (let i = 0; i < matched.length; i++) {
      const session = matched[i]!;
      scratch.qos = Math.min(message.qos, session.routeQos) as QoS; // [MQTT-3.8.4-8]
      // [MQTT-3.3.1-12] [MQTT-3.3.1-13] RETAIN as published only with Retain As Published
      scratch.retain = session.routeRetainAsPublished && message.retain;
      scratch.subscriptionIdentifiers = session.routeSubscriptionIds;
      session.deliver(scratch, now);
    }
    this.#deliveries += matched.length;
    matched.length = 0;
    if (below) this.#shared.matchBelow(prefix, rest, this.#visitShared);
    else this.#shared.match(message.topic, this.#visitShared);
    this.#message = undefined;
    scratch.message = undefined as unknown as ApplicationMessage;
    return this.#deliveries;
  }

  readonly #visitDirect = (session: Session, subscription: Subscription): void => {
    const message = this.#message!;
    // [MQTT-3.8.3-3] No Local: not to the publisher's own client identifier
    if (subscription.noLocal && session.clientId === message.publisherId) return;
    if (session.routeMark !== this.#mark) {
      session.routeMark = this.#mark;
      session.routeQos = subscription.qos;
      session.routeRetainAsPublished = subscription.retainAsPublished;
      session.routeSubscriptionIds =
        subscription.subscriptionIdentifier === undefined ? undefined : [subscription.subscriptionIdentifier];
      this.#matched.push(session);
      return;
    }
    if (subscription.qos > session.routeQos) session.routeQos = subscription.qos;
    if (subscription.retainAsPublished) session.routeRetainAsPublished = true;
    if (subscription.subscriptionIdentifier !== undefined) {
      (session.routeSubscriptionIds ??= []).push(subscription.subscriptionIdentifier);
    }
  };

  readonly #visitShared = (_group: string, group: SharedGroup<Session, Subscription>): void => {
    const message = this.#message!;
    const picked = group.pick(message.qos === 0 ? canTakeQos0 : canTakeQos12);
    if (picked === undefined) return;
    const [session, subscription] = picked;
    const scratch = this.#scratch;
    scratch.message = message;
    scratch.qos = Math.min(message.qos, subscription.qos) as QoS;
    scratch.retain = subscription.retainAsPublished && message.retain;
    scratch.subscriptionIdentifiers =
      subscription.subscriptionIdentifier === undefined ? undefined : [subscription.subscriptionIdentifier];
    session.deliver(scratch, this.#now);
    this.#deliveries++;
  };
}

function canTakeQos0(session: Session): boolean {
  return session.link?.writable === true;
}

function canTakeQos12(session: Session): boolean {
  return session.canAcceptNow;
}
