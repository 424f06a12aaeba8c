import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/storage/sqlite/migrations.js";
import { SqliteRegistryStore } from "../../src/storage/sqlite/sqlite-registry-store.js";
import type { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { everyKind, type RegistryStoreHarness, runRegistryStoreContract } from "./registry-store.contract.js";
import { sqliteTestFiles } from "./sqlite-test-store.js";

// Each harness opens a SqliteStore on its own file and joins a SqliteRegistryStore to it; reopening
// closes the SqliteStore and opens both again on the same file, as a restarted process would.
const files = sqliteTestFiles("sb-registry-contract-");

function open(file: string): RegistryStoreHarness & {
  readonly file: string;
  readonly sqlite: SqliteStore;
  readonly registry: SqliteRegistryStore;
} {
  const sqlite = files.open(file);
  const registry = new SqliteRegistryStore(sqlite);
  return { file, sqlite, registry, store: registry, close: () => sqlite.close() };
}

runRegistryStoreContract("SqliteRegistryStore", {
  create: () => Promise.resolve(open(files.fresh("contract"))),
  reopen: (previous) => Promise.resolve(open((previous as ReturnType<typeof open>).file)),
});

describe("SqliteRegistryStore", () => {
  it("commits with the broker store's group commit: the broker's commit() covers registry changes", async () => {
    const h = open(files.fresh("group"));
    h.store.putEntity(everyKind()[0]!);
    const registry = h.registry;
    assert.equal(registry.pending, true);
    await h.sqlite.commit();
    assert.equal(registry.pending, false);
    await h.close();
  });

  it("leaves a value JSON.stringify cannot write out of the commit, and commits everything else", async () => {
    const h = open(files.fresh("unwritable"));
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const state = (channel: string, value: unknown) => ({
      tenant: "t",
      entity: { kind: "devices", id: "d" } as const,
      channel,
      value,
      time: 1,
      sourceTime: undefined,
    });
    h.registry.putState(state("deep", deep));
    h.registry.putState(state("fine", 42));
    h.sqlite.putSession({
      clientId: "c1",
      protocolVersion: 5,
      expiryInterval: 60,
      disconnectedAt: undefined,
    });
    await h.sqlite.commit(); // once failed the whole transaction, again at every retry
    assert.equal(h.registry.unwritable, 1);
    assert.equal(h.registry.pending, false);
    await h.close();
    const again = open(h.file);
    const snapshot = await again.registry.load();
    assert.deepEqual(
      snapshot.state.map((v) => [v.channel, v.value]),
      [["fine", 42]],
    );
    assert.deepEqual(
      (await again.sqlite.load()).sessions.map((s) => s.session.clientId),
      ["c1"],
    );
    await again.close();
  });

  it("commits recorded changes by itself after the commit interval", async () => {
    const h = open(files.fresh("auto"));
    const registry = h.registry;
    registry.putState({
      tenant: "t",
      entity: { kind: "devices", id: "d" },
      channel: "c",
      value: 1,
      time: 1,
      sourceTime: undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(registry.pending, false);
    await h.close();
  });

  it("upgrades a version 1 database to version 2 and keeps its broker state", async () => {
    const file = files.fresh("upgrade");
    const v1 = open(file);
    v1.sqlite.putSession({
      clientId: "c1",
      protocolVersion: 5,
      expiryInterval: 60,
      disconnectedAt: undefined,
    });
    await v1.close();
    // take it back to version 1, as a database written before the registry existed: drop every table
    // the later migrations made
    const db = new Database(file);
    const v1Tables = new Set(["meta", "messages", "sessions", "subscriptions", "inflight", "queue"]);
    for (const table of ["incoming_qos2", "retained", "wills"]) v1Tables.add(table);
    const later = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const table of later) if (!v1Tables.has(table)) db.exec(`DROP TABLE ${table}`);
    // and the columns they added to version 1 tables (version 5: session owners, will publishers;
    // version 6: the shared subscription group of queued and in-flight entries)
    db.exec("ALTER TABLE sessions DROP COLUMN owner; ALTER TABLE wills DROP COLUMN publisher");
    db.exec("ALTER TABLE inflight DROP COLUMN share_group; ALTER TABLE queue DROP COLUMN share_group");
    db.pragma("user_version = 1");
    db.close();
    assert.equal(MIGRATIONS[1]?.version, 2);
    const v2 = open(file);
    assert.equal((await v2.sqlite.load()).sessions[0]?.session.clientId, "c1");
    assert.deepEqual(await v2.store.load(), { entities: [], state: [] });
    await v2.close();
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    check.close();
  });
});
