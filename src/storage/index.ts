/**
 * Store implementations (see hooks/store.ts for the interface and its contract).
 * @module
 */

export { MemoryStore } from "./memory/memory-store.js";
export { MemoryOutboxStore } from "./memory/memory-outbox-store.js";
export { MemoryRegistryStore } from "./memory/memory-registry-store.js";
export {
  type CommitParticipant,
  SqliteOutboxStore,
  SqliteRegistryStore,
  SqliteStore,
  type DatabaseStats,
  type Durability,
  type HousekeepingResult,
  type SqliteStoreOptions,
} from "./sqlite/index.js";
