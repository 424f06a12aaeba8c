/**
 * The `storage` configuration section: its type and its JSON Schema.
 * @module
 */

import { type PropertiesOf, valuesOf, MIB } from "../schema-support.js";

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

const storageKinds = valuesOf<StorageKind>({ sqlite: 0, memory: 0 });
const durabilities = valuesOf<StorageDurability>({ strict: 0, process: 0, relaxed: 0 });

export const storageProperties: PropertiesOf<StorageConfig> = {
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
      "`sqlite` only: what an acknowledgement waits for. `strict`: PUBACK, PUBREC and PUBCOMP (and every other packet of the same moment) are sent only after the commit that covers the message, with the write-ahead log synced to disk: an acknowledged message survives a process crash, an OS crash and a power loss. `process`: the same, without syncing at each commit: survives a process crash, but the last commits (up to the last checkpoint) may be lost on an OS crash or power loss. `relaxed`: acknowledges at once and commits every `commitInterval` ms: up to `commitInterval` ms of acknowledged messages may be lost on any crash, and QoS 2 may deliver a message twice across one; while commits fail (a full disk) it acknowledges only after a commit, as `strict`, until one succeeds. See docs/storage.md.",
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
