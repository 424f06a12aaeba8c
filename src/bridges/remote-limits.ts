/**
 * The limits the remote broker sets a bridge's connection in its CONNACK (MQTT 5): how many QoS 1 and
 * QoS 2 messages may be in flight (Receive Maximum) and how large a packet may be (Maximum Packet
 * Size). An MQTT 3.1.1 CONNACK sets neither.
 * @module
 */

import type { IConnackPacket } from "mqtt";
import type { BridgeConfig } from "./bridge-config.js";

export interface RemoteLimits {
  /** Messages sent and not yet acknowledged (QoS 1/2) or not yet written (QoS 0), at most. */
  readonly inflight: number;
  /** Bytes a PUBLISH may take on the wire, fixed header included. */
  readonly maxPacketSize: number;
}

/** The Receive Maximum of a CONNACK that has none [spec 3.2.2.3.3]. */
const DEFAULT_RECEIVE_MAXIMUM = 65_535;

/**
 * The limits of a connection: QoS 1/2 messages in flight at most `maxInflight` and the remote's Receive
 * Maximum [MQTT-3.3.4-7] (QoS 0 messages are not counted against it: `maxInflight` alone); packets of at
 * most the remote's Maximum Packet Size [MQTT-3.2.2-15] (no limit when it sets none [spec 3.2.2.3.6]).
 * @example
 * ```ts
 * remoteLimits({ cmd: "connack", sessionPresent: false, properties: { receiveMaximum: 20 } }, config);
 * // { inflight: 20, maxPacketSize: Infinity } with the default maxInflight 32 and QoS 1
 * ```
 */
export function remoteLimits(connack: IConnackPacket, config: BridgeConfig): RemoteLimits {
  const properties = config.protocolVersion === 5 ? connack.properties : undefined;
  const receiveMaximum = properties?.receiveMaximum ?? DEFAULT_RECEIVE_MAXIMUM;
  return {
    inflight: config.qos === 0 ? config.maxInflight : Math.min(config.maxInflight, receiveMaximum),
    maxPacketSize: properties?.maximumPacketSize ?? Infinity,
  };
}
