/**
 * An application message as the broker routes it: what a PUBLISH (or a will) carried, normalised and
 * independent of the protocol version it arrived on.
 * @module
 */

import { type QoS, type UserProperty, utf8Length } from "../protocol/index.js";

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
  /** May be replaced by an equal, compact copy (see `compactPayload`); never changed in content. */
  payload: Uint8Array;
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
  /**
   * Runtime cache of this message's encoded PUBLISH frames (see `outbound-publish.ts`), filled lazily
   * so a message delivered to many subscribers is encoded once per variant. Never persisted.
   */
  frames?: (Uint8Array | undefined)[];
  /**
   * Runtime cache of the topic subscribers are sent when `topic` is a tenant-mounted one (see
   * `tenancy/tenant-mount.ts`: `clientTopicOf`); every subscriber of a mounted topic is of the same
   * tenant, so one value serves them all. Never persisted.
   */
  clientTopic?: string | undefined;
  /**
   * Runtime: with `clientTopic`, the tenant mount `topic` begins with (`topic` is `mountPrefix` +
   * `clientTopic`), set where the topic was mounted. The router then matches the client's topic below
   * the mount (`TopicTrie.matchBelow`) and never reads the joined string. Never persisted.
   */
  mountPrefix?: string | undefined;
  /** Runtime cache of {@link messageBytes}: the message is queued for many sessions. Never persisted. */
  bytes?: number | undefined;
}

/**
 * The bytes a message holds, as the queue bounds count them (`queue.maxBytes`): its topic, properties
 * and payload as a PUBLISH would carry them (a string or binary field with its two-byte length, a
 * property with its identifier), so a message cannot fill a queue for free with User Properties or a
 * long topic. Computed once per message, which is queued for many sessions, and the same after a
 * restart (it depends on stored fields only), so a queue's count stays consistent when restored.
 */
export function messageBytes(message: ApplicationMessage): number {
  let bytes = message.bytes;
  if (bytes === undefined) {
    bytes = contentBytes(message.topic, message.payload, message.properties);
    message.bytes = bytes;
  }
  return bytes;
}

/**
 * {@link messageBytes} of a message given by its fields (a bridge's outbox entry). Never throws: a
 * value too long for a PUBLISH is counted as it is.
 */
export function contentBytes(
  topic: string,
  payload: Uint8Array,
  properties: MessageProperties | undefined,
): number {
  let bytes = 2 + utf8Length(topic) + payload.byteLength;
  if (properties === undefined) return bytes;
  if (properties.payloadFormatIndicator !== undefined) bytes += 2;
  if (properties.contentType !== undefined) bytes += 3 + utf8Length(properties.contentType);
  if (properties.responseTopic !== undefined) bytes += 3 + utf8Length(properties.responseTopic);
  if (properties.correlationData !== undefined) bytes += 3 + properties.correlationData.byteLength;
  const userProperties = properties.userProperties;
  if (userProperties !== undefined)
    for (const [name, value] of userProperties) bytes += 5 + utf8Length(name) + utf8Length(value);
  return bytes;
}

/** Seconds left of a message's expiry interval at `now`, rounded up; undefined when it never expires [MQTT-3.3.2-6]. */
/**
 * The message's own fields without its runtime caches (frames, client topic, mount prefix), with
 * `payload` in place of its own when given. Written out field by field: an object rest
 * (`{ frames, ...rest }`) takes V8's slow generic copy.
 */
export function withoutCaches(
  message: ApplicationMessage,
  payload: Uint8Array = message.payload,
): ApplicationMessage {
  return {
    id: message.id,
    topic: message.topic,
    payload,
    qos: message.qos,
    retain: message.retain,
    properties: message.properties,
    createdAt: message.createdAt,
    expiresAt: message.expiresAt,
    publisherId: message.publisherId,
  };
}

export function remainingExpirySeconds(message: ApplicationMessage, now: number): number | undefined {
  if (message.expiresAt === undefined) return undefined;
  return Math.max(0, Math.ceil((message.expiresAt - now) / 1000));
}

/**
 * Whether the message's expiry interval has passed at `now` [MQTT-3.3.2-5]: strictly after it ends, so
 * that a Message Expiry Interval of 0 still reaches the subscribers it is routed to at once (onward
 * delivery starts within its lifetime) and is deleted from any queue it waits in.
 */
export function isExpired(message: ApplicationMessage, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt < now;
}

/** Buffers above which a view that uses less than half of one is copied by {@link compactBytes}. */
const COMPACT_ABOVE_BYTES = 4096;

/**
 * `bytes` itself, or a copy of it when it is a small view into a large buffer (a socket read chunk),
 * so that keeping it does not pin the whole chunk in memory. The copy is made with the Uint8Array
 * constructor: a view may be a Node Buffer, whose `slice` is another view, not a copy.
 */
export function compactBytes(bytes: Uint8Array): Uint8Array {
  const buffer = bytes.buffer.byteLength;
  return buffer > COMPACT_ABOVE_BYTES && buffer > 2 * bytes.byteLength ? new Uint8Array(bytes) : bytes;
}

/**
 * Replaces a payload that is a small view into a large buffer (a socket read chunk) by a copy, so a
 * message kept in a queue or as a retained value does not pin the whole chunk in memory.
 */
export function compactPayload(message: ApplicationMessage): void {
  message.payload = compactBytes(message.payload);
}
