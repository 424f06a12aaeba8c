/**
 * The bridges' storage plug-in interface: each outbound bridge's durable outbox (the messages selected
 * for it and not yet acknowledged by its remote broker) and the fingerprint of the configuration it
 * last resynchronised, so a restart neither loses a message nor resends a full snapshot for nothing.
 *
 * Like {@link Store}, it is a change log: `append`/`delete*`/`setConfigHash` are synchronous and only
 * record a change; `commit()` resolves once every change recorded before it is durable. The SQLite
 * implementation writes into the broker's database file and joins its group commit, so a message
 * appended while a PUBLISH is processed is committed with the rest of the turn, before the publisher's
 * acknowledgement when the store holds acknowledgements for the commit. An entry appended and deleted
 * before a commit costs no write at all.
 *
 * `load(bridgeId)` is synchronous and sees every change recorded so far, committed or not: a bridge
 * starts from exactly what the store holds, in the same event-loop turn as it starts taking messages,
 * so no message can fall between the two.
 *
 * Every implementation runs the contract suite in `test/contract/outbox-store.contract.ts`.
 * @module
 */

import type { MessageProperties } from "../session/index.js";

/** One message waiting in a bridge's outbox. */
export interface OutboxEntry {
  /** Position in the bridge's outbox; increasing, unique per bridge. */
  readonly seq: number;
  /** The internal (tenant-mounted) topic the message was published on. */
  readonly topic: string;
  readonly payload: Uint8Array;
  /** The RETAIN flag it was published with (snapshot messages are retained). */
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  /** Milliseconds since the epoch when the message entered the outbox. */
  readonly createdAt: number;
  /** Milliseconds since the epoch after which it must not be sent (its Message Expiry Interval). */
  readonly expiresAt: number | undefined;
}

/** What the store holds for one bridge. */
export interface OutboxContents {
  /** In `seq` order. */
  readonly entries: readonly OutboxEntry[];
  /** The fingerprint given to the last `setConfigHash`, undefined when none (a new bridge). */
  readonly configHash: string | undefined;
}

export interface OutboxStore {
  readonly name: string;
  /** True when committed changes survive the process. */
  readonly durable: boolean;
  /** What is recorded for `bridgeId`, committed or not (see the module comment). */
  load(bridgeId: string): OutboxContents;
  /** The ids of every bridge the store holds entries or a fingerprint for. */
  bridgeIds(): readonly string[];
  append(bridgeId: string, entry: OutboxEntry): void;
  delete(bridgeId: string, seq: number): void;
  setConfigHash(bridgeId: string, hash: string): void;
  /** Deletes every entry and the fingerprint of a bridge (when the bridge is removed). */
  deleteBridge(bridgeId: string): void;
  /** Resolves when every change recorded so far is durable. */
  commit(): Promise<void>;
  close(): Promise<void>;
}
