/**
 * Each bridge's status as `$SYS` topics, next to the broker's own (broker/sys-topics.ts), published
 * retained every `sys.interval` seconds and only when a value changed:
 *
 * - `$SYS/broker/bridges/<id>/state`: `connecting`, `connected`, `waiting` or `stopped`
 * - `$SYS/broker/bridges/<id>/connected`: `1` or `0`
 * - `$SYS/broker/bridges/<id>/queue/depth`: messages in the outbox, in flight included
 * - `$SYS/broker/bridges/<id>/messages/published`, `.../messages/failed`: the status's counters
 *
 * A bridge that is gone has its topics cleared (a zero-length retained message each). Bridge ids
 * cannot contain `/`, `+` or `#`, so each is one topic level. Like every `$SYS` topic, only
 * administrators may subscribe to them.
 * @module
 */

import type { Broker } from "../broker/index.js";
import type { BridgeStatus } from "./bridge-status.js";

export interface BridgeSysTopicsOptions {
  readonly broker: Pick<Broker, "publishLocal" | "nextMessageId" | "now">;
  /** Seconds between two publications; 0 turns them off (as `sys.interval`). */
  readonly interval: number;
  readonly statuses: () => readonly BridgeStatus[];
}

const PREFIX = "$SYS/broker/bridges/";
const EMPTY = new Uint8Array(0);

/** The values of one bridge, by topic. */
export function bridgeSysValues(status: BridgeStatus): Map<string, string> {
  const base = `${PREFIX}${status.id}/`;
  return new Map([
    [`${base}state`, status.state],
    [`${base}connected`, status.connected ? "1" : "0"],
    [`${base}queue/depth`, String(status.queueDepth)],
    [`${base}messages/published`, String(status.published)],
    [`${base}messages/failed`, String(status.failed)],
  ]);
}

export class BridgeSysTopics {
  readonly #options: BridgeSysTopicsOptions;
  readonly #encoder = new TextEncoder();
  /** What was last published, per bridge, by topic. */
  readonly #last = new Map<string, Map<string, string>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: BridgeSysTopicsOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#options.interval <= 0 || this.#timer !== undefined) return;
    this.publish();
    this.#timer = setInterval(() => this.publish(), this.#options.interval * 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Publishes what changed since the last time, and clears the topics of bridges that are gone. */
  publish(): void {
    const current = new Set<string>();
    for (const status of this.#options.statuses()) {
      current.add(status.id);
      let last = this.#last.get(status.id);
      if (last === undefined) this.#last.set(status.id, (last = new Map<string, string>()));
      for (const [topic, value] of bridgeSysValues(status)) {
        if (last.get(topic) === value) continue;
        last.set(topic, value);
        this.#send(topic, this.#encoder.encode(value));
      }
    }
    for (const [id, topics] of this.#last) {
      if (current.has(id)) continue;
      for (const topic of topics.keys()) this.#send(topic, EMPTY);
      this.#last.delete(id);
    }
  }

  #send(topic: string, payload: Uint8Array): void {
    const broker = this.#options.broker;
    const now = broker.now();
    broker.publishLocal(
      {
        id: broker.nextMessageId(),
        topic,
        payload,
        qos: 0,
        retain: true,
        properties: undefined,
        createdAt: now,
        expiresAt: undefined,
        publisherId: undefined,
      },
      now,
    );
  }
}
