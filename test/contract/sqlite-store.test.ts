import type { Store } from "../../src/hooks/store.js";
import { SqliteStore, type Durability } from "../../src/storage/sqlite/sqlite-store.js";
import { failCommits, sqliteTestFiles } from "./sqlite-test-store.js";
import { runStoreContract } from "./store.contract.js";

// Each store gets a fresh database file in a temporary directory; reopening closes it and opens a new
// SqliteStore on the same file, as a restarted process would.
const files = sqliteTestFiles("sb-sqlite-contract-");

function open(file: string, durability: Durability): SqliteStore {
  return files.open(file, durability);
}

for (const durability of ["strict", "relaxed"] as const) {
  runStoreContract(`SqliteStore (${durability})`, {
    create: () => Promise.resolve<Store>(open(files.fresh("contract"), durability)),
    reopen: (previous) => {
      if (!(previous instanceof SqliteStore)) throw new Error("not a SqliteStore");
      return Promise.resolve<Store>(open(previous.file, durability));
    },
    breakCommits: (store) => {
      if (!(store instanceof SqliteStore)) throw new Error("not a SqliteStore");
      return failCommits(store);
    },
  });
}
