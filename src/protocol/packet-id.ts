/**
 * Reading packet identifiers, which must be non-zero wherever they appear [MQTT-2.2.1-3] (3.1.1:
 * [MQTT-2.3.1-1]). A zero identifier parses fine, so it is a Protocol Error rather than a Malformed Packet.
 * @module
 */

import type { ByteReader } from "./byte-reader.js";
import type { ProtocolVersion } from "./packet-type.js";
import { protocolViolation } from "./protocol-error.js";

/** Reads a Two Byte packet identifier and rejects 0. `field` names it, e.g. "PUBACK packet identifier". */
export function readPacketId(reader: ByteReader, field: string, version: ProtocolVersion): number {
  const packetId = reader.uint16(field);
  if (packetId === 0) {
    throw protocolViolation(
      `Cannot decode ${field}: it must not be 0`,
      version === 5 ? "MQTT-2.2.1-3" : "MQTT-2.3.1-1",
    );
  }
  return packetId;
}
