/**
 * The union of all MQTT control packets, discriminated by the numeric `type`.
 * @module
 */

import type { AuthPacket } from "./packets/auth.js";
import type { ConnackPacket } from "./packets/connack.js";
import type { ConnectPacket } from "./packets/connect.js";
import type { DisconnectPacket } from "./packets/disconnect.js";
import type { PingreqPacket } from "./packets/pingreq.js";
import type { PingrespPacket } from "./packets/pingresp.js";
import type { PubackPacket } from "./packets/puback.js";
import type { PubcompPacket } from "./packets/pubcomp.js";
import type { PublishPacket } from "./packets/publish.js";
import type { PubrecPacket } from "./packets/pubrec.js";
import type { PubrelPacket } from "./packets/pubrel.js";
import type { SubackPacket } from "./packets/suback.js";
import type { SubscribePacket } from "./packets/subscribe.js";
import type { UnsubackPacket } from "./packets/unsuback.js";
import type { UnsubscribePacket } from "./packets/unsubscribe.js";

export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | AuthPacket;

/** Exhaustiveness check for `switch` over packet types and other unions. */
export function assertNever(value: never): never {
  throw new TypeError(`Unexpected value: ${String(value)}`);
}
