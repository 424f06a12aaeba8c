/**
 * The embedded SQLite store (better-sqlite3, WAL mode): the broker's default `Store`.
 *
 * Write-behind with group commit and a change log: `put*`/`delete*` calls encode the change into the
 * buffer of the next commit (`change-log-writer.ts`) and fold it into the net changes since the last
 * checkpoint (`net-changes.ts`); nothing touches the database. `commit()` appends the buffer as one
 * `change_log` row in one transaction (so one WAL sync covers every change of an event-loop turn, at
 * the cost of one INSERT) and resolves once it is durable. Every so often a commit is a
 * checkpoint instead: it writes the net changes to the tables and empties the change log, in the same
 * one transaction. Most of what a broker writes is undone soon after (a message queued, sent, then
 * acknowledged), so a checkpoint writes a small fraction of the changes it covers. A checkpoint runs
 * once the log holds `checkpointBytes` or the net changes reach `checkpointRows` rows, and before
 * `load()`, housekeeping and `close()`. Opening a database whose log is not empty (a crash) replays
 * the log and checkpoints it before anything else, so the tables always read as if every committed
 * change had been applied in order.
 *
 * The store also commits on its own, at a turn boundary, when the buffer is `commitInterval` ms old or
 * holds `maxPending` changes, so state reaches the disk when no acknowledgement waits for it (and in
 * `relaxed` mode, where none ever does).
 *
 * Durability (`durability`): SQLite runs with `synchronous=NORMAL` in every mode. `strict` syncs the WAL
 * after every commit itself, off the event loop (`wal-sync.ts`), and `commit()` resolves once that sync
 * is done (survives a process crash and a power loss); it asks the broker to hold acknowledgements until
 * the commit (`ackAfterCommit`). `process` the same without the sync (survives a process crash; the
 * last commits may be lost on power loss or an OS crash); `relaxed` lets the broker acknowledge at once
 * (up to `commitInterval` ms of acknowledged changes may be lost on any crash).
 *
 * A commit that fails rolls back and keeps its changes in the buffer, in order, to be retried by the
 * next commit; `commit()` rejects with a {@link StoreError}, and a failed commit the store started on its
 * own is reported to `onError`. From the first failure until a commit succeeds again the store is
 * failing ({@link SqliteStore.failure}): it retries on its own with a back-off (`commitInterval`,
 * doubling up to {@link MAX_RETRY_DELAY}) instead of every `commitInterval`, a commit a client waits
 * for still tries at once, and `ackAfterCommit` is true in every mode, so that `relaxed` acknowledges
 * nothing a commit may never cover; the first successful commit reports to `onRecovered`.
 *
 * Before each commit the store checks that its files are still the ones it opened (one `stat` of the
 * database file per commit, and of the WAL unless `strict`, whose `WalSync` checks the WAL's descriptor
 * after each sync instead). A deleted WAL fails that commit; the next one copies the deleted log, which
 * SQLite still holds open, into the database file and starts a new one (leaving WAL mode and entering it
 * again). A deleted or replaced database file cannot be repaired in place: every commit fails from then
 * on, until a restart, and what was committed is first copied beside it (`VACUUM INTO`).
 * @module
 */

import type { Database } from "better-sqlite3";
import { StoreError } from "../../errors.js";
import type {
  Store,
  StoreFailure,
  StoreSnapshot,
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { describeSqliteError } from "./describe-sqlite-error.js";
import { fileIdentity, sameFile, type FileIdentity } from "./file-identity.js";
import {
  compact,
  databaseStats,
  housekeep,
  type DatabaseStats,
  type HousekeepingResult,
} from "./housekeeping.js";
import { readChanges } from "./change-log-reader.js";
import { ChangeLogWriter } from "./change-log-writer.js";
import { loadSnapshot, readLastMessageId } from "./load-snapshot.js";
import { NetChanges, readCommittedKeys } from "./net-changes.js";
import { openDatabase } from "./open-database.js";
import { prepareStatements, type StoreStatements } from "./store-statements.js";
import { WalSync } from "./wal-sync.js";

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
  /** Bytes of change log after which the next commit is a checkpoint. Default 16 MiB. */
  readonly checkpointBytes?: number;
  /** Rows of net changes after which the next commit is a checkpoint. Default 10,000. */
  readonly checkpointRows?: number;
  /** Milliseconds between housekeeping passes (purge, compaction, checkpoint); 0 disables them. */
  readonly housekeepingInterval: number;
  /** Free space, in bytes, above which housekeeping gives free pages back to the file system. */
  readonly compactThreshold: number;
  /** Milliseconds since the epoch (message expiry is checked against it). Default `Date.now`. */
  readonly clock?: () => number;
  /** Called when a commit or housekeeping pass the store started by itself fails. */
  readonly onError?: (error: StoreError) => void;
  /** Called when a commit succeeds after failures, with what the failure was. */
  readonly onRecovered?: (failure: StoreFailure) => void;
  /** Called after each housekeeping pass. */
  readonly onHousekeeping?: (result: HousekeepingResult) => void;
}

const DEFAULT_MAX_PENDING = 10_000;
const DEFAULT_CHECKPOINT_BYTES = 16 * 1024 * 1024;
const DEFAULT_CHECKPOINT_ROWS = 10_000;
/** Net rows per change above which a checkpoint counts as growth (little cancelled out). */
const GROWTH_RATIO = 0.5;
/** While growing, every this many checkpoints one waits for the full window again. */
const GROWTH_PROBE = 32;
/** Milliseconds: the longest wait between two commits the store retries on its own while failing. */
export const MAX_RETRY_DELAY = 5000;

const RESOLVED = Promise.resolve();

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
  readonly file: string;

  readonly #db: Database;
  /** `strict`: syncs the WAL after each commit, off the event loop (`wal-sync.ts`). */
  readonly #walSync: WalSync | undefined;
  readonly #statements: StoreStatements;
  /** Commits the pending changes: appends them to the change log, or checkpoints (argument true). */
  readonly #commitTransaction: (checkpoint: boolean) => void;
  readonly #options: SqliteStoreOptions;
  readonly #maxPending: number;
  readonly #checkpointBytes: number;
  readonly #checkpointRows: number;
  readonly #now: () => number;
  /** Client ids that have a session, as recorded (puts for other clients are ignored, as in MemoryStore). */
  readonly #sessions: Set<string>;
  /** The changes recorded since the last commit, encoded as their change-log row. */
  readonly #log = new ChangeLogWriter();
  /** Every change recorded since the last checkpoint, folded. */
  readonly #net: NetChanges;
  /** Changes recorded since the last commit. */
  #pending = 0;
  /** Changes recorded since the last checkpoint. */
  #sinceCheckpoint = 0;
  /** Rows of net changes that make the next commit a checkpoint (see {@link #adapt}). */
  #rowLimit: number;
  /** Checkpoints in a row made at the growth limit. */
  #growthCheckpoints = 0;
  /** Bytes appended to the change log since the last checkpoint. */
  #loggedBytes = 0;
  readonly #participants: CommitParticipant[] = [];
  #lastMessageId: number;
  #storedLastMessageId: number;
  #commitTimer: NodeJS.Timeout | undefined;
  #commitTimerArmed = false;
  #turnCommitScheduled = false;
  #housekeepingTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** `strict` and `process`: acknowledgements always wait for the commit. */
  readonly #acksWait: boolean;
  /** Set from a failed commit until one succeeds. */
  #failure: StoreFailure | undefined;
  /** Commits attempted so far (the number of the last one). */
  #attempts = 0;
  /** The number of the last attempt that failed: a success of an earlier one does not end a failure. */
  #failedAttempt = 0;
  /** The store's own retry while failing (instead of the commit timer). */
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay: number;
  /** The database file as opened. */
  readonly #databaseFile: FileIdentity | undefined;
  /** The WAL file as first seen (checked here unless `strict`). */
  #walFile: FileIdentity | undefined;
  /** The WAL was found deleted: the next commit starts a new one first. */
  #walDeleted = false;
  /** The database file was deleted or replaced: every commit fails with this. */
  #broken: StoreError | undefined;

  /**
   * Opens (or creates) the database and replays its change log when a crash left one; throws a
   * {@link StoreError} naming the file when it cannot.
   */
  constructor(options: SqliteStoreOptions) {
    this.#options = options;
    this.file = options.file;
    this.#acksWait = options.durability !== "relaxed";
    this.#retryDelay = Math.min(options.commitInterval, MAX_RETRY_DELAY);
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.#checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
    this.#checkpointRows = options.checkpointRows ?? DEFAULT_CHECKPOINT_ROWS;
    this.#rowLimit = this.#checkpointRows;
    this.#now = options.clock ?? Date.now;
    // strict syncs each commit itself (WalSync), so that the sync does not block the event loop
    this.#db = openDatabase({ file: options.file, synchronous: "NORMAL" });
    this.#walSync = options.durability === "strict" ? new WalSync(options.file) : undefined;
    const db = this.#db;
    this.#databaseFile = fileIdentity(options.file);
    try {
      this.#statements = prepareStatements(db);
      this.#net = new NetChanges(readCommittedKeys(db));
      const statements = this.#statements;
      const net = this.#net;
      const log = this.#log;
      this.#commitTransaction = db.transaction((checkpoint: boolean) => {
        if (checkpoint) {
          net.apply(statements);
          statements.clearChanges.run();
          statements.sweepMessages.run();
        } else if (log.byteLength > 0) {
          statements.appendChanges.run(log.bytes());
        }
        for (const participant of this.#participants) participant.apply();
        // the log holds the ids of the messages it puts: the largest is recorded at checkpoints only
        if (checkpoint && this.#lastMessageId > this.#storedLastMessageId)
          statements.putMeta.run("last_message_id", this.#lastMessageId);
      });
      this.#lastMessageId = readLastMessageId(db);
      this.#storedLastMessageId = this.#lastMessageId;
      this.#replayChangeLog();
      this.#sessions = new Set(db.prepare("SELECT client_id FROM sessions").pluck().all() as string[]);
      this.#walFile = fileIdentity(`${this.file}-wal`);
    } catch (cause) {
      db.close();
      throw new StoreError(`Cannot open the store "${this.file}": ${describeSqliteError(cause)}`, { cause });
    }
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
    if (this.#closed || this.#failure !== undefined) return; // failing: the retry commits it
    if (!this.#commitTimerArmed) this.#armCommitTimer();
  }

  /**
   * True when the broker must hold acknowledgements until the commit covering them: always under
   * `strict` and `process`, and under `relaxed` while the store is failing.
   */
  get ackAfterCommit(): boolean {
    return this.#acksWait || this.#failure !== undefined;
  }

  /** Why commits fail, from the first failure until a commit succeeds; undefined meanwhile. */
  get failure(): StoreFailure | undefined {
    return this.#failure;
  }

  /** Changes recorded and not yet committed. */
  get pending(): number {
    return this.#pending;
  }

  /** Rows of `change_log`: commits since the last checkpoint (tests and tools). */
  get loggedCommits(): number {
    return this.#db.prepare("SELECT count(*) FROM change_log").pluck().get() as number;
  }

  load(): Promise<StoreSnapshot> {
    try {
      this.#flush(true);
      return Promise.resolve(loadSnapshot(this.#db));
    } catch (error) {
      return Promise.reject(this.#wrap("load", error));
    }
  }

  putMessage(message: ApplicationMessage): void {
    if (this.#closed) return;
    if (message.id > this.#lastMessageId) this.#lastMessageId = message.id;
    if (!this.#net.putMessage(message)) return; // held since the checkpoint: logged already
    this.#log.putMessage(message);
    this.#recorded();
  }

  putSession(session: StoredSession): void {
    if (this.#closed) return;
    this.#sessions.add(session.clientId);
    this.#log.putSession(session);
    this.#net.putSession(session);
    this.#recorded();
  }

  deleteSession(clientId: string): void {
    if (this.#closed || !this.#sessions.delete(clientId)) return;
    this.#log.deleteSession(clientId);
    this.#net.deleteSession(clientId);
    this.#recorded();
  }

  putSubscription(clientId: string, subscription: StoredSubscription): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.putSubscription(clientId, subscription);
    this.#net.putSubscription(clientId, subscription);
    this.#recorded();
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.deleteSubscription(clientId, topicFilter);
    this.#net.deleteSubscription(clientId, topicFilter);
    this.#recorded();
  }

  putInflight(clientId: string, entry: StoredInflight): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.putInflight(clientId, entry);
    this.#net.putInflight(clientId, entry);
    this.#recorded();
  }

  deleteInflight(clientId: string, packetId: number): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.deleteInflight(clientId, packetId);
    this.#net.deleteInflight(clientId, packetId);
    this.#recorded();
  }

  putQueued(clientId: string, entry: StoredQueued): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.putQueued(clientId, entry);
    this.#net.putQueued(clientId, entry);
    this.#recorded();
  }

  deleteQueued(clientId: string, seq: number): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.deleteQueued(clientId, seq);
    this.#net.deleteQueued(clientId, seq);
    this.#recorded();
  }

  putIncomingQos2(clientId: string, packetId: number): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.putIncomingQos2(clientId, packetId);
    this.#net.putIncomingQos2(clientId, packetId);
    this.#recorded();
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    if (this.#closed || !this.#sessions.has(clientId)) return;
    this.#log.deleteIncomingQos2(clientId, packetId);
    this.#net.deleteIncomingQos2(clientId, packetId);
    this.#recorded();
  }

  putRetained(topic: string, messageId: number): void {
    if (this.#closed) return;
    this.#log.putRetained(topic, messageId);
    this.#net.putRetained(topic, messageId);
    this.#recorded();
  }

  deleteRetained(topic: string): void {
    if (this.#closed) return;
    this.#log.deleteRetained(topic);
    this.#net.deleteRetained(topic);
    this.#recorded();
  }

  putWill(will: StoredWill): void {
    if (this.#closed) return;
    this.#log.putWill(will);
    this.#net.putWill(will);
    this.#recorded();
  }

  deleteWill(clientId: string): void {
    if (this.#closed) return;
    this.#log.deleteWill(clientId);
    this.#net.deleteWill(clientId);
    this.#recorded();
  }

  commit(): Promise<void> {
    const attempt = ++this.#attempts;
    try {
      this.#flush();
    } catch (error) {
      return Promise.reject(this.#failed(attempt, this.#wrap("commit to", error)));
    }
    if (this.#walSync === undefined) {
      if (this.#failure !== undefined) this.#succeeded(attempt);
      return RESOLVED;
    }
    return this.#walSync.durable().then(
      () => {
        if (this.#failure !== undefined) this.#succeeded(attempt);
      },
      (error: unknown) => {
        if (this.#walSync?.deleted === true) this.#walDeleted = true;
        throw this.#failed(attempt, this.#wrap("sync", error));
      },
    );
  }

  /**
   * Commits what is pending and applies the change log to the tables now (tests and tools; the store
   * checkpoints by itself).
   */
  checkpoint(): void {
    try {
      this.#flush(true);
    } catch (error) {
      throw this.#wrap("commit to", error);
    }
  }

  /** Checkpoints, then runs a housekeeping pass now (tests and tools; normally on a timer). */
  housekeep(): HousekeepingResult {
    try {
      this.#flush(true);
      return housekeep(this.#db, this.#now(), this.#options.compactThreshold);
    } catch (error) {
      throw this.#wrap("clean up", error);
    }
  }

  /**
   * SQLite's `synchronous` setting in force: `NORMAL` in every mode (the WAL is synced at checkpoints);
   * under `strict` the store syncs the WAL after every commit itself ({@link syncsEveryCommit}).
   */
  get synchronous(): "FULL" | "NORMAL" | "OTHER" {
    const level = this.#db.pragma("synchronous", { simple: true });
    return level === 2 ? "FULL" : level === 1 ? "NORMAL" : "OTHER";
  }

  /** True when `commit()` resolves only once the WAL is synced to disk (`strict`). */
  get syncsEveryCommit(): boolean {
    return this.#walSync !== undefined;
  }

  /** Page counts and size of the database file. */
  stats(): DatabaseStats {
    return databaseStats(this.#db);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    let failure: StoreError | undefined;
    try {
      this.#flush(true);
    } catch (error) {
      failure = this.#wrap("commit to", error);
    }
    this.#closed = true;
    if (this.#commitTimer !== undefined) clearTimeout(this.#commitTimer);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#housekeepingTimer !== undefined) clearInterval(this.#housekeepingTimer);
    await this.#walSync?.close();
    try {
      if (failure === undefined) compact(this.#db, this.#options.compactThreshold); // the log's pages
      this.#db.close(); // checkpoints the WAL into the database file (synced) and removes it
    } catch (error) {
      failure ??= this.#wrap("close", error);
    }
    if (failure !== undefined) throw failure;
  }

  /** A change was recorded: commit by the deadline, or at the end of the turn once enough wait. */
  #recorded(): void {
    this.#sinceCheckpoint++;
    if (this.#failure !== undefined)
      this.#pending++; // failing: the retry commits it, not a hot loop
    else if (++this.#pending >= this.#maxPending) this.#commitAtTurnEnd();
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
    // a failure schedules the retry (#failed)
    this.commit().catch((error: unknown) => this.#options.onError?.(this.#wrap("commit to", error)));
  };

  readonly #retry = (): void => {
    this.#retryTimer = undefined;
    this.#autoCommit();
  };

  /**
   * A commit failed: the store is failing until one succeeds, and retries on its own, each wait twice
   * the last (from `commitInterval` to {@link MAX_RETRY_DELAY}), whatever else asks for commits.
   */
  #failed(attempt: number, error: StoreError): StoreError {
    if (attempt > this.#failedAttempt) this.#failedAttempt = attempt;
    const failure = this.#failure;
    this.#failure = {
      code: error.code,
      since: failure?.since ?? this.#now(),
      message: error.message,
      failures: (failure?.failures ?? 0) + 1,
    };
    if (this.#retryTimer === undefined && !this.#closed) {
      this.#retryTimer = setTimeout(this.#retry, this.#retryDelay);
      this.#retryTimer.unref();
      this.#retryDelay = Math.min(this.#retryDelay * 2, MAX_RETRY_DELAY);
    }
    return error;
  }

  /** A commit succeeded: when it was attempted after the last failure, the store works again. */
  #succeeded(attempt: number): void {
    const failure = this.#failure;
    if (failure === undefined || attempt <= this.#failedAttempt) return;
    this.#failure = undefined;
    this.#retryDelay = Math.min(this.#options.commitInterval, MAX_RETRY_DELAY);
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#pending > 0 || this.#participants.some((p) => p.pending)) this.#armCommitTimer();
    this.#options.onRecovered?.(failure);
  }

  /**
   * Checks, before a commit writes, that the database file and the WAL are the ones the store opened;
   * throws when the commit must fail.
   */
  #checkFiles(): void {
    const database = fileIdentity(this.file);
    if (!sameFile(database, this.#databaseFile)) {
      this.#broken = this.#databaseGone(database === undefined);
      throw this.#broken;
    }
    if (this.#walSync !== undefined) return; // strict: checked after each sync (wal-sync.ts)
    const wal = fileIdentity(`${this.file}-wal`);
    if (this.#walFile === undefined) this.#walFile = wal;
    else if (!sameFile(wal, this.#walFile)) {
      this.#walDeleted = true;
      throw new StoreError(
        `Cannot commit to the store "${this.file}": its write-ahead log "${this.file}-wal" was deleted while the broker was running`,
      );
    }
  }

  /**
   * SQLite still holds the deleted WAL open, with every commit it had not yet copied into the database
   * file: leaving WAL mode copies them (a checkpoint, synced) and lets it go, entering it again starts a
   * new WAL file. Throws (the commit fails, and the next one tries again) when either step fails.
   */
  #restartWal(): void {
    const left = this.#db.pragma("journal_mode = DELETE", { simple: true }) as string;
    if (left !== "delete") throw new Error(`cannot leave WAL mode (journal mode "${left}")`);
    const mode = this.#db.pragma("journal_mode = WAL", { simple: true }) as string;
    if (mode !== "wal") throw new Error(`cannot switch it to WAL mode again (journal mode "${mode}")`);
    // SQLite creates the new file at the next read, which WalSync's next sync needs to open
    this.#db.prepare("SELECT count(*) FROM sqlite_master").get();
    this.#walSync?.reopen();
    this.#walFile = fileIdentity(`${this.file}-wal`);
    this.#walDeleted = false;
  }

  /**
   * The error every commit fails with once the database file is gone (or another file has its name):
   * SQLite writes the old file, which the next start will not find. What was committed is copied beside
   * it first, so that it can be put back.
   */
  #databaseGone(missing: boolean): StoreError {
    const copy = `${this.file}.recovered-${new Date(this.#now()).toISOString().replace(/[:.]/g, "-")}`;
    let kept: string;
    try {
      this.#db.prepare("VACUUM INTO ?").run(copy);
      kept = `everything committed until now is copied to "${copy}": stop the broker and put that file in its place to keep it`;
    } catch (error) {
      kept = `copying what was committed to "${copy}" failed too (${describeSqliteError(error)})`;
    }
    return new StoreError(
      `Cannot commit to the store "${this.file}": the database file was ${missing ? "deleted" : "replaced by another file"} while the broker was running; nothing more is committed (or acknowledged) until the broker is restarted; ${kept}`,
    );
  }

  readonly #housekeepNow = (): void => {
    if (this.#closed) return;
    try {
      this.#options.onHousekeeping?.(this.housekeep());
    } catch (error) {
      this.#options.onError?.(error instanceof StoreError ? error : this.#wrap("clean up", error));
    }
  };

  /**
   * Commits the changes recorded since the last commit in one transaction: appended to the change log,
   * or, when `checkpoint` is asked for or the log or the net changes have grown past their bounds, by
   * applying every change since the last checkpoint to the tables. On failure nothing is applied, and
   * the changes stay for the next attempt.
   */
  #flush(checkpoint = false): void {
    if (this.#closed) return;
    if (this.#broken !== undefined) throw this.#broken;
    if (this.#walDeleted) this.#restartWal(); // also with nothing to commit: a sync waits for it
    const net = this.#net;
    const bytes = this.#log.byteLength;
    const checkpointDue =
      this.#loggedBytes > 0 || !net.empty
        ? checkpoint || this.#loggedBytes + bytes >= this.#checkpointBytes || net.size >= this.#rowLimit
        : false;
    if (!checkpointDue && bytes === 0 && !this.#participants.some((p) => p.pending)) return;
    this.#checkFiles();
    this.#commitTransaction(checkpointDue);
    this.#walSync?.written();
    if (checkpointDue) {
      if (!checkpoint) this.#adapt(net.size);
      this.#sinceCheckpoint = 0;
      net.applied();
      this.#loggedBytes = 0;
    } else {
      this.#loggedBytes += bytes;
    }
    this.#log.clear();
    this.#pending = 0;
    if (checkpointDue) this.#storedLastMessageId = this.#lastMessageId;
    for (const participant of this.#participants) participant.committed();
  }

  /**
   * Chooses when the next checkpoint is due, from how much of this one's changes cancelled out. When
   * little did (`rows` at least half the changes: sessions whose queues only grow, such as offline
   * subscribers), logging the changes only defers the same writes, and a large checkpoint stalls the
   * event loop longer and costs more per row than several small ones: checkpoint every
   * `checkpointRows / 10` rows instead, trying the full window again every {@link GROWTH_PROBE}th
   * checkpoint in case the load changed. Otherwise (most of what is queued is delivered and
   * acknowledged within the window) keep the full window.
   */
  #adapt(rows: number): void {
    const growing = rows >= this.#sinceCheckpoint * GROWTH_RATIO;
    if (growing && ++this.#growthCheckpoints % GROWTH_PROBE !== 0) {
      this.#rowLimit = Math.max(1, Math.floor(this.#checkpointRows / 10));
    } else {
      if (!growing) this.#growthCheckpoints = 0;
      this.#rowLimit = this.#checkpointRows;
    }
  }

  /** Applies the change log a crash left (in order, as one checkpoint) before the store is used. */
  #replayChangeLog(): void {
    const rows = this.#db.prepare("SELECT changes FROM change_log ORDER BY id").pluck().all() as Buffer[];
    if (rows.length === 0) return;
    for (const row of rows) {
      readChanges(row, (op) => {
        if (op.kind === "putMessage" && op.message.id > this.#lastMessageId)
          this.#lastMessageId = op.message.id;
        this.#net.record(op);
      });
    }
    this.#commitTransaction(true);
    this.#storedLastMessageId = this.#lastMessageId;
    this.#net.applied();
  }

  #wrap(action: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    return new StoreError(`Cannot ${action} the store "${this.file}": ${describeSqliteError(error)}`, {
      cause: error,
    });
  }
}
