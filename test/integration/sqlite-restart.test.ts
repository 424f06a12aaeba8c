import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { PacketType, type ProtocolVersion, type QoS } from "../../src/protocol/packet-type.js";
import type { Properties } from "../../src/protocol/properties.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { bytes, delay, RawClient, text } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

/**
 * A broker restarted on the same data directory (a new SqliteStore opening the same file) finds its
 * persistent sessions with their subscriptions, queues, in-flight messages and inbound QoS 2 packet
 * ids, its retained messages and its pending wills; session expiry and will delays keep counting on the
 * wall clock from where they were.
 */

const harness = restartHarness("sqlite-restart");
const { dataDir, stop, client: track } = harness;

async function start(path: string): Promise<TestBroker> {
  const broker = await startTestBroker({ config: { storage: { kind: "sqlite", path, commitInterval: 2 } } });
  assert.equal(broker.broker.store.name, "sqlite");
  return harness.track(broker);
}

function sqliteStore(broker: TestBroker): SqliteStore {
  const store = broker.broker.store;
  assert.ok(store instanceof SqliteStore);
  return store;
}

/** What a crash of `broker` right now would leave: a new data directory with a copy of its database and WAL. */
function crashImage(broker: TestBroker): string {
  const file = sqliteStore(broker).file;
  const image = dataDir();
  mkdirSync(image);
  copyFileSync(file, join(image, basename(file)));
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, join(image, `${basename(file)}-wal`));
  return image;
}

async function waitFor(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

function persistent(version: ProtocolVersion, clientId: string, cleanStart: boolean, expiry = 3600) {
  const properties: Properties | undefined = version === 5 ? { sessionExpiryInterval: expiry } : undefined;
  return {
    protocolVersion: version,
    clientId,
    cleanStart: version === 5 ? cleanStart : false,
    ...(properties ? { properties } : {}),
  };
}

async function subscribe(client: RawClient, topicFilter: string, qos: QoS, subscriptionIdentifier?: number) {
  client.send({
    type: PacketType.SUBSCRIBE,
    packetId: 1,
    subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
    ...(subscriptionIdentifier === undefined
      ? {}
      : { properties: { subscriptionIdentifiers: [subscriptionIdentifier] } }),
  });
  const suback = await client.expect(PacketType.SUBACK);
  assert.deepEqual(suback.reasonCodes, [qos]);
}

async function publish(
  client: RawClient,
  topic: string,
  payload: string,
  qos: 1 | 2,
  packetId: number,
  retain = false,
) {
  client.send({
    type: PacketType.PUBLISH,
    topic,
    payload: bytes(payload),
    qos,
    retain,
    dup: false,
    packetId,
  });
  if (qos === 1) {
    assert.equal((await client.expect(PacketType.PUBACK)).packetId, packetId);
  } else {
    assert.equal((await client.expect(PacketType.PUBREC)).packetId, packetId);
    client.send({ type: PacketType.PUBREL, packetId });
    assert.equal((await client.expect(PacketType.PUBCOMP)).packetId, packetId);
  }
}

for (const version of [4, 5] as const) {
  describe(`v${version}: broker restart on the same SQLite file`, () => {
    it(`[MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.6.0-6] [MQTT-3.3.1-5] v${version}: sessions, subscriptions, in-flight messages (resent with DUP), PUBREL state, queues and retained messages survive a new SqliteStore`, async () => {
      const path = dataDir();
      const clientId = `sqlite-restart-v${version}`;
      let broker = await start(path);

      const sub = track(await RawClient.connected(broker.port, persistent(version, clientId, true)));
      await subscribe(sub, `r/v${version}/#`, 2, version === 5 ? 42 : undefined);
      const pub = track(await RawClient.connected(broker.port, { protocolVersion: version }));

      await publish(pub, `r/v${version}/a`, "inflight-q1", 1, 1);
      const unacked = await sub.expect(PacketType.PUBLISH);
      assert.equal(text(unacked.payload), "inflight-q1");
      assert.equal(unacked.dup, false);
      await publish(pub, `r/v${version}/b`, "inflight-q2", 2, 2);
      const q2 = await sub.expect(PacketType.PUBLISH);
      sub.send({ type: PacketType.PUBREC, packetId: q2.packetId! });
      assert.equal((await sub.expect(PacketType.PUBREL)).packetId, q2.packetId);

      sub.destroy();
      await waitFor(
        () => broker.broker.sessions.get(clientId)?.connected === false,
        "the session to go offline",
      );
      for (let i = 1; i <= 3; i++) await publish(pub, `r/v${version}/q`, `queued-${i}`, 1, 10 + i);
      await publish(pub, `retained/v${version}`, "kept", 1, 20, true);
      await pub.disconnect();
      await stop(broker);

      broker = await start(path);
      assert.notEqual(broker.broker.store, undefined);
      const again = track(await RawClient.open(broker.port, version));
      const connack = await again.connect(persistent(version, clientId, false));
      assert.equal(connack.sessionPresent, true, "Session Present: the session came back from the file");

      const first = await again.next();
      const second = await again.next();
      const resent = [first, second].find((p) => p.type === PacketType.PUBLISH);
      const pubrel = [first, second].find((p) => p.type === PacketType.PUBREL);
      assert.ok(resent?.type === PacketType.PUBLISH, "the unacknowledged QoS 1 PUBLISH is resent");
      assert.ok(pubrel?.type === PacketType.PUBREL, "the PUBREL is resent");
      assert.equal(text(resent.payload), "inflight-q1");
      assert.equal(resent.dup, true, "[MQTT-3.3.1-1] DUP 1 on the resent PUBLISH");
      assert.equal(resent.packetId, unacked.packetId);
      if (version === 5)
        assert.deepEqual(resent.properties?.subscriptionIdentifiers, [42], "subscription identifier kept");
      assert.equal(pubrel.packetId, q2.packetId);

      again.send({ type: PacketType.PUBACK, packetId: resent.packetId! });
      again.send({ type: PacketType.PUBCOMP, packetId: q2.packetId! });
      const queued: string[] = [];
      for (let i = 1; i <= 3; i++) {
        const p = await again.expect(PacketType.PUBLISH);
        queued.push(text(p.payload));
        assert.equal(p.dup, false);
        again.send({ type: PacketType.PUBACK, packetId: p.packetId! });
      }
      assert.deepEqual(queued, ["queued-1", "queued-2", "queued-3"], "the queue, in order");
      await again.expectNothing(100);

      // The subscription itself survived: a new message is routed to the session.
      const pub2 = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await publish(pub2, `r/v${version}/after`, "after-restart", 1, 1);
      assert.equal(text((await again.expect(PacketType.PUBLISH)).payload), "after-restart");

      const fresh = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await subscribe(fresh, `retained/v${version}`, 1);
      const retained = await fresh.expect(PacketType.PUBLISH);
      assert.equal(text(retained.payload), "kept");
      assert.equal(retained.retain, true);
    });

    it(`[MQTT-4.3.3-10] v${version}: a QoS 2 PUBLISH resent after the restart, before its PUBREL, is acknowledged and not forwarded again`, async () => {
      const path = dataDir();
      let broker = await start(path);
      const sub = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await subscribe(sub, `exactly/v${version}`, 2);
      const pubId = `qos2-publisher-v${version}`;
      const pub = track(await RawClient.connected(broker.port, persistent(version, pubId, true)));
      const publishPacket = {
        type: PacketType.PUBLISH,
        topic: `exactly/v${version}`,
        payload: bytes("once"),
        qos: 2,
        retain: false,
        dup: false,
        packetId: 7,
      } as const;
      pub.send(publishPacket);
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 7);
      const delivered = await sub.expect(PacketType.PUBLISH);
      assert.equal(text(delivered.payload), "once");
      sub.send({ type: PacketType.PUBREC, packetId: delivered.packetId! });
      await sub.expect(PacketType.PUBREL);
      sub.send({ type: PacketType.PUBCOMP, packetId: delivered.packetId! });
      pub.destroy();
      await waitFor(() => broker.broker.sessions.get(pubId)?.connected === false, "the publisher to go");
      await stop(broker);

      broker = await start(path);
      const sub2 = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await subscribe(sub2, `exactly/v${version}`, 2);
      const pub2 = track(await RawClient.open(broker.port, version));
      assert.equal((await pub2.connect(persistent(version, pubId, false))).sessionPresent, true);
      pub2.send({ ...publishPacket, dup: true });
      assert.equal((await pub2.expect(PacketType.PUBREC)).packetId, 7, "acknowledged again");
      pub2.send({ type: PacketType.PUBREL, packetId: 7 });
      const pubcomp = await pub2.expect(PacketType.PUBCOMP);
      assert.equal(pubcomp.packetId, 7);
      assert.equal(pubcomp.reasonCode ?? 0, 0, "the packet id was known: it survived the restart");
      await sub2.expectNothing(200);
    });
  });
}

describe("timers across a restart (wall clock)", () => {
  it("[MQTT-3.1.2-23] a session keeps counting down its expiry across a restart, then it and its messages are deleted from the file", async () => {
    const path = dataDir();
    let broker = await start(path);
    const clientId = "expiring";
    const sub = track(await RawClient.connected(broker.port, persistent(5, clientId, true, 2)));
    await subscribe(sub, "expiry/#", 1);
    sub.destroy();
    await waitFor(
      () => broker.broker.sessions.get(clientId)?.connected === false,
      "the session to go offline",
    );
    const disconnectedAt = Date.now();
    const pub = track(await RawClient.connected(broker.port, { protocolVersion: 5 }));
    await publish(pub, "expiry/x", "queued for a session about to expire", 1, 1);
    await pub.disconnect();
    await delay(1000);
    await stop(broker);

    broker = await start(path);
    assert.ok(broker.broker.sessions.get(clientId) !== undefined, "restored: 2 s had not passed yet");
    const store = sqliteStore(broker);
    const before = await store.load();
    assert.equal(before.sessions.find((s) => s.session.clientId === clientId)?.queue.length, 1);
    await waitFor(() => broker.broker.sessions.get(clientId) === undefined, "the session to expire", 3000);
    const expiredAfter = Date.now() - disconnectedAt;
    assert.ok(
      expiredAfter >= 1900 && expiredAfter < 2800,
      `expired ${expiredAfter} ms after its disconnection`,
    );
    const snapshot = await store.load();
    assert.equal(snapshot.sessions.length, 0, "the session is deleted from the file");
    assert.equal(snapshot.messages.size, 0, "and the message only it referenced");
  });

  it("[MQTT-3.1.2-23] a session stored with a longer expiry than a lowered mqtt.maxSessionExpiry gets the new cap", async () => {
    const path = dataDir();
    let broker = await start(path);
    const clientId = "capped-later";
    const sub = track(await RawClient.connected(broker.port, persistent(5, clientId, true, 3600)));
    await subscribe(sub, "capped/#", 1);
    sub.destroy();
    await waitFor(
      () => broker.broker.sessions.get(clientId)?.connected === false,
      "the session to go offline",
    );
    await stop(broker);

    broker = harness.track(
      await startTestBroker({
        config: { storage: { kind: "sqlite", path, commitInterval: 2 }, mqtt: { maxSessionExpiry: 1 } },
      }),
    );
    assert.equal(broker.broker.sessions.get(clientId)?.expiryInterval, 1);
    await waitFor(() => broker.broker.sessions.get(clientId) === undefined, "the session to expire", 3000);
    const snapshot = await sqliteStore(broker).load();
    assert.equal(snapshot.sessions.length, 0, "and it is deleted from the file");
  });

  it("[MQTT-3.1.2-23] a session that expired while the broker was down is ended at start and deleted from the file", async () => {
    const path = dataDir();
    let broker = await start(path);
    const clientId = "expired-while-down";
    const sub = track(await RawClient.connected(broker.port, persistent(5, clientId, true, 1)));
    await subscribe(sub, "down/#", 1);
    sub.destroy();
    await waitFor(
      () => broker.broker.sessions.get(clientId)?.connected === false,
      "the session to go offline",
    );
    const pub = track(await RawClient.connected(broker.port, { protocolVersion: 5 }));
    await publish(pub, "down/x", "queued", 1, 1);
    await pub.disconnect();
    await stop(broker);
    await delay(1100);

    broker = await start(path);
    await waitFor(
      () => broker.broker.sessions.get(clientId) === undefined,
      "the expired session to end",
      500,
    );
    const again = track(await RawClient.open(broker.port, 5));
    assert.equal((await again.connect(persistent(5, clientId, false, 1))).sessionPresent, false);
    await again.expectNothing(100);
    await again.disconnect();
    const snapshot = await sqliteStore(broker).load();
    assert.deepEqual(
      snapshot.sessions.map((s) => s.session.clientId),
      [clientId],
      "only the new session, written at its CONNECT",
    );
    assert.deepEqual(snapshot.sessions[0]?.queue, [], "nothing of the expired one");
    assert.equal(snapshot.messages.size, 0);
  });

  it("[MQTT-3.1.3-9] a delayed will is published when its delay passes, counted from the disconnection before the restart", async () => {
    const path = dataDir();
    let broker = await start(path);
    const client = track(
      await RawClient.connected(broker.port, {
        protocolVersion: 5,
        clientId: "will-delay",
        cleanStart: true,
        properties: { sessionExpiryInterval: 60 },
        will: {
          topic: "wills/will-delay",
          payload: bytes("gone"),
          qos: 1,
          retain: false,
          properties: { willDelayInterval: 2 },
        },
      }),
    );
    client.destroy();
    await waitFor(() => broker.broker.sessions.get("will-delay")?.connected === false, "the disconnection");
    const disconnectedAt = Date.now();
    await delay(500);
    await stop(broker);

    broker = await start(path);
    const watcher = track(await RawClient.connected(broker.port, { protocolVersion: 5 }));
    await subscribe(watcher, "wills/#", 1);
    // not at the restart: when its delay has passed (how long the restart took does not matter)
    const will = await watcher.expect(PacketType.PUBLISH, 3000);
    const publishedAfter = Date.now() - disconnectedAt;
    assert.equal(text(will.payload), "gone");
    assert.ok(
      publishedAfter >= 1900 && publishedAfter < 3000,
      `published ${publishedAfter} ms after the disconnection`,
    );
    const snapshot = await sqliteStore(broker).load();
    assert.deepEqual(snapshot.wills, [], "the published will is deleted from the file");
  });
  for (const ending of ["a normal DISCONNECT", "a dropped connection"] as const) {
    it(`[MQTT-3.1.2-10] a will ${ending === "a normal DISCONNECT" ? "discarded by" : "published at"} ${ending} is not published again after a restart`, async () => {
      const path = dataDir();
      let broker = await start(path);
      const watcherOptions = { ...persistent(5, "will-watcher", false), protocolVersion: 5 as const };
      let watcher = track(await RawClient.connected(broker.port, watcherOptions));
      await subscribe(watcher, "wills/#", 1);
      const client = track(
        await RawClient.connected(broker.port, {
          ...persistent(5, "will-once", true),
          will: { topic: "wills/will-once", payload: bytes("gone"), qos: 1, retain: false },
        }),
      );
      if (ending === "a normal DISCONNECT") {
        await client.disconnect(0);
        await watcher.expectNothing(200);
      } else {
        client.destroy();
        const will = await watcher.expect(PacketType.PUBLISH);
        assert.equal(text(will.payload), "gone");
        watcher.send({ type: PacketType.PUBACK, packetId: will.packetId! });
        const acked = () => broker.broker.sessions.get("will-watcher")?.inflight.size === 0;
        await waitFor(acked, "the watcher's PUBACK");
      }
      await waitFor(() => broker.broker.sessions.get("will-once")?.connected === false, "the disconnection");
      watcher.destroy();
      await stop(broker);

      broker = await start(path);
      assert.deepEqual((await sqliteStore(broker).load()).wills, [], "no will left in the file");
      watcher = track(await RawClient.connected(broker.port, watcherOptions));
      await watcher.expectNothing(600);
    });
  }

  it("[MQTT-3.1.2-8] the will of a client still connected when the broker shuts down is published after the restart", async () => {
    const path = dataDir();
    let broker = await start(path);
    const watcherOptions = { ...persistent(5, "will-watcher", false), protocolVersion: 5 as const };
    let watcher = track(await RawClient.connected(broker.port, watcherOptions));
    await subscribe(watcher, "wills/#", 1);
    watcher.destroy();
    await waitFor(() => broker.broker.sessions.get("will-watcher")?.connected === false, "the watcher gone");
    track(
      await RawClient.connected(broker.port, {
        ...persistent(5, "will-crash", true),
        will: { topic: "wills/will-crash", payload: bytes("lost"), qos: 1, retain: false },
      }),
    );
    await stop(broker);
    broker = await start(path);
    watcher = track(await RawClient.connected(broker.port, watcherOptions));
    const will = await watcher.expect(PacketType.PUBLISH, 2000);
    assert.equal(text(will.payload), "lost");
  });

  it("[MQTT-3.1.2-8] [spec 3.1.3.2.4] [MQTT-3.3.2-6] a will stored at CONNECT and published after a crash carries its full Message Expiry Interval, however long its client was connected", async () => {
    const path = dataDir();
    const broker = await start(path);
    const watcherOptions = { ...persistent(5, "will-watcher", false), protocolVersion: 5 as const };
    let watcher = track(await RawClient.connected(broker.port, watcherOptions));
    await subscribe(watcher, "wills/#", 1);
    watcher.destroy();
    await waitFor(() => broker.broker.sessions.get("will-watcher")?.connected === false, "the watcher gone");
    // a Will Delay of 1 s: the restored wills are published while the watcher is connected again
    for (const expiry of [2, 60])
      track(
        await RawClient.connected(broker.port, {
          ...persistent(5, `will-${expiry}`, true),
          will: {
            topic: `wills/${expiry}`,
            payload: bytes(`expiry ${expiry}`),
            qos: 1,
            retain: false,
            properties: { willDelayInterval: 1, messageExpiryInterval: expiry },
          },
        }),
      );
    // connected longer than a second: the will's expiry must not count from its CONNECT
    await delay(1100);
    const image = crashImage(broker);
    await stop(broker);

    const restarted = await start(image);
    watcher = track(await RawClient.connected(restarted.port, watcherOptions));
    const expiries = new Map<string, number | undefined>();
    for (let i = 0; i < 2; i++) {
      const will = await watcher.expect(PacketType.PUBLISH, 3000);
      watcher.send({ type: PacketType.PUBACK, packetId: will.packetId! });
      expiries.set(text(will.payload), will.properties?.messageExpiryInterval);
    }
    assert.deepEqual(
      expiries,
      new Map([
        ["expiry 2", 2],
        ["expiry 60", 60],
      ]),
    );
  });

  it("[MQTT-3.1.2-17] [spec 3.1.3.2.4] [MQTT-3.3.2-6] a retained will restored after a crash and published then is stored with its expiry counted from its publication", async () => {
    let broker = await start(dataDir());
    track(
      await RawClient.connected(broker.port, {
        ...persistent(5, "will-retained", true),
        will: {
          topic: "wills/retained",
          payload: bytes("kept"),
          qos: 1,
          retain: true,
          properties: { willDelayInterval: 1, messageExpiryInterval: 60 },
        },
      }),
    );
    await delay(1100);
    const image = crashImage(broker);
    await stop(broker);

    broker = await start(image);
    const watcher = track(await RawClient.connected(broker.port, { protocolVersion: 5 }));
    await subscribe(watcher, "wills/#", 1);
    const published = await watcher.expect(PacketType.PUBLISH, 3000);
    const publishedAt = Date.now();
    assert.equal(published.properties?.messageExpiryInterval, 60);
    await stop(broker);

    broker = await start(image);
    const late = track(await RawClient.connected(broker.port, { protocolVersion: 5 }));
    await subscribe(late, "wills/#", 1);
    const retained = await late.expect(PacketType.PUBLISH);
    const waited = Math.ceil((Date.now() - publishedAt) / 1000);
    assert.equal(text(retained.payload), "kept");
    // the retained copy in the file expires 60 s after the will's publication, not after its CONNECT
    const expiry = retained.properties?.messageExpiryInterval ?? 0;
    assert.ok(expiry >= 60 - waited && expiry <= 60, `expiry ${expiry}, ${waited} s after its publication`);
  });
});
