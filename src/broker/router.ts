/**
 * The subscription index and message routing (spec 4.7, 4.8).
 *
 * Overlapping subscriptions of one session produce one delivery, at the highest QoS granted among the
 * matching subscriptions, carrying every matching subscription identifier [MQTT-3.3.4-2]
 * [MQTT-3.3.4-3]. The aggregation marks sessions with a per-message counter instead of building a map
 * per message. Shared subscriptions (`$share/<group>/<filter>`) deliver each message to one member per
 * group, chosen round robin among members that can take it now (see routing/shared-group.ts).
 *
 * Route cache. A topic routed again (a device's readings, a dialect's derived topics) skips both trie
 * walks: the (session, subscription) pairs the direct trie visited and the groups the shared index
 * matched are remembered per topic (per mount prefix and client topic for a mounted one; see
 * routing/route-cache.ts) and replayed, in the order visited, through the same visitors, so No Local,
 * the aggregation of overlapping subscriptions and Retain As Published are decided per message exactly
 * as after a walk, and each shared group still picks its member per message. Any subscription change
 * clears the cache. Routes with more than {@linkcode MAX_CACHED_MATCHES} matches are not kept: their
 * walk is small next to their deliveries, and they would make the cache's memory grow with fan-out.
 * In a development measurement (Node 20, a tenant-mounted topic built per message, one matching
 * subscriber among 250) a cached route took about 0.3 µs against 0.38 µs for the walks; hashing the
 * fresh topic string is most of what remains.
 *
 * A cached route whose pairs name no session twice (no overlapping subscriptions: the common case)
 * has nothing to aggregate: its pairs are delivered one by one (`#deliverDistinct`), with the values
 * the visitors would have given them, and a route to one session and no group tells the link that
 * the message goes to no one else ({@link Router.singleDelivery}), so its frame need not be kept for
 * other subscribers. With the encoding steps after it (session/outbound-publish.ts, the connection's
 * batch), a dialect's derived message (one subscriber, QoS 0) went from about 0.6 to 0.25 µs of broker
 * time in a development measurement (Node 20).
 *
 * Re-entry. A delivery may publish synchronously (a hook), which routes again while a route is still
 * delivering: that inner route runs on state of its own (`#routeNested`: no cache, a map instead of the
 * per-session marks), and a route recorded across a subscription change is never stored (the cache's
 * generations). A hook must still not subscribe or unsubscribe while a shared group is being walked.
 * @module
 */

import { parseSubscriptionFilter, type QoS } from "../protocol/index.js";
import { RouteCache, SharedSubscriptions, TopicTrie, type SharedGroup } from "../routing/index.js";
import type { ApplicationMessage, Delivery, Session, Subscription } from "../session/index.js";

/** Matches (pairs plus groups) above which a topic's route is not cached. */
export const MAX_CACHED_MATCHES = 64;

/** What a topic matched: direct (session, subscription) pairs in visit order, and shared groups. */
interface CachedRoute {
  readonly sessions: readonly Session[];
  readonly subscriptions: readonly Subscription[];
  readonly groups: readonly SharedGroup<Session, Subscription>[];
  /**
   * Set when no session appears twice among the pairs (no overlapping subscriptions to aggregate): the
   * pairs are then delivered one by one, each with its subscription's identifier list from `ids`.
   */
  readonly distinct: boolean;
  /** Per pair, its subscription identifier as a list (shared by every message: never changed). */
  readonly ids: readonly (readonly number[] | undefined)[];
}

/** A {@link CachedRoute} being recorded. */
interface RouteRecording {
  readonly sessions: Session[];
  readonly subscriptions: Subscription[];
  readonly groups: SharedGroup<Session, Subscription>[];
}

interface ScratchDelivery {
  message: ApplicationMessage;
  qos: QoS;
  retain: boolean;
  subscriptionIdentifiers: readonly number[] | undefined;
  /** Set for the one delivery to a shared group's member only (deliverToMember). */
  group: SharedGroup<Session, Subscription> | undefined;
}

export class Router {
  readonly #direct = new TopicTrie<Session, Subscription>();
  readonly #shared = new SharedSubscriptions<Session, Subscription>();
  #mark = 0;
  #message: ApplicationMessage | undefined;
  #now = 0;
  #deliveries = 0;
  readonly #matched: Session[] = [];
  readonly #routes: RouteCache<CachedRoute>;
  /** The message being given to its only subscriber, while it is (see {@link singleDelivery}). */
  #single: ApplicationMessage | undefined = undefined;
  /** True while {@link route} runs: a route made by one of its deliveries takes {@link #routeNested}. */
  #routing = false;
  /** While a route is being recorded (a topic's second sighting): what the walks visit. */
  #recording: RouteRecording | undefined = undefined;
  /** Reused for every delivery: sessions copy what they keep (see Session.deliver). */
  readonly #scratch: ScratchDelivery = {
    message: undefined as unknown as ApplicationMessage,
    qos: 0,
    retain: false,
    subscriptionIdentifiers: undefined,
    group: undefined,
  };

  /** `cacheCapacity`: topics the route cache remembers (see routing/route-cache.ts). */
  constructor(cacheCapacity?: number) {
    this.#routes = new RouteCache<CachedRoute>(cacheCapacity);
  }

  /** Number of topics the route cache remembers (a diagnostic). */
  get cachedTopics(): number {
    return this.#routes.size;
  }

  /**
   * The message being delivered now to the only session its route has (a cached route of one session
   * and no shared group), else undefined: a link sending it need not keep its frame for other
   * subscribers (Connection.sendPublish). Only a hint: a frame encoded again costs time, not
   * correctness.
   */
  get singleDelivery(): ApplicationMessage | undefined {
    return this.#single;
  }

  /** Number of subscriptions (shared members included). */
  get size(): number {
    return this.#direct.size + this.#shared.size;
  }

  add(session: Session, subscription: Subscription): void {
    this.#routes.clear();
    if (subscription.shareGroup === undefined) {
      this.#direct.add(subscription.filter, session, subscription);
      return;
    }
    this.#shared.subscribe(subscription.shareGroup, subscription.filter, session, subscription);
  }

  remove(session: Session, subscription: Subscription): void {
    this.#routes.clear();
    if (subscription.shareGroup === undefined) {
      this.#direct.remove(subscription.filter, session);
      return;
    }
    this.#shared.unsubscribe(subscription.shareGroup, subscription.filter, session);
  }

  /**
   * The group a shared subscription's topic filter `$share/<ShareName>/<filter>` names
   * (`SharedGroup.topicFilter`), while it has members; undefined otherwise, and for any other filter.
   * Deliveries restored from the store name their group so (see restore-state.ts).
   */
  sharedGroup(topicFilter: string): SharedGroup<Session, Subscription> | undefined {
    const parsed = parseSubscriptionFilter(topicFilter);
    if ("error" in parsed || parsed.shareGroup === undefined) return undefined;
    return this.#shared.group(parsed.shareGroup, parsed.filter);
  }

  /**
   * Gives what an ending session held for shared subscriptions (`Session.sharedPending`, in order) to
   * other members of each group, picked as for a new message (spec 4.8.2: the server should send it to
   * another member once the session terminates). The session must already have left its groups.
   * Returns how many found no member (their group is empty now): those are dropped.
   */
  reshare(pending: readonly Delivery[], now: number): number {
    let unplaced = 0;
    for (const delivery of pending) {
      const group = delivery.group;
      // the group as it is now: one that emptied was dropped, and a group of the same name may have
      // been made again since
      const live =
        group === undefined || group.size > 0 ? group : this.#shared.group(group.shareName, group.filter);
      if (live === undefined || !deliverToMember(live, delivery.message, now, undefined)) unplaced++;
    }
    return unplaced;
  }

  /** Delivers `message` to every matching subscriber; returns the number of sessions it was given to. */
  route(message: ApplicationMessage, now: number): number {
    if (this.#routing) return this.#routeNested(message, now);
    this.#routing = true;
    try {
      return this.#route(message, now);
    } finally {
      this.#routing = false;
      this.#single = undefined; // also after a delivery that threw
      // a delivery that threw left the rest of the walk's sessions: never delivered to by the next route
      if (this.#matched.length > 0) this.#matched.length = 0;
      this.#recording = undefined;
    }
  }

  #route(message: ApplicationMessage, now: number): number {
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
    const mount = below ? prefix : undefined;
    const topic = below ? rest : message.topic;
    const generation = this.#routes.generation;
    const cached = this.#routes.lookup(mount, topic);
    if (cached !== undefined && cached !== null && cached.distinct) {
      this.#deliverDistinct(cached, message, now);
      const groups = cached.groups;
      for (let i = 0; i < groups.length; i++) this.#deliverShared(groups[i]!);
      return this.#routeDone();
    }
    let recording: RouteRecording | undefined;
    if (cached === undefined || cached === null) {
      let visit = this.#visitDirect;
      if (cached === null) {
        // the topic's second sighting: record what it matches for the next ones
        recording = this.#recording = { sessions: [], subscriptions: [], groups: [] };
        visit = this.#recordDirect;
      }
      if (mount === undefined) this.#direct.match(topic, visit);
      else this.#direct.matchBelow(mount, topic, visit);
    } else {
      // replayed in the order the walk visited them, through the same visitor
      const sessions = cached.sessions;
      const subscriptions = cached.subscriptions;
      for (let i = 0; i < sessions.length; i++) this.#visitDirect(sessions[i]!, subscriptions[i]!);
    }
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
    if (matched.length > 0) {
      this.#deliveries += matched.length;
      matched.length = 0;
    }
    if (cached === undefined || cached === null) {
      const visit = recording === undefined ? this.#visitShared : this.#recordShared;
      if (mount === undefined) this.#shared.match(topic, visit);
      else this.#shared.matchBelow(mount, topic, visit);
    } else {
      const groups = cached.groups;
      for (let i = 0; i < groups.length; i++) this.#deliverShared(groups[i]!);
    }
    if (recording !== undefined) {
      this.#recording = undefined;
      const matches = recording.sessions.length + recording.groups.length;
      this.#routes.store(
        mount,
        topic,
        matches > MAX_CACHED_MATCHES ? undefined : cachedRoute(recording),
        generation,
      );
    }
    return this.#routeDone();
  }

  /** Forgets the message routed (nothing keeps it alive) and returns its number of deliveries. */
  #routeDone(): number {
    this.#message = undefined;
    this.#scratch.message = undefined as unknown as ApplicationMessage;
    return this.#deliveries;
  }

  /**
   * A route made while another is delivering (a synchronous hook that publishes from a delivery: a
   * bridge's transform, an authorizer): the tries are walked without the cache and the deliveries are
   * aggregated in a map of its own, so the outer route's per-session marks, matched list, scratch
   * delivery and recording are left as they were. The rules are the same as {@link #route}'s.
   */
  #routeNested(message: ApplicationMessage, now: number): number {
    const found = new Map<Session, { qos: QoS; retain: boolean; ids: number[] | undefined }>();
    const visit = (session: Session, subscription: Subscription): void => {
      if (subscription.noLocal && session.clientId === message.publisherId) return; // [MQTT-3.8.3-3]
      const id = subscription.subscriptionIdentifier;
      const seen = found.get(session);
      if (seen === undefined) {
        found.set(session, {
          qos: subscription.qos,
          retain: subscription.retainAsPublished,
          ids: id === undefined ? undefined : [id],
        });
        return;
      }
      if (subscription.qos > seen.qos) seen.qos = subscription.qos; // [MQTT-3.3.4-2] [MQTT-3.3.4-3]
      if (subscription.retainAsPublished) seen.retain = true;
      if (id !== undefined) (seen.ids ??= []).push(id);
    };
    const prefix = message.mountPrefix;
    const rest = message.clientTopic;
    const below =
      prefix !== undefined && rest !== undefined && prefix.length + rest.length === message.topic.length;
    if (below) this.#direct.matchBelow(prefix, rest, visit);
    else this.#direct.match(message.topic, visit);
    for (const [session, seen] of found) {
      const qos = Math.min(message.qos, seen.qos) as QoS;
      session.deliver(
        { message, qos, retain: seen.retain && message.retain, subscriptionIdentifiers: seen.ids },
        now,
      );
    }
    let deliveries = found.size;
    const share = (_group: string, group: SharedGroup<Session, Subscription>): void => {
      if (deliverToMember(group, message, now, undefined)) deliveries++;
    };
    if (below) this.#shared.matchBelow(prefix, rest, share);
    else this.#shared.match(message.topic, share);
    return deliveries;
  }

  /**
   * A cached route's pairs when no session appears twice: what {@link visitDirect} and the delivery
   * loop of {@link #route} do, without the per-session aggregation (there is nothing to aggregate),
   * in the same order and with the same values: No Local, the granted QoS, Retain As Published and
   * the subscription's identifier.
   */
  #deliverDistinct(cached: CachedRoute, message: ApplicationMessage, now: number): void {
    const sessions = cached.sessions;
    const subscriptions = cached.subscriptions;
    const ids = cached.ids;
    const scratch = this.#scratch;
    scratch.message = message;
    // one subscriber in all: its frame need not be kept for others (session/outbound-publish.ts)
    if (sessions.length === 1 && cached.groups.length === 0) this.#single = message;
    let deliveries = 0;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i]!;
      const subscription = subscriptions[i]!;
      // [MQTT-3.8.3-3] No Local: not to the publisher's own client identifier
      if (subscription.noLocal && session.clientId === message.publisherId) continue;
      scratch.qos = Math.min(message.qos, subscription.qos) as QoS; // [MQTT-3.8.4-8]
      // [MQTT-3.3.1-12] [MQTT-3.3.1-13] RETAIN as published only with Retain As Published
      scratch.retain = subscription.retainAsPublished && message.retain;
      scratch.subscriptionIdentifiers = ids[i];
      session.deliver(scratch, now);
      deliveries++;
    }
    this.#single = undefined;
    this.#deliveries += deliveries;
  }

  /** {@link visitDirect}, remembering the pair for the route cache. */
  readonly #recordDirect = (session: Session, subscription: Subscription): void => {
    const recording = this.#recording!;
    recording.sessions.push(session);
    recording.subscriptions.push(subscription);
    this.#visitDirect(session, subscription);
  };

  /** {@link visitShared}, remembering the group for the route cache. */
  readonly #recordShared = (_group: string, group: SharedGroup<Session, Subscription>): void => {
    this.#recording!.groups.push(group);
    this.#deliverShared(group);
  };

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
    this.#deliverShared(group);
  };

  /** Delivers the message to the one member of `group` picked for it (round robin, per message). */
  #deliverShared(group: SharedGroup<Session, Subscription>): void {
    if (deliverToMember(group, this.#message!, this.#now, this.#scratch)) this.#deliveries++;
  }
}

/** The route to keep for a recording: whether its sessions are distinct, and its identifier lists. */
function cachedRoute(recording: RouteRecording): CachedRoute {
  const { sessions, subscriptions, groups } = recording;
  let distinct = true;
  for (let i = 1; i < sessions.length && distinct; i++)
    for (let j = 0; j < i; j++)
      if (sessions[j] === sessions[i]) {
        distinct = false;
        break;
      }
  const ids = subscriptions.map((subscription) => {
    const id = subscription.subscriptionIdentifier;
    return id === undefined ? undefined : [id];
  });
  return { sessions, subscriptions, groups, distinct, ids };
}

/**
 * Gives `message` to the member of a shared group picked for it (round robin among those that can take
 * it now), in `into` (the router's reused delivery) or a new delivery; false when none can take it.
 */
function deliverToMember(
  group: SharedGroup<Session, Subscription>,
  message: ApplicationMessage,
  now: number,
  into: ScratchDelivery | undefined,
): boolean {
  // none can take it now: a connected member rather than one that is offline (spec 4.8.2)
  const picked = group.pick(message.qos === 0 ? canTakeQos0 : canTakeQos12, isConnected);
  if (picked === undefined) return false;
  const [session, subscription] = picked;
  const id = subscription.subscriptionIdentifier;
  const delivery: ScratchDelivery = into ?? {
    message,
    qos: 0,
    retain: false,
    subscriptionIdentifiers: undefined,
    group: undefined,
  };
  delivery.message = message;
  delivery.qos = Math.min(message.qos, subscription.qos) as QoS;
  delivery.retain = subscription.retainAsPublished && message.retain;
  delivery.subscriptionIdentifiers = id === undefined ? undefined : [id];
  delivery.group = group; // should the session end before its client has it, another member gets it
  session.deliver(delivery, now);
  delivery.group = undefined; // the scratch delivery serves direct deliveries too
  return true;
}

function canTakeQos0(session: Session): boolean {
  return session.link?.writable === true;
}

function canTakeQos12(session: Session): boolean {
  return session.canAcceptNow;
}

function isConnected(session: Session): boolean {
  return session.connected;
}
