/**
 * A message bound for one subscriber: the shared application message plus what is particular to this
 * subscriber (the QoS granted, the RETAIN flag to send, its matching subscription identifiers).
 * @module
 */

import type { QoS } from "../protocol/index.js";
import type { SharedGroup } from "../routing/index.js";
import type { ApplicationMessage } from "./application-message.js";
import type { Session } from "./session.js";
import type { Subscription } from "./subscription.js";

export interface Delivery {
  readonly message: ApplicationMessage;
  /** min(published QoS, granted QoS) [MQTT-3.8.4-8]. */
  readonly qos: QoS;
  /** The RETAIN flag to send. */
  readonly retain: boolean;
  /** v5: identifiers of every matching subscription that has one [MQTT-3.3.4-3]. */
  readonly subscriptionIdentifiers: readonly number[] | undefined;
  /**
   * The shared subscription group the message was given to this session for (spec 4.8.2): should the
   * session end before its client has it, another member gets it. A persistent session's entries are
   * stored with the group's topic filter, and an entry restored from the store joins the live group of
   * that name again (none when the group has no member left at the restart: the entry then stays with
   * its session). Undefined for a delivery to the session's own subscription.
   */
  readonly group?: SharedGroup<Session, Subscription> | undefined;
}

/** A delivery waiting in a session's queue. */
export interface QueuedDelivery extends Delivery {
  /** Position in the session's queue, increasing; the store key of the entry. */
  readonly seq: number;
}

/** An outbound QoS 1/2 delivery that was sent and is not yet fully acknowledged. */
export interface InflightDelivery extends Delivery {
  readonly qos: 1 | 2;
  readonly packetId: number;
  /** "publish": awaiting PUBACK or PUBREC; "pubrel": PUBREL sent, awaiting PUBCOMP. */
  phase: "publish" | "pubrel";
  /**
   * The message as first sent, when a delivery hook decided what this client is shown (the broker's
   * privacy rules): a resend sends it again as it was [MQTT-3.3.1-1], whatever the rules say by then.
   * Kept in memory only: an entry restored from the store has none.
   */
  shown?: ApplicationMessage | undefined;
}
