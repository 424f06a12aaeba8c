import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** CONNACK (spec 3.2). */
export interface ConnackPacket {
  readonly type: typeof PacketType.CONNACK;
  sessionPresent: boolean;
  /** The byte on the wire: a v5 reason code, or a v3 return code (see `toV3ConnackReturnCode`). */
  reasonCode: number;
  properties?: Properties;
}
