import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** PUBREC (spec 3.5). In v5, reason code 0 and no properties may be omitted on the wire. */
export interface PubrecPacket {
  readonly type: typeof PacketType.PUBREC;
  packetId: number;
  /** v5 only; 0 (Success) when absent. */
  reasonCode?: number;
  properties?: Properties;
}
