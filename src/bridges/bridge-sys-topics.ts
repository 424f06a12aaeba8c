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

import { KeyedSysTopics, type SysPublisher } from "../broker/keyed-sys-topics.js";
import type { BridgeStatus } from "./bridge-status.js";

export interface BridgeSysTopicsOptions {
  readonly broker: SysPublisher;
  /** Seconds between two publications; 0 turns them off (as `sys.interval`). */
  readonly interval: number;
  readonly statuses: () => readonly BridgeStatus[];
}

const PREFIX = "$SYS/broker/bridges/";

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

/** The bridges' status topics: a {@link KeyedSysTopics} keyed by bridge id. */
export class BridgeSysTopics extends KeyedSysTopics {
  constructor(options: BridgeSysTopicsOptions) {
    super({
      broker: options.broker,
      interval: options.interval,
      entries: () =>
        options.statuses().map((status) => ({ key: status.id, values: bridgeSysValues(status) })),
    });
  }
}
