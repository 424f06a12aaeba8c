/**
 * CONNECT (spec 3.1): negotiation of limits, Will checks, the authentication chain, authorization of
 * the Will topic, then the session is opened (see `Broker.openSession`). Packets that arrive while
 * authentication runs wait in the frame reader and are handled after the CONNACK.
 * @module
 */

import type { ConnectAttempt } from "../hooks/index.js";
import { type ConnectPacket, ReasonCode, topicNameError, isValidUtf8 } from "../protocol/index.js";
import { negotiateConnect, InboundTopicAliases, OutboundTopicAliases } from "../session/index.js";
import type { Connection } from "./connection.js";

export async function handleConnect(conn: Connection, packet: ConnectPacket): Promise<void> {
  const broker = conn.broker;
  conn.state = "connecting";
  conn.version = packet.protocolVersion;
  conn.reader.version = packet.protocolVersion;

  const negotiation = negotiateConnect(packet, broker.limits, broker.assignClientId);
  if (!negotiation.ok) {
    broker.refuseConnectWith(conn, negotiation.reasonCode, negotiation.reason);
    return;
  }
  const params = negotiation.parameters;
  conn.params = params;
  conn.log = conn.log.child({ clientId: params.clientId });

  if (packet.properties?.authenticationMethod !== undefined) {
    // No enhanced authentication method is offered by the broker core [MQTT-4.12.0-1]
    broker.refuseConnectWith(conn, ReasonCode.BadAuthenticationMethod, "Authentication method not supported");
    return;
  }
  const willProblem = checkWill(conn, packet);
  if (willProblem !== undefined) {
    broker.refuseConnectWith(conn, willProblem.reasonCode, willProblem.reason);
    return;
  }

  const attempt: ConnectAttempt = {
    clientId: params.clientId,
    clientIdAssigned: params.clientIdAssigned,
    username: packet.username,
    password: packet.password,
    protocolVersion: packet.protocolVersion,
    remoteAddress: conn.transport.remoteAddress,
    listener: conn.listener.name,
    loopbackListener: conn.listener.loopback,
    authenticationMethod: undefined,
    authenticationData: undefined,
    userProperties: packet.properties?.userProperties ?? [],
  };
  const result = await broker.hooks.authenticate(attempt);
  if (closedWhileWaiting(conn)) return;
  if (result.kind !== "allow") {
    const reasonCode = result.kind === "deny" ? result.reasonCode : ReasonCode.NotAuthorized;
    conn.log.info({ username: packet.username }, "Connection refused by authentication");
    broker.refuseConnectWith(conn, reasonCode, result.kind === "deny" ? result.reason : undefined);
    return;
  }
  conn.identity = { clientId: params.clientId, username: packet.username, principal: result.principal };

  if (packet.will !== undefined) {
    const decision = await broker.hooks.authorizePublish({
      client: conn.identity,
      topic: packet.will.topic,
      qos: packet.will.qos,
      retain: packet.will.retain,
    });
    if (closedWhileWaiting(conn)) return;
    if (decision.kind !== "allow") {
      broker.refuseConnectWith(conn, ReasonCode.NotAuthorized, "Will topic not authorized");
      return;
    }
  }

  await broker.cluster.claimSession(params.clientId);
  if (closedWhileWaiting(conn)) return;
  conn.will = packet.will;
  if (conn.version === 5) {
    conn.inboundAliases = new InboundTopicAliases(broker.config.mqtt.topicAliasMaximum);
    if (params.clientTopicAliasMaximum > 0)
      conn.outboundAliases = new OutboundTopicAliases(params.clientTopicAliasMaximum);
  }
  broker.openSession(conn, negotiation.connackProperties);
}

function checkWill(
  conn: Connection,
  packet: ConnectPacket,
): { reasonCode: number; reason: string } | undefined {
  const will = packet.will;
  if (will === undefined) return undefined;
  const limits = conn.broker.config.mqtt;
  const topicError = topicNameError(will.topic);
  if (topicError !== undefined) return { reasonCode: ReasonCode.TopicNameInvalid, reason: topicError };
  if (will.qos > limits.maxQos)
    return { reasonCode: ReasonCode.QoSNotSupported, reason: `Will QoS ${will.qos} is not supported` }; // [MQTT-3.2.2-12]
  if (will.retain && !limits.retainAvailable)
    return { reasonCode: ReasonCode.RetainNotSupported, reason: "Retained wills are not supported" }; // [MQTT-3.2.2-13]
  const responseTopic = will.properties?.responseTopic;
  if (responseTopic !== undefined && topicNameError(responseTopic) !== undefined) {
    // [MQTT-3.3.2-14] a Response Topic is a topic name: no wildcards
    return {
      reasonCode: ReasonCode.ProtocolError,
      reason: `Will Response Topic "${responseTopic}" is not a valid topic name`,
    };
  }
  if (will.properties?.payloadFormatIndicator === true && !isValidUtf8(will.payload)) {
    return { reasonCode: ReasonCode.PayloadFormatInvalid, reason: "Will payload is not valid UTF-8" };
  }
  return undefined;
}

/** A call, so the type checker does not carry narrowing of `isOpen` across an await. */
function closedWhileWaiting(conn: Connection): boolean {
  return !conn.isOpen;
}
