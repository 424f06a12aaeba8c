import type { PacketType, QoS } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** PUBLISH (spec 3.3). */
export interface PublishPacket {
  readonly type: typeof PacketType.PUBLISH;
  /** May be empty in v5 when a Topic Alias property stands for it. */
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** Present exactly when qos > 0. */
  packetId?: number;
  properties?: Properties;
}
