/**
 * Inbound PUBLISH (spec 3.3, 4.3): the client's message and byte rate, topic alias resolution, topic
 * and QoS checks, our Receive Maximum, the UTF-8 payload check, QoS 2 duplicate suppression, the topic
 * limits and the tenant mount (access-guard.ts), authorization, the message stages, routing and the
 * acknowledgement (sent once the store has committed what the message changed).
 *
 * QoS 2 uses "method B" of spec 4.3.3: the message is forwarded on receipt and its packet identifier
 * is kept until PUBREL, so a resent PUBLISH with the same identifier is not forwarded again.
 *
 * A refused PUBLISH (not authorized, or over a topic limit or `mqtt.maxUserProperties`): MQTT 5 QoS 1/2
 * get the reason code in PUBACK/PUBREC (over `maxUserProperties`, with a reason string); the others
 * cannot be told, so `authorization.deniedPublish` decides: acknowledged as usual and dropped
 * [MQTT-3.3.5-2], or disconnected. An authorizer's refusal may ask for the
 * disconnect itself (`Deny.disconnect`, e.g. a dialect that drops clients using topics outside its
 * table). A message a stage rejects gets the stage's reason code and reason string (v5 QoS 1/2). A
 * client over its message or byte rate is disconnected (v5: DISCONNECT 0x96 / 0x97). A retained PUBLISH
 * to a new topic over its tenant's retained quota (`limits.maxRetainedPerTenant`, `...BytesPerTenant`)
 * is refused with 0x97 when it is v5 QoS 1/2; otherwise it is routed and not retained (broker.ts).
 * @module
 */

import type { Decision, DisconnectPolicy } from "../hooks/index.js";
import {
  PacketType,
  type PubackPacket,
  type PublishPacket,
  type PubrecPacket,
  ProtocolError,
  ProtocolErrorCode,
  protocolViolation,
  ReasonCode,
  topicNameError,
  isValidUtf8,
} from "../protocol/index.js";
import { prefixFor } from "../tenancy/index.js";
import type { Connection } from "./connection.js";
import { messageFromPublish } from "./message-factory.js";

export function handlePublish(conn: Connection, packet: PublishPacket): Promise<void> | undefined {
  const broker = conn.broker;
  const limits = broker.config.mqtt;
  const v5 = conn.version === 5;
  broker.metrics.publishReceived++;

  const access = conn.access!;
  if (access.messages !== undefined || access.bytes !== undefined) {
    const exceeded = access.chargePublish(conn.lastPacketAt, packet.payload.byteLength);
    if (exceeded !== undefined) {
      broker.guard.limitExceeded(conn, "publish", exceeded);
      if (exceeded === "message-rate")
        conn.disconnect(ReasonCode.MessageRateTooHigh, "Message rate too high");
      else conn.disconnect(ReasonCode.QuotaExceeded, "Byte rate exceeded");
      return undefined;
    }
  }

  const topic = v5 ? conn.inboundAliases!.resolve(packet.topic, packet.properties?.topicAlias) : packet.topic;
  if (topic !== conn.validTopic) {
    const topicError = topicNameError(topic);
    if (topicError !== undefined) {
      // [MQTT-3.3.2-2] no wildcards in a topic name; [MQTT-4.7.3-1] not empty
      throw new ProtocolError(ProtocolErrorCode.TopicNameInvalid, ReasonCode.TopicNameInvalid, topicError, {
        rule: "MQTT-3.3.2-2",
      });
    }
    conn.validTopic = topic;
  }
  if (v5 && packet.properties !== undefined) {
    if (packet.properties.subscriptionIdentifiers !== undefined) {
      throw protocolViolation(
        "A PUBLISH from a client must not carry a Subscription Identifier",
        "MQTT-3.3.4-6",
      );
    }
    const responseTopic = packet.properties.responseTopic;
    if (responseTopic !== undefined && topicNameError(responseTopic) !== undefined) {
      throw protocolViolation(`Response Topic "${responseTopic}" is not a valid topic name`, "MQTT-3.3.2-14");
    }
  }
  if (packet.qos > limits.maxQos) {
    throw new ProtocolError(
      ProtocolErrorCode.QoSNotSupported,
      ReasonCode.QoSNotSupported,
      `QoS ${packet.qos} is above the maximum ${limits.maxQos}`,
      {
        rule: "MQTT-3.2.2-11",
      },
    );
  }
  if (packet.retain && !limits.retainAvailable) {
    throw new ProtocolError(
      ProtocolErrorCode.RetainNotSupported,
      ReasonCode.RetainNotSupported,
      "Retained messages are not available",
      {
        rule: "MQTT-3.2.2-14",
      },
    );
  }

  const session = conn.session!;
  if (packet.qos === 2 && session.incomingQos2.has(packet.packetId!)) {
    // [MQTT-4.3.3-10] a resent QoS 2 PUBLISH whose PUBREL has not arrived: acknowledge, do not forward again
    broker.acknowledgeAfterCommit(conn, { type: PacketType.PUBREC, packetId: packet.packetId! });
    return undefined;
  }
  // Only v5 clients are told our Receive Maximum (CONNACK property), so only they can exceed it
  if (v5 && packet.qos > 0 && conn.pendingAcks + session.incomingQos2.size >= limits.receiveMaximum) {
    throw new ProtocolError(
      ProtocolErrorCode.ReceiveMaximumExceeded,
      ReasonCode.ReceiveMaximumExceeded,
      `More than ${limits.receiveMaximum} unacknowledged QoS 1/2 PUBLISH packets`,
      { rule: "MQTT-3.3.4-7" },
    );
  }
  if (v5 && packet.properties?.payloadFormatIndicator === true && !isValidUtf8(packet.payload)) {
    // [spec 3.3.2.3.2] Payload Format Indicator 1 but the payload is not UTF-8
    if (packet.qos === 0)
      throw new ProtocolError(
        ProtocolErrorCode.PayloadFormatInvalid,
        ReasonCode.PayloadFormatInvalid,
        "Payload is not valid UTF-8",
      );
    reject(conn, packet, ReasonCode.PayloadFormatInvalid);
    return undefined;
  }

  // [spec 3.3.2.3.7] the decoder kept one User Property past the bound, to tell (property-codec.ts)
  const userProperties = packet.properties?.userProperties;
  if (userProperties !== undefined && userProperties.length > limits.maxUserProperties) {
    broker.guard.limitExceeded(conn, "publish", "user-properties", topic);
    const reason = `More than ${limits.maxUserProperties} User Properties`;
    refuse(conn, packet, ReasonCode.QuotaExceeded, reason, undefined, reason);
    return undefined;
  }
  const limit = broker.guard.topicLimit(topic);
  if (limit !== undefined) {
    broker.guard.limitExceeded(conn, "publish", limit, topic);
    refuse(conn, packet, ReasonCode.TopicNameInvalid, `Topic name exceeds ${limit}`);
    return undefined;
  }
  const mounted = broker.guard.mountTopic(conn, topic);
  if (typeof mounted !== "string") {
    broker.guard.denied(conn, "publish", topic, mounted);
    refuse(conn, packet, mounted.reasonCode, "Publish not authorized");
    return undefined;
  }

  // authorizers see the client's own topic, never the tenant mount
  const decision = broker.hooks.authorizePublish({
    client: conn.identity!,
    topic,
    qos: packet.qos,
    retain: packet.retain,
  });
  if (decision instanceof Promise)
    return decision.then((d) => accept(conn, packet, topic, mounted, d, broker.now()));
  accept(conn, packet, topic, mounted, decision, conn.packetTime);
  return undefined;
}

function accept(
  conn: Connection,
  packet: PublishPacket,
  topic: string,
  mounted: string,
  decision: Decision,
  now: number,
): void {
  if (!conn.isOpen) return;
  const broker = conn.broker;
  if (decision.kind !== "allow") {
    broker.guard.denied(conn, "publish", topic, undefined);
    if (decision.kind === "deny" && decision.disconnect !== undefined)
      refuse(
        conn,
        packet,
        decision.reasonCode,
        decision.reason ?? "Publish not authorized",
        decision.disconnect,
      );
    else
      refuse(
        conn,
        packet,
        decision.kind === "deny" ? decision.reasonCode : ReasonCode.NotAuthorized,
        "Publish not authorized",
      );
    return;
  }
  // the publisher id is the session key (mounted client id), as sessions compare it for No Local
  // a mounted topic carries what subscribers (all of this tenant) are sent, and its mount prefix
  // (mounted = prefix + topic, access-guard.ts)
  const isMounted = mounted !== topic;
  const message = messageFromPublish(
    packet,
    mounted,
    conn.clientId!,
    broker.nextMessageId(),
    now,
    isMounted ? topic : undefined,
    isMounted ? prefixFor(conn.access!.mount, topic) : undefined,
  );
  if (packet.retain && packet.qos > 0 && conn.version === 5) {
    // a publisher that can be told is refused as a whole: a failure reason code says the message was
    // not accepted [spec 3.4.2.1], so routing it anyway would invite a resend and a duplicate
    const refusal = broker.retained.refusal(message);
    if (refusal !== undefined) {
      broker.guard.limitExceeded(conn, "publish", refusal, topic);
      reject(
        conn,
        packet,
        ReasonCode.QuotaExceeded,
        refusal === "retained" ? "Retained message quota exceeded" : "Retained bytes quota exceeded",
      );
      return;
    }
  }
  const result = broker.ingest(message, conn.identity!, now);
  if (packet.qos === 0) return;
  const reasonCode = !result.accepted
    ? result.reasonCode
    : conn.version === 5 && result.matched === 0
      ? ReasonCode.NoMatchingSubscribers
      : ReasonCode.Success;
  // a stage's reason for a rejection, as the v5 Reason String unless the client asked for none
  const reason =
    !result.accepted && conn.version === 5 && conn.params?.requestProblemInformation !== false
      ? result.reason
      : undefined;
  if (packet.qos === 1) {
    broker.acknowledgeAfterCommit(
      conn,
      ackPacket(PacketType.PUBACK, packet.packetId!, reasonCode, conn.version === 5, reason),
    );
  } else {
    if (reasonCode < 0x80) conn.session!.beginIncomingQos2(packet.packetId!);
    broker.acknowledgeAfterCommit(
      conn,
      ackPacket(PacketType.PUBREC, packet.packetId!, reasonCode, conn.version === 5, reason),
    );
  }
}

/**
 * Answers a PUBLISH the broker refuses (not authorized, over a topic limit): v5 QoS 1/2 carry the
 * reason code; otherwise `authorization.deniedPublish` says whether the client is disconnected or the
 * message is dropped (v3: acknowledged as usual, as it has no negative acknowledgement [MQTT-3.3.5-2]).
 * An authorizer's `disconnect` policy overrides that (see `Deny.disconnect`). `ackReason` is the Reason
 * String the PUBACK/PUBREC carries, if any.
 */
function refuse(
  conn: Connection,
  packet: PublishPacket,
  reasonCode: number,
  reason: string,
  disconnect?: DisconnectPolicy,
  ackReason?: string,
): void {
  const untold = conn.version !== 5 || packet.qos === 0; // no acknowledgement can carry the code
  if (
    disconnect === "always" ||
    (untold &&
      (disconnect === "without-reason-code" ||
        conn.broker.config.authorization.deniedPublish === "disconnect"))
  ) {
    conn.disconnect(reasonCode, reason);
    return;
  }
  reject(conn, packet, reasonCode, ackReason);
}

/**
 * Answers a PUBLISH that is not forwarded: a v5 failure reason code (with `reason` as the Reason String
 * unless the client asked for none), or a plain acknowledgement for v3.
 * It goes through the same held-acknowledgement path as accepted ones, so PUBACKs keep the order of
 * the PUBLISH packets [MQTT-4.6.0-2].
 */
function reject(conn: Connection, packet: PublishPacket, reasonCode: number, reason?: string): void {
  if (packet.qos === 0) return;
  const type = packet.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC;
  // the Reason String only when the client did not ask for none [MQTT-3.1.2-29]
  const told = conn.version === 5 && conn.params?.requestProblemInformation !== false ? reason : undefined;
  conn.broker.acknowledgeAfterCommit(
    conn,
    ackPacket(type, packet.packetId!, reasonCode, conn.version === 5, told),
  );
}

function ackPacket(
  type: typeof PacketType.PUBACK | typeof PacketType.PUBREC,
  packetId: number,
  reasonCode: number,
  v5: boolean,
  reason?: string,
): PubackPacket | PubrecPacket {
  if (!v5 || reasonCode === 0) return { type, packetId };
  return reason === undefined
    ? { type, packetId, reasonCode }
    : { type, packetId, reasonCode, properties: { reasonString: reason } };
}
