import type { ByteReader } from "../byte-reader.js";
import { checkPacketId, checkUint8, writeUint16 } from "../byte-writer.js";
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
import { checkReasonCode, UNSUBACK_REASON_CODES } from "../reason-code-sets.js";

/** UNSUBACK (spec 3.11). */
export interface UnsubackPacket {
  readonly type: typeof PacketType.UNSUBACK;
  packetId: number;
  /** v5: one per filter. Empty for v3, which has no payload. */
  reasonCodes: number[];
  properties?: Properties;
}

/** Encodes an UNSUBACK; for v3 only the packet identifier is written. */
export function encodeUnsuback(packet: UnsubackPacket, version: ProtocolVersion): Uint8Array {
  const packetId = checkPacketId("UNSUBACK", packet.packetId);
  if (version !== 5) {
    const frame = startFrame(PacketType.UNSUBACK << 4, 2);
    writeUint16(frame, 2, packetId);
    return frame;
  }
  const propsLength = propertiesLength(packet.properties, PacketType.UNSUBACK);
  const codes = packet.reasonCodes;
  const remainingLength = 2 + propertySectionLength(propsLength) + codes.length;
  const frame = startFrame(PacketType.UNSUBACK << 4, remainingLength);
  let pos = writeUint16(frame, frame.length - remainingLength, packetId);
  pos = writeProperties(frame, pos, packet.properties, propsLength);
  for (const code of codes) frame[pos++] = checkUint8("UNSUBACK reason code", code);
  return frame;
}

/** Decodes an UNSUBACK body; v5 codes must be valid Unsubscribe Reason Codes [MQTT-3.11.3-2]. */
export function decodeUnsuback(reader: ByteReader, version: ProtocolVersion): UnsubackPacket {
  const packet: UnsubackPacket = {
    type: PacketType.UNSUBACK,
    packetId: readPacketId(reader, "UNSUBACK packet identifier", version),
    reasonCodes: [],
  };
  if (version === 5) {
    const properties = readProperties(reader, PacketType.UNSUBACK);
    if (properties) packet.properties = properties;
    while (reader.remaining > 0) {
      packet.reasonCodes.push(
        checkReasonCode(UNSUBACK_REASON_CODES, reader.uint8("UNSUBACK"), "UNSUBACK", "MQTT-3.11.3-2"),
      );
    }
  }
  reader.expectEnd("UNSUBACK");
  return packet;
}
