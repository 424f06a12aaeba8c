/**
 * PUBLISH (spec 3.3): the hot path. Decoding allocates the packet object, the topic string, the payload
 * view (no copy) and, only when the Property Length is non-zero, a properties object. Encoding sizes the
 * frame first and writes it in one pass into one Uint8Array.
 * @module
 */

import type { ByteReader } from "../byte-reader.js";
import { checkedStringLength, checkPacketId, writeUint16, writeUtf8String } from "../byte-writer.js";
import { startFrame } from "../fixed-header.js";
import type { FramePool } from "../frame-pool.js";
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

/** PUBLISH (spec 3.3). */
export interface PublishPacket {
  readonly type: typeof PacketType.PUBLISH;
  /** May be empty in v5 when a Topic Alias property stands for it. */
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when qos > 0. */
  packetId?: number;
  properties?: Properties;
}

const DUP_FLAG = 0x08;
const RETAIN_FLAG = 0x01;

/**
 * Encodes a PUBLISH. `packetId` is required when qos > 0 and ignored for QoS 0, and DUP is only written
 * for qos > 0 [MQTT-3.3.1-2]. Properties are written for v5 only. With a `pool`, a small frame is a
 * view into the pool's slab (frame-pool.ts).
 */
export function encodePublish(packet: PublishPacket, version: ProtocolVersion, pool?: FramePool): Uint8Array {
  const qos = packet.qos;
  const payload = packet.payload;
  let remainingLength = 2 + checkedStringLength("PUBLISH topic name", packet.topic) + payload.length;
  if (qos > 0) remainingLength += 2;
  let propsLength = 0;
  if (version === 5) {
    propsLength = propertiesLength(packet.properties, PacketType.PUBLISH);
    remainingLength += propertySectionLength(propsLength);
  }
  let firstByte = (PacketType.PUBLISH << 4) | (qos << 1);
  if (packet.retain) firstByte |= RETAIN_FLAG;
  if (packet.dup && qos > 0) firstByte |= DUP_FLAG;
  const frame = startFrame(firstByte, remainingLength, pool);
  let pos = writeUtf8String(frame, frame.length - remainingLength, packet.topic);
  if (qos > 0) pos = writeUint16(frame, pos, checkPacketId("PUBLISH", packet.packetId));
  if (version === 5) pos = writeProperties(frame, pos, packet.properties, propsLength);
  frame.set(payload, pos);
  return frame;
}

/** Decodes a PUBLISH body; `flags` is the low nibble of byte 1 (DUP, QoS, RETAIN). */
export function decodePublish(reader: ByteReader, flags: number, version: ProtocolVersion): PublishPacket {
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw malformed("Cannot decode PUBLISH: QoS must not be 3", "MQTT-3.3.1-4");
  const dup = (flags & DUP_FLAG) !== 0;
  if (dup && qos === 0) throw malformed("Cannot decode PUBLISH: DUP must be 0 for QoS 0", "MQTT-3.3.1-2");
  const topic = reader.utf8("PUBLISH topic name");
  const packetId = qos > 0 ? readPacketId(reader, "PUBLISH packet identifier", version) : 0;
  const properties = version === 5 ? readProperties(reader, PacketType.PUBLISH) : undefined;
  if (version === 5 && topic.length === 0 && properties?.topicAlias === undefined) {
    // Spec 3.3.2.1: "It is a Protocol Error if the Topic Name is zero length and there is no Topic Alias."
    throw protocolViolation("Cannot decode PUBLISH: the topic name is empty and there is no Topic Alias");
  }
  const packet: PublishPacket = {
    type: PacketType.PUBLISH,
    topic,
    payload: reader.rest(),
    qos: qos as QoS,
    retain: (flags & RETAIN_FLAG) !== 0,
    dup,
  };
  if (qos > 0) packet.packetId = packetId;
  if (properties !== undefined) packet.properties = properties;
  return packet;
}
