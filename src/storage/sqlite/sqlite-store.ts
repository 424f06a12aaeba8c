/**
 * The embedded SQLite store (better-sqlite3, WAL mode): the broker's default `Store`.
 *
 * Write-behind with group commit: `put*`/`delete*` calls only append to an in-memory buffer of
 * {@link StoreOp}s, in call order. `commit()` applies the whole buffer in one transaction (so one WAL
 * sync covers every change of an event-loop turn) and resolves once it is committed. The store also
 * commits on its own, at a turn boundary, when the buffer is `commitInterval` ms old or holds
 * `maxPending` changes, so state reaches the disk when no acknowledgement waits for it (and in
 * `relaxed` mode, where none ever does).
 *
 * Durability (`durability`): `strict` commits with `synchronous=FULL` (the WAL is synced at every
 * commit: survives a process crash and a power loss) and asks the broker to hold acknowledgements until
 * the commit (`ackAfterCommit`); `process` the same with `synchronous=NORMAL` (survives a process crash;
 * the last commits may be lost on power loss or an OS crash); `relaxed` lets the broker acknowledge at
 * once (up to `commitInterval` ms of acknowledged changes may be lost on any crash).
 *
 * A commit that fails rolls back and keeps its changes in the buffer, in order, to be retried by the
 * next commit; `commit()` rejects with a {@link StoreError}, and a failed commit the store started on its
 * own is reported to `onError`.
 * @module
 */

import type { Database } from "better-sqlite3";
import { StoreError } from "../../errors.js";
import type {
  Store,
  StoreSnapshot,
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { describeSqliteError } from "./describe-sqlite-error.js";
import { databaseStats, housekeep, type DatabaseStats, type HousekeepingResult } from "./housekeeping.js";
import { loadSnapshot, readLastMessageId } from "./load-snapshot.js";
import { openDatabase } from "./open-database.js";
import { applyOp, prepareStatements, type StoreStatements } from "./store-statements.js";
import type { StoreOp } from "./store-op.js";

/**
 * Another writer sharing the store's database and group commit (the registry store,
 * `sqlite-registry-store.ts`): `apply` runs inside each commit's transaction, `committed` after it
 * succeeded; after a failed commit neither is called again for those changes until the next commit,
 * so the participant keeps them until `committed`.
 */
export interface CommitParticipant {
  /** Whether the participant has changes to commit. */
  readonly pending: boolean;
  apply(): void;
  committed(): void;
}

/** What an acknowledgement is allowed to wait for; see the module comment. */
export type Durability = "strict" | "process" | "relaxed";

export interface SqliteStoreOptions {
  /** The database file (created with its directory when missing). */
  readonly file: string;
  readonly durability: Durability;
  /** Milliseconds a recorded change may wait before the store commits by itself. */
  readonly commitInterval: number;
  /** Recorded changes above which the store commits at the end of the turn. Default 10,000. */
  readonly maxPending?: number;
  /** Milliseconds between housekeeping passes (purge, compaction, checkpoint); 0 disables them. */
  readonly housekeepingInterval: number;
  /** Free space, in bytes, above which housekeeping gives free pages back to the file system. */
  readonly compactThreshold: number;
  /** Milliseconds since the epoch (message expiry is checked against it). Default `Date.now`. */
  readonly clock?: () => number;
  /** Called when a commit or housekeeping pass the store started by itself fails. */
  readonly onError?: (error: StoreError) => void;
  /** Called after each housekeeping pass. */
  readonly onHousekeeping?: (result: HousekeepingResult) => void;
}

const DEFAULT_MAX_PENDING = 10_000;

/**
 * The SQLite `Store`: write-behind buffer, one transaction per commit, durability per `durability`.
 * Opening checks the file and takes an exclusive lock on it (see `open-database.ts`).
 * @example
 * ```ts
 * const store = new SqliteStore({
 *   file: "./data/switchboard.db",
 *   durability: "strict",
 *   commitInterval: 5,
 *   housekeepingInterval: 60_000,
 *   compactThreshold: 4 * 1024 * 1024,
 * });
 * const broker = new Broker({ config, logger, store });
 * ```
 */
export class SqliteStore implements Store {
  readonly name = "sqlite";
  readonly durable = true;
  readonly ackAfterCommit: boolean;
  readonly file: string;

  readonly #db: Database;
  readonly #statements: StoreStatements;
  readonly #applyAll: (ops: readonly StoreOp[]) => void;
  readonly #options: SqliteStoreOptions;
  readonly #maxPending: number;
  readonly #now: () => number;
  /** Client ids that have a session, as recorded (puts for other clients are ignored, as in MemoryStore). */
  readonly #sessions: Set<string>;
  #ops: StoreOp[] = [];
  readonly #participants: CommitParticipant[] = [];
  /** Message ids put since the last commit (a message is inserted once per commit). */
  #putIds = new Set<number>();
  #lastMessageId: number;
  #storedLastMessageId: number;
  #commitTimer: NodeJS.Timeout | undefined;
  #commitTimerArmed = false;
  #turnCommitScheduled = false;
  #housekeepingTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Opens (or creates) the database; throws a {@link StoreError} naming the file when it cannot. */
  constructor(options: SqliteStoreOptions) {
    this.#options = options;
    this.file = options.file;
    this.ackAfterCommit = options.durability !== "relaxed";
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.#now = options.clock ?? Date.now;
    this.#db = openDatabase({
      file: options.file,
      synchronous: options.durability === "strict" ? "FULL" : "NORMAL",
    });
    try {
      this.#statements = prepareStatements(this.#db);
      this.#sessions = new Set(this.#db.prepare("SELECT client_id FROM sessions").pluck().all() as string[]);
      this.#lastMessageId = readLastMessageId(this.#db);
    } catch (cause) {
      this.#db.close();
      throw new StoreError(`Cannot open the store "${this.file}": ${describeSqliteError(cause)}`, { cause });
    }
    this.#storedLastMessageId = this.#lastMessageId;
    const statements = this.#statements;
    this.#applyAll = this.#db.transaction((ops: readonly StoreOp[]) => {
      for (const op of ops) applyOp(statements, op);
      for (const participant of this.#participants) participant.apply();
      statements.sweepMessages.run();
      if (this.#lastMessageId > this.#storedLastMessageId)
        statements.putMeta.run("last_message_id", this.#lastMessageId);
    });
    if (options.housekeepingInterval > 0) {
      this.#housekeepingTimer = setInterval(this.#housekeepNow, options.housekeepingInterval);
      this.#housekeepingTimer.unref();
    }
  }

  /**
   * Joins a participant to the database and the group commit; returns the database (already migrated)
   * for it to prepare its statements and read what it needs.
   */
  join(participant: CommitParticipant): Database {
    this.#participants.push(participant);
    return this.#db;
  }

  /** A participant recorded a change: it is committed with the next group commit. */
  participantRecorded(): void {
    if (this.#closed) return;
    if (!this.#commitTimerArmed) this.#armCommitTimer();
  }

  /** Changes recorded and not yet committed. */
  get pending(): number {
    return this.#ops.length;
  }

  load(): Promise<StoreSnapshot> {
    try {
      this.#flush();
      return Promise.resolve(loadSnapshot(this.#db));
    } catch (error) {
      return Promise.reject(this.#wrap("load", error));
    }
  }

  putMessage(message: ApplicationMessage): void {
    if (message.id > this.#lastMessageId) this.#lastMessageId = message.id;
    if (this.#putIds.has(message.id)) return;
    this.#putIds.add(message.id);
    this.#record({ kind: "putMessage", message });
  }

  putSession(session: StoredSession): void {
    this.#sessions.add(session.clientId);
    this.#record({ kind: "putSession", session });
  }

  deleteSession(clientId: string): void {
    if (this.#sessions.delete(clientId)) this.#record({ kind: "deleteSession", clientId });
  }

  putSubscription(clientId: string, subscription: StoredSubscription): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "putSubscription", clientId, subscription });
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "deleteSubscription", clientId, topicFilter });
  }

  putInflight(clientId: string, entry: StoredInflight): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "putInflight", clientId, entry });
  }

  deleteInflight(clientId: string, packetId: number): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "deleteInflight", clientId, packetId });
  }

  putQueued(clientId: string, entry: StoredQueued): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "putQueued", clientId, entry });
  }

  deleteQueued(clientId: string, seq: number): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "deleteQueued", clientId, seq });
  }

  putIncomingQos2(clientId: string, packetId: number): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "putIncomingQos2", clientId, packetId });
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    if (this.#sessions.has(clientId)) this.#record({ kind: "deleteIncomingQos2", clientId, packetId });
  }

  putRetained(topic: string, messageId: number): void {
    this.#record({ kind: "putRetained", topic, messageId });
  }

  deleteRetained(topic: string): void {
    this.#record({ kind: "deleteRetained", topic });
  }

  putWill(will: StoredWill): void {
    this.#record({ kind: "putWill", will });
  }

  deleteWill(clientId: string): void {
    this.#record({ kind: "deleteWill", clientId });
  }

  commit(): Promise<void> {
    try {
      this.#flush();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(this.#wrap("commit to", error));
    }
  }

  /** Commits what is pending, then runs a housekeeping pass now (tests and tools; normally on a timer). */
  housekeep(): HousekeepingResult {
    try {
      this.#flush();
      return housekeep(this.#db, this.#now(), this.#options.compactThreshold);
    } catch (error) {
      throw this.#wrap("clean up", error);
    }
  }

  /** The `synchronous` setting in force: `FULL` (strict) or `NORMAL` (process, relaxed). */
  get synchronous(): "FULL" | "NORMAL" | "OTHER" {
    const level = this.#db.pragma("synchronous", { simple: true });
    return level === 2 ? "FULL" : level === 1 ? "NORMAL" : "OTHER";
  }

  /** Page counts and size of the database file. */
  stats(): DatabaseStats {
    return databaseStats(this.#db);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    let failure: StoreError | undefined;
    try {
      this.#flush();
    } catch (error) {
      failure = this.#wrap("commit to", error);
    }
    this.#closed = true;
    if (this.#commitTimer !== undefined) clearTimeout(this.#commitTimer);
    if (this.#housekeepingTimer !== undefined) clearInterval(this.#housekeepingTimer);
    try {
      this.#db.close(); // checkpoints the WAL into the database file and removes it
    } catch (error) {
      failure ??= this.#wrap("close", error);
    }
    return failure === undefined ? Promise.resolve() : Promise.reject(failure);
  }

  #record(op: StoreOp): void {
    if (this.#closed) return;
    this.#ops.push(op);
    if (this.#ops.length >= this.#maxPending) this.#commitAtTurnEnd();
    else if (!this.#commitTimerArmed) this.#armCommitTimer();
  }

  #armCommitTimer(): void {
    this.#commitTimerArmed = true;
    if (this.#commitTimer === undefined) {
      this.#commitTimer = setTimeout(this.#autoCommit, this.#options.commitInterval);
      this.#commitTimer.unref();
    } else {
      this.#commitTimer.refresh();
    }
  }

  #commitAtTurnEnd(): void {
    if (this.#turnCommitScheduled) return;
    this.#turnCommitScheduled = true;
    setImmediate(this.#autoCommit);
  }

  readonly #autoCommit = (): void => {
    this.#turnCommitScheduled = false;
    this.#commitTimerArmed = false;
    if (this.#closed) return;
    try {
      this.#flush();
    } catch (error) {
      this.#options.onError?.(this.#wrap("commit to", error));
      if (this.#ops.length > 0 || this.#participants.some((p) => p.pending)) this.#armCommitTimer(); // retried
    }
  };

  readonly #housekeepNow = (): void => {
    if (this.#closed) return;
    try {
      this.#options.onHousekeeping?.(this.housekeep());
    } catch (error) {
      this.#options.onError?.(error instanceof StoreError ? error : this.#wrap("clean up", error));
    }
  };

  /** Applies the buffer in one transaction; on failure the buffer is kept for the next attempt. */
  #flush(): void {
    if (this.#closed || (this.#ops.length === 0 && !this.#participants.some((p) => p.pending))) return;
    const ops = this.#ops;
    this.#ops = [];
    try {
      this.#applyAll(ops);
    } catch (error) {
      this.#ops = ops.concat(this.#ops);
      throw error;
    }
    this.#storedLastMessageId = this.#lastMessageId;
    this.#putIds.clear();
    for (const participant of this.#participants) participant.committed();
  }

  #wrap(action: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(`Cannot ${action} the store "${this.file}": ${describeSqliteError(error)}`, {
      cause: error,
    });
  }
}
