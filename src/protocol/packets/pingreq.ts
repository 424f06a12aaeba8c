import type { PacketType } from "../packet-type.js";

/** PINGREQ (spec 3.12). */
export interface PingreqPacket {
  readonly type: typeof PacketType.PINGREQ;
}
