/**
 * The typed, validated, frozen broker configuration. `load-config.ts` builds it from defaults, a YAML
 * file, `SWITCHBOARD_*` environment variables and command-line flags (in that order of precedence,
 * lowest first); `config-schema.ts` is the JSON Schema it is validated against.
 * @module
 */

export type ListenerKind = "tcp" | "ws";

export interface ListenerConfig {
  /** A name for logs and metrics; defaults to `<kind>:<port>`. */
  readonly name: string;
  readonly kind: ListenerKind;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** WebSocket only: the HTTP path MQTT is served on. */
  readonly path: string;
}

export type QueueOverflowPolicy = "drop-new" | "drop-old";

export interface MqttConfig {
  /** Largest packet we accept, in bytes (advertised as Maximum Packet Size to v5 clients). */
  readonly maxPacketSize: number;
  /** How many unacknowledged inbound QoS 1/2 PUBLISH a client may have (our Receive Maximum). */
  readonly receiveMaximum: number;
  /** Upper bound on outbound in-flight QoS 1/2 messages per client (also capped by the client's Receive Maximum). */
  readonly maxInflight: number;
  /** How many inbound topic aliases a client may use (our Topic Alias Maximum); 0 disables. */
  readonly topicAliasMaximum: number;
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

export interface QueueConfig {
  /** Per-session cap on queued messages (offline, or beyond the in-flight window). */
  readonly maxMessages: number;
  /** Per-session cap on queued payload bytes. */
  readonly maxBytes: number;
  /** Whether QoS 0 messages are queued for offline persistent sessions. */
  readonly queueQos0: boolean;
  /** Which message is dropped when a queue is full. */
  readonly overflow: QueueOverflowPolicy;
}

export interface AuthConfig {
  /** Whether clients without credentials are accepted. Defaults to true only when every listener is on a loopback address. */
  readonly allowAnonymous: boolean;
}

export interface SysConfig {
  /** Seconds between `$SYS` refreshes; 0 disables `$SYS` topics. */
  readonly interval: number;
}

/** Where state is kept: an embedded SQLite file (the default) or this process's memory only. */
export type StorageKind = "sqlite" | "memory";

/** What an acknowledgement waits for (see docs/storage.md). */
export type StorageDurability = "strict" | "process" | "relaxed";

export interface StorageConfig {
  readonly kind: StorageKind;
  /** SQLite: the data directory; the database is `<path>/switchboard.db`. */
  readonly path: string;
  /** SQLite: `strict` (ack after an fsynced commit), `process` (ack after commit), `relaxed` (ack at once). */
  readonly durability: StorageDurability;
  /** SQLite: milliseconds a change may wait before the store commits it by itself. */
  readonly commitInterval: number;
  /** SQLite: seconds between housekeeping passes (expired messages, compaction); 0 disables them. */
  readonly housekeepingInterval: number;
  /** SQLite: free space in the database file, in bytes, above which housekeeping gives it back. */
  readonly compactThreshold: number;
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LogConfig {
  readonly level: LogLevel;
}

export interface Config {
  readonly listeners: readonly ListenerConfig[];
  readonly mqtt: MqttConfig;
  readonly queue: QueueConfig;
  readonly auth: AuthConfig;
  readonly sys: SysConfig;
  readonly storage: StorageConfig;
  readonly log: LogConfig;
}

/** Session Expiry Interval meaning "never expires" [MQTT-3.1.2-23 context]. */
export const SESSION_NEVER_EXPIRES = 0xffffffff;
