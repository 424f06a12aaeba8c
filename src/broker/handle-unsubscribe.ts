/**
 * UNSUBSCRIBE (spec 3.10): removes each filter that exists (compared character by character
 * [MQTT-3.10.4-1], after mounting it in the client's tenant as SUBSCRIBE did) and answers UNSUBACK
 * with one reason code per filter in v5 [MQTT-3.11.3-1].
 * @module
 */

import { PacketType, type UnsubscribePacket, ReasonCode } from "../protocol/index.js";
import type { Connection } from "./connection.js";

export function handleUnsubscribe(conn: Connection, packet: UnsubscribePacket): void {
  const broker = conn.broker;
  const session = conn.session!;
  const reasonCodes: number[] = [];
  for (const topicFilter of packet.topicFilters) {
    const removed = broker.unsubscribe(session, broker.guard.mountUnsubscribe(conn, topicFilter));
    reasonCodes.push(removed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted);
  }
  // [MQTT-3.10.4-4] UNSUBACK with the same packet identifier, even when nothing was removed
  broker.acknowledgeAfterCommit(conn, {
    type: PacketType.UNSUBACK,
    packetId: packet.packetId,
    reasonCodes: conn.version === 5 ? reasonCodes : [],
  });
}
