/**
 * The `queue` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf, valuesOf, INT32_MAX, MIB } from "../schema-support.js";

export type QueueOverflowPolicy = "drop-new" | "drop-old";

export interface QueueConfig {
  /** Per-session cap on queued messages (offline, or beyond the in-flight window). */
  readonly maxMessages: number;
  /** Per-session cap on queued bytes (each message's topic, properties and payload). */
  readonly maxBytes: number;
  /** Whether QoS 0 messages are queued for offline persistent sessions. */
  readonly queueQos0: boolean;
  /** Which message is dropped when a queue is full. */
  readonly overflow: QueueOverflowPolicy;
}

const overflowPolicies = valuesOf<QueueOverflowPolicy>({ "drop-new": 0, "drop-old": 0 });

export const queueProperties: PropertiesOf<QueueConfig> = {
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
    description:
      "Most bytes queued for one session (16 MiB by default). A message counts its topic, properties (User Properties, Correlation Data, Content Type, Response Topic) and payload, as a PUBLISH carries them, so empty payloads with large properties fill the queue too.",
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
