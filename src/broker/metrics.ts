/**
 * Broker counters, read by `$SYS` topics (and later by Prometheus).
 * @module
 */

import type { DropReason } from "../session/index.js";

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
  };

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  clientConnected(): void {
    this.clientsConnected++;
    if (this.clientsConnected > this.clientsMaximum) this.clientsMaximum = this.clientsConnected;
  }
}
