import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** PUBREL (spec 3.6). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubrelPacket {
  readonly type: typeof PacketType.PUBREL;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}
