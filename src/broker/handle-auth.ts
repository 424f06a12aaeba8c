/**
 * AUTH (spec 3.15). Enhanced authentication is not offered by the broker core: no authentication
 * method is ever accepted at CONNECT, so an AUTH packet from a client is a Protocol Error
 * [MQTT-4.12.0-7] (a client must not send AUTH unless it sent an Authentication Method).
 * @module
 */

import { type AuthPacket, protocolViolation } from "../protocol/index.js";
import type { Connection } from "./connection.js";

export function handleAuth(conn: Connection, packet: AuthPacket): void {
  if (conn.version !== 5) throw protocolViolation("AUTH exists only in MQTT 5");
  throw protocolViolation(
    `AUTH (reason ${packet.reasonCode}) without an authentication method in CONNECT`,
    "MQTT-4.12.0-7",
  );
}
