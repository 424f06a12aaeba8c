import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { pino } from "pino";
import { PacketType } from "../../src/protocol/packet-type.js";
import { SqliteStore, type Durability } from "../../src/storage/sqlite/sqlite-store.js";
import { startAdminBroker, type AdminBroker } from "../admin/helpers/admin-broker.js";
import { bytes, delay, RawClient } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";

/**
 * The SQLite store when its commits fail (a full disk, simulated by a commit participant that throws)
 * or its files are deleted while it runs, observed from the clients, the log and the health check:
 * no acknowledgement ahead of a commit while commits fail (`relaxed` included), retries that back off,
 * a log that does not flood, `GET /api/v1/health` answering 503 meanwhile.
 */

/** The simulated disks of the test: freed before the harness stops its brokers (a stop commits). */
const disks: { failing: boolean }[] = [];
afterEach(() => {
  for (const disk of disks.splice(0)) disk.failing = false;
});
const harness = restartHarness("sqlite-store-failure");

type LogLine = Record<string, unknown> & { level: number; msg: string };

interface Started {
  readonly broker: AdminBroker;
  readonly store: SqliteStore;
  readonly dir: string;
  readonly lines: LogLine[];
  /** Every commit fails (after writing nothing) while set; `attempts` counts the commits tried meanwhile. */
  readonly disk: { failing: boolean; attempts: number };
}

async function start(durability: Durability, track = true): Promise<Started> {
  const dir = harness.dataDir();
  const lines: LogLine[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  const broker = await startAdminBroker({
    config: {
      storage: { kind: "sqlite", path: dir, durability, commitInterval: 5, housekeepingInterval: 0 },
    },
    logger,
  });
  if (track) harness.track(broker);
  const store = broker.broker.store;
  assert.ok(store instanceof SqliteStore);
  const disk = { failing: false, attempts: 0 };
  disks.push(disk);
  store.join({
    get pending() {
      return disk.failing;
    },
    apply() {
      if (!disk.failing) return;
      disk.attempts++;
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    },
    committed() {},
  });
  return { broker, store, dir, lines, disk };
}

async function client(port: number, clientId: string, sessionExpiryInterval = 0): Promise<RawClient> {
  const c = await RawClient.connected(port, {
    protocolVersion: 5,
    clientId,
    cleanStart: true,
    properties: { sessionExpiryInterval },
  });
  return harness.client(c);
}

/** A persistent session subscribed to `f/#` whose client is gone: its queue is what the store keeps. */
async function offlineSubscriber(port: number): Promise<void> {
  const sub = await client(port, "offline", 3600);
  sub.send({
    type: PacketType.SUBSCRIBE,
    packetId: 1,
    subscriptions: [
      { topicFilter: "f/#", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
    ],
  });
  await sub.expect(PacketType.SUBACK);
  await sub.disconnect();
}

function publish(c: RawClient, topic: string, packetId: number): void {
  c.send({
    type: PacketType.PUBLISH,
    topic,
    payload: bytes(topic),
    qos: 1,
    retain: false,
    dup: false,
    packetId,
  });
}

async function until(condition: () => boolean, what: string, timeout = 8000): Promise<void> {
  const since = Date.now();
  while (!condition()) {
    if (Date.now() - since > timeout) assert.fail(`timed out waiting until ${what}`);
    await delay(5);
  }
}

/** The topics queued for the offline subscriber in the store at `dir` (opened as a copy). */
async function queuedTopics(dir: string): Promise<string[]> {
  const store = new SqliteStore({
    file: join(dir, "switchboard.db"),
    durability: "strict",
    commitInterval: 5,
    housekeepingInterval: 0,
    compactThreshold: 0,
  });
  try {
    const snapshot = await store.load();
    const session = snapshot.sessions.find((s) => s.session.clientId === "offline");
    return (session?.queue ?? []).map((q) => snapshot.messages.get(q.messageId)!.topic);
  } finally {
    await store.close();
  }
}

const storeLines = (lines: readonly LogLine[]): LogLine[] =>
  lines.filter((l) => l["code"] === "SB_ERR_STORE");

describe("SqliteStore failing commits", () => {
  it("relaxed: once a commit has failed, nothing is acknowledged until one succeeds (the publisher is disconnected, 0x80), then acknowledgements are at once again", async () => {
    const { broker, store, disk, lines } = await start("relaxed");
    await offlineSubscriber(broker.port);
    const pub = await client(broker.port, "publisher");
    publish(pub, "f/1", 1);
    assert.equal((await pub.expect(PacketType.PUBACK)).packetId, 1, "relaxed: at once");
    disk.failing = true;
    store.participantRecorded(); // a change nobody waits for: the store commits it on its own
    await until(() => disk.attempts > 0, "the store's own commit fails");
    publish(pub, "f/2", 2);
    const disconnect = await pub.expect(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x80, "no PUBACK: the commit that would cover it failed");
    await pub.waitClosed();
    assert.equal(store.ackAfterCommit, true, "failing: acknowledgements wait for a commit");
    const failed = lines.find((l) => l.msg.startsWith("Store commit failed: disconnecting"));
    assert.equal(failed?.["code"], "SB_ERR_STORE", "the stable code at the top level of the line");

    disk.failing = false;
    const again = await client(broker.port, "publisher-2");
    publish(again, "f/3", 1);
    assert.equal((await again.expect(PacketType.PUBACK)).packetId, 1, "acknowledged after the commit");
    await until(() => store.failure === undefined, "the store works again");
    assert.equal(store.ackAfterCommit, false, "relaxed again");
    publish(again, "f/4", 2);
    assert.equal((await again.expect(PacketType.PUBACK)).packetId, 2);
    assert.ok(
      lines.some((l) => l.level === 30 && l["code"] === "SB_ERR_STORE" && /succeed again/.test(l.msg)),
      "the recovery is logged",
    );
  });

  it("retries back off from commitInterval, and the log has one line for the first failure, not one per retry", async () => {
    const { broker, store, disk, lines } = await start("strict");
    await offlineSubscriber(broker.port);
    disk.failing = true;
    store.participantRecorded(); // a change nobody waits for: the store commits it on its own
    const since = Date.now();
    await delay(1500);
    // every 5 ms without a back-off: ~300 attempts; 5, 10, 20 ... 640 ms: 8
    assert.ok(disk.attempts >= 3 && disk.attempts <= 12, `${disk.attempts} commits tried in 1.5 s`);
    const errors = storeLines(lines).filter((l) => l.level === 50);
    assert.equal(errors.length, 1, JSON.stringify(errors.map((l) => l.msg)));
    assert.match(errors[0]!.msg, /the disk is full/);
    assert.ok((errors[0]!["err"] as { stack?: string }).stack, "the first failure is logged in full");
    assert.equal(store.failure?.failures, disk.attempts);
    assert.ok(store.failure.since >= since - 50);

    disk.failing = false;
    await until(() => store.failure === undefined, "a retry succeeds");
    const recovered = storeLines(lines).filter((l) => /succeed again/.test(l.msg));
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!["failures"], disk.attempts);
  });

  it("GET /api/v1/health answers 503 degraded with the store's failure while commits fail, 200 ok again after a success", async () => {
    const { broker, store, disk } = await start("strict");
    const ok = await broker.call("GET", "/api/v1/health", { key: null });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, "ok");
    assert.deepEqual(ok.body.store, { ok: true });

    disk.failing = true;
    await assert.rejects(store.commit());
    const degraded = await broker.call("GET", "/api/v1/health", { key: null });
    assert.equal(degraded.status, 503);
    assert.equal(degraded.body.status, "degraded");
    const failure = degraded.body.store as Record<string, unknown>;
    assert.equal(failure["ok"], false);
    assert.equal(failure["code"], "SB_ERR_STORE");
    assert.equal(typeof failure["since"], "number");
    assert.ok((failure["failures"] as number) >= 1);
    assert.equal(failure["message"], undefined, "not on a public route: the message names the file");

    disk.failing = false;
    await store.commit();
    const healthy = await broker.call("GET", "/api/v1/health", { key: null });
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body.status, "ok");
    assert.deepEqual(healthy.body.store, { ok: true });
  });
});

describe("SqliteStore files deleted while the broker runs", () => {
  for (const durability of ["strict", "relaxed"] as const) {
    it(`${durability}: a deleted WAL fails the commit that finds it (no PUBACK, SB_ERR_STORE logged), then the store starts a new one and what was acknowledged before survives a crash`, async () => {
      const { broker, store, dir, lines } = await start(durability);
      await offlineSubscriber(broker.port);
      const pub = await client(broker.port, "publisher");
      publish(pub, "f/before", 1);
      await pub.expect(PacketType.PUBACK);
      await store.commit(); // relaxed: committed (strict already was)
      rmSync(join(dir, "switchboard.db-wal"));
      if (durability === "relaxed") {
        // the store's own commit finds it; until a commit succeeds acknowledgements wait for one
        store.putSession({ clientId: "other", protocolVersion: 5, expiryInterval: 60, disconnectedAt: 0 });
        await until(() => store.failure !== undefined, "a commit fails");
      }
      publish(pub, "f/lost", 2);
      const answer = await pub.next();
      if (durability === "strict") {
        assert.equal(answer.type, PacketType.DISCONNECT, "the commit that found the WAL deleted failed");
        assert.equal((answer as { reasonCode?: number }).reasonCode, 0x80);
      } else {
        assert.equal(answer.type, PacketType.PUBACK, "acknowledged after the commit that started a new WAL");
      }
      const error = storeLines(lines).find((l) => l.level === 50);
      assert.match(
        (error?.["err"] as { message?: string } | undefined)?.message ?? "",
        /write-ahead log ".*switchboard\.db-wal" was deleted while the broker was running/,
      );

      const again = await client(broker.port, "publisher-2");
      publish(again, "f/after", 1);
      await again.expect(PacketType.PUBACK);
      await until(() => store.failure === undefined, "the store works again");
      assert.ok(existsSync(join(dir, "switchboard.db-wal")), "a new WAL");
      await store.commit(); // relaxed: the last acknowledgement's commit (strict: done)

      // a crash now keeps both files as they are: what was acknowledged must be in them
      const crashed = harness.dataDir();
      mkdirSync(crashed);
      for (const file of readdirSync(dir)) copyFileSync(join(dir, file), join(crashed, file));
      const topics = await queuedTopics(crashed);
      assert.ok(topics.includes("f/before"), `acknowledged before the deletion: ${topics.join(", ")}`);
      assert.ok(topics.includes("f/after"), `acknowledged after the new WAL: ${topics.join(", ")}`);
    });
  }

  it("strict: a deleted database file fails every commit until a restart (clients disconnected, SB_ERR_STORE logged, health degraded) and what was committed is copied beside it", async () => {
    const { broker, store, dir, lines } = await start("strict", false);
    try {
      await offlineSubscriber(broker.port);
      const pub = await client(broker.port, "publisher");
      publish(pub, "f/before", 1);
      await pub.expect(PacketType.PUBACK);
      rmSync(join(dir, "switchboard.db"));
      publish(pub, "f/refused", 2);
      const disconnect = await pub.expect(PacketType.DISCONNECT);
      assert.equal(disconnect.reasonCode, 0x80);
      const error = storeLines(lines).find((l) => l.level === 50);
      assert.match(
        (error?.["err"] as { message?: string } | undefined)?.message ?? "",
        /the database file was deleted while the broker was running; nothing more is committed \(or acknowledged\) until the broker is restarted; everything committed until now is copied to ".*switchboard\.db\.recovered-/,
      );
      await assert.rejects(
        client(broker.port, "publisher-2"),
        /got .*"reasonCode":128/,
        "still failing: even a CONNACK waits for a commit",
      );
      const health = await broker.call("GET", "/api/v1/health", { key: null });
      assert.equal(health.status, 503);

      const copy = readdirSync(dir).find((file) => file.startsWith("switchboard.db.recovered-"));
      assert.ok(copy !== undefined, readdirSync(dir).join(", "));
      const restored = harness.dataDir();
      mkdirSync(restored);
      copyFileSync(join(dir, copy), join(restored, "switchboard.db"));
      assert.deepEqual(await queuedTopics(restored), ["f/before"]);
    } finally {
      await broker.stop().catch(() => undefined); // cannot commit: Broker.close rejects before closing it
      await store.close().catch(() => undefined);
    }
  });
});
