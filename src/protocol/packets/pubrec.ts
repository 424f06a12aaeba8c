import type { ByteReader } from "../byte-reader.js";
import { PacketType, type ProtocolVersion } from "../packet-type.js";
import type { Properties } from "../properties.js";
import { decodePubResponse, encodePubResponse } from "./pub-response.js";

/** PUBREC (spec 3.5). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubrecPacket {
  readonly type: typeof PacketType.PUBREC;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}

/** Encodes a PUBREC; v5 uses the short forms when it can. */
export function encodePubrec(packet: PubrecPacket, version: ProtocolVersion): Uint8Array {
  return encodePubResponse(packet, version);
}

/** Decodes a PUBREC body. For v5 the result always carries `reasonCode` (0 for the short form). */
export function decodePubrec(reader: ByteReader, version: ProtocolVersion): PubrecPacket {
  return decodePubResponse(reader, PacketType.PUBREC, version);
}
