/**
 * What a bridge reports about itself (the admin API's `GET /api/v1/brokers/<id>/status`, metrics).
 * Counters start at 0 when the bridge is added or Switchboard starts; the outbox is what persists.
 * @module
 */

/** The connection's state: `waiting` is the backoff between two attempts. */
export type BridgeState = "connecting" | "connected" | "waiting" | "stopped";

export interface BridgeError {
  readonly message: string;
  /**
   * A stable code when there is one: Node's TLS and socket codes (`SELF_SIGNED_CERT_IN_CHAIN`,
   * `ERR_TLS_CERT_ALTNAME_INVALID`, `ECONNREFUSED`...), `MQTT_<reason code>` for a refusal by the
   * remote broker (CONNACK, PUBACK or DISCONNECT), `CONNECT_TIMEOUT`, `CONNECTION_CLOSED`,
   * `RESYNC_FAILED` (the snapshot source threw), `PACKET_TOO_LARGE` (a message above the remote's
   * Maximum Packet Size, given up).
   */
  readonly code: string | undefined;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

export interface BridgeStatus {
  readonly id: string;
  readonly state: BridgeState;
  readonly connected: boolean;
  /** Messages in the outbox, in flight included. */
  readonly queueDepth: number;
  /** Bytes (topic + payload) in the outbox. */
  readonly queueBytes: number;
  /** Messages sent and not yet acknowledged. */
  readonly inflight: number;
  readonly lastError: BridgeError | undefined;
  /** Milliseconds since the epoch of the last successful connection. */
  readonly lastConnectedAt: number | undefined;
  /** Messages the remote broker acknowledged (QoS 1/2) or that were written (QoS 0). */
  readonly published: number;
  /**
   * Messages given up, removed from the outbox undelivered: the remote broker refused them (counted in
   * `refused` too), or they were larger than its Maximum Packet Size. Not the messages in flight when a
   * connection is lost: they are sent again.
   */
  readonly failed: number;
  /**
   * Messages the remote broker refused for good (a PUBACK/PUBREC reason code >= 0x80 about the message,
   * see `refusalAttempts`): removed from the outbox and logged. A refusal for now (0x97) is not counted.
   */
  readonly refused: number;
  /** Messages removed from the outbox because a newer value of their topic waited and a bound was hit. */
  readonly coalesced: number;
  /** Messages removed from the outbox because it was over its bounds with one message per topic. */
  readonly dropped: number;
  /** Messages not sent because their Message Expiry Interval ran out. */
  readonly expired: number;
  /** Messages the bridge's transform (privacy rules) withheld. */
  readonly filtered: number;
  /** Messages not taken because they had crossed `maxHops` bridges already (a loop, or a longer chain). */
  readonly hopLimited: number;
  /** Full resyncs queued since the bridge started, and when the last one was. */
  readonly resyncs: number;
  readonly lastResyncAt: number | undefined;
}
