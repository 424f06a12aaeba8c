import type { PacketType, ProtocolVersion, QoS } from "../packet-type.js";
import type { Properties } from "../properties.js";

/** The Will Message carried in a CONNECT packet (spec 3.1.3.2 - 3.1.3.4). */
export interface Will {
  topic: string;
  payload: Uint8Array;
  qos: QoS;
  retain: boolean;
  /** v5 Will Properties. */
  properties?: Properties;
}

/** CONNECT (spec 3.1). */
export interface ConnectPacket {
  readonly type: typeof PacketType.CONNECT;
  /** "MQTT" for 3.1.1 and 5.0, "MQIsdp" for 3.1. */
  protocolName: string;
  protocolVersion: ProtocolVersion;
  /** May be empty; the server may then assign one. */
  clientId: string;
  /** "Clean Session" in v3. */
  cleanStart: boolean;
  /** Seconds; 0 disables keep-alive. */
  keepAlive: number;
  username?: string;
  password?: Uint8Array;
  will?: Will;
  properties?: Properties;
}
