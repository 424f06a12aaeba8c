import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** PUBACK (spec 3.4). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubackPacket {
  readonly type: typeof PacketType.PUBACK;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}
