import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** SUBACK (spec 3.9). */
export interface SubackPacket {
  readonly type: typeof PacketType.SUBACK;
  packetId: number;
  /** One per requested filter: granted QoS, or a failure code (0x80 in v3). */
  reasonCodes: number[];
  properties?: Properties;
}
