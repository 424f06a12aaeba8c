import type { PacketType, QoS } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** Retain Handling option (spec 3.8.3.1). */
export type RetainHandling = 0 | 1 | 2;

/** One topic filter of a SUBSCRIBE with its subscription options. */
export interface SubscriptionRequest {
  topicFilter: string;
  qos: QoS;
  /** v5: do not deliver messages published by this client [MQTT-3.8.3-3]. */
  noLocal: boolean;
  /** v5: keep the RETAIN flag of forwarded messages as published. */
  retainAsPublished: boolean;
  /** v5: 0 send retained on subscribe, 1 only if the subscription is new, 2 never. */
  retainHandling: RetainHandling;
}

/** SUBSCRIBE (spec 3.8). */
export interface SubscribePacket {
  readonly type: typeof PacketType.SUBSCRIBE;
  packetId: number;
  subscriptions: SubscriptionRequest[];
  properties?: Properties;
}
