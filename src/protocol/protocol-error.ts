/**
 * The one error type the codec and the session machines raise for bad input from a peer.
 * It carries the MQTT 5 reason code the broker must answer with (in a CONNACK or DISCONNECT for v5;
 * v3 connections are simply closed).
 * @module
 */

import { ReasonCode } from "./reason-codes.js";

/** Stable codes for protocol errors, for logs and tests. */
export const ProtocolErrorCode = {
  MalformedPacket: "MQTT_ERR_MALFORMED_PACKET",
  ProtocolViolation: "MQTT_ERR_PROTOCOL_VIOLATION",
  PacketTooLarge: "MQTT_ERR_PACKET_TOO_LARGE",
  UnsupportedProtocolVersion: "MQTT_ERR_UNSUPPORTED_PROTOCOL_VERSION",
  TopicNameInvalid: "MQTT_ERR_TOPIC_NAME_INVALID",
  TopicFilterInvalid: "MQTT_ERR_TOPIC_FILTER_INVALID",
  TopicAliasInvalid: "MQTT_ERR_TOPIC_ALIAS_INVALID",
  ReceiveMaximumExceeded: "MQTT_ERR_RECEIVE_MAXIMUM_EXCEEDED",
  PayloadFormatInvalid: "MQTT_ERR_PAYLOAD_FORMAT_INVALID",
  ClientIdentifierNotValid: "MQTT_ERR_CLIENT_IDENTIFIER_NOT_VALID",
  QoSNotSupported: "MQTT_ERR_QOS_NOT_SUPPORTED",
  RetainNotSupported: "MQTT_ERR_RETAIN_NOT_SUPPORTED",
  UserPropertiesExceeded: "MQTT_ERR_USER_PROPERTIES_EXCEEDED",
} as const;

export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export interface ProtocolErrorOptions extends ErrorOptions {
  /** The spec statement violated, e.g. "MQTT-3.3.1-4". */
  readonly rule?: string;
  /** The protocol level byte of the CONNECT packet, when the error concerns one (see `ProtocolError.protocolVersion`). */
  readonly protocolVersion?: number;
}

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: ProtocolErrorCode;
  /** The MQTT 5 reason code to report (0x81 Malformed Packet, 0x82 Protocol Error, ...). */
  readonly reasonCode: number;
  readonly rule: string | undefined;
  /**
   * For errors raised while decoding a CONNECT packet: the protocol level byte the client sent, once it
   * has been read (3, 4, 5, or any other value for `UnsupportedProtocolVersion`). The broker uses it to
   * decide whether to answer with a v5 CONNACK reason code, a v3 return code, or nothing. The CONNECT
   * decoder fills it in on the way out, hence not readonly.
   */
  protocolVersion: number | undefined;

  constructor(code: ProtocolErrorCode, reasonCode: number, message: string, options?: ProtocolErrorOptions) {
    super(options?.rule ? `${message} [${options.rule}]` : message, options);
    this.code = code;
    this.reasonCode = reasonCode;
    this.rule = options?.rule;
    this.protocolVersion = options?.protocolVersion;
  }
}

/** A Malformed Packet (0x81): the bytes cannot be parsed according to the specification. */
export function malformed(message: string, rule?: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.MalformedPacket,
    ReasonCode.MalformedPacket,
    message,
    rule ? { rule } : undefined,
  );
}

/** A Protocol Error (0x82): the packet parses but breaks a rule of the protocol. */
export function protocolViolation(message: string, rule?: string): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.ProtocolViolation,
    ReasonCode.ProtocolError,
    message,
    rule ? { rule } : undefined,
  );
}

/** Packet too large (0x95): the packet exceeds the Maximum Packet Size the receiver announced or enforces. */
export function packetTooLarge(size: number, maximum: number): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.PacketTooLarge,
    ReasonCode.PacketTooLarge,
    `Cannot accept packet: its size ${size} exceeds the maximum packet size ${maximum}`,
  );
}

/**
 * Quota exceeded (0x97): a property set carries more User Properties than the receiver accepts. The
 * spec gives 0x97 for "an implementation or administrative imposed limit" in CONNACK, PUBACK, PUBREC
 * and DISCONNECT alike.
 */
export function userPropertiesExceeded(where: string, maximum: number): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.UserPropertiesExceeded,
    ReasonCode.QuotaExceeded,
    `Cannot accept ${where}: more than ${maximum} User Properties`,
  );
}

/**
 * Unsupported Protocol Version (0x84): a CONNECT with a protocol level this broker does not speak
 * [MQTT-3.1.2-2]. `protocolVersion` carries the level that was asked for.
 */
export function unsupportedProtocolVersion(protocolName: string, protocolVersion: number): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.UnsupportedProtocolVersion,
    ReasonCode.UnsupportedProtocolVersion,
    `Cannot accept CONNECT: protocol "${protocolName}" level ${protocolVersion} is not supported`,
    { rule: "MQTT-3.1.2-2", protocolVersion },
  );
}
