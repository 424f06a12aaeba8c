/**
 * MQTT 5 properties (spec 2.2.2): the decoded shape, and the table of identifiers, wire types and the
 * packets each property may appear in. Encoding and decoding live in `property-codec.ts`.
 * @module
 */

import { PacketType } from "./packet-type.js";

/** A user property: a name/value pair. Order and duplicates are significant [MQTT-3.3.2-18]. */
export type UserProperty = readonly [name: string, value: string];

/**
 * Every MQTT 5 property, decoded. Byte-valued flags are booleans; their wire value must be 0 or 1
 * (anything else is a Protocol Error).
 */
export interface Properties {
  /** 0x01: true when the payload is UTF-8 encoded character data. */
  payloadFormatIndicator?: boolean;
  /** 0x02: seconds. */
  messageExpiryInterval?: number;
  /** 0x03 */
  contentType?: string;
  /** 0x08 */
  responseTopic?: string;
  /** 0x09 */
  correlationData?: Uint8Array;
  /** 0x0B: one in SUBSCRIBE; one per matching subscription in PUBLISH (server to client). Range 1..268,435,455. */
  subscriptionIdentifiers?: number[];
  /** 0x11: seconds; 0xFFFFFFFF means the session does not expire. */
  sessionExpiryInterval?: number;
  /** 0x12 */
  assignedClientIdentifier?: string;
  /** 0x13: seconds. */
  serverKeepAlive?: number;
  /** 0x15 */
  authenticationMethod?: string;
  /** 0x16 */
  authenticationData?: Uint8Array;
  /** 0x17 */
  requestProblemInformation?: boolean;
  /** 0x18: seconds. */
  willDelayInterval?: number;
  /** 0x19 */
  requestResponseInformation?: boolean;
  /** 0x1A */
  responseInformation?: string;
  /** 0x1C */
  serverReference?: string;
  /** 0x1F */
  reasonString?: string;
  /** 0x21: 1..65535. */
  receiveMaximum?: number;
  /** 0x22 */
  topicAliasMaximum?: number;
  /** 0x23: 1..65535. */
  topicAlias?: number;
  /** 0x24: 0 or 1. */
  maximumQoS?: 0 | 1;
  /** 0x25 */
  retainAvailable?: boolean;
  /** 0x26 */
  userProperties?: UserProperty[];
  /** 0x27: bytes, > 0. */
  maximumPacketSize?: number;
  /** 0x28 */
  wildcardSubscriptionAvailable?: boolean;
  /** 0x29 */
  subscriptionIdentifierAvailable?: boolean;
  /** 0x2A */
  sharedSubscriptionAvailable?: boolean;
}

/** Wire data types of properties (spec 1.5). */
export const PropertyWireType = {
  Byte: 1,
  TwoByteInteger: 2,
  FourByteInteger: 3,
  VariableByteInteger: 4,
  Utf8String: 5,
  BinaryData: 6,
  Utf8StringPair: 7,
} as const;

export type PropertyWireType = (typeof PropertyWireType)[keyof typeof PropertyWireType];

/** Pseudo packet type for the Will Properties of a CONNECT packet. */
export const WILL_PROPERTIES = 0;

/** Where a property may appear: a packet type, or WILL_PROPERTIES. */
export type PropertyContext = PacketType | typeof WILL_PROPERTIES;

export interface PropertyDefinition {
  readonly id: number;
  readonly name: keyof Properties;
  readonly wireType: PropertyWireType;
  /** Packet types (and/or WILL_PROPERTIES) the property is allowed in. */
  readonly allowedIn: readonly PropertyContext[];
  /** Whether the property may appear more than once (only User Property, and Subscription Identifier in PUBLISH). */
  readonly repeatable: boolean;
}

const P = PacketType;
const W = PropertyWireType;

/** The property table (spec 2.2.2.2), keyed by identifier. */
export const propertyDefinitions: readonly PropertyDefinition[] = [
  {
    id: 0x01,
    name: "payloadFormatIndicator",
    wireType: W.Byte,
    allowedIn: [P.PUBLISH, WILL_PROPERTIES],
    repeatable: false,
  },
  {
    id: 0x02,
    name: "messageExpiryInterval",
    wireType: W.FourByteInteger,
    allowedIn: [P.PUBLISH, WILL_PROPERTIES],
    repeatable: false,
  },
  {
    id: 0x03,
    name: "contentType",
    wireType: W.Utf8String,
    allowedIn: [P.PUBLISH, WILL_PROPERTIES],
    repeatable: false,
  },
  {
    id: 0x08,
    name: "responseTopic",
    wireType: W.Utf8String,
    allowedIn: [P.PUBLISH, WILL_PROPERTIES],
    repeatable: false,
  },
  {
    id: 0x09,
    name: "correlationData",
    wireType: W.BinaryData,
    allowedIn: [P.PUBLISH, WILL_PROPERTIES],
    repeatable: false,
  },
  {
    id: 0x0b,
    name: "subscriptionIdentifiers",
    wireType: W.VariableByteInteger,
    allowedIn: [P.PUBLISH, P.SUBSCRIBE],
    repeatable: true,
  },
  {
    id: 0x11,
    name: "sessionExpiryInterval",
    wireType: W.FourByteInteger,
    allowedIn: [P.CONNECT, P.CONNACK, P.DISCONNECT],
    repeatable: false,
  },
  {
    id: 0x12,
    name: "assignedClientIdentifier",
    wireType: W.Utf8String,
    allowedIn: [P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x13,
    name: "serverKeepAlive",
    wireType: W.TwoByteInteger,
    allowedIn: [P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x15,
    name: "authenticationMethod",
    wireType: W.Utf8String,
    allowedIn: [P.CONNECT, P.CONNACK, P.AUTH],
    repeatable: false,
  },
  {
    id: 0x16,
    name: "authenticationData",
    wireType: W.BinaryData,
    allowedIn: [P.CONNECT, P.CONNACK, P.AUTH],
    repeatable: false,
  },
  {
    id: 0x17,
    name: "requestProblemInformation",
    wireType: W.Byte,
    allowedIn: [P.CONNECT],
    repeatable: false,
  },
  {
    id: 0x18,
    name: "willDelayInterval",
    wireType: W.FourByteInteger,
    allowedIn: [WILL_PROPERTIES],
    repeatable: false,
  },
  {
    id: 0x19,
    name: "requestResponseInformation",
    wireType: W.Byte,
    allowedIn: [P.CONNECT],
    repeatable: false,
  },
  {
    id: 0x1a,
    name: "responseInformation",
    wireType: W.Utf8String,
    allowedIn: [P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x1c,
    name: "serverReference",
    wireType: W.Utf8String,
    allowedIn: [P.CONNACK, P.DISCONNECT],
    repeatable: false,
  },
  {
    id: 0x1f,
    name: "reasonString",
    wireType: W.Utf8String,
    allowedIn: [
      P.CONNACK,
      P.PUBACK,
      P.PUBREC,
      P.PUBREL,
      P.PUBCOMP,
      P.SUBACK,
      P.UNSUBACK,
      P.DISCONNECT,
      P.AUTH,
    ],
    repeatable: false,
  },
  {
    id: 0x21,
    name: "receiveMaximum",
    wireType: W.TwoByteInteger,
    allowedIn: [P.CONNECT, P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x22,
    name: "topicAliasMaximum",
    wireType: W.TwoByteInteger,
    allowedIn: [P.CONNECT, P.CONNACK],
    repeatable: false,
  },
  { id: 0x23, name: "topicAlias", wireType: W.TwoByteInteger, allowedIn: [P.PUBLISH], repeatable: false },
  { id: 0x24, name: "maximumQoS", wireType: W.Byte, allowedIn: [P.CONNACK], repeatable: false },
  { id: 0x25, name: "retainAvailable", wireType: W.Byte, allowedIn: [P.CONNACK], repeatable: false },
  {
    id: 0x26,
    name: "userProperties",
    wireType: W.Utf8StringPair,
    allowedIn: [
      P.CONNECT,
      P.CONNACK,
      P.PUBLISH,
      WILL_PROPERTIES,
      P.PUBACK,
      P.PUBREC,
      P.PUBREL,
      P.PUBCOMP,
      P.SUBSCRIBE,
      P.SUBACK,
      P.UNSUBSCRIBE,
      P.UNSUBACK,
      P.DISCONNECT,
      P.AUTH,
    ],
    repeatable: true,
  },
  {
    id: 0x27,
    name: "maximumPacketSize",
    wireType: W.FourByteInteger,
    allowedIn: [P.CONNECT, P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x28,
    name: "wildcardSubscriptionAvailable",
    wireType: W.Byte,
    allowedIn: [P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x29,
    name: "subscriptionIdentifierAvailable",
    wireType: W.Byte,
    allowedIn: [P.CONNACK],
    repeatable: false,
  },
  {
    id: 0x2a,
    name: "sharedSubscriptionAvailable",
    wireType: W.Byte,
    allowedIn: [P.CONNACK],
    repeatable: false,
  },
];
