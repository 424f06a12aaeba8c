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

/**
 * A will's message as it waits to be published: made when its connection closes (or at CONNECT, to be
 * stored), with `expiresAt` − `createdAt` its Message Expiry Interval. It is published as
 * {@link publishedWill} makes it.
 */
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

/**
 * A waiting will (see {@link messageFromWill}) as published at `now`. Its Message Expiry Interval is the
 * lifetime of the message from its publication (spec 3.1.3.2.4), not from when its connection closed or
 * its CONNECT came: after a Will Delay, at the end of the session, or after a restart it is counted
 * again from `now`. The interval is the span from `createdAt` to `expiresAt`, the form in which every
 * version stored the will, so a will stored by an earlier version is published with its full interval
 * too. A new id: a message is stored once per id and never rewritten, and a retained will, or one queued
 * for an offline subscriber, must be stored with its new expiry, not found as the waiting message.
 */
export function publishedWill(waiting: ApplicationMessage, id: number, now: number): ApplicationMessage {
  return {
    id,
    topic: waiting.topic,
    payload: waiting.payload,
    qos: waiting.qos,
    retain: waiting.retain,
    properties: waiting.properties,
    createdAt: now,
    expiresAt: waiting.expiresAt === undefined ? undefined : now + (waiting.expiresAt - waiting.createdAt),
    publisherId: waiting.publisherId,
  };
}
