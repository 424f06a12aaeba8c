import type { ByteReader } from "../byte-reader.js";
import { startFrame } from "../fixed-header.js";
import { PacketType } from "../packet-type.js";

/** PINGRESP (spec 3.13). */
export interface PingrespPacket {
  readonly type: typeof PacketType.PINGRESP;
}

/** Encodes a PINGRESP: two bytes in every version. */
export function encodePingresp(): Uint8Array {
  return startFrame(PacketType.PINGRESP << 4, 0);
}

/** Decodes a PINGRESP body, which must be empty. */
export function decodePingresp(reader: ByteReader): PingrespPacket {
  reader.expectEnd("PINGRESP");
  return { type: PacketType.PINGRESP };
}
