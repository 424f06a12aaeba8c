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
import { AUTH_REASON_CODES, checkReasonCode } from "../reason-code-sets.js";

/** AUTH (spec 3.15), v5 only. */
export interface AuthPacket {
  readonly type: typeof PacketType.AUTH;
  /** 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate. */
  reasonCode: number;
  properties?: Properties;
}

/**
 * Encodes an AUTH, always in the full form (reason code and Property Length). The spec also allows
 * Remaining Length 0 for reason 0x00 without properties, but mqtt-packet (MQTT.js) cannot parse it,
 * and the full form is never wrong.
 */
export function encodeAuth(packet: AuthPacket, version: ProtocolVersion): Uint8Array {
  if (version !== 5) throw new TypeError("Cannot encode AUTH: it exists in MQTT 5.0 only");
  const propsLength = propertiesLength(packet.properties, PacketType.AUTH);
  const remainingLength = 1 + propertySectionLength(propsLength);
  const frame = startFrame(PacketType.AUTH << 4, remainingLength);
  const pos = frame.length - remainingLength;
  frame[pos] = checkUint8("AUTH reason code", packet.reasonCode);
  writeProperties(frame, pos + 1, packet.properties, propsLength);
  return frame;
}

/**
 * Decodes an AUTH body (v5 only; the fixed-header check rejects type 15 before 5.0). Remaining Length 0
 * means reason 0x00 without properties; otherwise the reason code and a Property Length follow.
 * Whether the Authentication Method is present and matches CONNECT is the session's check.
 */
export function decodeAuth(reader: ByteReader): AuthPacket {
  if (reader.remaining === 0) return { type: PacketType.AUTH, reasonCode: 0 };
  const packet: AuthPacket = {
    type: PacketType.AUTH,
    reasonCode: checkReasonCode(AUTH_REASON_CODES, reader.uint8("AUTH"), "AUTH", "MQTT-3.15.2-1"),
  };
  const properties = readProperties(reader, PacketType.AUTH);
  if (properties) packet.properties = properties;
  reader.expectEnd("AUTH");
  return packet;
}
