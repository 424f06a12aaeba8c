/**
 * Routes each inbound packet to its handler, enforcing the packet order rules of the connection:
 * CONNECT first and only once [MQTT-3.1.0-1] [MQTT-3.1.0-2], and only client-to-server packets.
 * @module
 */

import {
  assertNever,
  type Packet,
  PacketType,
  packetTypeName,
  protocolViolation,
} from "../protocol/index.js";
import type { Connection } from "./connection.js";
import { handleAuth, handlePacketWhileAuthenticating } from "./handle-auth.js";
import { handleConnect } from "./handle-connect.js";
import { handleDisconnect } from "./handle-disconnect.js";
import { handlePuback, handlePubcomp, handlePubrec, handlePubrel } from "./handle-acks.js";
import { handlePublish } from "./handle-publish.js";
import { handleSubscribe } from "./handle-subscribe.js";
import { handleUnsubscribe } from "./handle-unsubscribe.js";

/** Handles one packet; returns a promise when the handler has to wait, undefined otherwise. */
export function dispatchPacket(conn: Connection, packet: Packet): Promise<void> | undefined {
  if (conn.state === "awaiting-connect") {
    if (packet.type !== PacketType.CONNECT) {
      throw protocolViolation(
        `Expected CONNECT as the first packet, got ${packetTypeName[packet.type]}`,
        "MQTT-3.1.0-1",
      );
    }
    // a connection limit decided at accept: refused before any authentication work
    if (conn.broker.guard.refuseAtConnect(conn, packet)) return undefined;
    return handleConnect(conn, packet);
  }
  // only during an enhanced-authentication exchange: reading is paused while CONNECT is handled
  if (conn.state === "connecting") return handlePacketWhileAuthenticating(conn, packet);
  const now = conn.packetTime;
  switch (packet.type) {
    case PacketType.PUBLISH:
      return handlePublish(conn, packet);
    case PacketType.PUBACK:
      handlePuback(conn, packet, now);
      return undefined;
    case PacketType.PUBREC:
      handlePubrec(conn, packet, now);
      return undefined;
    case PacketType.PUBREL:
      handlePubrel(conn, packet);
      return undefined;
    case PacketType.PUBCOMP:
      handlePubcomp(conn, packet, now);
      return undefined;
    case PacketType.SUBSCRIBE:
      return handleSubscribe(conn, packet, now);
    case PacketType.UNSUBSCRIBE:
      handleUnsubscribe(conn, packet);
      return undefined;
    case PacketType.PINGREQ:
      conn.send({ type: PacketType.PINGRESP }); // [MQTT-3.12.4-1]
      return undefined;
    case PacketType.DISCONNECT:
      handleDisconnect(conn, packet);
      return undefined;
    case PacketType.AUTH:
      return handleAuth(conn, packet);
    case PacketType.CONNECT:
      throw protocolViolation("A second CONNECT packet is a protocol violation", "MQTT-3.1.0-2");
    case PacketType.CONNACK:
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
    case PacketType.PINGRESP:
      throw protocolViolation(`A client must not send ${packetTypeName[packet.type]}`);
    default:
      return assertNever(packet);
  }
}
