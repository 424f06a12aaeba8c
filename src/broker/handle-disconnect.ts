/**
 * DISCONNECT from the client (spec 3.14): a normal disconnection discards the Will [MQTT-3.14.4-3],
 * reason 0x04 keeps it; v5 may change the Session Expiry Interval, but not from 0 [spec 3.14.2.2.2].
 * @module
 */

import { type DisconnectPacket, protocolViolation, ReasonCode } from "../protocol/index.js";
import type { Connection } from "./connection.js";

export function handleDisconnect(conn: Connection, packet: DisconnectPacket): void {
  const reasonCode = packet.reasonCode ?? ReasonCode.NormalDisconnection;
  const requestedExpiry = packet.properties?.sessionExpiryInterval;
  const session = conn.session!;
  if (requestedExpiry !== undefined) {
    if (conn.params!.sessionExpiry === 0 && requestedExpiry !== 0) {
      throw protocolViolation(
        "Session Expiry Interval cannot be set on DISCONNECT when it was 0 on CONNECT",
        "spec 3.14.2.2.2",
      );
    }
    session.expiryInterval = Math.min(requestedExpiry, conn.broker.config.mqtt.maxSessionExpiry);
  }
  if (reasonCode !== ReasonCode.DisconnectWithWillMessage) conn.will = undefined;
  conn.log.debug({ reasonCode }, "Client disconnected");
  conn.end(); // [spec 3.14.4] the server closes the connection
}
