/**
 * Broker counters, read by `$SYS` topics (and later by Prometheus).
 * @module
 */

import type { DropReason } from "../session/index.js";

/** Actions the access guard and the authorizers decide on. */
export type GuardedAction = "connect" | "publish" | "subscribe" | "receive";

/** Every limit that is counted when it refuses or disconnects a client, or keeps a message from being retained (docs/security.md). */
export type LimitName =
  | "connections"
  | "connections-per-ip"
  | "connections-per-tenant"
  | "connection-rate"
  | "connect-timeout"
  | "packet-size"
  | "user-properties"
  | "subscriptions"
  | "topic-levels"
  | "topic-length"
  | "message-rate"
  | "byte-rate"
  | "retained"
  | "retained-bytes"
  | "password-checks"
  | "password-checks-per-ip";

export const LIMIT_NAMES: readonly LimitName[] = [
  "connections",
  "connections-per-ip",
  "connections-per-tenant",
  "connection-rate",
  "connect-timeout",
  "packet-size",
  "user-properties",
  "subscriptions",
  "topic-levels",
  "topic-length",
  "message-rate",
  "byte-rate",
  "retained",
  "retained-bytes",
  "password-checks",
  "password-checks-per-ip",
];

export class Metrics {
  readonly startedAt: number;
  connectionsAccepted = 0;
  connectionsRejected = 0;
  clientsConnected = 0;
  /** Highest number of clients connected at once. */
  clientsMaximum = 0;
  /** Application messages from clients (PUBLISH accepted, and wills); not the broker's own `$SYS` messages. */
  messagesReceived = 0;
  publishReceived = 0;
  publishSent = 0;
  bytesReceived = 0;
  bytesSent = 0;
  /** PUBLISH that matched no subscriber. */
  publishUnrouted = 0;
  readonly dropped: Record<DropReason, number> = {
    "queue-full": 0,
    expired: 0,
    "slow-consumer": 0,
    "too-large": 0,
    "offline-qos0": 0,
    "not-authorized": 0,
    privacy: 0,
  };
  /** Denied requests by action (tenancy guard and authorizers); receive denials are also `dropped["not-authorized"]`. */
  readonly denied: Record<GuardedAction, number> = { connect: 0, publish: 0, subscribe: 0, receive: 0 };
  /** Times each limit refused a request or disconnected a client. */
  readonly limits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, 0])) as Record<LimitName, number>;

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  clientConnected(): void {
    this.clientsConnected++;
    if (this.clientsConnected > this.clientsMaximum) this.clientsMaximum = this.clientsConnected;
  }
}
