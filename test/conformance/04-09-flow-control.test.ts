/**
 * Flow control (spec 4.9, 3.3.4): the outbound in-flight window (the client's Receive Maximum, capped
 * by mqtt.maxInflight), our own Receive Maximum for inbound QoS 2, and what is not subject to either.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  Clients,
  expectClosedWith,
  nextPublish,
  payloads,
  persistent,
  ping,
  publish,
  receive,
  sendPublish,
  subscribe,
  uid,
  VERSIONS,
  waitOffline,
  type TestVersion,
} from "./publish-helpers.js";

describe("outbound in-flight window (spec 4.9), mqtt.maxInflight 4", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxInflight: 4 } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  /** Subscribes `sub`, publishes `count` QoS `qos` messages from a fresh publisher. */
  async function flood(sub: RawClient, version: TestVersion, count: number, qos: 1 | 2): Promise<RawClient> {
    const topic = uid("win");
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: version });
    for (let i = 0; i < count; i++) await publish(pub, topic, `m${i}`, qos, { packetId: i + 1 });
    return pub;
  }

  const cases: { version: TestVersion; receiveMaximum?: number; window: number; name: string }[] = [
    {
      version: 5,
      receiveMaximum: 2,
      window: 2,
      name: "the client's Receive Maximum 2 (below mqtt.maxInflight) (v5)",
    },
    {
      version: 5,
      receiveMaximum: 10,
      window: 4,
      name: "mqtt.maxInflight 4 (below the client's Receive Maximum 10) (v5)",
    },
    { version: 5, window: 4, name: "mqtt.maxInflight 4 (no Receive Maximum sent: 65535) (v5)" },
    { version: 4, window: 4, name: "mqtt.maxInflight 4 (v3.1.1)" },
  ];
  for (const c of cases) {
    it(`[MQTT-3.3.4-9] [MQTT-4.9.0-2] no more unacknowledged QoS 1 PUBLISH than ${c.name}; each PUBACK releases exactly one`, async () => {
      const sub = await clients.connect(broker.port, {
        protocolVersion: c.version,
        ...(c.receiveMaximum === undefined ? {} : { properties: { receiveMaximum: c.receiveMaximum } }),
      });
      await flood(sub, c.version, c.window + 3, 1);
      const first = await receive(sub, c.window, false);
      await sub.expectNothing(200);
      const got = [...first];
      for (let i = 0; i < 3; i++) {
        sub.send({ type: PacketType.PUBACK, packetId: got[i]!.packetId! });
        got.push(await nextPublish(sub));
        await sub.expectNothing(60);
      }
      for (const p of got.slice(3)) sub.send({ type: PacketType.PUBACK, packetId: p.packetId! });
      assert.deepEqual(
        payloads(got),
        Array.from({ length: c.window + 3 }, (_, i) => `m${i}`),
      );
      await sub.expectNothing(100);
    });
  }

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    const props = version === 5 ? { properties: { receiveMaximum: 2 } } : {};
    const window = version === 5 ? 2 : 4;

    it(`[MQTT-3.3.4-9] a QoS 2 message holds its window slot until PUBCOMP, not PUBREC ${v}`, async () => {
      const sub = await clients.connect(broker.port, { protocolVersion: version, ...props });
      await flood(sub, version, window + 1, 2);
      const inflight = await receive(sub, window, false);
      sub.send({ type: PacketType.PUBREC, packetId: inflight[0]!.packetId! });
      assert.equal((await sub.expect(PacketType.PUBREL)).packetId, inflight[0]!.packetId);
      await sub.expectNothing(200);
      sub.send({ type: PacketType.PUBCOMP, packetId: inflight[0]!.packetId! });
      const next = await nextPublish(sub);
      assert.deepEqual(payloads([next]), [`m${window}`]);
    });

    it(`[MQTT-3.3.4-10] [MQTT-4.9.0-3] while the window is full, QoS 0 PUBLISH and other packets are not delayed ${v}`, async () => {
      const sub = await clients.connect(broker.port, { protocolVersion: version, ...props });
      const topic = uid("full");
      await subscribe(sub, topic, 2);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      for (let i = 0; i < window + 2; i++) await publish(pub, topic, `q1-${i}`, 1, { packetId: i + 1 });
      await receive(sub, window, false);
      await sub.expectNothing(100);
      await publish(pub, topic, "q0", 0);
      const q0 = await nextPublish(sub);
      assert.deepEqual([q0.qos, payloads([q0])[0]], [0, "q0"]);
      await ping(sub);
      assert.equal(await subscribe(sub, uid("other"), 1, 9), 1);
    });
  }

  it("[MQTT-4.9.0-2] [MQTT-3.3.4-9] resends after reconnection respect the new connection's Receive Maximum (v5)", async () => {
    const topic = uid("requota");
    const clientId = uid("requota-sub");
    const sub = await clients.connect(
      broker.port,
      persistent(5, clientId, { properties: { receiveMaximum: 4 } }),
    );
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    for (let i = 0; i < 4; i++) await publish(pub, topic, `m${i}`, 1, { packetId: i + 1 });
    await receive(sub, 4, false);
    sub.destroy();
    await waitOffline(broker, clientId);
    // the send quota is not part of the session: it starts again from the new Receive Maximum [spec 4.9]
    const again = await clients.connect(
      broker.port,
      persistent(5, clientId, { properties: { receiveMaximum: 2 } }),
    );
    const resent = await receive(again, 2, false);
    await again.expectNothing(200);
    const got = [...resent];
    for (let i = 0; i < 2; i++) {
      again.send({ type: PacketType.PUBACK, packetId: got[i]!.packetId! });
      got.push(await nextPublish(again));
      await again.expectNothing(60);
    }
    assert.deepEqual(payloads(got), ["m0", "m1", "m2", "m3"]);
    assert.ok(got.every((p) => p.dup));
  });

  it("[MQTT-4.4.0-2] with the window full, a PUBACK with a failure reason code frees the slot (v5)", async () => {
    const sub = await clients.connect(broker.port, { protocolVersion: 5, properties: { receiveMaximum: 1 } });
    await flood(sub, 5, 2, 1);
    const [first] = await receive(sub, 1, false);
    await sub.expectNothing(100);
    sub.send({
      type: PacketType.PUBACK,
      packetId: first!.packetId!,
      reasonCode: ReasonCode.UnspecifiedError,
    });
    assert.deepEqual(payloads([await nextPublish(sub)]), ["m1"]);
  });
});

describe("our Receive Maximum (spec 3.3.4), mqtt.receiveMaximum 2", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { receiveMaximum: 2 } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[spec 3.2.2.3.3] CONNACK advertises Receive Maximum 2 (v5)", async () => {
    const client = clients.track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ protocolVersion: 5, clientId: uid("rm") });
    assert.equal(connack.properties?.receiveMaximum, 2);
  });

  it("[MQTT-3.3.4-7] [spec 3.3.4] a third QoS 2 PUBLISH without PUBREL exceeds Receive Maximum 2: DISCONNECT 0x93 (v5)", async () => {
    const topic = uid("over");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    for (const id of [1, 2]) {
      sendPublish(pub, topic, `ok${id}`, 2, { packetId: id });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, id);
    }
    sendPublish(pub, topic, "too-many", 2, { packetId: 3 });
    await expectClosedWith(pub, 5, ReasonCode.ReceiveMaximumExceeded);
    const got = await receive(sub, 2);
    assert.deepEqual(payloads(got), ["ok1", "ok2"]);
    await sub.expectNothing(100);
  });

  it("[spec 3.3.4] completed QoS 2 flows, QoS 1 and resent duplicates do not count against Receive Maximum (v5)", async () => {
    const topic = uid("quota");
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    for (let id = 1; id <= 6; id++) await publish(pub, topic, "q2", 2, { packetId: id });
    for (let id = 1; id <= 6; id++) sendPublish(pub, topic, "q1", 1, { packetId: id });
    for (let id = 1; id <= 6; id++) assert.equal((await pub.expect(PacketType.PUBACK)).packetId, id);
    for (const id of [10, 11]) {
      sendPublish(pub, topic, "held", 2, { packetId: id });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, id);
    }
    // a resend of a held identifier is a duplicate, not a third message [MQTT-4.3.3-10]
    sendPublish(pub, topic, "held", 2, { packetId: 10, dup: true });
    assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 10);
    pub.send({ type: PacketType.PUBREL, packetId: 10 });
    assert.equal((await pub.expect(PacketType.PUBCOMP)).packetId, 10);
    sendPublish(pub, topic, "after-release", 2, { packetId: 12 });
    assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 12);
    await ping(pub);
    assert.equal(pub.closed, false);
  });

  it("[spec 3.3.4] v3.1.1 clients are not told a Receive Maximum, so it is not enforced on them (v3.1.1)", async () => {
    const topic = uid("v3quota");
    const pub = await clients.connect(broker.port, { protocolVersion: 4 });
    for (let id = 1; id <= 5; id++) {
      sendPublish(pub, topic, "held", 2, { packetId: id });
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, id);
    }
    await ping(pub);
    assert.equal(pub.closed, false);
  });
});
