/**
 * The pure session layer: the message-flow state machine of a session, its queue and in-flight window,
 * topic aliases, CONNECT negotiation, outbound PUBLISH encoding and the deadline heap.
 * @module
 */

export {
  compactBytes,
  compactPayload,
  contentBytes,
  isExpired,
  messageBytes,
  remainingExpirySeconds,
  withoutCaches,
  type ApplicationMessage,
  type MessageProperties,
} from "./application-message.js";
export {
  inflightCapacity,
  negotiateConnect,
  type ConnectionParameters,
  type NegotiationResult,
  type ServerLimits,
} from "./connect-negotiation.js";
export { DeadlineQueue, type Deadline } from "./deadline-queue.js";
export type { Delivery, InflightDelivery, QueuedDelivery } from "./delivery.js";
export { InflightWindow } from "./inflight-window.js";
export { MessageQueue } from "./message-queue.js";
export {
  encodePublishFrame,
  packetIdOffsetOf,
  type PublishFrame,
  type PublishVariant,
  writeSinglePublish,
} from "./outbound-publish.js";
export { Session, type AckResult, type QueueLimits, type SessionOptions } from "./session.js";
export {
  NULL_JOURNAL,
  type DropReason,
  type SessionJournal,
  type SessionLink,
  type SessionObserver,
} from "./session-ports.js";
export type { Subscription } from "./subscription.js";
export {
  InboundTopicAliases,
  MAX_ALIASED_TOPIC_LENGTH,
  OutboundTopicAliases,
  type OutboundAlias,
} from "./topic-aliases.js";
