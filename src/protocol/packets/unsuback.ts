import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** UNSUBACK (spec 3.11). */
export interface UnsubackPacket {
  readonly type: typeof PacketType.UNSUBACK;
  packetId: number;
  /** v5: one per filter. Empty for v3, which has no payload. */
  reasonCodes: number[];
  properties?: Properties;
}
