/**
 * The JSON Schema (draft-07, validated with ajv) of {@link Config}. It is the single source of the
 * configuration's bounds, defaults and descriptions: `load-config.ts` validates against it, the
 * `SWITCHBOARD_*` environment variables are derived from it, and `docs/configuration.md` is generated
 * from it (`scripts/gen-config-docs.ts`).
 *
 * Two defaults cannot be static and are filled in after validation (their `x-default` annotation says
 * so): a listener's `name` (`<kind>:<port>`) and `auth.allowAnonymous` (true only when every listener is
 * on a loopback address, as Mosquitto 2 does).
 * @module
 */

import type {
  AuthConfig,
  Config,
  ListenerConfig,
  ListenerKind,
  LogConfig,
  LogLevel,
  MqttConfig,
  QueueConfig,
  QueueOverflowPolicy,
  StorageConfig,
  StorageDurability,
  StorageKind,
  SysConfig,
} from "./config.js";

/** The subset of draft-07 JSON Schema the configuration schema uses. */
export type JsonSchema = {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  readonly default?: unknown;
  /** Annotation (not validated): how a default that is computed after validation is chosen. */
  readonly "x-default"?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
};

/** The annotation keywords the schema uses beyond draft-07; register them with ajv. */
export const annotationKeywords = ["x-default"] as const;

/** One schema per key of `T`, no more and no fewer: keeps the schema in step with `config.ts`. */
type PropertiesOf<T> = { readonly [K in keyof T]-?: JsonSchema };

/** The values of a string union, checked for completeness by `Record<T, 0>`. */
function valuesOf<T extends string>(table: Record<T, 0>): readonly T[] {
  return Object.keys(table) as T[];
}

const listenerKinds = valuesOf<ListenerKind>({ tcp: 0, ws: 0 });
const overflowPolicies = valuesOf<QueueOverflowPolicy>({ "drop-new": 0, "drop-old": 0 });
const logLevels = valuesOf<LogLevel>({ trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, silent: 0 });
const storageKinds = valuesOf<StorageKind>({ sqlite: 0, memory: 0 });
const durabilities = valuesOf<StorageDurability>({ strict: 0, process: 0, relaxed: 0 });

/** The largest value of a 16-bit MQTT field (Receive Maximum, Topic Alias Maximum, Keep Alive). */
const UINT16_MAX = 65_535;
/** The largest packet MQTT can frame: a Remaining Length of 268,435,455 bytes. */
const MQTT_PACKET_MAX = 268_435_455;
const UINT32_MAX = 4_294_967_295;
const INT32_MAX = 2_147_483_647;
const MIB = 1_048_576;

/** Default listener: loopback only, like Mosquitto 2 when it has no listener configured. */
export const DEFAULT_LISTENER_HOST = "127.0.0.1";

const portSchema: JsonSchema = {
  type: "integer",
  minimum: 0,
  maximum: UINT16_MAX,
  description: "TCP port to listen on. 0 picks a free port (for tests).",
};

const listenerProperties: PropertiesOf<ListenerConfig> = {
  name: {
    type: "string",
    minLength: 1,
    maxLength: 64,
    "x-default": "`<kind>:<port>`",
    description: "Name of the listener in logs and metrics; must be unique.",
  },
  kind: {
    type: "string",
    enum: listenerKinds,
    default: "tcp",
    description: "Transport: `tcp` (plain MQTT over TCP) or `ws` (MQTT over WebSocket).",
  },
  host: {
    type: "string",
    minLength: 1,
    default: DEFAULT_LISTENER_HOST,
    description:
      "Address to bind. The default accepts local connections only; `0.0.0.0` (IPv4) or `::` (IPv6 and IPv4) accepts connections from the network.",
  },
  port: portSchema,
  path: {
    type: "string",
    pattern: "^/",
    default: "/mqtt",
    description: "WebSocket listeners only: the HTTP path MQTT is served on. Ignored by tcp listeners.",
  },
};

const mqttProperties: PropertiesOf<MqttConfig> = {
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
      "Unsent bytes buffered for one socket above which its client is treated as a slow consumer (1 MiB by default).",
  },
};

const queueProperties: PropertiesOf<QueueConfig> = {
  maxMessages: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: 1000,
    description:
      "Most messages queued for one session (while it is offline, or beyond its in-flight window).",
  },
  maxBytes: {
    type: "integer",
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 16 * MIB,
    description: "Most payload bytes queued for one session (16 MiB by default).",
  },
  queueQos0: {
    type: "boolean",
    default: false,
    description: "Whether QoS 0 messages are queued for offline persistent sessions (Mosquitto does not).",
  },
  overflow: {
    type: "string",
    enum: overflowPolicies,
    default: "drop-new",
    description:
      "Which message is dropped when a session's queue is full: `drop-new` (the arriving one) or `drop-old` (the oldest queued).",
  },
};

const authProperties: PropertiesOf<AuthConfig> = {
  allowAnonymous: {
    type: "boolean",
    "x-default": "`true` if every listener is on a loopback address, else `false`",
    description:
      "Whether clients that send no credentials are accepted. When not set, it is true only if every listener's host is a loopback address (127.0.0.0/8, ::1 or localhost), as in Mosquitto 2: a broker reachable from the network needs this set explicitly to accept anonymous clients.",
  },
};

const sysProperties: PropertiesOf<SysConfig> = {
  interval: {
    type: "integer",
    minimum: 0,
    maximum: 86_400,
    default: 10,
    description: "Seconds between updates of the `$SYS` topics; 0 disables them.",
  },
};

const storageProperties: PropertiesOf<StorageConfig> = {
  kind: {
    type: "string",
    enum: storageKinds,
    default: "sqlite",
    description:
      "Where sessions, subscriptions, queues, in-flight messages, retained messages and wills are kept. `sqlite` (the default) keeps them in one embedded SQLite file, `<path>/switchboard.db`, and finds them again after a restart or a crash; `memory` keeps them in this process only and loses them on restart (for tests, or when nothing may touch the disk).",
  },
  path: {
    type: "string",
    minLength: 1,
    default: "./data",
    description:
      "`sqlite` only: the data directory, created when missing; the database is `<path>/switchboard.db`. A relative path is relative to the working directory. One broker per directory: a second one refuses to start.",
  },
  durability: {
    type: "string",
    enum: durabilities,
    default: "strict",
    description:
      "`sqlite` only: what an acknowledgement waits for. `strict`: PUBACK, PUBREC and PUBCOMP (and every other packet of the same moment) are sent only after the commit that covers the message, with the write-ahead log synced to disk: an acknowledged message survives a process crash, an OS crash and a power loss. `process`: the same, without syncing at each commit: survives a process crash, but the last commits (up to the last checkpoint) may be lost on an OS crash or power loss. `relaxed`: acknowledges at once and commits every `commitInterval` ms: up to `commitInterval` ms of acknowledged messages may be lost on any crash, and QoS 2 may deliver a message twice across one. See docs/storage.md.",
  },
  commitInterval: {
    type: "integer",
    minimum: 1,
    maximum: 60_000,
    default: 5,
    description:
      "`sqlite` only: milliseconds a change may wait before the store commits it by itself. An acknowledgement never waits this long under `strict` and `process` (the broker commits once per event-loop turn when one is waiting); it bounds the delay of changes nobody waits for (a subscriber's PUBACK, session state) and, under `relaxed`, how much acknowledged data a crash can lose. The store also commits as soon as 10000 changes are waiting.",
  },
  housekeepingInterval: {
    type: "integer",
    minimum: 0,
    maximum: 86_400,
    default: 60,
    description:
      "`sqlite` only: seconds between housekeeping passes, which delete queued and retained messages whose Message Expiry Interval has passed, give free space back to the file system (see `compactThreshold`) and checkpoint the write-ahead log; 0 disables them.",
  },
  compactThreshold: {
    type: "integer",
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 4 * MIB,
    description:
      "`sqlite` only: free space inside the database file, in bytes, above which a housekeeping pass returns it to the file system (an incremental vacuum). Free space below it is kept for reuse by new data, which is cheaper than growing the file again. 0 returns every free page at each pass.",
  },
};

const logProperties: PropertiesOf<LogConfig> = {
  level: {
    type: "string",
    enum: logLevels,
    default: "info",
    description: "Lowest level of the log lines written; `silent` writes none.",
  },
};

function section(description: string, properties: Readonly<Record<string, JsonSchema>>): JsonSchema {
  return { type: "object", description, additionalProperties: false, default: {}, properties };
}

const configProperties: PropertiesOf<Config> = {
  listeners: {
    type: "array",
    description:
      "Sockets the broker accepts MQTT connections on. Without any, the broker listens on 127.0.0.1:1883 only. Giving this list replaces the default.",
    default: [{ kind: "tcp", host: DEFAULT_LISTENER_HOST, port: 1883 }],
    items: {
      type: "object",
      description: "One listener.",
      additionalProperties: false,
      required: ["port"],
      properties: listenerProperties,
    },
  },
  mqtt: section("MQTT protocol limits and the features advertised to clients.", mqttProperties),
  queue: section("Per-session message queues.", queueProperties),
  auth: section("Authentication.", authProperties),
  sys: section("The `$SYS` status topics.", sysProperties),
  storage: section(
    "Persistence of sessions, queues, in-flight and retained messages and wills (see docs/storage.md).",
    storageProperties,
  ),
  log: section("Logging.", logProperties),
};

/** The JSON Schema of the whole configuration file. */
export const configSchema: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Switchboard configuration",
  description: "The broker configuration, as written in the YAML configuration file.",
  type: "object",
  additionalProperties: false,
  properties: configProperties,
};
