import type { ByteReader } from "../byte-reader.js";
import { checkedStringLength, checkPacketId, writeUint16, writeUtf8String } from "../byte-writer.js";
import { startFrame } from "../fixed-header.js";
import { readPacketId } from "../packet-id.js";
import { PacketType, type ProtocolVersion, type QoS } from "../packet-type.js";
import type { Properties } from "../properties.js";
import {
  propertiesLength,
  propertySectionLength,
  readProperties,
  writeProperties,
} from "../property-codec.js";
import { malformed, protocolViolation } from "../protocol-error.js";

/** Retain Handling option (spec 3.8.3.1). */
export type RetainHandling = 0 | 1 | 2;

/** One topic filter of a SUBSCRIBE with its subscription options. */
export interface SubscriptionRequest {
  topicFilter: string;
  qos: QoS;
  /** v5: do not deliver messages published by this client [MQTT-3.8.3-3]. */
  noLocal: boolean;
  /** v5: keep the RETAIN flag of forwarded messages as published. */
  retainAsPublished: boolean;
  /** v5: 0 send retained on subscribe, 1 only if the subscription is new, 2 never. */
  retainHandling: RetainHandling;
}

/** SUBSCRIBE (spec 3.8). */
export interface SubscribePacket {
  readonly type: typeof PacketType.SUBSCRIBE;
  packetId: number;
  subscriptions: SubscriptionRequest[];
  properties?: Properties;
}

const NO_LOCAL = 0x04;
const RETAIN_AS_PUBLISHED = 0x08;

/** Encodes a SUBSCRIBE. For v3 only the QoS of each subscription option byte is written. */
export function encodeSubscribe(packet: SubscribePacket, version: ProtocolVersion): Uint8Array {
  const packetId = checkPacketId("SUBSCRIBE", packet.packetId);
  const propsLength = version === 5 ? propertiesLength(packet.properties, PacketType.SUBSCRIBE) : 0;
  let remainingLength = 2 + (version === 5 ? propertySectionLength(propsLength) : 0);
  for (const subscription of packet.subscriptions) {
    remainingLength += 3 + checkedStringLength("SUBSCRIBE topic filter", subscription.topicFilter);
  }
  const frame = startFrame((PacketType.SUBSCRIBE << 4) | 0b0010, remainingLength);
  let pos = writeUint16(frame, frame.length - remainingLength, packetId);
  if (version === 5) pos = writeProperties(frame, pos, packet.properties, propsLength);
  for (const subscription of packet.subscriptions) {
    pos = writeUtf8String(frame, pos, subscription.topicFilter);
    frame[pos++] = version === 5 ? subscriptionOptions(subscription) : subscription.qos;
  }
  return frame;
}

function subscriptionOptions(subscription: SubscriptionRequest): number {
  let options = subscription.qos | (subscription.retainHandling << 4);
  if (subscription.noLocal) options |= NO_LOCAL;
  if (subscription.retainAsPublished) options |= RETAIN_AS_PUBLISHED;
  return options;
}

/**
 * Decodes a SUBSCRIBE body. Topic filters are UTF-8 validated but their wildcard syntax is left to the
 * topic module. v3 subscriptions decode with noLocal false, retainAsPublished false, retainHandling 0.
 */
export function decodeSubscribe(reader: ByteReader, version: ProtocolVersion): SubscribePacket {
  const packet: SubscribePacket = {
    type: PacketType.SUBSCRIBE,
    packetId: readPacketId(reader, "SUBSCRIBE packet identifier", version),
    subscriptions: [],
  };
  if (version === 5) {
    const properties = readProperties(reader, PacketType.SUBSCRIBE);
    if (properties) packet.properties = properties;
  }
  if (reader.remaining === 0) {
    throw protocolViolation(
      "Cannot decode SUBSCRIBE: it has no topic filters",
      version === 5 ? "MQTT-3.8.3-2" : "MQTT-3.8.3-3",
    );
  }
  while (reader.remaining > 0) {
    const topicFilter = reader.utf8("SUBSCRIBE topic filter");
    const options = reader.uint8("SUBSCRIBE subscription options");
    packet.subscriptions.push(
      version === 5 ? decodeOptionsV5(topicFilter, options) : decodeOptionsV3(topicFilter, options),
    );
  }
  return packet;
}

function decodeOptionsV3(topicFilter: string, options: number): SubscriptionRequest {
  // Reserved bits 2-7 set, or QoS 3: malformed [MQTT-3.8.3-4].
  if (options > 2) {
    throw malformed(
      `Cannot decode SUBSCRIBE: subscription options 0x${options.toString(16)} for "${topicFilter}" set reserved bits or QoS 3`,
      "MQTT-3.8.3-4",
    );
  }
  return { topicFilter, qos: options as QoS, noLocal: false, retainAsPublished: false, retainHandling: 0 };
}

function decodeOptionsV5(topicFilter: string, options: number): SubscriptionRequest {
  if (options & 0xc0) {
    throw malformed(
      `Cannot decode SUBSCRIBE: subscription options for "${topicFilter}" set reserved bits 6-7`,
      "MQTT-3.8.3-5",
    );
  }
  const qos = options & 0x03;
  if (qos === 3) {
    throw protocolViolation(`Cannot decode SUBSCRIBE: Maximum QoS 3 for "${topicFilter}"`); // spec 3.8.3.1
  }
  const retainHandling = (options >> 4) & 0x03;
  if (retainHandling === 3) {
    throw protocolViolation(`Cannot decode SUBSCRIBE: Retain Handling 3 for "${topicFilter}"`); // spec 3.8.3.1
  }
  return {
    topicFilter,
    qos: qos as QoS,
    noLocal: (options & NO_LOCAL) !== 0,
    retainAsPublished: (options & RETAIN_AS_PUBLISHED) !== 0,
    retainHandling: retainHandling as RetainHandling,
  };
}
