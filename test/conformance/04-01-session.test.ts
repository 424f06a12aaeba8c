/**
 * Conformance: session state (MQTT 5.0 / 3.1.1 section 4.1), Clean Start / Clean Session, Session
 * Present, Session Expiry (v5, including changes on DISCONNECT, section 3.14.2.2.2) and the
 * maxSessionExpiry cap.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { RawClient, text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  closeAll,
  packetsUntilClosed,
  persistent,
  publishFrom,
  receive,
  sleep,
  subscribe,
  tag,
  uniqueId,
  VERSIONS,
} from "./session-helpers.js";

describe("session state across connections (spec 4.1, 3.1.2.4, 3.2.2.1.1)", { concurrency: true }, () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const connect = async (options: Parameters<typeof RawClient.connected>[1]): Promise<RawClient> => {
    const client = await RawClient.connected(broker.port, options);
    clients.push(client);
    return client;
  };
  const open = async (version: 4 | 5): Promise<RawClient> => {
    const client = await RawClient.open(broker.port, version);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  for (const version of VERSIONS) {
    it(`${tag(version, "[MQTT-3.1.2-6] [MQTT-3.2.2-1]", "[MQTT-3.1.2-4] [MQTT-3.2.2-2]")} Clean Start 1 discards the session: Session Present 0, no queued messages, no subscriptions (v${version})`, async () => {
      const id = uniqueId("clean");
      const topic = uniqueId("clean/t");
      const first = await connect(persistent(version, id));
      await subscribe(first, topic);
      await first.disconnect();
      await publishFrom(broker.port, topic, "queued while away");
      const second = await open(version);
      const connack = await second.connect({
        ...persistent(version, id, { cleanStart: true }),
        cleanStart: true,
      });
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, false);
      await second.expectNothing(200);
      await publishFrom(broker.port, topic, "after clean start");
      await second.expectNothing(200);
      await second.disconnect();
    });

    it(`${tag(version, "[MQTT-3.1.2-4] [MQTT-3.2.2-2]", "[MQTT-3.1.2-5] [MQTT-3.2.2-3]")} Clean Start 0 resumes the session: Session Present 1, subscriptions still active (v${version})`, async () => {
      const id = uniqueId("resume");
      const topic = uniqueId("resume/t");
      const first = await connect(persistent(version, id));
      await subscribe(first, topic);
      await first.disconnect();
      const second = await open(version);
      const connack = await second.connect(persistent(version, id));
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, true);
      await publishFrom(broker.port, topic, "still subscribed");
      assert.equal(text((await receive(second)).payload), "still subscribed");
      await second.disconnect();
    });

    it(`${tag(version, "[MQTT-3.1.2-5] [MQTT-3.2.0-1]", "[MQTT-3.1.2-23] [MQTT-3.2.0-1]")} QoS 1 messages published while disconnected are delivered, in order, after the CONNACK (v${version})`, async () => {
      const id = uniqueId("queued");
      const topic = uniqueId("queued/t");
      const first = await connect(persistent(version, id));
      await subscribe(first, topic);
      await first.disconnect();
      for (const payload of ["m1", "m2", "m3"]) await publishFrom(broker.port, topic, payload);
      const second = await open(version);
      const connack = await second.connect(persistent(version, id));
      assert.equal(connack.sessionPresent, true);
      assert.equal(second.received[0]?.type, PacketType.CONNACK, "CONNACK is the first packet");
      const payloads: string[] = [];
      for (let i = 0; i < 3; i++) {
        const message = await receive(second);
        assert.equal(message.qos, 1);
        payloads.push(text(message.payload));
      }
      assert.deepEqual(payloads, ["m1", "m2", "m3"]);
      await second.disconnect();
    });

    it(`${tag(version, "[MQTT-3.2.2-3]", "[MQTT-3.1.2-6] [MQTT-3.2.2-3]")} Clean Start 0 without a stored session: Session Present 0 (v${version})`, async () => {
      const client = await open(version);
      const connack = await client.connect(persistent(version, uniqueId("fresh")));
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.sessionPresent, false);
      await client.disconnect();
    });
  }

  it("[MQTT-3.1.2-6] [MQTT-3.2.2-3] a Clean Session 1 session ends with its connection: a later Clean Session 0 finds none (v4)", async () => {
    const id = uniqueId("v4clean");
    const topic = uniqueId("v4clean/t");
    const first = await connect({ protocolVersion: 4, clientId: id, cleanStart: true });
    await subscribe(first, topic);
    await first.disconnect();
    await publishFrom(broker.port, topic, "nobody home");
    const second = await open(4);
    const connack = await second.connect({ protocolVersion: 4, clientId: id, cleanStart: false });
    assert.equal(connack.sessionPresent, false);
    await second.expectNothing(200);
    await second.disconnect();
  });

  it("[spec 3.1.2.11.2] Session Expiry Interval 0 ends the session at disconnect: Session Present 0 on return (v5)", async () => {
    const id = uniqueId("exp0");
    const topic = uniqueId("exp0/t");
    const first = await connect({ clientId: id, cleanStart: false });
    await subscribe(first, topic);
    await first.disconnect();
    await publishFrom(broker.port, topic, "nobody home");
    const second = await open(5);
    const connack = await second.connect({ clientId: id, cleanStart: false });
    assert.equal(connack.sessionPresent, false);
    await second.expectNothing(200);
    await second.disconnect();
  });

  it("[MQTT-3.1.2-23] a session with a 1 s expiry is resumed when the client returns within 1 s (v5)", async () => {
    const id = uniqueId("exp1");
    const first = await connect(persistent(5, id, { expiry: 1 }));
    await subscribe(first, uniqueId("exp1/t"));
    await first.disconnect();
    await sleep(300);
    const second = await open(5);
    const connack = await second.connect(persistent(5, id, { expiry: 1 }));
    assert.equal(connack.sessionPresent, true);
    await second.disconnect();
  });

  it("[MQTT-4.1.0-2] a session with a 1 s expiry is discarded 1 s after the disconnection, queued messages with it (v5)", async () => {
    const id = uniqueId("expired");
    const topic = uniqueId("expired/t");
    const first = await connect(persistent(5, id, { expiry: 1 }));
    await subscribe(first, topic);
    await first.disconnect();
    await publishFrom(broker.port, topic, "dropped with the session");
    await sleep(1300);
    const second = await open(5);
    const connack = await second.connect(persistent(5, id, { expiry: 1 }));
    assert.equal(connack.sessionPresent, false);
    await second.expectNothing(200);
    await second.disconnect();
  });

  it("[MQTT-4.1.0-1] the session is not discarded while the connection is open, however short its expiry (v5)", async () => {
    const topic = uniqueId("open/t");
    const client = await connect(persistent(5, uniqueId("open"), { expiry: 1 }));
    await subscribe(client, topic);
    await sleep(1300);
    await publishFrom(broker.port, topic, "still here");
    assert.equal(text((await receive(client)).payload), "still here");
    await client.disconnect();
  });

  it("[spec 3.14.2.2.2] [MQTT-3.14.2-2] DISCONNECT raising the Session Expiry from 0 is a Protocol Error: DISCONNECT 0x82 without Session Expiry (v5)", async () => {
    const client = await connect({ clientId: uniqueId("raise") });
    client.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 60 } });
    const packets = await packetsUntilClosed(client);
    assert.equal(packets.length, 1, `expected one DISCONNECT, got ${packets.length} packets`);
    const disconnect = packets[0]!;
    assert.equal(disconnect.type, PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x82);
    assert.equal(disconnect.properties?.sessionExpiryInterval, undefined);
  });

  it("[spec 3.14.2.2.2] DISCONNECT with Session Expiry 0 ends a session that had a longer expiry (v5)", async () => {
    const id = uniqueId("lower");
    const first = await connect(persistent(5, id, { expiry: 60 }));
    await subscribe(first, uniqueId("lower/t"));
    first.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
    assert.deepEqual(await packetsUntilClosed(first), []);
    const second = await open(5);
    const connack = await second.connect(persistent(5, id));
    assert.equal(connack.sessionPresent, false);
    await second.disconnect();
  });

  it("[spec 3.14.2.2.2] DISCONNECT can extend the Session Expiry Interval (v5)", async () => {
    const id = uniqueId("extend");
    const first = await connect(persistent(5, id, { expiry: 1 }));
    await subscribe(first, uniqueId("extend/t"));
    first.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 60 } });
    assert.deepEqual(await packetsUntilClosed(first), []);
    await sleep(1300);
    const second = await open(5);
    const connack = await second.connect(persistent(5, id, { expiry: 60 }));
    assert.equal(connack.sessionPresent, true);
    second.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
    await second.waitClosed();
  });
});

describe("session expiry cap (mqtt.maxSessionExpiry: 1)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxSessionExpiry: 1 } } });
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  it("[spec 3.2.2.3.2] a requested expiry above the cap is answered with the capped Session Expiry Interval and enforced (v5)", async () => {
    const id = uniqueId("cap");
    const first = await RawClient.open(broker.port, 5);
    clients.push(first);
    const connack = await first.connect(persistent(5, id, { expiry: 3600 }));
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.sessionExpiryInterval, 1);
    await subscribe(first, uniqueId("cap/t"));
    await first.disconnect();
    await sleep(1300);
    const second = await RawClient.open(broker.port, 5);
    clients.push(second);
    const again = await second.connect(persistent(5, id, { expiry: 3600 }));
    assert.equal(again.sessionPresent, false, "the session expired after the capped interval");
    await second.disconnect();
  });
});

describe("session takeover (spec 3.1.4)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const connect = async (options: Parameters<typeof RawClient.connected>[1]): Promise<RawClient> => {
    const client = await RawClient.connected(broker.port, options);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => closeAll(clients));
  after(() => broker.stop());

  for (const version of VERSIONS) {
    const takeover = tag(version, "[MQTT-3.1.4-2]", "[MQTT-3.1.4-3]");

    it(`${takeover} a second connection with the same client id closes the first${version === 5 ? " with DISCONNECT 0x8E" : ""}; the new one works (v${version})`, async () => {
      const id = uniqueId("takeover");
      const first = await connect({ protocolVersion: version, clientId: id });
      const second = await connect({ protocolVersion: version, clientId: id });
      const packets = await packetsUntilClosed(first);
      if (version === 5) {
        assert.equal(packets.length, 1, `expected one DISCONNECT, got ${packets.length} packets`);
        assert.equal(packets[0]!.type, PacketType.DISCONNECT);
        assert.equal(packets[0]!.reasonCode, 0x8e);
      } else {
        assert.deepEqual(packets, [], "v3.1.1: the old connection is closed without a packet");
      }
      second.send({ type: PacketType.PINGREQ });
      await second.expect(PacketType.PINGRESP);
      const topic = uniqueId("takeover/t");
      await subscribe(second, topic);
      await publishFrom(broker.port, topic, "to the new connection");
      assert.equal(text((await receive(second)).payload), "to the new connection");
      await second.disconnect();
    });

    it(`${takeover} ${tag(version, "[MQTT-3.2.2-2]", "[MQTT-3.2.2-3]")} taking over a persistent session with Clean Start 0: Session Present 1 and its subscriptions carry over (v${version})`, async () => {
      const id = uniqueId("carry");
      const topic = uniqueId("carry/t");
      const first = await connect(persistent(version, id));
      await subscribe(first, topic);
      const second = await RawClient.open(broker.port, version);
      clients.push(second);
      const connack = await second.connect(persistent(version, id));
      assert.equal(connack.sessionPresent, true);
      await first.waitClosed();
      await publishFrom(broker.port, topic, "carried over");
      assert.equal(text((await receive(second)).payload), "carried over");
      await second.disconnect();
    });

    it(`${takeover} ${tag(version, "[MQTT-3.2.2-2]", "[MQTT-3.2.2-3]")} taking over a session that ends with its connection: Session Present matches the state the client gets (v${version})`, async () => {
      const id = uniqueId("shortlived");
      const topic = uniqueId("shortlived/t");
      // v3.1.1 Clean Session 1 / v5 Session Expiry 0: the session lasts as long as the connection
      const first = await connect({ protocolVersion: version, clientId: id, cleanStart: true });
      await subscribe(first, topic);
      const second = await RawClient.open(broker.port, version);
      clients.push(second);
      const connack = await second.connect({ protocolVersion: version, clientId: id, cleanStart: false });
      await first.waitClosed();
      await publishFrom(broker.port, topic, "probe");
      let delivered = true;
      try {
        await receive(second, 300);
      } catch {
        delivered = false;
      }
      assert.equal(
        delivered,
        connack.sessionPresent,
        `Session Present ${connack.sessionPresent} but the old subscription ${delivered ? "is" : "is not"} active`,
      );
      await second.disconnect();
    });

    it(`${takeover} a session can be taken over repeatedly: only the newest connection stays open (v${version})`, async () => {
      const id = uniqueId("chain");
      const first = await connect({ protocolVersion: version, clientId: id, cleanStart: true });
      const second = await RawClient.open(broker.port, version);
      clients.push(second);
      await second.connect({ protocolVersion: version, clientId: id, cleanStart: false });
      await first.waitClosed();
      const third = await connect({ protocolVersion: version, clientId: id, cleanStart: false });
      await second.waitClosed(1000);
      third.send({ type: PacketType.PINGREQ });
      await third.expect(PacketType.PINGRESP);
      await third.disconnect();
    });
  }
});

describe("server shutdown (spec 3.14, 4.13)", () => {
  for (const version of VERSIONS) {
    it(`[spec 3.14.2.1] broker.stop() ${version === 5 ? "sends DISCONNECT 0x8B (Server shutting down), then closes" : "closes the connection without a packet"} (v${version})`, async () => {
      const broker = await startTestBroker();
      let client: RawClient | undefined;
      try {
        client = await RawClient.connected(broker.port, { protocolVersion: version });
        const stopping = broker.stop();
        const packets = await packetsUntilClosed(client, 2000);
        await stopping;
        if (version === 5) {
          assert.equal(packets.length, 1, `expected one DISCONNECT, got ${packets.length} packets`);
          assert.equal(packets[0]!.type, PacketType.DISCONNECT);
          assert.equal(packets[0]!.reasonCode, 0x8b);
          assert.equal(packets[0]!.properties?.sessionExpiryInterval, undefined, "[MQTT-3.14.2-2]");
        } else {
          assert.deepEqual(packets, []);
        }
      } finally {
        client?.destroy();
        await broker.stop();
      }
    });
  }
});
