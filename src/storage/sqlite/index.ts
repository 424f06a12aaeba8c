/**
 * The embedded SQLite store.
 * @module
 */

export { SqliteStore, type Durability, type SqliteStoreOptions } from "./sqlite-store.js";
export type { DatabaseStats, HousekeepingResult } from "./housekeeping.js";
