import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { SqliteStore, type Durability } from "../../src/storage/sqlite/sqlite-store.js";
import { CommitTrackingStore } from "../helpers/commit-tracking-store.js";
import { bytes, delay, RawClient } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";
import { startTestBroker } from "../helpers/test-broker.js";

/**
 * The durability settings, observed from the clients: under `strict` and `process` nothing reaches a
 * client before the commit covering the change behind it (PUBACK/PUBREC/PUBCOMP to the publisher,
 * PUBLISH and PUBREL to subscribers); under `relaxed` the acknowledgement comes first and the store
 * commits on its own within `commitInterval`.
 */

const harness = restartHarness("sqlite-durability");

async function start(durability: Durability, commitInterval: number) {
  const inner = new SqliteStore({
    file: join(harness.dataDir(), "switchboard.db"),
    durability,
    commitInterval,
    housekeepingInterval: 0,
    compactThreshold: 0,
  });
  const store = new CommitTrackingStore(inner);
  const broker = harness.track(await startTestBroker({ store }));
  return { broker, store, inner };
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

async function subscribe(c: RawClient, topicFilter: string, qos: 1 | 2): Promise<void> {
  c.send({
    type: PacketType.SUBSCRIBE,
    packetId: 1,
    subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
  });
  await c.expect(PacketType.SUBACK);
}

function publishPacket(topic: string, qos: 1 | 2, packetId: number) {
  return {
    type: PacketType.PUBLISH,
    topic,
    payload: bytes(topic),
    qos,
    retain: false,
    dup: false,
    packetId,
  } as const;
}

describe("SqliteStore durability settings", () => {
  for (const [durability, syncsEveryCommit] of [
    ["strict", true],
    ["process", false],
    ["relaxed", false],
  ] as const) {
    it(`${durability}: ${syncsEveryCommit ? "the WAL synced at every commit" : "synchronous=NORMAL"}, acknowledgements ${durability === "relaxed" ? "at once" : "after commit"}`, async () => {
      const { inner } = await start(durability, 5);
      assert.equal(inner.synchronous, "NORMAL");
      assert.equal(inner.syncsEveryCommit, syncsEveryCommit);
      assert.equal(inner.ackAfterCommit, durability !== "relaxed");
      assert.equal(inner.durable, true);
    });
  }

  for (const durability of ["strict", "process"] as const) {
    it(`${durability}: PUBACK, PUBREC, PUBCOMP, and PUBLISH and PUBREL to subscribers, leave only after the commit that covers them`, async () => {
      const { broker, store } = await start(durability, 1000);
      const offline = await client(broker.port, "offline", 600);
      await subscribe(offline, "d/#", 1);
      await offline.disconnect();
      const online = await client(broker.port, "online", 600);
      await subscribe(online, "d/#", 2);
      const pub = await client(broker.port, "publisher", 600);

      pub.send(publishPacket("d/q1", 1, 1));
      await pub.expect(PacketType.PUBACK);
      assert.ok(
        store.isCommitted(store.last("putQueued", "offline")),
        "PUBACK after the offline queue entry is committed",
      );
      const delivered = await online.expect(PacketType.PUBLISH);
      assert.ok(
        store.isCommitted(store.last("putInflight", "online")),
        "PUBLISH after its in-flight entry is committed",
      );
      online.send({ type: PacketType.PUBACK, packetId: delivered.packetId! });

      pub.send(publishPacket("d/q2", 2, 2));
      await pub.expect(PacketType.PUBREC);
      assert.ok(
        store.isCommitted(store.last("putIncomingQos2", "publisher")),
        "PUBREC after the inbound QoS 2 id is committed",
      );
      assert.ok(store.isCommitted(store.last("putQueued", "offline")));
      const q2 = await online.expect(PacketType.PUBLISH);
      assert.equal(q2.qos, 2);
      online.send({ type: PacketType.PUBREC, packetId: q2.packetId! });
      await online.expect(PacketType.PUBREL);
      const pubrelPhase = store.last(
        "putInflight",
        "online",
        (e) => (e as { phase: string }).phase === "pubrel",
      );
      assert.ok(store.isCommitted(pubrelPhase), "[MQTT-4.3.3-4] PUBREL only once the PUBREC is committed");
      pub.send({ type: PacketType.PUBREL, packetId: 2 });
      await pub.expect(PacketType.PUBCOMP);
      assert.ok(
        store.isCommitted(store.last("deleteIncomingQos2", "publisher")),
        "PUBCOMP after the release is committed",
      );
    });
  }

  it("relaxed: PUBACK comes before the commit, and the store commits by itself within commitInterval", async () => {
    const { broker, store, inner } = await start("relaxed", 400);
    const offline = await client(broker.port, "offline", 600);
    await subscribe(offline, "r/#", 1);
    await offline.disconnect();
    await delay(450); // let the subscription's own commit happen
    const pub = await client(broker.port, "publisher");
    pub.send(publishPacket("r/x", 1, 1));
    await pub.expect(PacketType.PUBACK);
    const queued = store.last("putQueued", "offline");
    assert.equal(store.isCommitted(queued), false, "acknowledged before any commit");
    assert.ok(inner.pending > 0, "the queue entry is still in the write-behind buffer");
    const since = Date.now();
    while (inner.pending > 0 && Date.now() - since < 2000) await delay(10);
    assert.equal(inner.pending, 0, "committed by the store's own timer");
    assert.equal(store.commits, 0, "without the broker asking");
    const snapshot = await inner.load();
    assert.equal(snapshot.sessions.find((s) => s.session.clientId === "offline")?.queue.length, 1);
  });

  it("strict: a change no acknowledgement waits for (a subscriber's PUBACK) is committed within commitInterval", async () => {
    const { broker, store, inner } = await start("strict", 50);
    const sub = await client(broker.port, "sub", 600);
    await subscribe(sub, "s/#", 1);
    const pub = await client(broker.port, "publisher");
    pub.send(publishPacket("s/x", 1, 1));
    await pub.expect(PacketType.PUBACK);
    const delivered = await sub.expect(PacketType.PUBLISH);
    assert.equal(inner.pending, 0);
    const commits = store.commits;
    sub.send({ type: PacketType.PUBACK, packetId: delivered.packetId! });
    // the change log, not `inner.pending`: under load the store's 50 ms timer can record and commit
    // the deletion between two polls, and a poll for pending > 0 would then never see it
    const deletion = (): boolean =>
      store.changes.some((c) => c.kind === "deleteInflight" && c.clientId === "sub");
    const since = Date.now();
    while (!deletion() && Date.now() - since < 2000) await delay(1);
    assert.ok(deletion(), "the in-flight deletion is recorded");
    const pending = (): number => inner.pending; // read anew: the assertion above narrowed the property
    while (pending() > 0 && Date.now() - since < 4000) await delay(5);
    assert.equal(pending(), 0, "and committed");
    assert.equal(store.commits, commits, "by the store's own timer: nothing waited for it");
    const snapshot = await inner.load();
    assert.deepEqual(snapshot.sessions.find((s) => s.session.clientId === "sub")?.inflight, []);
  });

  it("strict: when a commit fails, nothing of that turn is sent: the publisher is disconnected (0x80) without its PUBACK", async () => {
    const { broker, store } = await start("strict", 60_000);
    const offline = await client(broker.port, "offline", 600);
    await subscribe(offline, "f/#", 1);
    await offline.disconnect();
    const pub = await client(broker.port, "publisher");
    store.failCommits = true;
    pub.send(publishPacket("f/x", 1, 1));
    const disconnect = await pub.expect(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x80, "Unspecified error: the message was not acknowledged");
    await pub.waitClosed();
    store.failCommits = false;
    const again = await client(broker.port, "publisher-2");
    again.send(publishPacket("f/y", 1, 1));
    assert.equal((await again.expect(PacketType.PUBACK)).packetId, 1, "acknowledged once commits work again");
    assert.ok(store.isCommitted(store.last("putQueued", "offline")));
  });
});
