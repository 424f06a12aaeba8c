/**
 * How a bridge sees the broker's messages: as an internal subscriber. The tap registers a session of
 * its own in the broker's router with one subscription per internal filter (QoS 0, Retain As
 * Published), and its session link hands every delivery to the bridge instead of a socket.
 *
 * Why a subscriber and not a hook in the publish path: the router already matches every message
 * against subscriptions once, through its trie, whatever the message's origin (a client, a will, a
 * dialect's derived topics, the REST API, `$SYS`, another node); the tap is one more match there. With
 * no bridge there is no tap and the publish path costs exactly what it did, so no change of the broker
 * was needed. Overlapping filters of one bridge give one delivery (the router merges a session's
 * matching subscriptions), and a message whose Message Expiry Interval has run out is not delivered.
 *
 * The tap's session is known only to the router: it is not in the session registry, never stored, and
 * receives no retained messages (a bridge's snapshot comes from its `SnapshotSource`).
 * @module
 */

import type { Broker } from "../broker/index.js";
import {
  type ApplicationMessage,
  type Delivery,
  type DropReason,
  Session,
  type SessionLink,
  type Subscription,
} from "../session/index.js";

/** What the tap needs of the broker's router. */
export type TapRouter = Pick<Broker["router"], "add" | "remove">;

export interface BrokerTapOptions {
  readonly router: TapRouter;
  readonly bridgeId: string;
  /** Internal (tenant-mounted) filters. */
  readonly filters: readonly string[];
  /** Called synchronously, from the publish path, for each matching message. */
  readonly take: (message: ApplicationMessage, retain: boolean) => void;
  /** Called for a message the router would have delivered but whose expiry had passed. */
  readonly expired: () => void;
  readonly now: number;
}

const NO_QUEUE = { maxMessages: 0, maxBytes: 0, queueQos0: false, overflow: "drop-new" } as const;

export class BrokerTap implements SessionLink {
  readonly writable = true;
  readonly #router: TapRouter;
  readonly #session: Session;
  readonly #subscriptions: Subscription[];
  readonly #take: BrokerTapOptions["take"];
  #open = true;

  /** Registers the subscriptions: from now on, every matching message is taken. */
  constructor(options: BrokerTapOptions) {
    this.#router = options.router;
    this.#take = options.take;
    const expired = options.expired;
    this.#session = new Session({
      // not a client id a client can take over: the tap is never in the session registry
      clientId: `$bridge/${options.bridgeId}`,
      protocolVersion: 5,
      expiryInterval: 0,
      inflightCapacity: 1,
      queueLimits: NO_QUEUE,
      observer: {
        dropped: (_session, _delivery, reason: DropReason) => {
          if (reason === "expired") expired();
        },
      },
    });
    this.#subscriptions = options.filters.map((filter) => ({
      topicFilter: filter,
      filter,
      shareGroup: undefined,
      qos: 0,
      noLocal: false,
      retainAsPublished: true,
      retainHandling: 2,
      subscriptionIdentifier: undefined,
    }));
    this.#session.attach(this, 1, options.now);
    for (const subscription of this.#subscriptions) {
      this.#session.subscriptions.set(subscription.topicFilter, subscription);
      this.#router.add(this.#session, subscription);
    }
  }

  /** Removes the subscriptions: no message is taken any more. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const subscription of this.#subscriptions) this.#router.remove(this.#session, subscription);
    this.#session.detach(0);
  }

  // ---- SessionLink ----

  sendPublish(delivery: Delivery): DropReason | undefined {
    // the router's delivery object is reused for the next subscriber: only its fields are kept
    if (this.#open) this.#take(delivery.message, delivery.retain);
    return undefined;
  }

  sendPubrel(): void {
    // never called: the tap's subscriptions are QoS 0
  }
}
