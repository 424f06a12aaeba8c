/**
 * The shared layout of PUBACK, PUBREC, PUBREL and PUBCOMP (spec 3.4 - 3.7): packet identifier, then in
 * v5 a reason code and properties. v5 short forms: Remaining Length 2 means reason 0x00 and no
 * properties; Remaining Length 3 means a reason code and no properties. The encoder writes the shortest
 * form that carries the packet.
 * @module
 */

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
import { checkReasonCode, PUBACK_REASON_CODES, PUBREL_REASON_CODES } from "../reason-code-sets.js";

/** The packet types that share this layout. */
export type PubResponseType =
  typeof PacketType.PUBACK | typeof PacketType.PUBREC | typeof PacketType.PUBREL | typeof PacketType.PUBCOMP;

/** Structurally, each of PubackPacket, PubrecPacket, PubrelPacket and PubcompPacket. */
export interface PubResponse<T extends PubResponseType> {
  readonly type: T;
  packetId: number;
  reasonCode?: number;
  properties?: Properties;
}

const NAMES = { 4: "PUBACK", 5: "PUBREC", 6: "PUBREL", 7: "PUBCOMP" } as const;
/** "MUST use one of the ... Reason Codes" statements. */
const REASON_RULES = { 4: "MQTT-3.4.2-1", 5: "MQTT-3.5.2-1", 6: "MQTT-3.6.2-1", 7: "MQTT-3.7.2-1" } as const;
const PACKET_ID_FIELDS = {
  4: "PUBACK packet identifier",
  5: "PUBREC packet identifier",
  6: "PUBREL packet identifier",
  7: "PUBCOMP packet identifier",
} as const;

/** Encodes PUBACK, PUBREC, PUBREL or PUBCOMP (by `packet.type`), in the shortest v5 form. */
export function encodePubResponse<T extends PubResponseType>(
  packet: PubResponse<T>,
  version: ProtocolVersion,
): Uint8Array {
  const type = packet.type;
  const packetId = checkPacketId(NAMES[type], packet.packetId);
  const firstByte = (type << 4) | (type === PacketType.PUBREL ? 0b0010 : 0);
  const reasonCode = packet.reasonCode ?? 0;
  const propsLength = version === 5 ? propertiesLength(packet.properties, type) : 0;
  if (version !== 5 || (reasonCode === 0 && propsLength === 0)) {
    const frame = startFrame(firstByte, 2);
    writeUint16(frame, 2, packetId);
    return frame;
  }
  const remainingLength = 3 + (propsLength === 0 ? 0 : propertySectionLength(propsLength));
  const frame = startFrame(firstByte, remainingLength);
  const pos = writeUint16(frame, frame.length - remainingLength, packetId);
  frame[pos] = checkUint8(`${NAMES[type]} reason code`, reasonCode);
  if (propsLength > 0) writeProperties(frame, pos + 1, packet.properties, propsLength);
  return frame;
}

/** Decodes a PUBACK, PUBREC, PUBREL or PUBCOMP body; v5 results always carry `reasonCode`. */
export function decodePubResponse<T extends PubResponseType>(
  reader: ByteReader,
  type: T,
  version: ProtocolVersion,
): PubResponse<T> {
  const packet: PubResponse<T> = { type, packetId: readPacketId(reader, PACKET_ID_FIELDS[type], version) };
  if (version === 5) {
    const allowed =
      type === PacketType.PUBACK || type === PacketType.PUBREC ? PUBACK_REASON_CODES : PUBREL_REASON_CODES;
    packet.reasonCode =
      reader.remaining === 0
        ? 0
        : checkReasonCode(allowed, reader.uint8(NAMES[type]), NAMES[type], REASON_RULES[type]);
    if (reader.remaining > 0) {
      const properties = readProperties(reader, type);
      if (properties) packet.properties = properties;
    }
  }
  reader.expectEnd(NAMES[type]);
  return packet;
}
