/**
 * Where a bridge's full resync comes from. When a bridge is added, or its configuration changes (also
 * while Switchboard was stopped: the outbox store keeps the fingerprint of the configuration last
 * synchronised), it queues a snapshot of the current state ahead of what comes next, so the remote
 * broker has every current value even for topics that do not change again.
 *
 * A source is synchronous on purpose: the bridge takes the snapshot and starts (or keeps) taking live
 * messages in the same event-loop turn, so no message can fall between the two, and no snapshot value
 * can overtake a newer live one. The default, {@link retainedSnapshot}, is the broker's retained
 * messages matching the bridge's filters: that is every dialect's current state and metadata too (the
 * `placeos` dialect keeps each module state key and each model's metadata retained, reconciled with
 * the registry at start), so a bridge of a PlaceOS tenant gets the full state and metadata resync.
 * @module
 */

import type { Broker } from "../broker/index.js";
import type { MessageProperties } from "../session/index.js";
import type { BridgeConfig } from "./bridge-config.js";

export interface SnapshotRequest {
  readonly config: BridgeConfig;
  /** The bridge's internal (tenant-mounted) filters. */
  readonly filters: readonly string[];
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** One message of a snapshot, on an internal (tenant-mounted) topic. */
export interface SnapshotMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Default true: a snapshot is current state. */
  readonly retain?: boolean;
  readonly properties?: MessageProperties;
  readonly expiresAt?: number;
}

export type SnapshotSource = (request: SnapshotRequest) => Iterable<SnapshotMessage>;

/** The default source: the retained messages matching the bridge's filters, each topic once. */
export function retainedSnapshot(retained: Pick<Broker["retained"], "match">): SnapshotSource {
  return (request) => {
    const byTopic = new Map<string, SnapshotMessage>();
    for (const filter of request.filters) {
      retained.match(filter, request.now, (message) => {
        byTopic.set(message.topic, {
          topic: message.topic,
          payload: message.payload,
          retain: true,
          ...(message.properties === undefined ? {} : { properties: message.properties }),
          ...(message.expiresAt === undefined ? {} : { expiresAt: message.expiresAt }),
        });
      });
    }
    return byTopic.values();
  };
}
