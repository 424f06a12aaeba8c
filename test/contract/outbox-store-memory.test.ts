import { MemoryOutboxStore } from "../../src/storage/memory/memory-outbox-store.js";
import { runOutboxStoreContract } from "./outbox-store.contract.js";

// The memory store lives in the process: reopening it is using the same instance.
runOutboxStoreContract("MemoryOutboxStore", {
  create: () => Promise.resolve({ store: new MemoryOutboxStore(), close: () => Promise.resolve() }),
  reopen: (previous) => Promise.resolve(previous),
});
