/**
 * The MQTT codec: packet types, encoding, decoding and framing for MQTT 3.1, 3.1.1 and 5.0.
 * Pure: no I/O, no Node built-ins, no Buffer.
 * @module
 */

export { decodePacket, type DecodeOptions } from "./decode-packet.js";
export { encodePacket } from "./encode-packet.js";
export { encodeWithin } from "./encode-within.js";
export { FramePool } from "./frame-pool.js";
export { TopicFields } from "./topic-fields.js";
export { matchesWordBytes, WordBytes, writeWordBytes } from "./word-bytes.js";
export { FrameReader, type FrameReaderOptions } from "./frame-reader.js";
export { assertNever, type Packet } from "./packet.js";
export { PacketType, packetTypeName, type ProtocolVersion, type QoS } from "./packet-type.js";
export type { AuthPacket } from "./packets/auth.js";
export type { ConnackPacket } from "./packets/connack.js";
export type { ConnectPacket, Will } from "./packets/connect.js";
export type { DisconnectPacket } from "./packets/disconnect.js";
export type { PingreqPacket } from "./packets/pingreq.js";
export type { PingrespPacket } from "./packets/pingresp.js";
export type { PubackPacket } from "./packets/puback.js";
export type { PubcompPacket } from "./packets/pubcomp.js";
export { encodeBarePublish, publishPacketSize, type PublishPacket } from "./packets/publish.js";
export type { PubrecPacket } from "./packets/pubrec.js";
export type { PubrelPacket } from "./packets/pubrel.js";
export type { SubackPacket } from "./packets/suback.js";
export type { RetainHandling, SubscribePacket, SubscriptionRequest } from "./packets/subscribe.js";
export type { UnsubackPacket } from "./packets/unsuback.js";
export type { UnsubscribePacket } from "./packets/unsubscribe.js";
export {
  type Properties,
  type PropertyContext,
  type PropertyDefinition,
  propertyDefinitions,
  PropertyWireType,
  type UserProperty,
  WILL_PROPERTIES,
} from "./properties.js";
export {
  malformed,
  packetTooLarge,
  ProtocolError,
  ProtocolErrorCode,
  type ProtocolErrorOptions,
  protocolViolation,
  unsupportedProtocolVersion,
} from "./protocol-error.js";
export {
  ConnackReturnCode,
  isFailure,
  ReasonCode,
  reasonCodeName,
  SUBACK_FAILURE_V3,
  toV3ConnackReturnCode,
} from "./reason-codes.js";
export { asciiToString, decodeUtf8, encodeUtf8Into, isValidUtf8, utf8Length } from "./utf8.js";
export { MAX_VARIABLE_BYTE_INTEGER } from "./variable-byte-integer.js";
export {
  isSystemTopic,
  MAX_TOPIC_BYTES,
  parseSubscriptionFilter,
  type ParsedSubscriptionFilter,
  SHARE_PREFIX,
  type SubscriptionFilter,
  topicFilterError,
  topicMatches,
  topicNameError,
} from "./topic.js";
