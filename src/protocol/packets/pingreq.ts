import type { ByteReader } from "../byte-reader.js";
import { startFrame } from "../fixed-header.js";
import { PacketType } from "../packet-type.js";

/** PINGREQ (spec 3.12). */
export interface PingreqPacket {
  readonly type: typeof PacketType.PINGREQ;
}

/** Encodes a PINGREQ: two bytes in every version. */
export function encodePingreq(): Uint8Array {
  return startFrame(PacketType.PINGREQ << 4, 0);
}

/** Decodes a PINGREQ body, which must be empty. */
export function decodePingreq(reader: ByteReader): PingreqPacket {
  reader.expectEnd("PINGREQ");
  return { type: PacketType.PINGREQ };
}
