/**
 * The size on the wire of the PUBLISH MQTT.js sends for a bridge's message, measured with our codec
 * (`publishPacketSize`): MQTT.js encodes the same fields (no Topic Alias: the bridge uses none), and its
 * grouping of user properties by name changes their order, not their size.
 * @module
 */

import type { IClientPublishOptions } from "mqtt";
import { PacketType, type Properties, publishPacketSize, type UserProperty } from "../protocol/index.js";

/** Bytes of the PUBLISH of `topic`, `payload` and MQTT.js `options`; Infinity when it cannot be encoded. */
export function outgoingPublishSize(
  topic: string,
  payload: Uint8Array,
  options: IClientPublishOptions,
  protocolVersion: 4 | 5,
): number {
  const given = options.properties;
  const properties: Properties = {};
  if (given?.payloadFormatIndicator !== undefined)
    properties.payloadFormatIndicator = given.payloadFormatIndicator;
  if (given?.messageExpiryInterval !== undefined)
    properties.messageExpiryInterval = given.messageExpiryInterval;
  if (given?.contentType !== undefined) properties.contentType = given.contentType;
  if (given?.responseTopic !== undefined) properties.responseTopic = given.responseTopic;
  if (given?.correlationData !== undefined) properties.correlationData = given.correlationData;
  if (given?.userProperties !== undefined) {
    const pairs: UserProperty[] = [];
    for (const [name, value] of Object.entries(given.userProperties))
      for (const one of [value].flat()) pairs.push([name, one]);
    properties.userProperties = pairs;
  }
  try {
    return publishPacketSize(
      {
        type: PacketType.PUBLISH,
        topic,
        payload,
        qos: options.qos ?? 0,
        retain: false,
        dup: false,
        properties,
      },
      protocolVersion,
    );
  } catch {
    return Infinity; // a topic or a property beyond the protocol's limits: no broker would take it
  }
}
