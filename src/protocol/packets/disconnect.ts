import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** DISCONNECT (spec 3.14). */
export interface DisconnectPacket {
  readonly type: typeof PacketType.DISCONNECT;
  /** v5 only; 0 (Normal disconnection) when absent. */
  reasonCode?: number;
  properties?: Properties;
}
