/**
 * Makes the SQLite store's commits durable without blocking the event loop (durability `strict`).
 *
 * SQLite runs with `synchronous=NORMAL`, so a commit only writes its frames to the WAL file; this
 * class then syncs the WAL (`fdatasync`, on libuv's thread pool) and the commit counts as durable once
 * a sync that started after it was written has finished (a sync covers every frame written before it
 * started). Meanwhile the event loop goes on reading and processing packets, which the next commit
 * covers. One sync runs at a time ({@link MAX_SYNCS}): commits made while it runs share the next one.
 * (Each sync costs CPU in the kernel and in the thread hand-off; running two at once lets a commit
 * start its sync sooner, and measured no faster for it.) The data directory is synced once as well,
 * so the WAL file's own directory entry survives a power loss.
 *
 * SQLite still syncs on its own where `NORMAL` says it does: the WAL before a checkpoint copies it into
 * the database file, the database file after.
 *
 * A WAL deleted while the broker runs (an operator's cleanup) goes on taking SQLite's writes, through
 * the descriptor SQLite holds, and a crash then loses them: SQLite's own check for a moved file does not
 * run under `locking_mode=EXCLUSIVE`. So after each sync the descriptor is checked (`fstat`, one
 * syscall per sync, not per commit): a file with no name left fails the sync, and {@link deleted} says
 * why, until the store has started a new log ({@link reopen}).
 * @module
 */

import { closeSync, fdatasync, fstatSync, fsync, openSync } from "node:fs";
import { dirname } from "node:path";

/** Syncs in flight at once. */
export const MAX_SYNCS = 1;

const RESOLVED = Promise.resolve();

interface Waiter {
  /** The commit waited for. */
  readonly generation: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class WalSync {
  readonly #walFile: string;
  readonly #dir: string;
  #fd: number | undefined;
  #dirSynced = false;
  /** A sync found the WAL deleted (no name left for its descriptor). */
  #deleted = false;
  /** The store started a new log: the descriptor is of the old one, closed before the next sync. */
  #stale = false;
  /** Commits written so far (the generation of the last one). */
  #written = 0;
  /** Every commit up to this generation is on disk. */
  #durable = 0;
  /** The generation the last sync started covers. */
  #started = 0;
  #running = 0;
  /** Commits waiting to be durable, in generation order. */
  #waiters: Waiter[] = [];
  #idle: (() => void) | undefined;

  /** `file` is the database file; its WAL is `<file>-wal`. */
  constructor(file: string) {
    this.#walFile = `${file}-wal`;
    this.#dir = dirname(file);
  }

  /** True once a sync found the WAL deleted, until {@link reopen}. */
  get deleted(): boolean {
    return this.#deleted;
  }

  /** The store started a new WAL file: the next sync opens it (and syncs the directory again). */
  reopen(): void {
    this.#stale = true;
    this.#deleted = false;
  }

  /** A commit wrote WAL frames. */
  written(): void {
    this.#written++;
  }

  /** Resolves once everything written so far is on disk; rejects with the error of the sync that failed. */
  durable(): Promise<void> {
    const generation = this.#written;
    if (generation <= this.#durable) return RESOLVED;
    const promise = new Promise<void>((resolve, reject) =>
      this.#waiters.push({ generation, resolve, reject }),
    );
    if (this.#started < generation && this.#running < MAX_SYNCS) this.#start();
    return promise;
  }

  /** Waits for the syncs in progress, then closes the WAL file (before the database is closed). */
  async close(): Promise<void> {
    if (this.#running > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #start(): void {
    const generation = this.#written;
    this.#started = generation;
    this.#running++;
    if (this.#stale) {
      // no sync runs (one at a time), so the old descriptor is free to close
      if (this.#fd !== undefined) closeSync(this.#fd);
      this.#fd = undefined;
      this.#dirSynced = false;
      this.#stale = false;
    }
    let fd: number;
    try {
      fd = this.#fd ??= openSync(this.#walFile, "r");
    } catch (error) {
      this.#finished(generation, error as Error);
      return;
    }
    fdatasync(fd, (syncError) => {
      const error = syncError ?? this.#unlinked(fd);
      if (error !== null || this.#dirSynced) {
        this.#finished(generation, error);
        return;
      }
      this.#syncDir((dirError) => this.#finished(generation, dirError));
    });
  }

  /** An error when the file behind `fd` has no name left (deleted), else null. */
  #unlinked(fd: number): Error | null {
    let links: number;
    try {
      links = fstatSync(fd).nlink;
    } catch (error) {
      return error as Error;
    }
    if (links > 0) return null;
    if (!this.#stale) this.#deleted = true; // a stale descriptor's file is deleted by design
    return new Error(`its write-ahead log "${this.#walFile}" was deleted while the broker was running`);
  }

  /** Syncs the data directory once (the WAL file's entry in it). */
  #syncDir(done: (error: Error | null) => void): void {
    let dirFd: number;
    try {
      dirFd = openSync(this.#dir, "r");
    } catch (error) {
      done(error as Error);
      return;
    }
    fsync(dirFd, (error) => {
      closeSync(dirFd);
      if (error === null) this.#dirSynced = true;
      done(error);
    });
  }

  #finished(generation: number, error: Error | null): void {
    this.#running--;
    if (error === null && generation > this.#durable) this.#durable = generation;
    // a failed sync covered nothing: the next durable() starts another, even with nothing new written
    // (a commit of nothing, or the store's retry, would otherwise wait for a sync that never starts)
    else if (error !== null) this.#started = this.#durable;
    const waiters = this.#waiters;
    let settled = 0;
    while (settled < waiters.length && waiters[settled]!.generation <= generation) settled++;
    if (settled > 0) {
      this.#waiters = waiters.slice(settled);
      for (let i = 0; i < settled; i++) {
        if (error === null) waiters[i]!.resolve();
        else waiters[i]!.reject(error);
      }
    }
    const next = this.#waiters[0];
    if (next !== undefined && this.#started < next.generation && this.#running < MAX_SYNCS) this.#start();
    if (this.#running === 0 && this.#idle !== undefined) {
      this.#idle();
      this.#idle = undefined;
    }
  }
}
