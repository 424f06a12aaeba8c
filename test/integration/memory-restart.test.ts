import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PacketType, type ProtocolVersion, type QoS } from "../../src/protocol/packet-type.js";
import type { Properties } from "../../src/protocol/properties.js";
import { MemoryStore } from "../../src/storage/memory/memory-store.js";
import { bytes, delay, RawClient, text } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

/**
 * A broker stopped and started again in the same process with the same MemoryStore instance finds
 * its persistent sessions, their queues and in-flight messages, and the retained messages again.
 */

const harness = restartHarness("memory-restart");
const { stop, client: track } = harness;

async function start(store: MemoryStore): Promise<TestBroker> {
  return harness.track(await startTestBroker({ store }));
}

async function waitFor(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** CONNECT fields of a persistent session: v5 Session Expiry Interval 3600, v3 Clean Session 0. */
function persistent(version: ProtocolVersion, clientId: string, cleanStart: boolean) {
  const properties: Properties | undefined = version === 5 ? { sessionExpiryInterval: 3600 } : undefined;
  return {
    protocolVersion: version,
    clientId,
    cleanStart: version === 5 ? cleanStart : false,
    ...(properties ? { properties } : {}),
  };
}

async function subscribe(client: RawClient, topicFilter: string, qos: QoS): Promise<void> {
  client.send({
    type: PacketType.SUBSCRIBE,
    packetId: 1,
    subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
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
): Promise<void> {
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
  describe(`v${version}: broker restart with the same MemoryStore`, () => {
    it(`[MQTT-4.4.0-1] [MQTT-3.2.2-${version === 5 ? 3 : 2}] [MQTT-4.6.0-6] [MQTT-3.3.1-5] v${version}: an offline persistent session keeps its in-flight and queued messages, and retained messages survive the restart`, async () => {
      const store = new MemoryStore();
      const clientId = `restart-offline-v${version}`;
      let broker = await start(store);

      const sub = track(await RawClient.connected(broker.port, persistent(version, clientId, true)));
      await subscribe(sub, `restart/v${version}/#`, 2);
      const pub = track(await RawClient.connected(broker.port, { protocolVersion: version }));

      // In flight at QoS 1: sent, never acknowledged.
      await publish(pub, `restart/v${version}/a`, "inflight-q1", 1, 1);
      const unacked = await sub.expect(PacketType.PUBLISH);
      assert.equal(text(unacked.payload), "inflight-q1");
      assert.equal(unacked.qos, 1);
      assert.equal(unacked.dup, false);
      // In flight at QoS 2 in the PUBREL phase: PUBREC sent, PUBREL received, no PUBCOMP.
      await publish(pub, `restart/v${version}/b`, "inflight-q2", 2, 2);
      const q2 = await sub.expect(PacketType.PUBLISH);
      assert.equal(q2.qos, 2);
      sub.send({ type: PacketType.PUBREC, packetId: q2.packetId! });
      assert.equal((await sub.expect(PacketType.PUBREL)).packetId, q2.packetId);

      sub.destroy();
      await waitFor(
        () => broker.broker.sessions.get(clientId)?.connected === false,
        "the session to go offline",
      );

      // Queued while offline, in this order.
      for (let i = 1; i <= 3; i++) await publish(pub, `restart/v${version}/q`, `queued-${i}`, 1, 10 + i);
      // A retained message on a topic the session does not subscribe to.
      await publish(pub, `retained/v${version}`, "kept", 1, 20, true);
      await pub.disconnect();

      await stop(broker);
      broker = await start(store);

      const again = track(await RawClient.open(broker.port, version));
      const connack = await again.connect(persistent(version, clientId, false));
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, true, "Session Present 1: the session survived the restart");

      // The unacknowledged PUBLISH (DUP 1) and the PUBREL, in either order.
      const first = await again.next();
      const second = await again.next();
      const resent = [first, second].find((p) => p.type === PacketType.PUBLISH);
      const pubrel = [first, second].find((p) => p.type === PacketType.PUBREL);
      assert.ok(resent?.type === PacketType.PUBLISH, "the unacknowledged QoS 1 PUBLISH is resent");
      assert.ok(pubrel?.type === PacketType.PUBREL, "the PUBREL is resent");
      assert.equal(text(resent.payload), "inflight-q1");
      assert.equal(resent.dup, true, "[MQTT-3.3.1-1] a resent PUBLISH has DUP 1");
      assert.equal(resent.packetId, unacked.packetId, "the original packet identifier");
      assert.equal(resent.qos, 1);
      assert.equal(pubrel.packetId, q2.packetId, "PUBREL resent for the QoS 2 flow in its PUBREL phase");

      again.send({ type: PacketType.PUBACK, packetId: resent.packetId! });
      again.send({ type: PacketType.PUBCOMP, packetId: q2.packetId! });
      const queued: string[] = [];
      const ids = new Set<number>([unacked.packetId!, q2.packetId!]);
      for (let i = 1; i <= 3; i++) {
        const p = await again.expect(PacketType.PUBLISH);
        queued.push(text(p.payload));
        assert.equal(p.dup, false, "a queued message is sent for the first time");
        assert.equal(p.qos, 1);
        assert.equal(p.topic, `restart/v${version}/q`);
        assert.ok(p.packetId !== undefined && p.packetId !== 0);
        again.send({ type: PacketType.PUBACK, packetId: p.packetId });
        ids.add(p.packetId);
      }
      assert.deepEqual(queued, ["queued-1", "queued-2", "queued-3"]);
      await again.expectNothing(100);

      // A message published after the restart still reaches the session, after the queued ones.
      const pub2 = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await publish(pub2, `restart/v${version}/after`, "after-restart", 1, 1);
      const after = await again.expect(PacketType.PUBLISH);
      assert.equal(text(after.payload), "after-restart");

      // The retained message is there for a new subscriber, with RETAIN 1.
      const fresh = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await subscribe(fresh, `retained/v${version}`, 1);
      const retained = await fresh.expect(PacketType.PUBLISH);
      assert.equal(text(retained.payload), "kept");
      assert.equal(retained.retain, true);

      await again.disconnect();
      await pub2.disconnect();
      await fresh.disconnect();
    });

    it(`[MQTT-4.4.0-1] [MQTT-3.3.1-1] v${version}: a message in flight to a client connected when the broker stopped is resent with DUP 1 after the restart`, async () => {
      const store = new MemoryStore();
      const clientId = `restart-online-v${version}`;
      let broker = await start(store);

      const sub = track(await RawClient.connected(broker.port, persistent(version, clientId, true)));
      await subscribe(sub, `online/v${version}/#`, 1);
      const pub = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await publish(pub, `online/v${version}/x`, "unacked", 1, 1);
      const first = await sub.expect(PacketType.PUBLISH);
      assert.equal(first.dup, false);
      await pub.disconnect();

      await stop(broker);
      if (version === 5) {
        const disconnect = await sub.expect(PacketType.DISCONNECT);
        assert.equal(disconnect.reasonCode, 0x8b, "v5: DISCONNECT 0x8B Server shutting down");
      }
      await sub.waitClosed();

      broker = await start(store);
      const again = track(await RawClient.open(broker.port, version));
      const connack = await again.connect(persistent(version, clientId, false));
      assert.equal(connack.sessionPresent, true);
      const resent = await again.expect(PacketType.PUBLISH);
      assert.equal(text(resent.payload), "unacked");
      assert.equal(resent.dup, true);
      assert.equal(resent.packetId, first.packetId);
      again.send({ type: PacketType.PUBACK, packetId: resent.packetId! });
      await again.expectNothing(100);
      await again.disconnect();
    });
  });
}
