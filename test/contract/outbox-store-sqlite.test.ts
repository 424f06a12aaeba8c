import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/storage/sqlite/migrations.js";
import { SqliteOutboxStore } from "../../src/storage/sqlite/sqlite-outbox-store.js";
import type { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { type OutboxStoreHarness, runOutboxStoreContract, sampleEntries } from "./outbox-store.contract.js";
import { sqliteTestFiles } from "./sqlite-test-store.js";

// Each harness opens a SqliteStore on its own file and joins a SqliteOutboxStore to it; reopening
// closes the SqliteStore and opens both again on the same file, as a restarted process would.
const files = sqliteTestFiles("sb-outbox-contract-");

function open(file: string): OutboxStoreHarness & {
  readonly file: string;
  readonly sqlite: SqliteStore;
  readonly outbox: SqliteOutboxStore;
} {
  const sqlite = files.open(file);
  const outbox = new SqliteOutboxStore(sqlite);
  return { file, sqlite, outbox, store: outbox, close: () => sqlite.close() };
}

runOutboxStoreContract("SqliteOutboxStore", {
  create: () => Promise.resolve(open(files.fresh("contract"))),
  reopen: (previous) => Promise.resolve(open((previous as ReturnType<typeof open>).file)),
});

describe("SqliteOutboxStore", () => {
  it("commits with the broker store's group commit: the broker's commit() covers outbox changes", async () => {
    const h = open(files.fresh("group"));
    h.store.append("b1", sampleEntries()[0]!);
    assert.equal(h.outbox.pending, true);
    await h.sqlite.commit();
    assert.equal(h.outbox.pending, false);
    await h.close();
    const db = new Database(h.file, { readonly: true }); // the store holds an exclusive lock while open
    assert.equal(db.prepare("SELECT count(*) FROM bridge_outbox").pluck().get(), 1);
    db.close();
  });

  it("does not store an entry appended and deleted between two commits", async () => {
    const h = open(files.fresh("noop"));
    h.store.append("b1", sampleEntries()[0]!);
    h.store.delete("b1", sampleEntries()[0]!.seq);
    await h.sqlite.commit();
    assert.equal(h.outbox.pending, false);
    await h.close();
    const db = new Database(h.file, { readonly: true });
    assert.equal(db.prepare("SELECT count(*) FROM bridge_outbox").pluck().get(), 0);
    db.close();
  });

  it("commits recorded changes by itself after the commit interval", async () => {
    const h = open(files.fresh("auto"));
    h.store.setConfigHash("b1", "h");
    assert.equal(h.outbox.pending, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(h.outbox.pending, false);
    await h.close();
  });

  it("migrates a version 2 database to version 3 (the outbox tables), keeping its data", async () => {
    const file = files.fresh("migrate");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    for (const migration of MIGRATIONS.slice(0, 2)) migration.up(db);
    db.pragma("user_version = 2");
    db.prepare("INSERT INTO meta (key, value) VALUES ('last_message_id', 41)").run();
    db.close();
    assert.equal(MIGRATIONS[2]?.version, 3);
    const h = open(file);
    h.store.append("b1", sampleEntries()[0]!);
    await h.close();
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    assert.equal(check.prepare("SELECT value FROM meta WHERE key = 'last_message_id'").pluck().get(), 41);
    assert.equal(check.prepare("SELECT count(*) FROM bridge_outbox").pluck().get(), 1);
    check.close();
  });
});
