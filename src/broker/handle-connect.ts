/**
 * CONNECT (spec 3.1): negotiation of limits, Will checks, the authentication chain, authorization of
 * the Will topic, then the session is opened (see `Broker.openSession`). Packets that arrive while
 * authentication runs wait in the frame reader and are handled after the CONNACK.
 *
 * MQTT 5 enhanced authentication (spec 4.12): a CONNECT with an Authentication Method is answered by
 * the authenticators that handle that method (none: CONNACK 0x8C [MQTT-4.12.0-1]). One that needs
 * another round makes the broker send AUTH 0x18 [MQTT-4.12.0-2]; the connection then stays in
 * `connecting` and `handle-auth.ts` carries the exchange on until {@link settleConnectAuthentication}
 * gets `allow` or `deny`. The successful CONNACK repeats the method [MQTT-4.12.0-5]. A refusal is
 * logged (`auth.failure`) and delayed by the failure backoff (`broker/authentication.ts`), which also
 * holds the next CONNECT of the same address back before it is checked.
 * @module
 */

import { type Authenticated, type ChainResult, type ConnectAttempt, deny } from "../hooks/index.js";
import {
  type ConnectPacket,
  PacketType,
  type Properties,
  ReasonCode,
  topicNameError,
  isValidUtf8,
} from "../protocol/index.js";
import { negotiateConnect, InboundTopicAliases, OutboundTopicAliases } from "../session/index.js";
import type { PendingConnect } from "./authentication.js";
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
  conn.log.bindClientId(params.clientId);

  const willProblem = checkWill(conn, packet);
  if (willProblem !== undefined) {
    broker.refuseConnectWith(conn, willProblem.reasonCode, willProblem.reason);
    return;
  }

  const method = packet.properties?.authenticationMethod;
  const attempt: ConnectAttempt = {
    clientId: params.clientId,
    clientIdAssigned: params.clientIdAssigned,
    username: packet.username,
    password: packet.password,
    protocolVersion: packet.protocolVersion,
    remoteAddress: conn.transport.remoteAddress,
    listener: conn.listener.name,
    loopbackListener: conn.listener.loopback,
    endpoint: conn.listener.endpoint,
    authenticationMethod: method,
    authenticationData: packet.properties?.authenticationData,
    userProperties: packet.properties?.userProperties ?? [],
    certificate: conn.transport.certificate,
    abandoned: () => !conn.isOpen,
  };
  const pending: PendingConnect = {
    packet,
    params,
    connackProperties: negotiation.connackProperties,
    attempt,
  };
  // an address whose last refusal is not due yet waits for it before anything of it is checked
  const held = broker.authentication.holdOff(conn, attempt);
  if (held !== undefined) {
    await held;
    if (closedWhileWaiting(conn)) return;
  }
  if (method !== undefined) broker.authentication.begin(conn, pending, method);
  const result = await broker.hooks.authenticate(attempt);
  if (closedWhileWaiting(conn)) return;
  await settleConnectAuthentication(conn, pending, result);
}

/** Acts on the chain's answer to a CONNECT (or to one of its AUTH 0x18 packets). */
export async function settleConnectAuthentication(
  conn: Connection,
  pending: PendingConnect,
  result: ChainResult,
): Promise<void> {
  const authentication = conn.broker.authentication;
  switch (result.kind) {
    case "continue": {
      const state = authentication.stateOf(conn)!;
      state.exchange = result.exchange;
      // [MQTT-4.12.0-2] another round: AUTH 0x18 with the method [MQTT-4.12.0-5]
      conn.send({
        type: PacketType.AUTH,
        reasonCode: ReasonCode.ContinueAuthentication,
        properties: authProperties(state.method, result.data),
      });
      return;
    }
    case "deny":
      await authentication.refuseConnect(conn, pending.attempt, result);
      return;
    case "allow":
      await completeConnect(conn, pending, result);
      return;
  }
}

async function completeConnect(
  conn: Connection,
  pending: PendingConnect,
  result: Authenticated,
): Promise<void> {
  const broker = conn.broker;
  const { packet, params, attempt } = pending;
  const { principal } = result;
  if (principal.expiresAt !== undefined && principal.expiresAt <= broker.now()) {
    await broker.authentication.refuseConnect(
      conn,
      attempt,
      deny(ReasonCode.NotAuthorized, "Credential expired"),
    );
    return;
  }
  const state = broker.authentication.stateOf(conn);
  if (state !== undefined) {
    state.exchange = undefined;
    state.pending = undefined;
  }
  conn.identity = { clientId: params.clientId, username: packet.username, principal };

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

  // the session key, as admission will mount it: a tenant's client id never names another's session
  const sessionKey = broker.guard.sessionKeyOf(principal.tenant, params.clientId);
  if (sessionKey !== undefined) {
    await broker.cluster.claimSession(sessionKey);
    if (closedWhileWaiting(conn)) return;
  }
  conn.will = packet.will;
  if (conn.version === 5) {
    conn.inboundAliases = new InboundTopicAliases(broker.config.mqtt.topicAliasMaximum);
    // the client's Topic Alias Maximum may be 65535, and each alias keeps its topic: ours caps it
    const outbound = Math.min(params.clientTopicAliasMaximum, broker.config.mqtt.outboundTopicAliasMaximum);
    if (outbound > 0) conn.outboundAliases = new OutboundTopicAliases(outbound);
  }
  broker.authentication.accepted(attempt);
  const connackProperties =
    state === undefined
      ? pending.connackProperties
      : { ...pending.connackProperties, ...authProperties(state.method, result.data) }; // [MQTT-4.12.0-5]
  broker.openSession(conn, connackProperties);
  if (conn.state === "connected") broker.authentication.armDeadline(conn, principal);
}

/** Authentication Method (and Data, when there is some) for AUTH and CONNACK. */
export function authProperties(method: string, data: Uint8Array | undefined): Properties {
  return data === undefined
    ? { authenticationMethod: method }
    : { authenticationMethod: method, authenticationData: data };
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
