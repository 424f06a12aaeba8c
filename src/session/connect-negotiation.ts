/**
 * What a CONNECT asks for against what the server allows (spec 3.1.2, 3.2.2): the effective keep
 * alive, session expiry, limits in both directions and the CONNACK properties. Pure: the client
 * identifier generator is passed in.
 * @module
 */

import {
  type ProtocolVersion,
  type ConnectPacket,
  type Properties,
  ReasonCode,
  utf8Length,
} from "../protocol/index.js";

/** The server side of the negotiation (a subset of the broker configuration). */
export interface ServerLimits {
  readonly maxPacketSize: number;
  readonly receiveMaximum: number;
  readonly maxInflight: number;
  readonly topicAliasMaximum: number;
  readonly maxQos: 0 | 1 | 2;
  readonly retainAvailable: boolean;
  readonly wildcardSubscriptionAvailable: boolean;
  readonly sharedSubscriptionAvailable: boolean;
  readonly subscriptionIdentifiersAvailable: boolean;
  readonly maxKeepAlive: number;
  readonly maxSessionExpiry: number;
  readonly maxClientIdLength: number;
}

export interface ConnectionParameters {
  readonly version: ProtocolVersion;
  readonly clientId: string;
  readonly clientIdAssigned: boolean;
  readonly cleanStart: boolean;
  /** Seconds; 0 disables the keep-alive check. */
  readonly keepAlive: number;
  /** Seconds the session outlives the connection; 0 ends it with the connection, 0xFFFFFFFF never. */
  readonly sessionExpiry: number;
  /** The client's Receive Maximum: how many QoS 1/2 PUBLISH we may have in flight to it. */
  readonly clientReceiveMaximum: number;
  /** The largest packet the client accepts. */
  readonly clientMaximumPacketSize: number;
  /** How many topic aliases we may assign when sending to the client. */
  readonly clientTopicAliasMaximum: number;
  /** [MQTT-3.1.2-29] when false, no Reason String or User Properties except on PUBLISH, CONNACK, DISCONNECT. */
  readonly requestProblemInformation: boolean;
}

export type NegotiationResult =
  | {
      readonly ok: true;
      readonly parameters: ConnectionParameters;
      readonly connackProperties: Properties | undefined;
    }
  | { readonly ok: false; readonly reasonCode: number; readonly reason: string };

const UNLIMITED_PACKET_SIZE = 268_435_460;

/** Negotiates a CONNECT; `assignClientId` makes a unique identifier when the client sent none. */
export function negotiateConnect(
  connect: ConnectPacket,
  limits: ServerLimits,
  assignClientId: () => string,
): NegotiationResult {
  const v5 = connect.protocolVersion === 5;
  const props = connect.properties;

  let clientId = connect.clientId;
  let clientIdAssigned = false;
  if (clientId.length === 0) {
    // [MQTT-3.1.3-8] v3.1.1: an empty identifier needs Clean Session; 3.1 requires 1..23 characters
    if (connect.protocolVersion === 3 || (connect.protocolVersion === 4 && !connect.cleanStart)) {
      return {
        ok: false,
        reasonCode: ReasonCode.ClientIdentifierNotValid,
        reason: "An empty client identifier needs a clean session",
      };
    }
    clientId = assignClientId(); // [MQTT-3.1.3-6] [MQTT-3.2.2-16]
    clientIdAssigned = true;
  } else if (connect.protocolVersion === 3 && utf8Length(clientId) > 23) {
    // MQTT 3.1 section 3.1: the client identifier is 1 to 23 characters
    return {
      ok: false,
      reasonCode: ReasonCode.ClientIdentifierNotValid,
      reason: "An MQTT 3.1 client identifier has at most 23 characters",
    };
  } else if (utf8Length(clientId) > limits.maxClientIdLength) {
    return {
      ok: false,
      reasonCode: ReasonCode.ClientIdentifierNotValid,
      reason: `Client identifier is longer than ${limits.maxClientIdLength} bytes`,
    };
  }

  let keepAlive = connect.keepAlive;
  let serverKeepAlive: number | undefined;
  if (
    limits.maxKeepAlive > 0 &&
    limits.maxKeepAlive < 65535 &&
    (keepAlive === 0 || keepAlive > limits.maxKeepAlive)
  ) {
    if (!v5) {
      // v3 has no way to tell the client another keep alive; as Mosquitto 2 does, refuse it (0 means
      // "never", which is above any limit)
      return {
        ok: false,
        reasonCode: ReasonCode.ClientIdentifierNotValid,
        reason: `Keep alive must be 1 to ${limits.maxKeepAlive}`,
      };
    } else {
      keepAlive = limits.maxKeepAlive; // [MQTT-3.2.2-21] the client must use the Server Keep Alive
      serverKeepAlive = keepAlive;
    }
  }

  let sessionExpiry: number;
  if (v5) sessionExpiry = Math.min(props?.sessionExpiryInterval ?? 0, limits.maxSessionExpiry);
  else sessionExpiry = connect.cleanStart ? 0 : limits.maxSessionExpiry;

  const parameters: ConnectionParameters = {
    version: connect.protocolVersion,
    clientId,
    clientIdAssigned,
    cleanStart: connect.cleanStart,
    keepAlive,
    sessionExpiry,
    clientReceiveMaximum: props?.receiveMaximum ?? 65535,
    clientMaximumPacketSize: props?.maximumPacketSize ?? UNLIMITED_PACKET_SIZE,
    clientTopicAliasMaximum: v5 ? (props?.topicAliasMaximum ?? 0) : 0,
    requestProblemInformation: props?.requestProblemInformation ?? true,
  };

  if (!v5) return { ok: true, parameters, connackProperties: undefined };

  const connackProperties: Properties = {};
  if (props?.sessionExpiryInterval !== undefined && sessionExpiry !== props.sessionExpiryInterval) {
    connackProperties.sessionExpiryInterval = sessionExpiry; // [spec 3.2.2.3.2] tell the client the value used
  }
  if (limits.receiveMaximum < 65535) connackProperties.receiveMaximum = limits.receiveMaximum;
  if (limits.maxQos < 2) connackProperties.maximumQoS = limits.maxQos as 0 | 1;
  if (!limits.retainAvailable) connackProperties.retainAvailable = false;
  if (limits.maxPacketSize < 268_435_455) connackProperties.maximumPacketSize = limits.maxPacketSize;
  if (clientIdAssigned) connackProperties.assignedClientIdentifier = clientId;
  if (limits.topicAliasMaximum > 0) connackProperties.topicAliasMaximum = limits.topicAliasMaximum;
  if (!limits.wildcardSubscriptionAvailable) connackProperties.wildcardSubscriptionAvailable = false;
  if (!limits.subscriptionIdentifiersAvailable) connackProperties.subscriptionIdentifierAvailable = false;
  if (!limits.sharedSubscriptionAvailable) connackProperties.sharedSubscriptionAvailable = false;
  if (serverKeepAlive !== undefined) connackProperties.serverKeepAlive = serverKeepAlive;
  return { ok: true, parameters, connackProperties };
}

/** Outbound in-flight capacity: the client's Receive Maximum bounded by our per-client cap [MQTT-3.3.4-9]. */
export function inflightCapacity(parameters: ConnectionParameters, limits: ServerLimits): number {
  return Math.max(1, Math.min(parameters.clientReceiveMaximum, limits.maxInflight));
}
