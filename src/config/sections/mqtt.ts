/**
 * The `mqtt` configuration section: its type and its JSON Schema.
 * @module
 */

import {
  type PropertiesOf,
  UINT16_MAX,
  MQTT_PACKET_MAX,
  UINT32_MAX,
  INT32_MAX,
  MIB,
} from "../schema-support.js";

export interface MqttConfig {
  /** Largest packet we accept, in bytes (advertised as Maximum Packet Size to v5 clients). */
  readonly maxPacketSize: number;
  /** How many unacknowledged inbound QoS 1/2 PUBLISH a client may have (our Receive Maximum). */
  readonly receiveMaximum: number;
  /** Upper bound on outbound in-flight QoS 1/2 messages per client (also capped by the client's Receive Maximum). */
  readonly maxInflight: number;
  /** How many inbound topic aliases a client may use (our Topic Alias Maximum); 0 disables. */
  readonly topicAliasMaximum: number;
  /** Most topic aliases the broker assigns to one client's deliveries (also capped by the client's Topic Alias Maximum); 0 disables. */
  readonly outboundTopicAliasMaximum: number;
  /** Most User Properties one property set (a packet's, or a will's) may carry. */
  readonly maxUserProperties: number;
  /** Highest QoS we grant. */
  readonly maxQos: 0 | 1 | 2;
  readonly retainAvailable: boolean;
  readonly wildcardSubscriptionAvailable: boolean;
  readonly sharedSubscriptionAvailable: boolean;
  readonly subscriptionIdentifiersAvailable: boolean;
  /** Largest keep-alive we accept, in seconds; a client asking for more (or for 0) gets this as Server Keep Alive (v5). 0 means no limit. */
  readonly maxKeepAlive: number;
  /** Cap on a client's Session Expiry Interval, in seconds. 4294967295 means never expire. */
  readonly maxSessionExpiry: number;
  /** Longest client identifier we accept, in bytes. */
  readonly maxClientIdLength: number;
  /** Seconds a new connection has to send CONNECT before it is closed. */
  readonly connectTimeout: number;
  /** Unsent bytes on a socket above which it is treated as a slow consumer. */
  readonly writeHighWaterMark: number;
}

export const mqttProperties: PropertiesOf<MqttConfig> = {
  maxPacketSize: {
    type: "integer",
    minimum: 1,
    maximum: MQTT_PACKET_MAX,
    default: 2_000_000,
    description:
      "Largest packet accepted, in bytes, advertised to MQTT 5 clients as Maximum Packet Size; a bigger packet closes the connection. The default is Mosquitto 2.1's: large enough for most payloads while one client cannot make the broker buffer up to 256 MB. The MQTT limit is 268435455.",
  },
  receiveMaximum: {
    type: "integer",
    minimum: 1,
    maximum: UINT16_MAX,
    default: 100,
    description:
      "How many QoS 1 and 2 PUBLISH packets a client may send before they are acknowledged (advertised as Receive Maximum). Bounds the work one client can have in flight; Mosquitto advertises its `max_inflight_messages` (20) here, and 65535 turns flow control off.",
  },
  maxInflight: {
    type: "integer",
    minimum: 1,
    maximum: UINT16_MAX,
    default: 100,
    description:
      "Most QoS 1 and 2 messages sent to one client and not yet acknowledged; the client's own Receive Maximum lowers it further. Messages beyond it wait in the session queue.",
  },
  topicAliasMaximum: {
    type: "integer",
    minimum: 0,
    maximum: UINT16_MAX,
    default: 64,
    description:
      "How many topic aliases a client may define for the messages it sends (advertised as Topic Alias Maximum); 0 disables inbound topic aliases.",
  },
  outboundTopicAliasMaximum: {
    type: "integer",
    minimum: 0,
    maximum: UINT16_MAX,
    default: 64,
    description:
      "Most topic aliases the broker assigns to the messages it sends one MQTT 5 client; the client's own Topic Alias Maximum lowers it further, and 0 sends no aliases. The broker remembers each aliased topic for the life of the connection, so this bounds that memory (a client may ask for 65535); topics longer than 512 characters are never aliased.",
  },
  maxUserProperties: {
    type: "integer",
    minimum: 1,
    maximum: MQTT_PACKET_MAX,
    default: 128,
    description:
      "Most User Properties one MQTT 5 packet may carry (a CONNECT's own and its will's are counted apart). Nothing else bounds them but the packet size, and each costs the broker far more memory than its wire bytes (an empty one: 5 bytes sent, about 70 kept), in every queue and retained copy of a message. Over it, a PUBLISH is refused (PUBACK/PUBREC 0x97 Quota exceeded, a QoS 0 one as `authorization.deniedPublish` says), a CONNECT gets CONNACK 0x97, and any other packet DISCONNECT 0x97. 128 is generous (AWS IoT Core allows 20).",
  },
  maxQos: {
    type: "integer",
    minimum: 0,
    maximum: 2,
    default: 2,
    description:
      "Highest QoS granted. Subscriptions asking for more are granted this; MQTT 5 clients are told it as Maximum QoS.",
  },
  retainAvailable: {
    type: "boolean",
    default: true,
    description: "Whether retained messages are supported (advertised as Retain Available).",
  },
  wildcardSubscriptionAvailable: {
    type: "boolean",
    default: true,
    description: "Whether subscriptions may use the `+` and `#` wildcards (advertised to MQTT 5 clients).",
  },
  sharedSubscriptionAvailable: {
    type: "boolean",
    default: true,
    description:
      "Whether `$share/<group>/<filter>` subscriptions are supported (advertised to MQTT 5 clients).",
  },
  subscriptionIdentifiersAvailable: {
    type: "boolean",
    default: true,
    description: "Whether subscriptions may carry a Subscription Identifier (advertised to MQTT 5 clients).",
  },
  maxKeepAlive: {
    type: "integer",
    minimum: 0,
    maximum: UINT16_MAX,
    default: UINT16_MAX,
    description:
      "Largest keep-alive accepted, in seconds; 0 or 65535 (the default) means no limit. Below 65535, an MQTT 5 client asking for more, or for 0 (never), is given this value as Server Keep Alive; an MQTT 3.1/3.1.1 client, which cannot be told, is refused with return code 2, as Mosquitto 2 does.",
  },
  maxSessionExpiry: {
    type: "integer",
    minimum: 0,
    maximum: UINT32_MAX,
    default: UINT32_MAX,
    description:
      "Cap on a client's Session Expiry Interval, in seconds. 4294967295 lets sessions never expire.",
  },
  maxClientIdLength: {
    type: "integer",
    minimum: 23,
    maximum: UINT16_MAX,
    default: UINT16_MAX,
    description:
      "Longest client identifier accepted, in bytes. MQTT requires servers to accept at least 23 [MQTT-3.1.3-5].",
  },
  connectTimeout: {
    type: "integer",
    minimum: 1,
    maximum: UINT16_MAX,
    default: 10,
    description: "Seconds a new connection has to send its CONNECT packet before it is closed.",
  },
  writeHighWaterMark: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: MIB,
    description:
      "Unsent bytes buffered for one connection above which its client is treated as a slow consumer (1 MiB by default): QoS 0 deliveries to it are dropped, QoS 1 and 2 ones wait in its session, and what it sends is not read until those bytes drain below the mark, so a client that sends requests without reading the answers (PINGREQ, QoS 1 PUBLISH) cannot make the broker buffer them without bound.",
  },
};
