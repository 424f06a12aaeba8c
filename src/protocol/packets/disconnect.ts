import type { ByteReader } from "../byte-reader.js";
import { checkUint8 } from "../byte-writer.js";
import { startFrame } from "../fixed-header.js";
import { PacketType, type ProtocolVersion } from "../packet-type.js";
import type { Properties } from "../properties.js";
import {
  propertiesLength,
  propertySectionLength,
  readProperties,
  writeProperties,
} from "../property-codec.js";
import { checkReasonCode, DISCONNECT_REASON_CODES } from "../reason-code-sets.js";

/** DISCONNECT (spec 3.14). */
export interface DisconnectPacket {
  readonly type: typeof PacketType.DISCONNECT;
  /** v5 only; 0 (Normal disconnection) when absent. */
  reasonCode?: number;
  properties?: Properties;
}

/**
 * Encodes a DISCONNECT. v5 short forms: Remaining Length 0 for reason 0x00 without properties,
 * Remaining Length 1 for another reason without properties. v3 DISCONNECT is always empty.
 */
export function encodeDisconnect(packet: DisconnectPacket, version: ProtocolVersion): Uint8Array {
  const reasonCode = packet.reasonCode ?? 0;
  const propsLength = version === 5 ? propertiesLength(packet.properties, PacketType.DISCONNECT) : 0;
  if (version !== 5 || (reasonCode === 0 && propsLength === 0))
    return startFrame(PacketType.DISCONNECT << 4, 0);
  const remainingLength = 1 + (propsLength === 0 ? 0 : propertySectionLength(propsLength));
  const frame = startFrame(PacketType.DISCONNECT << 4, remainingLength);
  const pos = frame.length - remainingLength;
  frame[pos] = checkUint8("DISCONNECT reason code", reasonCode);
  if (propsLength > 0) writeProperties(frame, pos + 1, packet.properties, propsLength);
  return frame;
}

/**
 * Decodes a DISCONNECT body. v5: Remaining Length 0 means reason 0x00; below 2, no properties
 * (spec 3.14.2.1, 3.14.2.2.1). The v5 result always carries `reasonCode`.
 */
export function decodeDisconnect(reader: ByteReader, version: ProtocolVersion): DisconnectPacket {
  const packet: DisconnectPacket = { type: PacketType.DISCONNECT };
  if (version === 5) {
    packet.reasonCode =
      reader.remaining === 0
        ? 0
        : checkReasonCode(DISCONNECT_REASON_CODES, reader.uint8("DISCONNECT"), "DISCONNECT", "MQTT-3.14.2-1");
    if (reader.remaining > 0) {
      const properties = readProperties(reader, PacketType.DISCONNECT);
      if (properties) packet.properties = properties;
    }
  }
  reader.expectEnd("DISCONNECT");
  return packet;
}
