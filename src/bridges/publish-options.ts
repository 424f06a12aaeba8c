/**
 * The MQTT.js PUBLISH options of an outbox entry: the bridge's QoS, the RETAIN flag by its policy and,
 * for MQTT 5, the message's properties (payload format, content type, response topic, correlation
 * data, user properties, and the Message Expiry Interval left). MQTT.js takes user properties as an
 * object, so repeated names are grouped and their order across names is not kept. The hop count
 * (bridge-hops.ts) replaces the message's own: the bridges it crossed plus this one.
 * @module
 */

import type { IClientPublishOptions } from "mqtt";
import type { OutboxEntry } from "../hooks/index.js";
import type { BridgeConfig } from "./bridge-config.js";
import { bridgeHops, HOPS_PROPERTY } from "./bridge-hops.js";

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
  const users: Record<string, string | string[]> = {};
  for (const [name, value] of p?.userProperties ?? []) {
    if (name === HOPS_PROPERTY) continue;
    const existing = users[name];
    users[name] = existing === undefined ? value : [existing, value].flat();
  }
  users[HOPS_PROPERTY] = String(bridgeHops(p) + 1);
  properties.userProperties = users;
  if (entry.expiresAt !== undefined)
    properties.messageExpiryInterval = Math.max(1, Math.ceil((entry.expiresAt - now) / 1000));
  options.properties = properties;
  return options;
}
