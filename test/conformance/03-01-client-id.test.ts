/**
 * Conformance: the Client Identifier (MQTT 5.0 / 3.1.1 section 3.1.3.1): server-assigned identifiers
 * for an empty one, the Clean Session rule of 3.1.1, and the mqtt.maxClientIdLength limit.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  closeAll,
  concat,
  connectFrame,
  packetsUntilClosed,
  sendRaw,
  subscribe,
  tag,
  uniqueId,
  VERSIONS,
} from "./session-helpers.js";

describe("empty client identifier (spec 3.1.3.1)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const track = (client: RawClient): RawClient => (clients.push(client), client);
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => closeAll(clients));
  after(() => broker.stop());

  it("[MQTT-3.1.3-7] [MQTT-3.2.2-16] an empty client identifier gets a new Assigned Client Identifier (v5)", async () => {
    const a = track(await RawClient.open(broker.port, 5));
    const b = track(await RawClient.open(broker.port, 5));
    const connackA = await a.connect({ clientId: "", properties: { sessionExpiryInterval: 60 } });
    const connackB = await b.connect({ clientId: "" });
    assert.equal(connackA.reasonCode, 0);
    assert.equal(connackB.reasonCode, 0);
    const idA = connackA.properties?.assignedClientIdentifier;
    const idB = connackB.properties?.assignedClientIdentifier;
    assert.ok(idA !== undefined && idA.length > 0, "CONNACK carries an Assigned Client Identifier");
    assert.ok(idB !== undefined && idB.length > 0, "CONNACK carries an Assigned Client Identifier");
    assert.notEqual(idA, idB, "assigned identifiers are unique");
    // both stay connected: neither took the other's session over
    a.send({ type: PacketType.PINGREQ });
    await a.expect(PacketType.PINGRESP);
    // the session is held under the assigned identifier
    const topic = uniqueId("assigned");
    await subscribe(a, topic);
    await a.disconnect();
    const again = track(await RawClient.open(broker.port, 5));
    const resumed = await again.connect({
      clientId: idA,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    });
    assert.equal(resumed.sessionPresent, true, "the session was kept under the assigned identifier");
    again.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
    await again.waitClosed();
    await b.disconnect();
  });

  it("[MQTT-3.1.3-6] an empty client identifier with Clean Session 1 is accepted with a unique identifier (v4)", async () => {
    const a = track(await RawClient.open(broker.port, 4));
    const b = track(await RawClient.open(broker.port, 4));
    const connackA = await a.connect({ protocolVersion: 4, clientId: "", cleanStart: true });
    const connackB = await b.connect({ protocolVersion: 4, clientId: "", cleanStart: true });
    assert.equal(connackA.reasonCode, 0);
    assert.equal(connackA.sessionPresent, false);
    assert.equal(connackB.reasonCode, 0);
    for (const client of [a, b]) {
      client.send({ type: PacketType.PINGREQ });
      await client.expect(PacketType.PINGRESP);
    }
    await a.disconnect();
    await b.disconnect();
  });

  it("[MQTT-3.1.3-8] an empty client identifier with Clean Session 0: return code 0x02, then close (v4)", async () => {
    const client = track(await RawClient.open(broker.port, 4));
    const connack = await client.connect({ protocolVersion: 4, clientId: "", cleanStart: false });
    assert.equal(connack.reasonCode, 0x02);
    assert.equal(connack.sessionPresent, false);
    assert.deepEqual(await packetsUntilClosed(client), []);
  });

  it("[spec 3.1 (MQTT 3.1)] an empty client identifier is rejected with return code 0x02 (v3)", async () => {
    const client = track(await RawClient.open(broker.port, 3));
    const connack = await client.connect({ protocolVersion: 3, clientId: "", cleanStart: true });
    assert.equal(connack.reasonCode, 0x02);
    await client.waitClosed();
  });
});

describe("client identifier length limit (mqtt.maxClientIdLength)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxClientIdLength: 23 } } });
  });
  afterEach(() => closeAll(clients));
  after(() => broker.stop());

  for (const version of VERSIONS) {
    it(`[MQTT-3.1.3-5] a 23-byte identifier of letters and digits is always accepted (v${version})`, async () => {
      const id = "abcdefghijklmnopqrstuVW".slice(0, 20) + String(version) + "z9";
      assert.equal(id.length, 23);
      const client = await RawClient.open(broker.port, version);
      clients.push(client);
      const connack = await client.connect({ protocolVersion: version, clientId: id });
      assert.equal(connack.reasonCode, 0);
      await client.disconnect();
    });

    it(`${tag(version, "[MQTT-3.1.3-9]", "[MQTT-3.1.3-8]")} an identifier over the limit: ${version === 5 ? "CONNACK 0x85" : "return code 0x02"}, then close (v${version})`, async () => {
      const client = await RawClient.open(broker.port, version);
      clients.push(client);
      const connack = await client.connect({ protocolVersion: version, clientId: "x".repeat(24) });
      assert.equal(connack.reasonCode, version === 5 ? 0x85 : 0x02);
      assert.equal(connack.sessionPresent, false);
      assert.deepEqual(await packetsUntilClosed(client), []);
    });

    it(`${tag(version, "[MQTT-3.2.2-5]", "[MQTT-3.1.4-6]")} data sent after a refused CONNECT is not processed (v${version})`, async () => {
      const topic = uniqueId("refused");
      const sub = await RawClient.connected(broker.port, {
        protocolVersion: version,
        clientId: uniqueId("s"),
      });
      clients.push(sub);
      await subscribe(sub, topic);
      const frame = concat(
        connectFrame({
          protocolName: "MQTT",
          protocolVersion: version,
          clientId: "y".repeat(30),
          cleanStart: true,
          keepAlive: 0,
        }),
        encodePacket(
          { type: PacketType.PUBLISH, topic, payload: bytes("sneaky"), qos: 0, retain: false, dup: false },
          version,
        ),
      );
      const raw = await sendRaw(broker.port, frame, version);
      clients.push(raw);
      const packets = await packetsUntilClosed(raw);
      assert.equal(packets.length, 1);
      assert.equal(packets[0]!.type, PacketType.CONNACK);
      assert.notEqual(packets[0]!.reasonCode, 0);
      await sub.expectNothing(150);
      await sub.disconnect();
    });
  }
});
