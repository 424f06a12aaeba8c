/**
 * The MQTT.js PUBLISH options of an outbox entry: the bridge's QoS, the RETAIN flag by its policy and,
 * for MQTT 5, the message's properties (payload format, content type, response topic, correlation
 * data, user properties, and the Message Expiry Interval left). MQTT.js takes user properties as an
 * object, so repeated names are grouped and their order across names is not kept.
 * @module
 */

import type { IClientPublishOptions } from "mqtt";
import type { OutboxEntry } from "../hooks/index.js";
import type { BridgeConfig } from "./bridge-config.js";

export function publishOptions(entry: OutboxEntry, config: BridgeConfig, now: number): IClientPublishOptions {
  const options: IClientPublishOptions = {
    qos: config.qos,
    retain: config.retain === "always" ? true : config.retain === "never" ? false : entry.retain,
  };
  if (config.protocolVersion !== 5) return options;
  const p = entry.properties;
  const properties: NonNullable<IClientPublishOptions["properties"]> = {};
  if (p?.payloadFormatIndicator !== undefined) properties.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p?.contentType !== undefined) properties.contentType = p.contentType;
  if (p?.responseTopic !== undefined) properties.responseTopic = p.responseTopic;
  if (p?.correlationData !== undefined) properties.correlationData = Buffer.from(p.correlationData);
  if (p?.userProperties !== undefined && p.userProperties.length > 0) {
    const users: Record<string, string | string[]> = {};
    for (const [name, value] of p.userProperties) {
      const existing = users[name];
      users[name] = existing === undefined ? value : [existing, value].flat();
    }
    properties.userProperties = users;
  }
  if (entry.expiresAt !== undefined)
    properties.messageExpiryInterval = Math.max(1, Math.ceil((entry.expiresAt - now) / 1000));
  if (Object.keys(properties).length > 0) options.properties = properties;
  return options;
}
