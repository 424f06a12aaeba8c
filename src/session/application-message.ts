/**
 * An application message as the broker routes it: what a PUBLISH (or a will) carried, normalised and
 * independent of the protocol version it arrived on.
 * @module
 */

import type { QoS } from "../protocol/packet-type.js";
import type { UserProperty } from "../protocol/properties.js";

/** The v5 properties forwarded unchanged to subscribers [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-20]. */
export interface MessageProperties {
  readonly payloadFormatIndicator?: boolean;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  readonly userProperties?: readonly UserProperty[];
}

export interface ApplicationMessage {
  /** Unique within a broker and its store; assigned when the message enters the broker. */
  readonly id: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  /** The QoS it was published with. */
  readonly qos: QoS;
  /** The RETAIN flag it was published with. */
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  /** Milliseconds since the epoch when the message was received. */
  readonly createdAt: number;
  /** Milliseconds since the epoch after which it must not be delivered (from Message Expiry Interval). */
  readonly expiresAt: number | undefined;
  /** Client identifier of the publisher (for No Local), or undefined for messages the broker made. */
  readonly publisherId: string | undefined;
}

/** Seconds left of a message's expiry interval at `now`, rounded up; undefined when it never expires [MQTT-3.3.2-6]. */
export function remainingExpirySeconds(message: ApplicationMessage, now: number): number | undefined {
  if (message.expiresAt === undefined) return undefined;
  return Math.max(0, Math.ceil((message.expiresAt - now) / 1000));
}

export function isExpired(message: ApplicationMessage, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}
