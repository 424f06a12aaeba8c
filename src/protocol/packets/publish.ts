/**
 * PUBLISH (spec 3.3): the hot path. Decoding allocates the packet object, the topic string, the payload
 * view (no copy) and, only when the Property Length is non-zero, a properties object. Encoding sizes the
 * frame first and writes it in one pass into one Uint8Array.
 *
 * A PUBLISH without properties (every v3.1.1 one, and the common forwarded v5 one) can be encoded from
 * its fields ({@link encodeBarePublish}), with no packet object. Its frame is sized for an ASCII topic
 * (one byte per character) and the topic written and checked in the same pass; a topic that turns out
 * not to be ASCII gives its frame back (`FramePool.release`) and is encoded as before, measuring its
 * UTF-8 length first. With a {@link TopicFields} memo, a topic sent again is copied from its kept field
 * in one call instead (see topic-fields.ts). The frames are byte for byte those of the general path, which checks the same
 * limits in the same order: the topic's 65,535 bytes, the Remaining Length, the packet identifier.
 * @module
 */

import type { ByteReader } from "../byte-reader.js";
import { checkedStringLength, checkPacketId, writeUint16, writeUtf8String } from "../byte-writer.js";
import { startFrame } from "../fixed-header.js";
import { type FramePool, MAX_POOLED_BYTES } from "../frame-pool.js";
import { readPacketId } from "../packet-id.js";
import { PacketType, type ProtocolVersion, type QoS } from "../packet-type.js";
import type { TopicFields } from "../topic-fields.js";
import { type WordBytes, writeWordBytes } from "../word-bytes.js";
import type { Properties } from "../properties.js";
import {
  propertiesLength,
  propertySectionLength,
  readProperties,
  writeProperties,
} from "../property-codec.js";
import { malformed, protocolViolation } from "../protocol-error.js";
import { encodeAsciiInto } from "../utf8.js";
import {
  MAX_VARIABLE_BYTE_INTEGER,
  variableByteIntegerLength,
  writeVariableByteInteger,
} from "../variable-byte-integer.js";

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
  let firstByte = (PacketType.PUBLISH << 4) | (qos << 1);
  if (packet.retain) firstByte |= RETAIN_FLAG;
  if (packet.dup && qos > 0) firstByte |= DUP_FLAG;
  if (version !== 5 || packet.properties === undefined) {
    return writeBarePublish(
      firstByte,
      packet.topic,
      packet.payload,
      packet.packetId,
      version,
      pool,
      undefined,
    );
  }
  const payload = packet.payload;
  let remainingLength = 2 + checkedStringLength("PUBLISH topic name", packet.topic) + payload.length;
  if (qos > 0) remainingLength += 2;
  const propsLength = propertiesLength(packet.properties, PacketType.PUBLISH);
  remainingLength += propertySectionLength(propsLength);
  const frame = startFrame(firstByte, remainingLength, pool);
  let pos = writeUtf8String(frame, frame.length - remainingLength, packet.topic);
  if (qos > 0) pos = writeUint16(frame, pos, checkPacketId("PUBLISH", packet.packetId));
  pos = writeProperties(frame, pos, packet.properties, propsLength);
  frame.set(payload, pos);
  return frame;
}

/**
 * The size in bytes of `packet` encoded for `version` (the length of what {@link encodePublish} returns),
 * without encoding it: fixed header, Topic Name, Packet Identifier (QoS > 0), properties (v5 only) and
 * payload. A sender checks it against the receiver's Maximum Packet Size before sending
 * [MQTT-3.2.2-15] [MQTT-3.1.2-24]. Throws as `encodePublish` does for a topic or a property out of range.
 * @example
 * ```ts
 * const packet: PublishPacket = { type: PacketType.PUBLISH, topic: "a/b", payload, qos: 1, retain: false, dup: false };
 * publishPacketSize(packet, 5); // 2 (fixed header) + 5 (topic) + 2 (packet id) + 1 (properties) + payload.length
 * ```
 */
export function publishPacketSize(packet: PublishPacket, version: ProtocolVersion): number {
  let remainingLength = 2 + checkedStringLength("PUBLISH topic name", packet.topic) + packet.payload.length;
  if (packet.qos > 0) remainingLength += 2;
  if (version === 5)
    remainingLength += propertySectionLength(propertiesLength(packet.properties, PacketType.PUBLISH));
  if (remainingLength > MAX_VARIABLE_BYTE_INTEGER)
    throw new RangeError(
      `Cannot encode packet: Remaining Length ${remainingLength} exceeds ${MAX_VARIABLE_BYTE_INTEGER}`,
    );
  return 1 + variableByteIntegerLength(remainingLength) + remainingLength;
}

/**
 * Encodes a PUBLISH without properties (v5: a Property Length of 0) and with DUP 0 from its fields, as
 * {@link encodePublish} does the packet `{ topic, payload, qos, retain, dup: false, packetId }`.
 * `packetId` is required when qos > 0 and ignored for QoS 0. `fields`: where topics sent again keep
 * their encoded Topic Name (the frame is the same with or without it).
 */
export function encodeBarePublish(
  topic: string,
  payload: Uint8Array,
  qos: QoS,
  retain: boolean,
  packetId: number | undefined,
  version: ProtocolVersion,
  pool?: FramePool,
  fields?: TopicFields,
): Uint8Array {
  let firstByte = (PacketType.PUBLISH << 4) | (qos << 1);
  if (retain) firstByte |= RETAIN_FLAG;
  return writeBarePublish(firstByte, topic, payload, packetId, version, pool, fields);
}

/**
 * Writes into a pool's slab, in place (`FramePool.reserve`: no frame of its own), the QoS 0 PUBLISH
 * without properties and with RETAIN 0 whose Topic Name field (length prefix and UTF-8, as
 * {@link TopicFields} keeps it) is `field`: byte for byte what {@link encodeBarePublish} makes of
 * (the topic, `payload`, QoS 0, RETAIN 0, `version`). Returns the frame's size; its bytes are then
 * [`pool.lastStart`, `pool.lastEnd`) of `pool.slabBytes`, but only when the size is at most `maximum`:
 * above it nothing is written (the caller drops the frame as too large). Returns 0, nothing written,
 * for a frame the pool does not carve (above `MAX_POOLED_BYTES`): the caller encodes it the usual way,
 * which also checks the limits (a pooled frame is far below them).
 */
export function writeQos0PublishInto(
  pool: FramePool,
  field: WordBytes,
  payload: Uint8Array,
  version: ProtocolVersion,
  maximum: number,
): number {
  const remainingLength = field.length + (version === 5 ? 1 : 0) + payload.length;
  const size = 1 + variableByteIntegerLength(remainingLength) + remainingLength;
  if (size > MAX_POOLED_BYTES) return 0;
  if (size > maximum) return size;
  pool.reserve(size);
  const target = pool.slabBytes!;
  target[pool.lastStart] = PacketType.PUBLISH << 4;
  let pos = writeVariableByteInteger(target, pool.lastStart + 1, remainingLength);
  writeWordBytes(target, pool.slabView!, pos, field);
  pos += field.length;
  if (version === 5) target[pos++] = 0; // Property Length 0
  target.set(payload, pos);
  return size;
}

/** A PUBLISH without properties: its fixed header's byte 1 (type and flags) and its fields. */
function writeBarePublish(
  firstByte: number,
  topic: string,
  payload: Uint8Array,
  packetId: number | undefined,
  version: ProtocolVersion,
  pool: FramePool | undefined,
  fields: TopicFields | undefined,
): Uint8Array {
  const qos = (firstByte >> 1) & 3;
  // what follows the Topic Name: packet identifier, Property Length 0 (v5), payload
  const after = (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length;
  const field = fields?.field(topic);
  let frame: Uint8Array;
  if (field === undefined) frame = startPublishFrame(firstByte, topic, after, pool);
  else {
    // a kept field: the topic's 65,535 bytes were checked when it was made
    frame = startFrame(firstByte, field.length + after, pool);
    frame.set(field.bytes, frame.length - after - field.length);
  }
  let pos = frame.length - after;
  if (qos > 0) pos = writeUint16(frame, pos, checkPacketId("PUBLISH", packetId));
  if (version === 5) frame[pos++] = 0;
  frame.set(payload, pos);
  return frame;
}

/**
 * Allocates a PUBLISH frame with `after` bytes after the Topic Name, and writes the fixed header and
 * the Topic Name: sized for ASCII first (see the module notes), else for its UTF-8 length.
 */
function startPublishFrame(
  firstByte: number,
  topic: string,
  after: number,
  pool: FramePool | undefined,
): Uint8Array {
  const units = topic.length;
  if (units <= 0xffff && 2 + units + after <= MAX_VARIABLE_BYTE_INTEGER) {
    const frame = startFrame(firstByte, 2 + units + after, pool);
    const at = frame.length - after - units;
    if (encodeAsciiInto(topic, frame, at)) {
      writeUint16(frame, at - 2, units);
      return frame;
    }
    pool?.release(frame, at + units); // not ASCII: its UTF-8 is longer than the frame has room for
  }
  const length = checkedStringLength("PUBLISH topic name", topic);
  const frame = startFrame(firstByte, 2 + length + after, pool);
  writeUtf8String(frame, frame.length - after - 2 - length, topic);
  return frame;
}

/** Decodes a PUBLISH body; `flags` is the low nibble of byte 1 (DUP, QoS, RETAIN). */
export function decodePublish(reader: ByteReader, flags: number, version: ProtocolVersion): PublishPacket {
  const qos = (flags >> 1) & 3;
  if (qos === 3) throw malformed("Cannot decode PUBLISH: QoS must not be 3", "MQTT-3.3.1-4");
  const dup = (flags & DUP_FLAG) !== 0;
  if (dup && qos === 0) throw malformed("Cannot decode PUBLISH: DUP must be 0 for QoS 0", "MQTT-3.3.1-2");
  const topic = reader.recalledUtf8("PUBLISH topic name");
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
