import { MemoryStore } from "../../src/storage/memory/memory-store.js";
import { runStoreContract } from "./store.contract.js";

// The memory store lives in the process: reopening it after close() is using the same instance, as a
// broker restarted in the same process with the same store does.
runStoreContract("MemoryStore", {
  create: () => Promise.resolve(new MemoryStore()),
  reopen: (previous) => Promise.resolve(previous),
});
