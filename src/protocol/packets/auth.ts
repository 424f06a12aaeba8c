import type { PacketType } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** AUTH (spec 3.15), v5 only. */
export interface AuthPacket {
  readonly type: typeof PacketType.AUTH;
  /** 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate. */
  reasonCode: number;
  properties?: Properties;
}
