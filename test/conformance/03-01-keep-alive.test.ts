/**
 * Conformance: Keep Alive (MQTT 5.0 / 3.1.1 section 3.1.2.10), PINGREQ/PINGRESP (3.12, 3.13), the v5
 * Server Keep Alive (3.2.2.3.14, mqtt.maxKeepAlive) and the connect timeout (mqtt.connectTimeout).
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, type ConnectOptions, RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import { closeAll, packetsUntilClosed, sleep, tag, uniqueId, VERSIONS } from "./session-helpers.js";

describe("Keep Alive (spec 3.1.2.10)", { concurrency: true }, () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const connect = async (options: ConnectOptions): Promise<RawClient> => {
    const client = await RawClient.connected(broker.port, options);
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
    const keepAliveTag = tag(version, "[MQTT-3.1.2-24]", "[MQTT-3.1.2-22]");

    it(`${keepAliveTag} no packet within 1.5 x Keep Alive (1 s): the server closes the connection${version === 5 ? " with DISCONNECT 0x8D" : ""} (v${version})`, async () => {
      const client = await connect({ protocolVersion: version, keepAlive: 1 });
      await sleep(1000);
      assert.equal(client.closed, false, "the client may stay silent for the Keep Alive itself");
      const packets = await packetsUntilClosed(client, 1500);
      if (version === 5) {
        assert.equal(packets.length, 1, `expected one DISCONNECT, got ${packets.length} packets`);
        assert.equal(packets[0]!.type, PacketType.DISCONNECT);
        assert.equal(packets[0]!.reasonCode, 0x8d);
      } else {
        assert.deepEqual(packets, [], "v3.1.1: closed without a packet");
      }
    });

    it(`[MQTT-3.12.4-1] ${keepAliveTag} PINGREQ keeps the connection open past 1.5 x Keep Alive and each one gets a PINGRESP (v${version})`, async () => {
      const client = await connect({ protocolVersion: version, keepAlive: 1 });
      for (let i = 0; i < 4; i++) {
        await sleep(600);
        client.send({ type: PacketType.PINGREQ });
        await client.expect(PacketType.PINGRESP, 500);
      }
      assert.equal(client.closed, false);
      await client.disconnect();
    });

    it(`${keepAliveTag} any control packet (here QoS 0 PUBLISH) resets the keep-alive timer (v${version})`, async () => {
      const client = await connect({ protocolVersion: version, keepAlive: 1 });
      const topic = uniqueId("ka/publish");
      for (let i = 0; i < 4; i++) {
        await sleep(600);
        client.send({
          type: PacketType.PUBLISH,
          topic,
          payload: bytes("tick"),
          qos: 0,
          retain: false,
          dup: false,
        });
      }
      await client.expectNothing(100);
      assert.equal(client.closed, false);
      await client.disconnect();
    });

    it(`${keepAliveTag} bytes of a packet that never completes do not reset the keep-alive timer (v${version})`, async () => {
      const client = await connect({ protocolVersion: version, keepAlive: 1 });
      // a PUBLISH announcing 100 bytes, sent one byte every 300 ms (Mosquitto closes such a client too)
      const trickle = [0x30, 100, 0, 5, ...bytes("ka/tr")];
      const started = Date.now();
      for (let i = 0; i < trickle.length && !client.closed; i++) {
        client.sendBytes([trickle[i]!]);
        await sleep(300);
      }
      assert.equal(client.closed, true, "still open after the whole trickle (2.7 s)");
      assert.ok(Date.now() - started < 2400, `closed after ${Date.now() - started} ms`);
    });

    it(`[spec 3.1.2.10] Keep Alive 0 turns the mechanism off: a silent client is not disconnected (v${version})`, async () => {
      const client = await connect({ protocolVersion: version, keepAlive: 0 });
      await client.expectNothing(2000);
      assert.equal(client.closed, false);
      client.send({ type: PacketType.PINGREQ });
      await client.expect(PacketType.PINGRESP);
      await client.disconnect();
    });
  }
});

describe("Server Keep Alive (mqtt.maxKeepAlive: 1)", { concurrency: true }, () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const open = async (version: 4 | 5): Promise<RawClient> => {
    const client = await RawClient.open(broker.port, version);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxKeepAlive: 1 } } });
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  it("[MQTT-3.2.2-21] [MQTT-3.1.2-22] a Keep Alive above the maximum: CONNACK carries Server Keep Alive 1 and the server enforces it (v5)", async () => {
    const client = await open(5);
    const connack = await client.connect({ keepAlive: 60 });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.serverKeepAlive, 1);
    const packets = await packetsUntilClosed(client, 2500);
    assert.equal(packets.length, 1, `expected one DISCONNECT, got ${packets.length} packets`);
    assert.equal(packets[0]!.type, PacketType.DISCONNECT);
    assert.equal(packets[0]!.reasonCode, 0x8d);
  });

  it("[MQTT-3.2.2-22] a Keep Alive within the maximum is used as sent: no Server Keep Alive (v5)", async () => {
    const client = await open(5);
    const connack = await client.connect({ keepAlive: 1 });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.serverKeepAlive, undefined);
    await client.disconnect();
  });

  it("[spec 3.1.4] a Keep Alive above the maximum cannot be negotiated down in v3.1.1: return code 0x02, then close (v4)", async () => {
    const client = await open(4);
    const connack = await client.connect({ protocolVersion: 4, keepAlive: 60 });
    assert.equal(connack.reasonCode, 0x02);
    assert.equal(connack.sessionPresent, false);
    assert.deepEqual(await packetsUntilClosed(client), []);
  });

  it("[MQTT-3.1.2-24] a Keep Alive within the maximum is accepted and enforced (v4)", async () => {
    const client = await open(4);
    const connack = await client.connect({ protocolVersion: 4, keepAlive: 1 });
    assert.equal(connack.reasonCode, 0);
    assert.deepEqual(await packetsUntilClosed(client, 2500), []);
  });
});

describe("connect timeout (mqtt.connectTimeout: 1)", { concurrency: true }, () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const open = async (version: 4 | 5): Promise<RawClient> => {
    const client = await RawClient.open(broker.port, version);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { connectTimeout: 1 } } });
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  it("[spec 3.1.4] a connection that never sends CONNECT is closed after the connect timeout", async () => {
    const client = await open(5);
    await sleep(500);
    assert.equal(client.closed, false, "not closed before the timeout");
    assert.deepEqual(await packetsUntilClosed(client, 1500), []);
  });

  it("[spec 3.1.4] a connection that sends only part of a CONNECT is closed after the connect timeout", async () => {
    const client = await open(5);
    client.sendBytes([0x10, 0x20, 0x00, 0x04]);
    assert.deepEqual(await packetsUntilClosed(client, 2000), []);
  });

  it("[spec 3.1.4] a client that connects in time is not affected by the connect timeout", async () => {
    const client = await open(5);
    assert.equal((await client.connect({ clientId: uniqueId("intime") })).reasonCode, 0);
    await client.expectNothing(1300);
    assert.equal(client.closed, false);
    await client.disconnect();
  });
});
