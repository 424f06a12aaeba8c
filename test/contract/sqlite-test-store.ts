/**
 * The SQLite stores of the contract tests: each on a fresh file in one temporary directory per test
 * file (removed after it), with commits every 5 ms and no background housekeeping, so a test sees only
 * what it did. Reopening a file opens a new store on it, as a restarted process would.
 * @module
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type Durability, SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";

export interface SqliteTestFiles {
  /** A database path no other store of the test file uses (`<name>-<n>/switchboard.db`; the directory exists). */
  fresh(name: string): string;
  /** A SqliteStore on `file`. */
  open(file: string, durability?: Durability): SqliteStore;
}

/** A temporary directory for the test file's databases (`prefix` names it), removed after the tests. */
export function sqliteTestFiles(prefix: string): SqliteTestFiles {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  return {
    fresh: (name) => {
      const dir = join(root, `${name}-${++counter}`);
      mkdirSync(dir);
      return join(dir, "switchboard.db");
    },
    open: (file, durability = "strict") =>
      new SqliteStore({
        file,
        durability,
        commitInterval: 5,
        housekeepingInterval: 0,
        compactThreshold: 1024 * 1024,
      }),
  };
}

/**
 * Makes every commit of `store` fail as on a full disk (SQLITE_FULL, rolled back: the store keeps the
 * changes for the next commit) until the function returned is called. A participant of the group commit
 * that throws inside the transaction: no root, no full file system needed.
 */
export function failCommits(store: SqliteStore): () => void {
  let failing = true;
  store.join({
    get pending() {
      return failing;
    },
    apply() {
      if (failing) throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    },
    committed() {},
  });
  return () => {
    failing = false;
  };
}
