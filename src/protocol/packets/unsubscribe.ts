import type { ByteReader } from "../byte-reader.js";
import { checkedStringLength, checkPacketId, writeUint16, writeUtf8String } from "../byte-writer.js";
import { startFrame } from "../fixed-header.js";
import { readPacketId } from "../packet-id.js";
import { PacketType, type ProtocolVersion } from "../packet-type.js";
import type { Properties } from "../properties.js";
import {
  propertiesLength,
  propertySectionLength,
  readProperties,
  writeProperties,
} from "../property-codec.js";
import { protocolViolation } from "../protocol-error.js";

/** UNSUBSCRIBE (spec 3.10). */
export interface UnsubscribePacket {
  readonly type: typeof PacketType.UNSUBSCRIBE;
  packetId: number;
  topicFilters: string[];
  properties?: Properties;
}

/** Encodes an UNSUBSCRIBE; properties for v5 only. */
export function encodeUnsubscribe(packet: UnsubscribePacket, version: ProtocolVersion): Uint8Array {
  const packetId = checkPacketId("UNSUBSCRIBE", packet.packetId);
  const propsLength = version === 5 ? propertiesLength(packet.properties, PacketType.UNSUBSCRIBE) : 0;
  let remainingLength = 2 + (version === 5 ? propertySectionLength(propsLength) : 0);
  for (const filter of packet.topicFilters) {
    remainingLength += 2 + checkedStringLength("UNSUBSCRIBE topic filter", filter);
  }
  const frame = startFrame((PacketType.UNSUBSCRIBE << 4) | 0b0010, remainingLength);
  let pos = writeUint16(frame, frame.length - remainingLength, packetId);
  if (version === 5) pos = writeProperties(frame, pos, packet.properties, propsLength);
  for (const filter of packet.topicFilters) pos = writeUtf8String(frame, pos, filter);
  return frame;
}

/** Decodes an UNSUBSCRIBE body; at least one topic filter is required [MQTT-3.10.3-2]. */
export function decodeUnsubscribe(reader: ByteReader, version: ProtocolVersion): UnsubscribePacket {
  const packet: UnsubscribePacket = {
    type: PacketType.UNSUBSCRIBE,
    packetId: readPacketId(reader, "UNSUBSCRIBE packet identifier", version),
    topicFilters: [],
  };
  if (version === 5) {
    const properties = readProperties(reader, PacketType.UNSUBSCRIBE);
    if (properties) packet.properties = properties;
  }
  if (reader.remaining === 0) {
    throw protocolViolation("Cannot decode UNSUBSCRIBE: it has no topic filters", "MQTT-3.10.3-2");
  }
  while (reader.remaining > 0) packet.topicFilters.push(reader.utf8("UNSUBSCRIBE topic filter"));
  return packet;
}
