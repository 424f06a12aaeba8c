import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** UNSUBSCRIBE (spec 3.10). */
export interface UnsubscribePacket {
  readonly type: typeof PacketType.UNSUBSCRIBE;
  packetId: number;
  topicFilters: string[];
  properties?: Properties;
}
