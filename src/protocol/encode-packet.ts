/**
 * Encoding one packet into one frame: dispatch on the packet type to the encoder in `packets/`.
 * @module
 */

import type { FramePool } from "./frame-pool.js";
import { assertNever, type Packet } from "./packet.js";
import { PacketType, type ProtocolVersion } from "./packet-type.js";
import { encodeAuth } from "./packets/auth.js";
import { encodeConnack } from "./packets/connack.js";
import { encodeConnect } from "./packets/connect.js";
import { encodeDisconnect } from "./packets/disconnect.js";
import { encodePingreq } from "./packets/pingreq.js";
import { encodePingresp } from "./packets/pingresp.js";
import { encodePuback } from "./packets/puback.js";
import { encodePubcomp } from "./packets/pubcomp.js";
import { encodePublish } from "./packets/publish.js";
import { encodePubrec } from "./packets/pubrec.js";
import { encodePubrel } from "./packets/pubrel.js";
import { encodeSuback } from "./packets/suback.js";
import { encodeSubscribe } from "./packets/subscribe.js";
import { encodeUnsuback } from "./packets/unsuback.js";
import { encodeUnsubscribe } from "./packets/unsubscribe.js";

/**
 * Encodes `packet` as one complete frame for a connection speaking `version`. For 3.1 and 3.1.1,
 * v5-only fields (properties, the reason codes of acks and DISCONNECT, subscription options other than
 * QoS) are ignored; a CONNACK's `reasonCode` is written as given. CONNECT is encoded at its own
 * `protocolVersion`. v5 acks and DISCONNECT use their short forms when reason is 0 and there are no
 * properties. Invalid input (a field out of range, a property not allowed in the packet, AUTH before
 * 5.0) throws a TypeError or RangeError: that is a bug in the caller, never in the peer. A PUBLISH
 * encoded with a `pool` of at most 2 KiB is a view into the pool's shared slab (frame-pool.ts).
 *
 * @example
 * const frame = encodePacket({ type: PacketType.PINGRESP }, 4); // Uint8Array [0xd0, 0x00]
 */
export function encodePacket(packet: Packet, version: ProtocolVersion, pool?: FramePool): Uint8Array {
  switch (packet.type) {
    case PacketType.PUBLISH:
      return encodePublish(packet, version, pool);
    case PacketType.PUBACK:
      return encodePuback(packet, version);
    case PacketType.PUBREC:
      return encodePubrec(packet, version);
    case PacketType.PUBREL:
      return encodePubrel(packet, version);
    case PacketType.PUBCOMP:
      return encodePubcomp(packet, version);
    case PacketType.CONNECT:
      return encodeConnect(packet);
    case PacketType.CONNACK:
      return encodeConnack(packet, version);
    case PacketType.SUBSCRIBE:
      return encodeSubscribe(packet, version);
    case PacketType.SUBACK:
      return encodeSuback(packet, version);
    case PacketType.UNSUBSCRIBE:
      return encodeUnsubscribe(packet, version);
    case PacketType.UNSUBACK:
      return encodeUnsuback(packet, version);
    case PacketType.PINGREQ:
      return encodePingreq();
    case PacketType.PINGRESP:
      return encodePingresp();
    case PacketType.DISCONNECT:
      return encodeDisconnect(packet, version);
    case PacketType.AUTH:
      return encodeAuth(packet, version);
    default:
      return assertNever(packet);
  }
}
