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
import { checkReasonCode, SUBACK_REASON_CODES, SUBACK_RETURN_CODES_V3 } from "../reason-code-sets.js";

/** SUBACK (spec 3.9). */
export interface SubackPacket {
  readonly type: typeof PacketType.SUBACK;
  packetId: number;
  /** One per requested filter: granted QoS, or a failure code (0x80 in v3). */
  reasonCodes: number[];
  properties?: Properties;
}

/** Encodes a SUBACK; reason codes are written as given. */
export function encodeSuback(packet: SubackPacket, version: ProtocolVersion): Uint8Array {
  const packetId = checkPacketId("SUBACK", packet.packetId);
  const propsLength = version === 5 ? propertiesLength(packet.properties, PacketType.SUBACK) : 0;
  const codes = packet.reasonCodes;
  const remainingLength = 2 + (version === 5 ? propertySectionLength(propsLength) : 0) + codes.length;
  const frame = startFrame(PacketType.SUBACK << 4, remainingLength);
  let pos = writeUint16(frame, frame.length - remainingLength, packetId);
  if (version === 5) pos = writeProperties(frame, pos, packet.properties, propsLength);
  for (const code of codes) frame[pos++] = checkUint8("SUBACK reason code", code);
  return frame;
}

/** Decodes a SUBACK body; every code must be valid for the version [MQTT-3.9.3-2]. */
export function decodeSuback(reader: ByteReader, version: ProtocolVersion): SubackPacket {
  const packet: SubackPacket = {
    type: PacketType.SUBACK,
    packetId: readPacketId(reader, "SUBACK packet identifier", version),
    reasonCodes: [],
  };
  if (version === 5) {
    const properties = readProperties(reader, PacketType.SUBACK);
    if (properties) packet.properties = properties;
  }
  const allowed = version === 5 ? SUBACK_REASON_CODES : SUBACK_RETURN_CODES_V3;
  while (reader.remaining > 0) {
    packet.reasonCodes.push(checkReasonCode(allowed, reader.uint8("SUBACK"), "SUBACK", "MQTT-3.9.3-2"));
  }
  return packet;
}
