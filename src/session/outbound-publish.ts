/**
 * Encoding of outbound PUBLISH packets, once per message and variant rather than once per subscriber.
 *
 * A PUBLISH sent to a subscriber differs from the one sent to another only in: protocol version, QoS,
 * RETAIN, DUP, packet identifier, subscription identifiers, topic alias and the remaining message
 * expiry. The common case has no subscription identifiers, no alias and no expiry: its frame depends on
 * (version, QoS, RETAIN) only, and is cached on the message; the packet identifier and DUP bit
 * are patched into the copy made when the connection's batch is written (see `PublishFrame`). Other
 * variants are encoded for the one delivery. A frame without properties (every v3.1.1 one; a v5 one
 * whose message has none, in the common variant) is encoded from the fields (`encodeBarePublish`),
 * without a packet object.
 *
 * Single deliveries. A message given to one subscriber only (the router knows it of a cached route: one
 * session, no shared group) needs no frame kept for others: a QoS 0 one of the common variant whose
 * topic has a kept field is written straight into the frame pool's slab ({@link writeSinglePublish}),
 * without a frame object or a cache array (about 60 ns of a ~400 ns derived message in a development
 * measurement). A later delivery of the message (a queued copy, a resend, a retained message's)
 * encodes and caches as usual; one written this way by mistake would only cost a second encode.
 * @module
 */

import {
  encodeBarePublish,
  encodePacket,
  type FramePool,
  PacketType,
  type ProtocolVersion,
  type QoS,
  type PublishPacket,
  type Properties,
} from "../protocol/index.js";
import { writeQos0PublishInto } from "../protocol/packets/publish.js";
import type { TopicFields } from "../protocol/topic-fields.js";
import { remainingExpirySeconds, type ApplicationMessage } from "./application-message.js";

/** An encoded PUBLISH and where its packet identifier sits (-1 for QoS 0). */
export interface PublishFrame {
  readonly bytes: Uint8Array;
  readonly packetIdOffset: number;
}

export interface PublishVariant {
  readonly version: ProtocolVersion;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIdentifiers: readonly number[] | undefined;
  /**
   * The topic name to send, when it is not the message's topic (a tenant-mounted topic, sent without
   * its mount). It must be the same for every delivery of the message: frames are cached per message.
   */
  readonly topic?: string | undefined;
  /** Outbound topic alias to send, and whether the topic can be left out because the client knows it. */
  readonly topicAlias: number | undefined;
  readonly omitTopic: boolean;
  /**
   * Where small frames are carved from (protocol/frame-pool.ts). Not used for retained messages, whose
   * cached frames may live as long as the message and would pin a whole slab each.
   */
  readonly pool?: FramePool | undefined;
  /** Encoded Topic Names of topics sent again and again (protocol/topic-fields.ts). */
  readonly fields?: TopicFields | undefined;
}

/** One slot per (version 3..5) x (QoS 0..2) x (RETAIN 0/1). */
const CACHE_SLOTS = 18;

/**
 * For a message given to one subscriber only (the caller knows it: see the module notes): its QoS 0
 * PUBLISH with RETAIN 0, no subscription identifiers and no topic alias (the caller's part to check),
 * sent as `topic`, written into `pool`'s slab when the message is not retained and has no properties
 * (or `version` sends none) and no expiry, and `fields` keeps the topic's field: the very bytes
 * {@link encodePublishFrame} would make, not kept on the message. Returns the frame's size, its bytes
 * being [`pool.lastStart`, `pool.lastEnd`) of `pool.slab`, written only when the size is at most
 * `maximum` (above it the caller drops the message as too large); or 0 when this way does not apply
 * (nothing written): the caller then uses {@link encodePublishFrame}.
 */
export function writeSinglePublish(
  message: ApplicationMessage,
  version: ProtocolVersion,
  topic: string,
  pool: FramePool,
  fields: TopicFields,
  maximum: number,
): number {
  if (message.retain || message.expiresAt !== undefined) return 0;
  if (version === 5 && message.properties !== undefined) return 0;
  const field = fields.field(topic);
  if (field === undefined) return 0;
  return writeQos0PublishInto(pool, field, message.payload, version, maximum);
}

/** The frame for `message` in `variant`, with a zero packet identifier to be patched by the writer. */
export function encodePublishFrame(
  message: ApplicationMessage,
  variant: PublishVariant,
  now: number,
): PublishFrame {
  const expiry = remainingExpirySeconds(message, now);
  const cacheable =
    variant.subscriptionIdentifiers === undefined && variant.topicAlias === undefined && expiry === undefined;
  const slot = (variant.version - 3) * 6 + variant.qos * 2 + (variant.retain ? 1 : 0);
  if (cacheable) {
    const cached = message.frames?.[slot];
    if (cached !== undefined)
      return { bytes: cached, packetIdOffset: variant.qos > 0 ? packetIdOffsetOf(cached) : -1 };
  }
  const topic = variant.omitTopic ? "" : (variant.topic ?? message.topic);
  const properties = variant.version === 5 ? publishProperties(message, variant, expiry) : undefined;
  const pool = message.retain ? undefined : variant.pool;
  let bytes: Uint8Array;
  if (properties === undefined) {
    bytes = encodeBarePublish(
      topic,
      message.payload,
      variant.qos,
      variant.retain,
      1,
      variant.version,
      pool,
      variant.fields,
    );
  } else {
    const packet: PublishPacket = {
      type: PacketType.PUBLISH,
      topic,
      payload: message.payload,
      qos: variant.qos,
      retain: variant.retain,
      dup: false,
      properties,
    };
    if (variant.qos > 0) packet.packetId = 1;
    bytes = encodePacket(packet, variant.version, pool);
  }
  const packetIdOffset = variant.qos > 0 ? packetIdOffsetOf(bytes) : -1;
  if (cacheable) (message.frames ??= new Array<Uint8Array | undefined>(CACHE_SLOTS))[slot] = bytes;
  return { bytes, packetIdOffset };
}

/** Offset of the packet identifier in an encoded QoS > 0 PUBLISH: after the fixed header and the topic. */
export function packetIdOffsetOf(frame: Uint8Array): number {
  let i = 1;
  while ((frame[i]! & 0x80) !== 0) i++;
  i++;
  const topicLength = (frame[i]! << 8) | frame[i + 1]!;
  return i + 2 + topicLength;
}

function publishProperties(
  message: ApplicationMessage,
  variant: PublishVariant,
  expiry: number | undefined,
): Properties | undefined {
  const source = message.properties;
  if (
    source === undefined &&
    expiry === undefined &&
    variant.subscriptionIdentifiers === undefined &&
    variant.topicAlias === undefined
  ) {
    return undefined;
  }
  const properties: Properties = {};
  if (source !== undefined) {
    // [MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-20]: forwarded unaltered
    if (source.payloadFormatIndicator !== undefined)
      properties.payloadFormatIndicator = source.payloadFormatIndicator;
    if (source.contentType !== undefined) properties.contentType = source.contentType;
    if (source.responseTopic !== undefined) properties.responseTopic = source.responseTopic;
    if (source.correlationData !== undefined) properties.correlationData = source.correlationData;
    if (source.userProperties !== undefined) properties.userProperties = [...source.userProperties];
  }
  // [MQTT-3.3.2-6] the expiry sent is the received value minus the time spent waiting
  if (expiry !== undefined) properties.messageExpiryInterval = expiry;
  if (variant.subscriptionIdentifiers !== undefined)
    properties.subscriptionIdentifiers = [...variant.subscriptionIdentifiers];
  if (variant.topicAlias !== undefined) properties.topicAlias = variant.topicAlias;
  return properties;
}
