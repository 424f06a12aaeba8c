import type { PacketType } from "../packet-type.js";

/** PINGRESP (spec 3.13). */
export interface PingrespPacket {
  readonly type: typeof PacketType.PINGRESP;
}
