import type { ByteReader } from "../byte-reader.js";
import { PacketType, type ProtocolVersion } from "../packet-type.js";
import type { Properties } from "../properties.js";
import { decodePubResponse, encodePubResponse } from "./pub-response.js";

/** PUBREL (spec 3.6). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubrelPacket {
  readonly type: typeof PacketType.PUBREL;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}

/** Encodes a PUBREL; v5 uses the short forms when it can. */
export function encodePubrel(packet: PubrelPacket, version: ProtocolVersion): Uint8Array {
  return encodePubResponse(packet, version);
}

/** Decodes a PUBREL body. For v5 the result always carries `reasonCode` (0 for the short form). */
export function decodePubrel(reader: ByteReader, version: ProtocolVersion): PubrelPacket {
  return decodePubResponse(reader, PacketType.PUBREL, version);
}
