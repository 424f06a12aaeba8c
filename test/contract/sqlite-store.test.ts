import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { Store } from "../../src/hooks/store.js";
import { SqliteStore, type Durability } from "../../src/storage/sqlite/sqlite-store.js";
import { runStoreContract } from "./store.contract.js";

// Each store gets a fresh database file in a temporary directory; reopening closes it and opens a new
// SqliteStore on the same file, as a restarted process would.
const root = mkdtempSync(join(tmpdir(), "sb-sqlite-contract-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function open(file: string, durability: Durability): SqliteStore {
  return new SqliteStore({
    file,
    durability,
    commitInterval: 5,
    housekeepingInterval: 0,
    compactThreshold: 1024 * 1024,
  });
}

for (const durability of ["strict", "relaxed"] as const) {
  runStoreContract(`SqliteStore (${durability})`, {
    create: () =>
      Promise.resolve<Store>(open(join(root, `contract-${++counter}`, "switchboard.db"), durability)),
    reopen: (previous) => {
      if (!(previous instanceof SqliteStore)) throw new Error("not a SqliteStore");
      return Promise.resolve<Store>(open(previous.file, durability));
    },
  });
}
