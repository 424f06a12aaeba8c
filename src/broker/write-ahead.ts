/**
 * Write-ahead for stores that ask for it (`Store.ackAfterCommit`: the SQLite store in `strict` and
 * `process` mode): nothing reaches a client before the store has committed the changes behind it.
 *
 * Once per event-loop turn the broker hands over the connections that batched packets in that turn.
 * Their batches are taken (later packets go into new ones), the store commits once (the group commit
 * covering every change of the turn), and only then are the batches written, each with the
 * acknowledgements held for that commit appended (PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK). So an
 * acknowledged message is never lost, and a client never sees a delivery or a PUBREL that a crash could
 * take back: a PUBLISH resent after a restart always finds the receiver still holding its packet id,
 * which keeps QoS 2 exactly-once across a crash. One commit runs at a time; what is batched meanwhile
 * waits for the next one.
 *
 * If the commit fails, nothing of the turn is written: those clients are disconnected (they resend, or
 * get resent, what was not acknowledged when they reconnect) and the store retries its changes. The
 * first failure is logged with its error; while commits go on failing (a full disk), one summary line
 * per 30 s at most (`FailureLog`).
 * @module
 */

import type { Store } from "../hooks/index.js";
import { FailureLog, type Logger } from "../observability/index.js";
import { type Packet, PacketType } from "../protocol/index.js";
import type { Connection } from "./connection.js";
import type { OutboundBatch } from "./outbound-batch.js";

interface HeldAck {
  readonly conn: Connection;
  readonly packet: Packet;
  readonly then: (() => void) | undefined;
}

export interface WriteAheadOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Asks for another flush at the end of the turn (a commit finished and more is waiting). */
  readonly scheduleFlush: () => void;
}

export class WriteAhead {
  readonly #options: WriteAheadOptions;
  readonly #failures: FailureLog;
  #heldAcks: HeldAck[] = [];
  #afterCommit: (() => void)[] = [];
  /** The commit in progress, whose batches are written when it resolves. */
  #committing: Promise<void> | undefined;

  constructor(options: WriteAheadOptions) {
    this.#options = options;
    this.#failures = new FailureLog({ logger: options.logger, code: "SB_ERR_STORE" });
  }

  /** True when acknowledgements or callbacks wait for the next commit. */
  get waiting(): boolean {
    return this.#heldAcks.length > 0 || this.#afterCommit.length > 0;
  }

  /** Holds an acknowledgement until the next commit; `then` runs right after it is sent. */
  hold(conn: Connection, packet: Packet, then: (() => void) | undefined): void {
    if (packet.type === PacketType.PUBACK) conn.pendingAcks++;
    conn.heldAcks++;
    this.#heldAcks.push({ conn, packet, then });
  }

  /** Runs `callback` after the next commit, once that commit's batches are written. */
  afterCommit(callback: () => void): void {
    this.#afterCommit.push(callback);
  }

  /** True while a commit is in progress or something waits for the next one. */
  get busy(): boolean {
    return this.#committing !== undefined || this.waiting;
  }

  /** Resolves once no commit is in progress. */
  async settled(): Promise<void> {
    while (this.#committing !== undefined) await this.#committing;
  }

  /**
   * Takes the batches of `dirty` (the connections that batched packets this turn) and of the
   * connections with held acknowledgements, commits, then writes them. Returns false, taking nothing,
   * while a commit is in progress (its completion asks for another flush).
   */
  flush(dirty: readonly Connection[]): boolean {
    if (this.#committing !== undefined) return false;
    const held = this.#heldAcks;
    const callbacks = this.#afterCommit;
    if (held.length === 0 && callbacks.length === 0 && dirty.length === 0) return true;
    this.#heldAcks = [];
    this.#afterCommit = [];
    const batches = new Map<Connection, OutboundBatch>();
    for (const conn of dirty) batches.set(conn, conn.takeBatch());
    for (const { conn } of held) if (!batches.has(conn)) batches.set(conn, conn.takeBatch());
    this.#committing = this.#options.store.commit().then(
      () => {
        this.#committing = undefined;
        if (this.#failures.failing) this.#failures.recovered(undefined); // the store logs its recovery
        for (const { conn, packet } of held) {
          if (packet.type === PacketType.PUBACK) conn.pendingAcks--;
          conn.heldAcks--;
          conn.encodeInto(batches.get(conn)!, packet);
        }
        for (const [conn, batch] of batches) conn.writeBatch(batch);
        for (const { then } of held) then?.();
        for (const callback of callbacks) callback();
        this.#options.scheduleFlush();
      },
      (error: unknown) => {
        this.#committing = undefined;
        this.#failures.failed(
          error instanceof Error ? error : new Error(String(error)),
          "Store commit failed: disconnecting the clients whose packets waited for it",
          { clients: batches.size },
        );
        for (const { conn } of held) conn.heldAcks--;
        for (const conn of batches.keys()) conn.storageFailed();
        for (const callback of callbacks) callback();
        this.#options.scheduleFlush();
      },
    );
    return true;
  }
}
