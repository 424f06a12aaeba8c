/**
 * Turns SQLite and file-system failures into the reason part of a store error message, in words an
 * operator can act on.
 * @module
 */

const reasons: readonly (readonly [prefix: string, reason: string])[] = [
  ["SQLITE_BUSY", "the database is locked by another process (is another broker using this data directory?)"],
  [
    "SQLITE_LOCKED",
    "the database is locked by another process (is another broker using this data directory?)",
  ],
  ["SQLITE_NOTADB", "the file is not a SQLite database"],
  ["SQLITE_CORRUPT", "the database is corrupt"],
  ["SQLITE_CANTOPEN", "the file cannot be opened (check the path and its permissions)"],
  ["SQLITE_READONLY", "the file is read-only (the broker must be able to write it)"],
  ["SQLITE_PERM", "permission denied (the broker must be able to read and write it)"],
  ["SQLITE_AUTH", "permission denied (the broker must be able to read and write it)"],
  ["SQLITE_FULL", "the disk is full"],
  ["SQLITE_IOERR", "an I/O error occurred"],
  ["EACCES", "permission denied (the broker must be able to read and write it)"],
  ["EPERM", "permission denied (the broker must be able to read and write it)"],
  ["ENOSPC", "the disk is full"],
  ["EROFS", "the file system is read-only"],
];

/** The error's code, when it has a string one (SQLite errors and Node system errors do). */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A short reason for `error`, e.g. `the disk is full (SQLITE_FULL: database or disk is full)`. */
export function describeSqliteError(error: unknown): string {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  const known = code === undefined ? undefined : reasons.find(([prefix]) => code.startsWith(prefix));
  if (known === undefined) return code === undefined ? detail : `${detail} (${code})`;
  return `${known[1]} (${code ?? ""}: ${detail})`;
}
