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
 * @module
 */

import { closeSync, fdatasync, fsync, openSync } from "node:fs";
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
    let fd: number;
    try {
      fd = this.#fd ??= openSync(this.#walFile, "r");
    } catch (error) {
      this.#finished(generation, error as Error);
      return;
    }
    fdatasync(fd, (error) => {
      if (error !== null || this.#dirSynced) {
        this.#finished(generation, error);
        return;
      }
      this.#syncDir((dirError) => this.#finished(generation, dirError));
    });
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
