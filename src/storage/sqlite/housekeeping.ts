/**
 * Housekeeping of the SQLite store: expired messages are purged from queues and retained values (the
 * broker also drops an expired queued message when it meets one [MQTT-3.3.2-5]; this reclaims the
 * space of those it would meet only much later), free pages are given back to the file system
 * (`PRAGMA incremental_vacuum`, the database being in `auto_vacuum=INCREMENTAL` mode) once they exceed
 * a threshold, and the WAL is checkpointed and truncated.
 *
 * In-flight entries are never purged: their delivery has started, so they are completed even when
 * their message has expired since.
 * @module
 */

import type { Database } from "better-sqlite3";

/** The size of the database, from SQLite's own counters. */
export interface DatabaseStats {
  readonly pageSize: number;
  /** Pages in the database file, free ones included. */
  readonly pageCount: number;
  /** Pages on the free list (reused for new data, or given back by compaction). */
  readonly freePages: number;
  /** `pageCount * pageSize`: the size of the database file once the WAL is checkpointed. */
  readonly bytes: number;
}

export interface HousekeepingResult {
  /** Queue entries and retained values dropped because their message expired. */
  readonly purged: number;
  /** Pages given back to the file system. */
  readonly freedPages: number;
  readonly durationMs: number;
}

export function databaseStats(db: Database): DatabaseStats {
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const pageCount = db.pragma("page_count", { simple: true }) as number;
  const freePages = db.pragma("freelist_count", { simple: true }) as number;
  return { pageSize, pageCount, freePages, bytes: pageSize * pageCount };
}

/** Deletes queue entries and retained values whose message expired at or before `now`, in one transaction. */
export function purgeExpired(db: Database, now: number): number {
  const expired = db
    .prepare("SELECT count(*) FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?")
    .pluck()
    .get(now) as number;
  if (expired === 0) return 0;
  const select = "SELECT id FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ?";
  return db.transaction(() => {
    const queued = db.prepare(`DELETE FROM queue WHERE message_id IN (${select})`).run(now).changes;
    const retained = db.prepare(`DELETE FROM retained WHERE message_id IN (${select})`).run(now).changes;
    db.prepare("DELETE FROM messages WHERE refs <= 0").run();
    return queued + retained;
  })();
}

/**
 * Gives free pages back to the file system when they exceed `thresholdBytes`, then checkpoints the WAL
 * and truncates it; returns the pages freed.
 */
export function compact(db: Database, thresholdBytes: number): number {
  const before = databaseStats(db);
  let freed = 0;
  if (before.freePages > 0 && before.freePages * before.pageSize >= thresholdBytes) {
    db.exec("PRAGMA incremental_vacuum");
    freed = before.freePages - databaseStats(db).freePages;
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  return freed;
}

/** One housekeeping pass: purge, then compact. */
export function housekeep(db: Database, now: number, compactThreshold: number): HousekeepingResult {
  const started = performance.now();
  const purged = purgeExpired(db, now);
  const freedPages = compact(db, compactThreshold);
  return { purged, freedPages, durationMs: performance.now() - started };
}
