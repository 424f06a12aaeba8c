/**
 * Acknowledgements of the QoS 1/2 flows (spec 4.3): PUBACK, PUBREC, PUBCOMP for messages we sent, and
 * PUBREL for QoS 2 messages we received.
 * @module
 */

import {
  PacketType,
  type PubackPacket,
  type PubcompPacket,
  type PubrecPacket,
  type PubrelPacket,
  ReasonCode,
} from "../protocol/index.js";
import type { Connection } from "./connection.js";

export function handlePuback(conn: Connection, packet: PubackPacket, now: number): void {
  // An unknown packet id is ignored: it may be a late acknowledgement of a message already completed.
  conn.session!.acknowledged(packet.packetId, now);
}

export function handlePubrec(conn: Connection, packet: PubrecPacket, now: number): void {
  const result = conn.session!.received(packet.packetId, packet.reasonCode ?? 0, now);
  if (result === "unknown" && (packet.reasonCode ?? 0) < 0x80) {
    // [spec 3.6.2.1] answer with PUBREL so the client can complete; v5 says the id was not found
    conn.send(
      conn.version === 5
        ? {
            type: PacketType.PUBREL,
            packetId: packet.packetId,
            reasonCode: ReasonCode.PacketIdentifierNotFound,
          }
        : { type: PacketType.PUBREL, packetId: packet.packetId },
    );
  }
}

export function handlePubcomp(conn: Connection, packet: PubcompPacket, now: number): void {
  conn.session!.completed(packet.packetId, now);
}

/** PUBREL: the inbound QoS 2 flow ends; PUBCOMP is sent once the release is committed [MQTT-4.3.3-11]. */
export function handlePubrel(conn: Connection, packet: PubrelPacket): void {
  const known = conn.session!.releaseIncomingQos2(packet.packetId);
  conn.broker.acknowledgeAfterCommit(
    conn,
    known || conn.version !== 5
      ? { type: PacketType.PUBCOMP, packetId: packet.packetId }
      : {
          type: PacketType.PUBCOMP,
          packetId: packet.packetId,
          reasonCode: ReasonCode.PacketIdentifierNotFound,
        },
  );
}
