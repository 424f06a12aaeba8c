/**
 * The embedded SQLite store.
 * @module
 */

export {
  type CommitParticipant,
  SqliteStore,
  type Durability,
  type SqliteStoreOptions,
} from "./sqlite-store.js";
export { SqliteOutboxStore } from "./sqlite-outbox-store.js";
export { SqliteRegistryStore } from "./sqlite-registry-store.js";
export type { DatabaseStats, HousekeepingResult } from "./housekeeping.js";
