/**
 * Turns what a client sent (a PUBLISH or a Will) into an ApplicationMessage.
 * @module
 */

import type { Will, PublishPacket, Properties, UserProperty } from "../protocol/index.js";
import type { ApplicationMessage, MessageProperties } from "../session/index.js";

/** The forwardable subset of a PUBLISH's (or Will's) properties, or undefined when there is none. */
export function forwardableProperties(properties: Properties | undefined): MessageProperties | undefined {
  if (properties === undefined) return undefined;
  const { payloadFormatIndicator, contentType, responseTopic, correlationData, userProperties } = properties;
  if (
    payloadFormatIndicator === undefined &&
    contentType === undefined &&
    responseTopic === undefined &&
    correlationData === undefined &&
    userProperties === undefined
  ) {
    return undefined;
  }
  const out: {
    payloadFormatIndicator?: boolean;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Uint8Array;
    userProperties?: readonly UserProperty[];
  } = {};
  if (payloadFormatIndicator !== undefined) out.payloadFormatIndicator = payloadFormatIndicator;
  if (contentType !== undefined) out.contentType = contentType;
  if (responseTopic !== undefined) out.responseTopic = responseTopic;
  if (correlationData !== undefined) out.correlationData = correlationData;
  if (userProperties !== undefined) out.userProperties = userProperties;
  return out;
}

function expiresAt(properties: Properties | undefined, now: number): number | undefined {
  const interval = properties?.messageExpiryInterval;
  return interval === undefined ? undefined : now + interval * 1000;
}

export function messageFromPublish(
  packet: PublishPacket,
  topic: string,
  publisherId: string,
  id: number,
  now: number,
  clientTopic: string | undefined,
  mountPrefix: string | undefined,
): ApplicationMessage {
  // the mount's two fields are in the literal, set or not: added afterwards they cost a new property
  // store and two shape transitions per message (a visible share of a tenant's PUBLISH)
  return {
    id,
    topic,
    payload: packet.payload,
    qos: packet.qos,
    retain: packet.retain,
    properties: forwardableProperties(packet.properties),
    createdAt: now,
    expiresAt: expiresAt(packet.properties, now),
    publisherId,
    clientTopic,
    mountPrefix,
  };
}

export function messageFromWill(
  will: Will,
  publisherId: string,
  id: number,
  now: number,
): ApplicationMessage {
  return {
    id,
    topic: will.topic,
    payload: will.payload,
    qos: will.qos,
    retain: will.retain,
    properties: forwardableProperties(will.properties),
    createdAt: now,
    expiresAt: expiresAt(will.properties, now),
    publisherId,
  };
}
