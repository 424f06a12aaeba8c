/**
 * Generators of random, valid packets in their canonical decoded form for a version: exactly what
 * `decodePacket(encodePacket(p, v), v)` returns. Canonical means: v5 acks, DISCONNECT and AUTH always
 * carry `reasonCode`, v3 ones never do; `properties` is absent or non-empty; v3 subscriptions have
 * noLocal false, retainAsPublished false, retainHandling 0; v3 UNSUBACK has no reason codes.
 * @module
 */

import {
  type AuthPacket,
  type ConnackPacket,
  type ConnectPacket,
  type DisconnectPacket,
  type Packet,
  PacketType,
  type Properties,
  type PropertyContext,
  propertyDefinitions,
  type ProtocolVersion,
  type PubackPacket,
  type PubcompPacket,
  type PublishPacket,
  type PubrecPacket,
  type PubrelPacket,
  type QoS,
  type SubackPacket,
  type SubscribePacket,
  type SubscriptionRequest,
  type UnsubackPacket,
  type UnsubscribePacket,
  type UserProperty,
  type Will,
  WILL_PROPERTIES,
} from "../../src/protocol/index.js";
import type { Random } from "./random.js";

/** Characters beyond ASCII letters: 2-, 3- and 4-byte UTF-8, a BOM, controls, a non-character. */
const SPECIAL_CHARACTERS = [
  "é",
  "ß",
  "€",
  "中",
  "😀",
  "𝄞",
  "\uFEFF",
  "\u0001",
  "\u007F",
  "\uFFFF",
  "/",
  "+",
  "#",
  "$",
  " ",
];

export function arbitraryString(rng: Random, maxLength = 12): string {
  const roll = rng.next();
  const length = roll < 0.1 ? 0 : roll < 0.97 ? rng.int(1, maxLength) : rng.int(100, 400);
  let result = "";
  for (let i = 0; i < length; i++) {
    result += rng.bool(0.85) ? String.fromCharCode(rng.int(0x20, 0x7e)) : rng.pick(SPECIAL_CHARACTERS);
  }
  return result;
}

export function arbitraryBytes(rng: Random, maxLength = 24): Uint8Array {
  const roll = rng.next();
  const length = roll < 0.15 ? 0 : roll < 0.97 ? rng.int(1, maxLength) : rng.int(120, 20000);
  return rng.bytes(length);
}

function uint32(rng: Random): number {
  return rng.pick([0, 1, 0xffffffff, rng.int(0, 0xffffffff), rng.int(0, 1000)]);
}

function variableByteInteger(rng: Random): number {
  return rng.pick([
    1,
    127,
    128,
    16383,
    16384,
    2097151,
    2097152,
    268435455,
    rng.int(1, 268435455),
    rng.int(1, 200),
  ]);
}

function userProperties(rng: Random): UserProperty[] {
  const names = [arbitraryString(rng, 6), arbitraryString(rng, 6)];
  const count = rng.int(1, 4);
  const pairs: UserProperty[] = [];
  for (let i = 0; i < count; i++) pairs.push([rng.pick(names), arbitraryString(rng, 8)]);
  return pairs;
}

type PropertyGenerators = {
  [K in keyof Properties]-?: (rng: Random, context: PropertyContext) => NonNullable<Properties[K]>;
};

const propertyGenerators: PropertyGenerators = {
  payloadFormatIndicator: (rng) => rng.bool(),
  messageExpiryInterval: uint32,
  contentType: (rng) => arbitraryString(rng),
  responseTopic: (rng) => arbitraryString(rng),
  correlationData: (rng) => arbitraryBytes(rng),
  subscriptionIdentifiers: (rng, context) =>
    Array.from({ length: context === PacketType.SUBSCRIBE ? 1 : rng.int(1, 3) }, () =>
      variableByteInteger(rng),
    ),
  sessionExpiryInterval: uint32,
  assignedClientIdentifier: (rng) => arbitraryString(rng),
  serverKeepAlive: (rng) => rng.int(0, 0xffff),
  authenticationMethod: (rng) => arbitraryString(rng),
  authenticationData: (rng) => arbitraryBytes(rng),
  requestProblemInformation: (rng) => rng.bool(),
  willDelayInterval: uint32,
  requestResponseInformation: (rng) => rng.bool(),
  responseInformation: (rng) => arbitraryString(rng),
  serverReference: (rng) => arbitraryString(rng),
  reasonString: (rng) => arbitraryString(rng),
  receiveMaximum: (rng) => rng.int(1, 0xffff),
  topicAliasMaximum: (rng) => rng.int(0, 0xffff),
  topicAlias: (rng) => rng.int(1, 0xffff),
  maximumQoS: (rng) => rng.pick([0, 1] as const),
  retainAvailable: (rng) => rng.bool(),
  userProperties,
  maximumPacketSize: (rng) => rng.pick([1, 0xffffffff, rng.int(1, 0xffffffff)]),
  wildcardSubscriptionAvailable: (rng) => rng.bool(),
  subscriptionIdentifierAvailable: (rng) => rng.bool(),
  sharedSubscriptionAvailable: (rng) => rng.bool(),
};

/** A random valid property set for `context`, or undefined (never an empty object). */
export function arbitraryProperties(rng: Random, context: PropertyContext): Properties | undefined {
  if (rng.bool(0.35)) return undefined;
  const properties: Properties = {};
  const target = properties as Record<string, unknown>;
  for (const definition of propertyDefinitions) {
    if (!definition.allowedIn.includes(context) || !rng.bool(0.3)) continue;
    target[definition.name] = propertyGenerators[definition.name](rng, context);
  }
  // Authentication Data without Authentication Method is a Protocol Error in CONNECT.
  if (properties.authenticationData !== undefined && properties.authenticationMethod === undefined) {
    properties.authenticationMethod = arbitraryString(rng);
  }
  return Object.keys(properties).length === 0 ? undefined : properties;
}

function packetId(rng: Random): number {
  return rng.pick([1, 0xffff, rng.int(1, 0xffff)]);
}

function qos(rng: Random): QoS {
  return rng.pick([0, 1, 2] as const);
}

const CONNACK_CODES_V5 = [
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a,
  0x9b, 0x9c, 0x9d, 0x9f,
];
const PUBACK_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const PUBREL_CODES = [0x00, 0x92];
const SUBACK_CODES_V5 = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
const SUBACK_CODES_V3 = [0x00, 0x01, 0x02, 0x80];
const UNSUBACK_CODES = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91];
const DISCONNECT_CODES = [
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97,
  0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
];
const AUTH_CODES = [0x00, 0x18, 0x19];

/** Adds random `properties` to `packet` when v5 (and only when non-empty); returns the packet. */
function addProperties<T extends { properties?: Properties }>(
  rng: Random,
  packet: NoInfer<T>,
  version: ProtocolVersion,
  context: PropertyContext,
): T {
  if (version !== 5) return packet;
  const properties = arbitraryProperties(rng, context);
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function arbitraryConnect(rng: Random, version: ProtocolVersion): ConnectPacket {
  const packet: ConnectPacket = {
    type: PacketType.CONNECT,
    protocolName: version === 3 ? "MQIsdp" : "MQTT",
    protocolVersion: version,
    clientId: arbitraryString(rng, 23),
    cleanStart: rng.bool(),
    keepAlive: rng.pick([0, 60, 0xffff, rng.int(0, 0xffff)]),
  };
  addProperties<ConnectPacket>(rng, packet, version, PacketType.CONNECT);
  if (rng.bool()) {
    const will: Will = {
      topic: arbitraryString(rng),
      payload: arbitraryBytes(rng),
      qos: qos(rng),
      retain: rng.bool(),
    };
    packet.will = addProperties<Will>(rng, will, version, WILL_PROPERTIES);
  }
  const hasUsername = rng.bool(0.6);
  if (hasUsername) packet.username = arbitraryString(rng);
  // 3.1.1 forbids a password without a user name [MQTT-3.1.2-22].
  if (rng.bool(0.5) && (hasUsername || version !== 4)) packet.password = arbitraryBytes(rng);
  return packet;
}

function arbitraryPublish(rng: Random, version: ProtocolVersion): PublishPacket {
  const level = qos(rng);
  const packet: PublishPacket = {
    type: PacketType.PUBLISH,
    topic: arbitraryString(rng, 30),
    payload: arbitraryBytes(rng, 64),
    qos: level,
    retain: rng.bool(),
    dup: level > 0 && rng.bool(),
  };
  if (level > 0) packet.packetId = packetId(rng);
  addProperties<PublishPacket>(rng, packet, version, PacketType.PUBLISH);
  // v5: an empty topic name needs a Topic Alias (spec 3.3.2.1).
  if (version === 5 && packet.topic === "" && packet.properties?.topicAlias === undefined) {
    packet.properties = { ...packet.properties, topicAlias: rng.int(1, 0xffff) };
  }
  return packet;
}

function arbitrarySubscription(rng: Random, version: ProtocolVersion): SubscriptionRequest {
  const v5 = version === 5;
  return {
    topicFilter: arbitraryString(rng),
    qos: qos(rng),
    noLocal: v5 && rng.bool(),
    retainAsPublished: v5 && rng.bool(),
    retainHandling: v5 ? rng.pick([0, 1, 2] as const) : 0,
  };
}

function list<T>(rng: Random, max: number, item: () => T): T[] {
  return Array.from({ length: rng.int(1, max) }, item);
}

/** The packet types that exist in `version`. */
export function packetTypesOf(version: ProtocolVersion): PacketType[] {
  const types = Object.values(PacketType);
  return version === 5 ? types : types.filter((type) => type !== PacketType.AUTH);
}

/** A random valid packet of `type` (default: any type of the version) in canonical decoded form. */
export function arbitraryPacket(rng: Random, version: ProtocolVersion, type?: PacketType): Packet {
  const chosen = type ?? rng.pick(packetTypesOf(version));
  const v5 = version === 5;
  switch (chosen) {
    case PacketType.CONNECT:
      return arbitraryConnect(rng, version);
    case PacketType.CONNACK: {
      const packet: ConnackPacket = {
        type: chosen,
        sessionPresent: rng.bool(),
        reasonCode: v5 ? rng.pick(CONNACK_CODES_V5) : rng.int(0, 5),
      };
      return addProperties<ConnackPacket>(rng, packet, version, chosen);
    }
    case PacketType.PUBLISH:
      return arbitraryPublish(rng, version);
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP: {
      const codes =
        chosen === PacketType.PUBACK || chosen === PacketType.PUBREC ? PUBACK_CODES : PUBREL_CODES;
      const packet: PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket = {
        type: chosen,
        packetId: packetId(rng),
      };
      if (v5) packet.reasonCode = rng.pick(codes);
      return addProperties<typeof packet>(rng, packet, version, chosen);
    }
    case PacketType.SUBSCRIBE: {
      const packet: SubscribePacket = {
        type: chosen,
        packetId: packetId(rng),
        subscriptions: list(rng, 4, () => arbitrarySubscription(rng, version)),
      };
      return addProperties<SubscribePacket>(rng, packet, version, chosen);
    }
    case PacketType.SUBACK: {
      const packet: SubackPacket = {
        type: chosen,
        packetId: packetId(rng),
        reasonCodes: list(rng, 5, () => rng.pick(v5 ? SUBACK_CODES_V5 : SUBACK_CODES_V3)),
      };
      return addProperties<SubackPacket>(rng, packet, version, chosen);
    }
    case PacketType.UNSUBSCRIBE: {
      const packet: UnsubscribePacket = {
        type: chosen,
        packetId: packetId(rng),
        topicFilters: list(rng, 4, () => arbitraryString(rng)),
      };
      return addProperties<UnsubscribePacket>(rng, packet, version, chosen);
    }
    case PacketType.UNSUBACK: {
      const packet: UnsubackPacket = {
        type: chosen,
        packetId: packetId(rng),
        reasonCodes: v5 ? list(rng, 5, () => rng.pick(UNSUBACK_CODES)) : [],
      };
      return addProperties<UnsubackPacket>(rng, packet, version, chosen);
    }
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      return { type: chosen };
    case PacketType.DISCONNECT: {
      if (!v5) return { type: chosen };
      const packet: DisconnectPacket = { type: chosen, reasonCode: rng.pick(DISCONNECT_CODES) };
      return addProperties<DisconnectPacket>(rng, packet, version, chosen);
    }
    case PacketType.AUTH: {
      const packet: AuthPacket = { type: chosen, reasonCode: rng.pick(AUTH_CODES) };
      return addProperties<AuthPacket>(rng, packet, version, chosen);
    }
  }
}
