/**
 * What enters a bridge's outbox: the broker's messages its {@link BrokerTap} takes, and the snapshots
 * of a full resync. A message that has crossed `maxHops` bridges already is not taken (counted as
 * `hopLimited`: loop protection, see bridge-hops.ts); the others go through the transform (the
 * privacy rules) before they are appended, and what the transform withholds is counted as `filtered`.
 * Runs in the broker's publish path: it never throws there (a throwing transform withholds the
 * message, logged).
 * @module
 */

import type { Logger } from "../observability/index.js";
import type { ApplicationMessage } from "../session/index.js";
import type { BridgeConfig } from "./bridge-config.js";
import { bridgeHops, HOPS_PROPERTY } from "./bridge-hops.js";
import type { BridgeError } from "./bridge-status.js";
import { BrokerTap, type TapRouter } from "./broker-tap.js";
import type { Outbox, OutboxMessage } from "./outbox.js";
import type { SnapshotSource } from "./snapshot-source.js";

/**
 * Rewrites or withholds a message before it enters a bridge's outbox (the privacy engine plugs in
 * here); undefined withholds it (counted as `filtered`). Must be synchronous.
 */
export type BridgeTransform = (message: OutboxMessage, config: BridgeConfig) => OutboxMessage | undefined;

export interface BridgeIntakeOptions {
  readonly config: BridgeConfig;
  /** Internal (tenant-mounted) filters. */
  readonly filters: readonly string[];
  readonly outbox: Outbox;
  readonly router: TapRouter;
  readonly snapshot: SnapshotSource;
  readonly transform: BridgeTransform | undefined;
  readonly log: Logger;
  readonly now: () => number;
  /** Messages were appended: time to send. */
  readonly queued: () => void;
  /** The snapshot source threw (kept as the bridge's `lastError`). */
  readonly failed: (error: BridgeError) => void;
}

export class BridgeIntake {
  readonly #options: BridgeIntakeOptions;
  #tap: BrokerTap | undefined;
  /** Messages the transform withheld. */
  filtered = 0;
  /** Messages not taken because they had crossed `maxHops` bridges already. */
  hopLimited = 0;
  /** Messages the tap did not take because their expiry had passed. */
  expired = 0;
  /** Full resyncs queued, and when the last one was. */
  resyncs = 0;
  lastResyncAt: number | undefined;

  constructor(options: BridgeIntakeOptions) {
    this.#options = options;
  }

  /** Starts taking the broker's messages (registers the tap). */
  open(): void {
    if (this.#tap !== undefined) return;
    const options = this.#options;
    this.#tap = new BrokerTap({
      router: options.router,
      bridgeId: options.config.id,
      filters: options.filters,
      take: (message, retain) => this.#take(message, retain),
      expired: () => this.expired++,
      now: options.now(),
    });
  }

  /** Stops taking messages. */
  close(): void {
    this.#tap?.close();
    this.#tap = undefined;
  }

  /**
   * Queues a full snapshot from the snapshot source; returns the number of messages queued, or
   * undefined when the source failed (logged and reported; what it gave before is queued).
   */
  resync(): number | undefined {
    const { config, filters, log } = this.#options;
    const now = this.#options.now();
    let count = 0;
    try {
      for (const message of this.#options.snapshot({ config, filters, now })) {
        this.#enqueue({
          topic: message.topic,
          payload: message.payload,
          retain: message.retain ?? true,
          properties: message.properties,
          expiresAt: message.expiresAt,
        });
        count++;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#options.failed({ message: `Resync failed: ${message}`, code: "RESYNC_FAILED", at: now });
      log.error({ err: message, queued: count }, "Bridge resync failed: the snapshot source threw");
      this.#options.queued();
      return undefined;
    }
    this.resyncs++;
    this.lastResyncAt = now;
    log.info({ messages: count }, "Bridge resync queued");
    this.#options.queued();
    return count;
  }

  #take(message: ApplicationMessage, retain: boolean): void {
    this.#enqueue({
      topic: message.topic,
      payload: message.payload,
      retain,
      properties: message.properties,
      expiresAt: message.expiresAt,
    });
    this.#options.queued();
  }

  #enqueue(message: OutboxMessage): void {
    const hops = bridgeHops(message.properties);
    if (hops >= this.#options.config.maxHops) {
      this.#hopLimited(message.topic, hops);
      return;
    }
    const transform = this.#options.transform;
    let accepted: OutboxMessage | undefined = message;
    if (transform !== undefined) {
      try {
        accepted = transform(message, this.#options.config);
      } catch (error) {
        // this runs in the broker's publish path: never throw there; withhold rather than leak
        accepted = undefined;
        this.#options.log.error(
          { topic: message.topic, err: error instanceof Error ? error.message : String(error) },
          "Bridge transform threw: message withheld",
        );
      }
    }
    if (accepted === undefined) this.filtered++;
    else this.#options.outbox.append(accepted);
  }

  /** Counted; the first one of a run logged as a warning (a loop, or a chain that needs a larger maxHops). */
  #hopLimited(topic: string, hops: number): void {
    const fields = { topic, hops, maxHops: this.#options.config.maxHops, property: HOPS_PROPERTY };
    if (this.hopLimited++ === 0)
      this.#options.log.warn(
        fields,
        "Bridge did not take a message that crossed maxHops bridges already (a loop, or a longer chain)",
      );
    else this.#options.log.debug(fields, "Bridge did not take a message that crossed maxHops bridges");
  }
}
