/**
 * Which file a path names (device and inode), so the store notices that its database file or WAL was
 * deleted or replaced while it runs: SQLite goes on writing the file it opened, whatever its name
 * names now, and does not check under `locking_mode=EXCLUSIVE`.
 * @module
 */

import { statSync } from "node:fs";

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The identity of the file `path` names now; undefined when it names none. One `stat`. */
export function fileIdentity(path: string): FileIdentity | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats === undefined ? undefined : { dev: stats.dev, ino: stats.ino };
}

/** True when both name the same file (two missing files are not the same file). */
export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}
