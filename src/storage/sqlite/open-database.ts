/**
 * Opens the SQLite store's database file, refusing anything it must not touch.
 *
 * An existing file is first inspected through a read-only connection: it must be a SQLite database
 * written by Switchboard (`application_id`), of a schema version this build knows (not newer), and pass
 * `PRAGMA quick_check`. A file that fails is left exactly as it was and start-up stops with a
 * {@link StoreError} naming it. Only then is it opened for writing, with `locking_mode=EXCLUSIVE`: the
 * connection keeps an exclusive lock on the file for as long as it is open, so a second broker on the
 * same data directory fails at once with "locked" instead of corrupting the first one's state (the
 * lock is the operating system's, so it goes with the process, SIGKILL included). The WAL index then
 * lives in the process's memory: there is no `-shm` file.
 *
 * A new file gets `auto_vacuum=INCREMENTAL` (so housekeeping can give free pages back), WAL mode and
 * the migrations of `migrations.ts`.
 * @module
 */

import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { StoreError } from "../../errors.js";
import { describeSqliteError, errorCode } from "./describe-sqlite-error.js";
import { APPLICATION_ID, migrate, SCHEMA_VERSION } from "./migrations.js";

export interface OpenDatabaseOptions {
  readonly file: string;
  /** `FULL` syncs the WAL at every commit (survives power loss); `NORMAL` at checkpoints only. */
  readonly synchronous: "FULL" | "NORMAL";
}

/** The largest WAL kept on disk after a checkpoint, in bytes. */
const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;
/** Page cache, in KiB (negative cache_size). */
const CACHE_KIB = 16 * 1024;

function fail(file: string, reason: string, cause?: unknown): StoreError {
  return new StoreError(`Cannot open the store "${file}": ${reason}`, cause === undefined ? {} : { cause });
}

/** Creates the data directory and checks the file can be used; true when the file already holds data. */
function checkPath(file: string): boolean {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (cause) {
    throw fail(file, `cannot use the directory "${dir}": ${describeSqliteError(cause)}`, cause);
  }
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw fail(file, "it is not a regular file");
    size = stat.size;
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    if (errorCode(cause) !== "ENOENT") throw fail(file, describeSqliteError(cause), cause);
    size = -1;
  }
  if (size <= 0) {
    // no database yet, or an empty file: a new store, unless a write-ahead log is left beside it (the
    // database lost, a bad restore): a new store would overwrite that log and start empty in silence
    const log = logBytes(file);
    if (log > 0)
      throw fail(
        file,
        `the database file is ${size < 0 ? "missing" : "empty"} but its write-ahead log "${file}-wal" holds ${log} bytes; both were left untouched: restore the database from a backup, or move both files away to start empty`,
      );
    if (size < 0) return false;
  }
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (cause) {
    throw fail(file, describeSqliteError(cause), cause);
  }
  return size > 0;
}

/** Bytes of the database's write-ahead log, 0 when there is none. */
function logBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

/**
 * Reads an existing file without writing it; throws when it must not be opened. A read-only
 * connection to a WAL database creates empty `-wal` and `-shm` side files when they are missing; those
 * are removed again, so a refused file is left exactly as it was found.
 */
function inspect(file: string): void {
  const sideFiles = [`${file}-wal`, `${file}-shm`].filter((path) => !existsSync(path));
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
    const version = db.pragma("user_version", { simple: true }) as number;
    const applicationId = db.pragma("application_id", { simple: true }) as number;
    const objects = db.prepare("SELECT count(*) FROM sqlite_schema").pluck().get() as number;
    if (applicationId !== APPLICATION_ID && (applicationId !== 0 || version !== 0 || objects > 0)) {
      throw fail(file, "it is a SQLite database, but not a Switchboard store; it was left untouched");
    }
    if (version > SCHEMA_VERSION) {
      throw fail(
        file,
        `it was written by a newer version of Switchboard (schema version ${version}; this version reads up to ${SCHEMA_VERSION}); it was left untouched: upgrade Switchboard or point storage.path elsewhere`,
      );
    }
    const problems = db.pragma("quick_check(5)", { simple: false }) as { quick_check: string }[];
    const report = problems.map((row) => row.quick_check);
    if (report.length !== 1 || report[0] !== "ok") {
      throw fail(
        file,
        `the database is corrupt (quick_check: ${report.join("; ")}); it was left untouched: restore it from a backup, or move it away to start empty`,
      );
    }
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    const untouched = "; it was left untouched";
    throw fail(file, describeSqliteError(cause) + untouched, cause);
  } finally {
    db?.close();
    for (const path of sideFiles) rmSync(path, { force: true });
  }
}

/** Opens (creating when needed) and migrates the database; throws a StoreError naming the file. */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  const { file } = options;
  const existing = checkPath(file);
  if (existing) inspect(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    db.pragma("locking_mode = EXCLUSIVE");
    // Takes the lock: a second broker fails here with SQLITE_BUSY.
    const version = db.pragma("user_version", { simple: true }) as number;
    if (!existing && version === 0) db.pragma("auto_vacuum = INCREMENTAL");
    const mode = db.pragma("journal_mode = WAL", { simple: true }) as string;
    if (mode !== "wal") throw fail(file, `cannot switch it to WAL mode (journal mode "${mode}")`);
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.pragma(`cache_size = -${CACHE_KIB}`);
    if (version > SCHEMA_VERSION)
      throw fail(file, `schema version ${version} is newer than ${SCHEMA_VERSION}`);
    migrate(db, version);
    return db;
  } catch (cause) {
    db?.close();
    if (cause instanceof StoreError) throw cause;
    throw fail(file, describeSqliteError(cause), cause);
  }
}
