import { MemoryRegistryStore } from "../../src/storage/memory/memory-registry-store.js";
import { runRegistryStoreContract } from "./registry-store.contract.js";

// The memory store lives in the process: reopening it is using the same instance.
runRegistryStoreContract("MemoryRegistryStore", {
  create: () => Promise.resolve({ store: new MemoryRegistryStore(), close: () => Promise.resolve() }),
  reopen: (previous) => Promise.resolve(previous),
});
