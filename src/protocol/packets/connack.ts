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
import { malformed } from "../protocol-error.js";
import { CONNACK_REASON_CODES, CONNACK_RETURN_CODES_V3, checkReasonCode } from "../reason-code-sets.js";

/** CONNACK (spec 3.2). */
export interface ConnackPacket {
  readonly type: typeof PacketType.CONNACK;
  sessionPresent: boolean;
  /** The byte on the wire: a v5 reason code, or a v3 return code (see `toV3ConnackReturnCode`). */
  reasonCode: number;
  properties?: Properties;
}

/** Encodes a CONNACK; `reasonCode` is written as given (convert for v3 with `toV3ConnackReturnCode`). */
export function encodeConnack(packet: ConnackPacket, version: ProtocolVersion): Uint8Array {
  const propsLength = version === 5 ? propertiesLength(packet.properties, PacketType.CONNACK) : 0;
  const remainingLength = 2 + (version === 5 ? propertySectionLength(propsLength) : 0);
  const frame = startFrame(PacketType.CONNACK << 4, remainingLength);
  const pos = frame.length - remainingLength;
  frame[pos] = packet.sessionPresent ? 1 : 0;
  frame[pos + 1] = checkUint8("CONNACK reason code", packet.reasonCode);
  if (version === 5) writeProperties(frame, pos + 2, packet.properties, propsLength);
  return frame;
}

/** Decodes a CONNACK body; the code must be a CONNACK reason code (v5) or return code 0..5 (v3). */
export function decodeConnack(reader: ByteReader, version: ProtocolVersion): ConnackPacket {
  const flags = reader.uint8("CONNACK acknowledge flags");
  if (flags > 1) {
    throw malformed("Cannot decode CONNACK: reserved acknowledge flag bits are set", "MQTT-3.2.2-1");
  }
  const code = reader.uint8("CONNACK reason code");
  const packet: ConnackPacket = {
    type: PacketType.CONNACK,
    sessionPresent: flags === 1,
    reasonCode:
      version === 5
        ? checkReasonCode(CONNACK_REASON_CODES, code, "CONNACK", "MQTT-3.2.2-8")
        : checkReasonCode(CONNACK_RETURN_CODES_V3, code, "CONNACK", "MQTT-3.2.2-6"),
  };
  if (version === 5) {
    const properties = readProperties(reader, PacketType.CONNACK);
    if (properties) packet.properties = properties;
  }
  reader.expectEnd("CONNACK");
  return packet;
}
