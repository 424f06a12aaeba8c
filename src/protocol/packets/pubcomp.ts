import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** PUBCOMP (spec 3.7). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubcompPacket {
  readonly type: typeof PacketType.PUBCOMP;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}
