/**
 * `$SYS` topics of things that come and go (bridges, tenants with privacy rules), next to the broker's
 * own (sys-topics.ts): published retained every `sys.interval` seconds, each topic only when its value
 * changed; a thing that is gone has its topics cleared (a zero-length retained message each).
 * @module
 */

import type { Broker } from "./broker.js";

/** The broker calls the topics need. */
export type SysPublisher = Pick<Broker, "publishLocal" | "nextMessageId" | "now">;

/** The topics and values of one thing, under its key. */
export interface KeyedSysValues {
  readonly key: string;
  readonly values: ReadonlyMap<string, string>;
}

export interface KeyedSysTopicsOptions {
  readonly broker: SysPublisher;
  /** Seconds between two publications; 0 turns them off (as `sys.interval`). */
  readonly interval: number;
  /** Everything there is now, with its values. */
  readonly entries: () => Iterable<KeyedSysValues>;
}

const EMPTY = new Uint8Array(0);

/** Publishes a broker-made `$SYS` value: QoS 0, retained, on this node only. */
export function publishSysValue(broker: SysPublisher, topic: string, payload: Uint8Array, now: number): void {
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

export class KeyedSysTopics {
  readonly #options: KeyedSysTopicsOptions;
  readonly #encoder = new TextEncoder();
  /** What was last published, per key, by topic. */
  readonly #last = new Map<string, Map<string, string>>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: KeyedSysTopicsOptions) {
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

  /** Publishes what changed since the last time, and clears the topics of keys that are gone. */
  publish(): void {
    const { broker } = this.#options;
    const now = broker.now();
    const current = new Set<string>();
    for (const { key, values } of this.#options.entries()) {
      current.add(key);
      let last = this.#last.get(key);
      if (last === undefined) this.#last.set(key, (last = new Map<string, string>()));
      for (const [topic, value] of values) {
        if (last.get(topic) === value) continue;
        last.set(topic, value);
        publishSysValue(broker, topic, this.#encoder.encode(value), now);
      }
    }
    for (const [key, topics] of this.#last) {
      if (current.has(key)) continue;
      for (const topic of topics.keys()) publishSysValue(broker, topic, EMPTY, now);
      this.#last.delete(key);
    }
  }
}
