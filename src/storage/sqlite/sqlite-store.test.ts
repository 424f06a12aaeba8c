import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { StoreError } from "../../errors.js";
import type { StoredInflight, StoreFailure } from "../../hooks/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";

const root = mkdtempSync(join(tmpdir(), "sb-sqlite-unit-"));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

function open(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  return new SqliteStore({
    file: join(root, `unit-${++files}`, "switchboard.db"),
    durability: "strict",
    commitInterval: 60_000,
    housekeepingInterval: 0,
    compactThreshold: 0,
    ...options,
  });
}

const T0 = 1_700_000_000_000;

function message(id: number, fields: Partial<ApplicationMessage> = {}): ApplicationMessage {
  return {
    id,
    topic: `t/${id}`,
    payload: new Uint8Array(100).fill(id & 0xff),
    qos: 1,
    retain: false,
    properties: undefined,
    createdAt: T0,
    expiresAt: undefined,
    publisherId: undefined,
    ...fields,
  };
}

const session = (clientId: string) =>
  ({ clientId, protocolVersion: 5, expiryInterval: 3600, disconnectedAt: T0 }) as const;
const queued = (seq: number, messageId: number) =>
  ({ seq, messageId, qos: 1, retain: false, subscriptionIdentifiers: [] }) as const;
const inflight = (
  packetId: number,
  messageId: number,
  phase: StoredInflight["phase"] = "publish",
): StoredInflight => ({
  packetId,
  messageId,
  qos: 1,
  retain: false,
  subscriptionIdentifiers: [],
  phase,
});

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A commit participant that makes every commit fail while `failing` is set (as a full disk would). */
function failingDisk(store: SqliteStore): { failing: boolean } {
  const disk = { failing: false };
  store.join({
    get pending() {
      return disk.failing;
    },
    apply() {
      if (disk.failing) throw new Error("disk on fire");
    },
    committed() {},
  });
  return disk;
}

describe("SqliteStore write-behind", () => {
  it("records changes without writing them, and commit() applies them in one transaction", async () => {
    const store = open();
    store.putSession(session("a"));
    store.putMessage(message(1));
    store.putQueued("a", queued(1, 1));
    assert.equal(store.pending, 3);
    await store.commit();
    assert.equal(store.pending, 0);
    assert.equal((await store.load()).sessions[0]?.queue.length, 1);
    await store.close();
  });

  it("a message put for several entries in one commit is recorded once", async () => {
    const store = open();
    for (const id of ["a", "b", "c"]) store.putSession(session(id));
    for (const id of ["a", "b", "c"]) {
      store.putMessage(message(7));
      store.putQueued(id, queued(1, 7));
    }
    assert.equal(store.pending, 3 + 1 + 3);
    await store.close();
  });

  it("puts for a client without a session are ignored, as by MemoryStore", async () => {
    const store = open();
    store.putMessage(message(1));
    store.putQueued("nobody", queued(1, 1));
    store.putSubscription("nobody", {
      topicFilter: "x",
      qos: 1,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0,
      subscriptionIdentifier: undefined,
    });
    assert.equal(store.pending, 1);
    const snapshot = await store.load();
    assert.equal(snapshot.messages.size, 0);
    await store.close();
  });

  it("commits by itself commitInterval ms after a change, when nobody calls commit()", async () => {
    const store = open({ commitInterval: 20 });
    store.putSession(session("a"));
    assert.equal(store.pending, 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(store.pending, 0);
    await store.close();
  });

  it("commits at the end of the turn once maxPending changes wait", async () => {
    const store = open({ maxPending: 10 });
    store.putSession(session("a"));
    for (let i = 1; i <= 9; i++) store.putMessage(message(i));
    assert.equal(store.pending, 10);
    await tick();
    assert.equal(store.pending, 0);
    await store.close();
  });

  it("a failed commit rejects with SB_ERR_STORE, applies nothing of its batch and keeps it for a retry", async () => {
    const store = open();
    const disk = failingDisk(store);
    store.putSession(session("a"));
    store.putMessage(message(1));
    store.putQueued("a", queued(1, 1));
    disk.failing = true;
    const error = await store.commit().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, "SB_ERR_STORE");
    assert.match(error.message, /Cannot commit to the store ".*switchboard\.db": .*disk on fire/);
    assert.equal(store.pending, 3, "the batch is kept");
    assert.equal(store.loggedCommits, 0, "nothing was logged");
    store.putInflight("a", inflight(1, 1));
    disk.failing = false;
    await store.commit(); // the retry commits the kept batch and what came since, in order
    assert.equal(store.pending, 0);
    assert.equal(store.loggedCommits, 1);
    const state = (await store.load()).sessions[0]!;
    assert.equal(state.queue.length, 1);
    assert.equal(state.inflight.length, 1);
    await store.close();
  });

  it("a failed checkpoint applies nothing and is retried with everything since", async () => {
    const store = open();
    const disk = failingDisk(store);
    store.putSession(session("a"));
    store.putMessage(message(1));
    store.putQueued("a", queued(1, 1));
    await store.commit();
    disk.failing = true;
    store.deleteQueued("a", 1);
    assert.throws(() => store.checkpoint(), StoreError);
    await assert.rejects(store.load(), StoreError);
    disk.failing = false;
    store.checkpoint();
    assert.equal(store.loggedCommits, 0);
    const snapshot = await store.load();
    assert.deepEqual(snapshot.sessions[0]?.queue, []);
    assert.equal(snapshot.messages.size, 0);
    await store.close();
  });

  it("reports a failed commit it started by itself to onError", async () => {
    const errors: StoreError[] = [];
    const store = open({ commitInterval: 5, onError: (e) => errors.push(e) });
    failingDisk(store).failing = true;
    store.putSession(session("a"));
    store.putMessage(message(1));
    store.putInflight("a", inflight(1, 1));
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.ok(errors.length >= 1, "reported");
    assert.ok(errors.every((e) => e.code === "SB_ERR_STORE"));
    await assert.rejects(store.close());
  });

  it("writes nothing after close", async () => {
    const store = open();
    await store.close();
    store.putSession(session("late"));
    assert.equal(store.pending, 0);
    await store.close();
  });
});

describe("SqliteStore failing", () => {
  it("is failing from a failed commit until one succeeds: relaxed then waits for commits to acknowledge", async () => {
    const recovered: StoreFailure[] = [];
    const store = open({ durability: "relaxed", clock: () => T0, onRecovered: (f) => recovered.push(f) });
    const disk = failingDisk(store);
    assert.equal(store.ackAfterCommit, false);
    assert.equal(store.failure, undefined);
    disk.failing = true;
    await assert.rejects(store.commit());
    await assert.rejects(store.commit());
    assert.equal(store.ackAfterCommit, true, "relaxed acknowledges nothing ahead of a commit meanwhile");
    assert.deepEqual(
      { ...store.failure!, message: "" },
      { code: "SB_ERR_STORE", since: T0, failures: 2, message: "" },
    );
    assert.match(store.failure!.message, /disk on fire/);
    disk.failing = false;
    await store.commit();
    assert.equal(store.failure, undefined);
    assert.equal(store.ackAfterCommit, false);
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!.failures, 2);
    await store.close();
  });

  it("retries on its own with a back-off, not every commitInterval", async () => {
    const errors: unknown[] = [];
    const store = open({ durability: "process", commitInterval: 5, onError: (e) => errors.push(e) });
    const disk = failingDisk(store);
    disk.failing = true;
    store.putSession(session("a"));
    await new Promise((resolve) => setTimeout(resolve, 700));
    // 5, 10, 20, 40, 80, 160, 320 ms: 7 attempts (140 without the back-off; fewer when timers run late)
    assert.ok(errors.length >= 3 && errors.length <= 9, `${errors.length} attempts`);
    disk.failing = false;
    await store.commit();
    assert.equal(store.failure, undefined);
    await store.close();
  });

  it("process: a deleted WAL fails the next commit; the one after copies it into the database file and starts a new WAL", async () => {
    const store = open({ durability: "process" });
    store.putSession(session("a"));
    await store.commit();
    rmSync(`${store.file}-wal`);
    store.putSession(session("b"));
    await assert.rejects(
      store.commit(),
      /write-ahead log ".*switchboard\.db-wal" was deleted while the broker was running/,
    );
    store.putSession(session("c"));
    await store.commit();
    assert.equal(store.failure, undefined);
    assert.ok(existsSync(`${store.file}-wal`));
    const state = await store.load();
    assert.deepEqual(state.sessions.map((s) => s.session.clientId).sort(), ["a", "b", "c"]);
    await store.close();
  });

  it("a database file replaced by another fails every commit, after a copy of what was committed", async () => {
    const store = open({ clock: () => T0 });
    store.putSession(session("a"));
    await store.commit();
    renameSync(store.file, `${store.file}.moved`);
    writeFileSync(store.file, "");
    store.putSession(session("b"));
    await assert.rejects(
      store.commit(),
      /the database file was replaced by another file while the broker was running/,
    );
    await assert.rejects(store.commit(), /replaced by another file/, "until a restart");
    assert.equal(store.failure?.failures, 2);
    const copies = readdirSync(dirname(store.file)).filter((f) => f.includes(".recovered-"));
    assert.deepEqual(copies, ["switchboard.db.recovered-2023-11-14T22-13-20-000Z"]);
    await assert.rejects(store.close());
    const copy = open({ file: join(dirname(store.file), copies[0]!) });
    assert.deepEqual(
      (await copy.load()).sessions.map((s) => s.session.clientId),
      ["a"],
    );
    await copy.close();
  });
});

describe("SqliteStore housekeeping", () => {
  it("purges queue entries and retained values whose message expired, never in-flight entries", async () => {
    let now = T0;
    const store = open({ clock: () => now });
    store.putSession(session("a"));
    store.putMessage(message(1, { expiresAt: T0 + 1000 }));
    store.putMessage(message(2, { expiresAt: T0 + 1000 }));
    store.putMessage(message(3, { expiresAt: T0 + 1000, retain: true }));
    store.putMessage(message(4, { expiresAt: T0 + 5000 }));
    store.putQueued("a", queued(1, 1));
    store.putInflight("a", inflight(9, 2));
    store.putRetained("t/3", 3);
    store.putQueued("a", queued(2, 4));
    await store.commit();
    assert.equal(store.housekeep().purged, 0, "nothing has expired yet");
    now = T0 + 1000;
    const result = store.housekeep();
    assert.equal(result.purged, 2, "one queue entry and one retained value");
    const snapshot = await store.load();
    const state = snapshot.sessions[0]!;
    assert.deepEqual(
      state.queue.map((q) => q.messageId),
      [4],
    );
    assert.deepEqual(
      state.inflight.map((e) => e.messageId),
      [2],
      "delivery had started: kept",
    );
    assert.equal(snapshot.retained.size, 0);
    assert.deepEqual([...snapshot.messages.keys()].sort(), [2, 4]);
    await store.close();
  });

  it("gives free pages back to the file system above compactThreshold, and not below", async () => {
    const store = open({ compactThreshold: 1024 * 1024 });
    store.putSession(session("a"));
    for (let id = 1; id <= 2000; id++) {
      store.putMessage(message(id, { payload: new Uint8Array(1000).fill(1) }));
      store.putQueued("a", queued(id, id));
    }
    await store.commit();
    store.housekeep();
    const full = store.stats();
    assert.ok(full.bytes > 2_000_000, `${full.bytes} bytes with 2000 messages of 1 KB`);
    for (let id = 1; id <= 1900; id++) store.deleteQueued("a", id);
    store.checkpoint();
    const freed = store.stats();
    assert.ok(freed.freePages * freed.pageSize > 1024 * 1024, "deleting leaves free pages");
    const result = store.housekeep();
    assert.ok(result.freedPages > 0);
    const compacted = store.stats();
    assert.equal(compacted.freePages, 0);
    assert.ok(compacted.bytes < full.bytes / 4, `${compacted.bytes} bytes after compaction`);
    assert.ok(statSync(store.file).size <= compacted.bytes, "the file itself shrank");
    // a few free pages, below the threshold, stay for reuse
    for (let id = 1901; id <= 1950; id++) store.deleteQueued("a", id);
    store.checkpoint();
    const small = store.stats().freePages;
    assert.ok(small > 0);
    assert.equal(store.housekeep().freedPages, 0);
    assert.equal(store.stats().freePages, small);
    await store.close();
  });
});
