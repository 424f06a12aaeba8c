/**
 * Conformance: CONNECT and CONNACK (MQTT 5.0 / 3.1.1 sections 3.1 and 3.2): packet order, protocol
 * name and level, flags, client identifiers, CONNACK properties and refusals.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import type { MessageStage } from "../../src/hooks/message-stage.js";
import type { Packet } from "../../src/protocol/packet.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  closeAll,
  concat,
  connectFrame,
  levelOffset,
  packetsUntilClosed,
  publishFrom,
  sendRaw,
  subscribe,
  uniqueId,
  VERSIONS,
} from "./session-helpers.js";

describe("CONNECT and CONNACK (spec 3.1, 3.2)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const track = (client: RawClient): RawClient => (clients.push(client), client);
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => closeAll(clients));
  after(() => broker.stop());

  for (const version of VERSIONS) {
    it(`[MQTT-3.1.0-1] a PUBLISH before CONNECT closes the connection unanswered and is not routed (v${version})`, async () => {
      const topic = uniqueId("first/publish");
      const sub = track(await RawClient.connected(broker.port, { protocolVersion: version }));
      await subscribe(sub, topic);
      const frame = encodePacket(
        { type: PacketType.PUBLISH, topic, payload: bytes("early"), qos: 0, retain: false, dup: false },
        version,
      );
      const raw = track(await sendRaw(broker.port, frame, version));
      assert.deepEqual(await packetsUntilClosed(raw), []);
      await sub.expectNothing(150);
    });

    it(`[MQTT-3.1.0-1] a PINGREQ before CONNECT closes the connection without PINGRESP (v${version})`, async () => {
      const raw = track(await sendRaw(broker.port, Uint8Array.of(0xc0, 0x00), version));
      assert.deepEqual(await packetsUntilClosed(raw), []);
    });
  }

  it("[MQTT-3.1.0-2] [MQTT-3.2.0-2] a second CONNECT is a Protocol Error: DISCONNECT 0x82, no second CONNACK (v5)", async () => {
    const client = track(await RawClient.connected(broker.port, { protocolVersion: 5 }));
    client.send({
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 5,
      clientId: uniqueId("again"),
      cleanStart: true,
      keepAlive: 0,
    });
    const rest = await packetsUntilClosed(client);
    assert.equal(rest.length, 1, `expected one DISCONNECT, got ${rest.length} packets`);
    const disconnect = rest[0]!;
    assert.equal(disconnect.type, PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x82);
  });

  it("[MQTT-3.1.0-2] a second CONNECT is a protocol violation: the connection is closed (v4)", async () => {
    const client = track(await RawClient.connected(broker.port, { protocolVersion: 4 }));
    client.send({
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 4,
      clientId: uniqueId("again"),
      cleanStart: true,
      keepAlive: 0,
    });
    assert.deepEqual(await packetsUntilClosed(client), []);
  });

  const unsupported = [
    { name: "MQTT", level: 6 },
    { name: "MQTT", level: 3 },
    { name: "MQTT", level: 0 },
    { name: "MQIsdp", level: 4 },
  ] as const;
  for (const { name, level } of unsupported) {
    it(`[MQTT-3.1.2-2] unsupported protocol level ${level} for "${name}": CONNACK return code 0x01, then close`, async () => {
      const frame = connectFrame({
        protocolName: name,
        protocolVersion: name === "MQTT" ? 4 : 3,
        clientId: uniqueId("level"),
        cleanStart: true,
        keepAlive: 0,
      });
      frame[levelOffset(name)] = level;
      const raw = track(await sendRaw(broker.port, frame, 4));
      const packets = await packetsUntilClosed(raw);
      assert.equal(packets.length, 1, `expected exactly one CONNACK, got ${packets.length} packets`);
      const connack = packets[0]!;
      assert.equal(connack.type, PacketType.CONNACK);
      assert.equal(connack.reasonCode, 0x01);
      assert.equal(connack.sessionPresent, false);
    });
  }

  for (const version of VERSIONS) {
    it(`[MQTT-3.1.2-1] an unknown protocol name is refused: no successful CONNACK, connection closed (v${version})`, async () => {
      const frame = connectFrame({
        protocolName: "MQTX",
        protocolVersion: version,
        clientId: uniqueId("name"),
        cleanStart: true,
        keepAlive: 0,
      });
      const raw = track(await sendRaw(broker.port, frame, version));
      const packets = await packetsUntilClosed(raw);
      for (const packet of packets) {
        assert.equal(packet.type, PacketType.CONNACK);
        assert.equal(packet.reasonCode, version === 5 ? 0x84 : 0x01);
      }
    });

    it(`[MQTT-3.1.2-3] CONNECT with the reserved flag set is refused and the connection closed (v${version})`, async () => {
      const frame = connectFrame({
        protocolName: "MQTT",
        protocolVersion: version,
        clientId: uniqueId("reserved"),
        cleanStart: true,
        keepAlive: 0,
      });
      const flags = levelOffset("MQTT") + 1;
      frame[flags] = frame[flags]! | 0x01;
      const raw = track(await sendRaw(broker.port, frame, version));
      const packets = await packetsUntilClosed(raw);
      if (version === 4) {
        assert.deepEqual(packets, [], "v3.1.1: disconnect without CONNACK");
      } else {
        // v5 may answer with CONNACK 0x81 (Malformed Packet) before closing [MQTT-3.1.4-1]
        for (const packet of packets) {
          assert.equal(packet.type, PacketType.CONNACK);
          assert.equal(packet.reasonCode, 0x81);
        }
      }
    });

    it(`[MQTT-3.2.0-1] CONNACK is the first packet from the server, even with SUBSCRIBE pipelined behind CONNECT (v${version})`, async () => {
      const topic = uniqueId("first/connack");
      await publishFrom(broker.port, topic, "retained", { retain: true });
      const frame = concat(
        connectFrame({
          protocolName: "MQTT",
          protocolVersion: version,
          clientId: uniqueId("order"),
          cleanStart: true,
          keepAlive: 0,
        }),
        encodePacket(
          {
            type: PacketType.SUBSCRIBE,
            packetId: 3,
            subscriptions: [
              { topicFilter: topic, qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
            ],
          },
          version,
        ),
      );
      const raw = track(await sendRaw(broker.port, frame, version));
      const connack = await raw.next();
      assert.equal(connack.type, PacketType.CONNACK);
      assert.equal(connack.reasonCode, 0);
      assert.equal((await raw.expect(PacketType.SUBACK)).packetId, 3);
      const retained = await raw.expect(PacketType.PUBLISH);
      assert.equal(text(retained.payload), "retained");
      await raw.disconnect();
    });
  }

  it('[spec 3.1 (MQTT 3.1)] "MQIsdp" level 3 is accepted and carries a QoS 1 round trip (v3)', async () => {
    const topic = uniqueId("v31");
    const client = track(await RawClient.open(broker.port, 3));
    const connack = await client.connect({ protocolVersion: 3, clientId: uniqueId("v31") });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.sessionPresent, false);
    await subscribe(client, topic, 1);
    client.send({
      type: PacketType.PUBLISH,
      topic,
      payload: bytes("hello 3.1"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 9,
    });
    // the PUBACK and the routed copy may come in either order
    const packets = [await client.next(), await client.next()];
    const puback = packets.find((p) => p.type === PacketType.PUBACK);
    assert.equal(puback?.packetId, 9);
    const message = packets.find((p) => p.type === PacketType.PUBLISH);
    assert.ok(message !== undefined, "the subscription receives the message");
    assert.equal(text(message.payload), "hello 3.1");
    assert.equal(message.qos, 1);
    client.send({ type: PacketType.PUBACK, packetId: message.packetId! });
    await client.disconnect();
  });

  it("[spec 4.12] CONNECT with an Authentication Method the server does not support: CONNACK 0x8C, then close (v5)", async () => {
    const client = track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ properties: { authenticationMethod: "SCRAM-SHA-256" } });
    assert.equal(connack.reasonCode, 0x8c);
    assert.equal(connack.sessionPresent, false);
    assert.deepEqual(await packetsUntilClosed(client), []);
  });

  it("[MQTT-3.2.2-22] [spec 3.2.2.3] CONNACK properties advertise the default limits; no Server Keep Alive (v5)", async () => {
    const client = track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ keepAlive: 60 });
    assert.equal(connack.reasonCode, 0);
    const p = connack.properties ?? {};
    assert.equal(p.receiveMaximum, 100);
    assert.equal(p.topicAliasMaximum, 64);
    assert.equal(p.maximumPacketSize, 2_000_000);
    assert.equal(p.serverKeepAlive, undefined, "the client's Keep Alive is used as sent");
    assert.equal(p.maximumQoS, undefined, "QoS 2 supported: Maximum QoS absent");
    for (const key of [
      "retainAvailable",
      "wildcardSubscriptionAvailable",
      "subscriptionIdentifierAvailable",
      "sharedSubscriptionAvailable",
    ] as const) {
      assert.notEqual(p[key], false, `${key} must not be reported unavailable`);
    }
    await client.disconnect();
  });
});

describe("CONNACK properties from configuration (spec 3.2.2.3)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({
      config: {
        mqtt: {
          receiveMaximum: 10,
          topicAliasMaximum: 0,
          maxPacketSize: 1000,
          maxQos: 1,
          retainAvailable: false,
          wildcardSubscriptionAvailable: false,
          sharedSubscriptionAvailable: false,
          subscriptionIdentifiersAvailable: false,
        },
      },
    });
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  it("[MQTT-3.2.2-9] [spec 3.2.2.3] CONNACK reports Receive Maximum, Maximum Packet Size, Maximum QoS and unavailable features (v5)", async () => {
    const client = await RawClient.open(broker.port, 5);
    clients.push(client);
    const connack = await client.connect();
    assert.equal(connack.reasonCode, 0);
    const p = connack.properties ?? {};
    assert.equal(p.receiveMaximum, 10);
    assert.equal(p.maximumPacketSize, 1000);
    assert.equal(p.maximumQoS, 1);
    assert.equal(p.topicAliasMaximum, undefined, "Topic Alias Maximum 0 is sent as absent");
    assert.equal(p.retainAvailable, false);
    assert.equal(p.wildcardSubscriptionAvailable, false);
    assert.equal(p.sharedSubscriptionAvailable, false);
    assert.equal(p.subscriptionIdentifierAvailable, false);
    await client.disconnect();
  });
});

describe("the client's Maximum Packet Size bounds every packet, not only PUBLISH (v5)", () => {
  const STAGE_REASON = "Refused by the test's message stage, with a reason string of some length";
  let broker: TestBroker;
  let refusing: TestBroker;
  const clients: RawClient[] = [];
  const track = (client: RawClient): RawClient => (clients.push(client), client);
  before(async () => {
    broker = await startTestBroker();
    const stage: MessageStage = {
      name: "refuse",
      process: () => ({ kind: "reject", reasonCode: 0x83, reason: STAGE_REASON }),
    };
    refusing = await startTestBroker({ stages: [stage] });
  });
  afterEach(() => closeAll(clients));
  after(async () => {
    await broker.stop();
    await refusing.stop();
  });

  /** The packet's size on the wire (the codec's encoding is the broker's). */
  const size = (packet: Packet): number => encodePacket(packet, 5).byteLength;

  it("[MQTT-3.2.2-19] [MQTT-3.1.2-24] a refusing CONNACK leaves out a Reason String that would not fit", async () => {
    const client = track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({
      properties: { maximumPacketSize: 16 },
      will: { topic: "bad/#", payload: bytes("x"), qos: 0, retain: false },
    });
    assert.ok(connack.reasonCode >= 0x80, `refused: 0x${connack.reasonCode.toString(16)}`);
    assert.equal(connack.properties?.reasonString, undefined);
    assert.ok(size(connack) <= 16, `CONNACK of ${size(connack)} bytes`);
  });

  it("[MQTT-3.14.2-3] [MQTT-3.1.2-24] a DISCONNECT leaves out a Reason String that would not fit", async () => {
    const client = track(await RawClient.connected(broker.port, { properties: { maximumPacketSize: 20 } }));
    client.send({
      type: PacketType.PUBLISH,
      topic: "a",
      payload: bytes("x"),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: 1000 },
    });
    const [disconnect] = await packetsUntilClosed(client);
    assert.equal(disconnect?.type, PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x94);
    assert.equal(disconnect.properties?.reasonString, undefined);
    assert.ok(size(disconnect) <= 20, `DISCONNECT of ${size(disconnect)} bytes`);
  });

  it("[MQTT-3.4.2-2] a PUBACK leaves out a Reason String that would not fit, and keeps it when it fits", async () => {
    const publish = {
      type: PacketType.PUBLISH,
      topic: "refused/by-a-stage",
      payload: bytes("x"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 1,
    } as const;
    const small = track(await RawClient.connected(refusing.port, { properties: { maximumPacketSize: 20 } }));
    small.send(publish);
    const puback = await small.expect(PacketType.PUBACK);
    assert.equal(puback.reasonCode, 0x83);
    assert.equal(puback.properties?.reasonString, undefined);
    assert.ok(size(puback) <= 20, `PUBACK of ${size(puback)} bytes`);

    const large = track(
      await RawClient.connected(refusing.port, { properties: { maximumPacketSize: 1000 } }),
    );
    large.send(publish);
    const told = await large.expect(PacketType.PUBACK);
    assert.equal(told.reasonCode, 0x83);
    assert.equal(told.properties?.reasonString, STAGE_REASON, "the reason string when it fits");
  });

  it("[MQTT-3.1.2-24] a client whose Maximum Packet Size not even a CONNACK fits is closed, not left waiting", async () => {
    const client = track(await RawClient.open(broker.port, 5));
    client.send({
      type: PacketType.CONNECT,
      protocolName: "MQTT",
      protocolVersion: 5,
      clientId: uniqueId("tiny"),
      cleanStart: true,
      keepAlive: 0,
      properties: { maximumPacketSize: 8 },
    });
    assert.deepEqual(await packetsUntilClosed(client), []);
  });
});

describe("authentication refusal (auth.allowAnonymous: false)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ config: { auth: { allowAnonymous: false } } });
  });
  afterEach(() => closeAll(clients));
  after(() => broker.stop());

  const cases = [
    { version: 5, username: undefined, expected: 0x87, label: "0x87 Not authorized" },
    { version: 5, username: "alice", expected: 0x86, label: "0x86 Bad User Name or Password" },
    { version: 4, username: undefined, expected: 0x05, label: "return code 5 not authorized" },
    { version: 4, username: "alice", expected: 0x04, label: "return code 4 bad user name or password" },
  ] as const;
  for (const { version, username, expected, label } of cases) {
    const who = username === undefined ? "anonymous client" : "client with credentials";
    const tags = version === 5 ? "[MQTT-3.2.2-6] [MQTT-3.2.2-7]" : "[MQTT-3.2.2-4] [MQTT-3.2.2-5]";
    it(`${tags} ${who} refused with ${label}, Session Present 0, then close (v${version})`, async () => {
      const client = await RawClient.open(broker.port, version);
      clients.push(client);
      const connack = await client.connect({
        protocolVersion: version,
        ...(username === undefined ? {} : { username, password: bytes("wrong") }),
      });
      assert.equal(connack.reasonCode, expected);
      assert.equal(connack.sessionPresent, false);
      assert.deepEqual(await packetsUntilClosed(client), []);
    });
  }
});
