/**
 * Encoding a packet other than PUBLISH for a receiver that set a Maximum Packet Size (MQTT 5).
 * @module
 */

import { encodePacket } from "./encode-packet.js";
import type { Packet } from "./packet.js";
import { PacketType, type ProtocolVersion } from "./packet-type.js";

/**
 * `packet` encoded, at most `maximum` bytes long: when it is longer, it is encoded again without its
 * Reason String and User Properties, which a sender leaves out rather than exceed the receiver's
 * Maximum Packet Size (CONNACK [MQTT-3.2.2-19] [MQTT-3.2.2-20], PUBACK [MQTT-3.4.2-2] [MQTT-3.4.2-3],
 * PUBREC [MQTT-3.5.2-2] [MQTT-3.5.2-3], PUBREL [MQTT-3.6.2-2] [MQTT-3.6.2-3], PUBCOMP [MQTT-3.7.2-2]
 * [MQTT-3.7.2-3], SUBACK [MQTT-3.9.2-1] [MQTT-3.9.2-2], UNSUBACK [MQTT-3.11.2-1] [MQTT-3.11.2-2],
 * DISCONNECT [MQTT-3.14.2-3] [MQTT-3.14.2-4], AUTH [MQTT-3.15.2-2] [MQTT-3.15.2-3]). Undefined when
 * even that is longer: such a packet is not sent [MQTT-3.1.2-24]. A PUBLISH is never shortened (it is
 * dropped when too large, [MQTT-3.1.2-25]; see `Connection.sendPublish`).
 *
 * @example
 * ```ts
 * const puback: Packet = {
 *   type: PacketType.PUBACK,
 *   packetId: 1,
 *   reasonCode: 0x87,
 *   properties: { reasonString: "Not authorized to publish on topic a/b" },
 * };
 * encodeWithin(puback, 5, 16)?.length; // 6: the reason string left out
 * ```
 */
export function encodeWithin(
  packet: Packet,
  version: ProtocolVersion,
  maximum: number,
): Uint8Array | undefined {
  const bytes = encodePacket(packet, version);
  if (bytes.byteLength <= maximum) return bytes;
  if (packet.type === PacketType.PUBLISH || !("properties" in packet)) return undefined;
  const { reasonString, userProperties, ...kept } = packet.properties;
  if (reasonString === undefined && userProperties === undefined) return undefined;
  const shorter = encodePacket({ ...packet, properties: kept }, version);
  return shorter.byteLength <= maximum ? shorter : undefined;
}
