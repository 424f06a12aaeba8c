import type { ByteReader } from "../byte-reader.js";
import { PacketType, type ProtocolVersion } from "../packet-type.js";
import type { Properties } from "../properties.js";
import { decodePubResponse, encodePubResponse } from "./pub-response.js";

/** PUBCOMP (spec 3.7). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubcompPacket {
  readonly type: typeof PacketType.PUBCOMP;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}

/** Encodes a PUBCOMP; v5 uses the short forms when it can. */
export function encodePubcomp(packet: PubcompPacket, version: ProtocolVersion): Uint8Array {
  return encodePubResponse(packet, version);
}

/** Decodes a PUBCOMP body. For v5 the result always carries `reasonCode` (0 for the short form). */
export function decodePubcomp(reader: ByteReader, version: ProtocolVersion): PubcompPacket {
  return decodePubResponse(reader, PacketType.PUBCOMP, version);
}
