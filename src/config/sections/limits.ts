/**
 * The `limits` configuration section: its type and its JSON Schema. Every limit is off (0) by default,
 * so a broker behaves as before until one is set; docs/security.md suggests production values (and
 * says why the retained quotas are off too).
 * @module
 */

import { type PropertiesOf, INT32_MAX, UINT16_MAX } from "../schema-support.js";

export interface LimitsConfig {
  /** Most client connections at once; 0: no limit. */
  readonly maxConnections: number;
  /** Most connected clients per tenant; 0: no limit. */
  readonly maxConnectionsPerTenant: number;
  /** Most connections from one IP address; 0: no limit. */
  readonly maxConnectionsPerIp: number;
  /** New connections per second from one IP address; 0: no limit. */
  readonly connectionRatePerIp: number;
  /** Connections one IP address may open in a burst before `connectionRatePerIp` applies. */
  readonly connectionBurstPerIp: number;
  /** Most subscriptions one session holds; 0: no limit. */
  readonly maxSubscriptionsPerClient: number;
  /** Most retained messages of one tenant; 0: no limit. */
  readonly maxRetainedPerTenant: number;
  /** Most bytes of one tenant's retained messages (topic, payload and properties); 0: no limit. */
  readonly maxRetainedBytesPerTenant: number;
  /** Most levels of a topic name or filter; 0: no limit. */
  readonly maxTopicLevels: number;
  /** Most UTF-8 bytes of a topic name or filter. */
  readonly maxTopicLength: number;
  /** PUBLISH packets per second one client may send; 0: no limit. */
  readonly messageRatePerClient: number;
  /** PUBLISH packets one client may send in a burst before `messageRatePerClient` applies. */
  readonly messageBurstPerClient: number;
  /** PUBLISH payload bytes per second one client may send; 0: no limit. */
  readonly byteRatePerClient: number;
  /** Payload bytes one client may send in a burst before `byteRatePerClient` applies. */
  readonly byteBurstPerClient: number;
}

export const limitsProperties: PropertiesOf<LimitsConfig> = {
  maxConnections: {
    type: "integer",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "Most client connections at once (sockets, from accept to close); 0 for no limit. A connection over the limit is answered at its CONNECT with CONNACK 0x97 Quota exceeded (MQTT 3: return code 3 Server unavailable) and closed.",
  },
  maxConnectionsPerTenant: {
    type: "integer",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "Most connected clients of one tenant; 0 for no limit. Checked once the client is authenticated (its tenant is known then): CONNACK 0x97 (MQTT 3: 3). A client taking over its own session does not count twice.",
  },
  maxConnectionsPerIp: {
    type: "integer",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "Most connections from one IP address at once; 0 for no limit. Over it: CONNACK 0x97 (MQTT 3: 3). Behind a proxy every client has the proxy's address.",
  },
  connectionRatePerIp: {
    type: "number",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "New connections per second one IP address may open (a token bucket refilled at this rate); 0 for no limit. Over it: CONNACK 0x9F Connection rate exceeded (MQTT 3: 3 Server unavailable), before authentication runs.",
  },
  connectionBurstPerIp: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: 10,
    description: "Connections one IP address may open at once before `connectionRatePerIp` applies.",
  },
  maxSubscriptionsPerClient: {
    type: "integer",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "Most subscriptions one session holds; 0 for no limit. A SUBSCRIBE that would exceed it gets reason code 0x97 Quota exceeded for each filter over the limit (MQTT 3: 0x80); replacing an existing subscription is always allowed.",
  },
  maxRetainedPerTenant: {
    type: "integer",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "Most retained messages one tenant keeps (the default tenant's are all those outside a tenant mount; the broker's own `$SYS` ones are not counted); 0 for no limit, as in Mosquitto and EMQX. Replacing or clearing a retained message is always allowed. A retained PUBLISH to a new topic over the limit is refused with PUBACK/PUBREC 0x97 Quota exceeded when the publisher can be told (MQTT 5, QoS 1 and 2): it is then neither retained nor routed. Otherwise (MQTT 3, QoS 0, wills, the broker's own messages) it is routed to the current subscribers but not retained.",
  },
  maxRetainedBytesPerTenant: {
    type: "integer",
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
    description:
      "Most bytes of one tenant's retained messages, each counted about as in a PUBLISH: topic (with the tenant's mount), payload and properties (a user property with its 5 bytes of framing); 0 for no limit. A retained message on a new topic that would pass it, or a replacement that adds more bytes than are left, is handled as for `maxRetainedPerTenant` (a replacement that is not retained also removes the out-of-date value it would have replaced); a replacement of the same size or smaller always passes.",
  },
  maxTopicLevels: {
    type: "integer",
    minimum: 0,
    maximum: UINT16_MAX,
    default: 0,
    description:
      "Most levels a topic name or filter may have (`a/b/c` has 3); 0 for no limit. A PUBLISH over it is refused with 0x90 Topic Name invalid, a subscription with 0x8F Topic Filter invalid, a will with CONNACK 0x90.",
  },
  maxTopicLength: {
    type: "integer",
    minimum: 1,
    maximum: UINT16_MAX,
    default: UINT16_MAX,
    description:
      "Most UTF-8 bytes of a topic name or filter (the MQTT limit, 65535, by default). Over it: as for `maxTopicLevels`.",
  },
  messageRatePerClient: {
    type: "number",
    minimum: 0,
    maximum: INT32_MAX,
    default: 0,
    description:
      "PUBLISH packets per second one client may send (a token bucket); 0 for no limit. A client over it is disconnected: MQTT 5 DISCONNECT 0x96 Message rate too high, MQTT 3 the connection is closed.",
  },
  messageBurstPerClient: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: 100,
    description: "PUBLISH packets one client may send at once before `messageRatePerClient` applies.",
  },
  byteRatePerClient: {
    type: "number",
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
    description:
      "PUBLISH payload bytes per second one client may send (a token bucket); 0 for no limit. A client over it is disconnected: MQTT 5 DISCONNECT 0x97 Quota exceeded, MQTT 3 the connection is closed.",
  },
  byteBurstPerClient: {
    type: "integer",
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 1_048_576,
    description:
      "Payload bytes one client may send at once before `byteRatePerClient` applies (1 MiB by default). A single larger message passes when the bucket is full and leaves it in debt.",
  },
};
