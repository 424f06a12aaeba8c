import type { ByteReader } from "../byte-reader.js";
import { PacketType, type ProtocolVersion } from "../packet-type.js";
import type { Properties } from "../properties.js";
import { decodePubResponse, encodePubResponse } from "./pub-response.js";

/** PUBACK (spec 3.4). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubackPacket {
  readonly type: typeof PacketType.PUBACK;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}

/** Encodes a PUBACK; v5 uses the short forms when it can. */
export function encodePuback(packet: PubackPacket, version: ProtocolVersion): Uint8Array {
  return encodePubResponse(packet, version);
}

/** Decodes a PUBACK body. For v5 the result always carries `reasonCode` (0 for the short form). */
export function decodePuback(reader: ByteReader, version: ProtocolVersion): PubackPacket {
  return decodePubResponse(reader, PacketType.PUBACK, version);
}
