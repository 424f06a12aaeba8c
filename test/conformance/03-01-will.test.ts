/**
 * Conformance: the Will Message (MQTT 5.0 / 3.1.1 sections 3.1.2.5 - 3.1.2.7, 3.1.3.2 - 3.1.3.4, 3.14):
 * when it is published and when not, its QoS, RETAIN and properties, the v5 Will Delay Interval, and
 * CONNECT refusals caused by the will.
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType, type QoS } from "../../src/protocol/packet-type.js";
import type { Will } from "../../src/protocol/packets/connect.js";
import { bytes, type ConnectOptions, RawClient, text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  closeAll,
  packetsUntilClosed,
  publishFrom,
  receive,
  sleep,
  subscribe,
  tag,
  uniqueId,
  VERSIONS,
  type TestVersion,
} from "./session-helpers.js";

function will(topic: string, payload: string, options: Partial<Will> = {}): Will {
  return { topic, payload: bytes(payload), qos: 1, retain: false, ...options };
}

describe("Will Message (spec 3.1.2.5, 3.1.3.2)", { concurrency: true }, () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const connect = async (options: ConnectOptions): Promise<RawClient> => {
    const client = await RawClient.connected(broker.port, options);
    clients.push(client);
    return client;
  };
  /** A v5 subscriber watching `topic` at QoS 2. */
  const watch = async (topic: string): Promise<RawClient> => {
    const watcher = await connect({ clientId: uniqueId("watch") });
    await subscribe(watcher, topic, 2);
    return watcher;
  };
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  for (const version of VERSIONS) {
    const willTags = (extra: string): string => `[MQTT-3.1.2-8] ${extra}`.trim();

    for (const qos of [0, 1, 2] as const) {
      it(`${willTags(tag(version, "[MQTT-3.1.2-9]", "[spec 3.1.2.6]"))} the will is published once, at Will QoS ${qos}, when the connection drops without DISCONNECT (v${version})`, async () => {
        const topic = uniqueId("will/drop");
        const watcher = await watch(topic);
        const client = await connect({ protocolVersion: version, will: will(topic, `gone ${qos}`, { qos }) });
        client.destroy();
        const message = await receive(watcher);
        assert.equal(message.topic, topic);
        assert.equal(text(message.payload), `gone ${qos}`);
        assert.equal(message.qos, qos);
        assert.equal(message.retain, false);
        await watcher.expectNothing(200);
      });
    }

    it(`[MQTT-3.1.2-10] [MQTT-3.14.4-3] the will is discarded on a normal DISCONNECT (v${version})`, async () => {
      const topic = uniqueId("will/normal");
      const watcher = await watch(topic);
      const client = await connect({ protocolVersion: version, will: will(topic, "must not appear") });
      await client.disconnect();
      await watcher.expectNothing(300);
    });

    it(`${willTags(tag(version, "[MQTT-3.1.2-24]", "[MQTT-3.1.2-22]"))} the will is published when the keep alive expires (v${version})`, async () => {
      const topic = uniqueId("will/keepalive");
      const watcher = await watch(topic);
      const client = await connect({
        protocolVersion: version,
        keepAlive: 1,
        will: will(topic, "timed out"),
      });
      const message = await receive(watcher, 3000);
      assert.equal(text(message.payload), "timed out");
      await client.waitClosed();
    });

    it(`${willTags(tag(version, "[MQTT-3.1.0-2]", "[MQTT-3.1.0-2]"))} the will is published when the server closes the connection for a protocol error (v${version})`, async () => {
      const topic = uniqueId("will/protocol");
      const watcher = await watch(topic);
      const id = uniqueId("twice");
      const client = await connect({
        protocolVersion: version,
        clientId: id,
        will: will(topic, "protocol error"),
      });
      client.send({
        type: PacketType.CONNECT,
        protocolName: "MQTT",
        protocolVersion: version,
        clientId: id,
        cleanStart: true,
        keepAlive: 0,
      });
      await client.waitClosed();
      assert.equal(text((await receive(watcher)).payload), "protocol error");
    });

    it(`${tag(version, "[MQTT-3.1.2-17]", "[MQTT-3.1.2-15]")} Will Retain 1: the will is published as a retained message (v${version})`, async () => {
      const topic = uniqueId("will/retained");
      const watcher = await watch(topic);
      const client = await connect({ protocolVersion: version, will: will(topic, "kept", { retain: true }) });
      client.destroy();
      await receive(watcher);
      const late = await connect({ protocolVersion: version, clientId: uniqueId("late") });
      await subscribe(late, topic, 1);
      const retained = await receive(late);
      assert.equal(text(retained.payload), "kept");
      assert.equal(retained.retain, true);
      await publishFrom(broker.port, topic, "", { retain: true }); // clear it
    });

    it(`${tag(version, "[MQTT-3.1.2-16]", "[MQTT-3.1.2-14]")} Will Retain 0: the will is not retained (v${version})`, async () => {
      const topic = uniqueId("will/unretained");
      const watcher = await watch(topic);
      const client = await connect({
        protocolVersion: version,
        will: will(topic, "fleeting", { retain: false }),
      });
      client.destroy();
      await receive(watcher);
      const late = await connect({ protocolVersion: version, clientId: uniqueId("late") });
      await subscribe(late, topic, 1);
      await late.expectNothing(200);
    });

    it(`${tag(version, "[MQTT-4.7.1-1]", "[MQTT-4.7.0-1]")} a Will Topic with a wildcard is refused${version === 5 ? " with CONNACK 0x90" : ""} and the connection closed (v${version})`, async () => {
      const client = await RawClient.open(broker.port, version);
      clients.push(client);
      client.send({
        type: PacketType.CONNECT,
        protocolName: "MQTT",
        protocolVersion: version,
        clientId: uniqueId("wild"),
        cleanStart: true,
        keepAlive: 0,
        will: will("will/+/wild", "x"),
      });
      const packets = await packetsUntilClosed(client);
      if (version === 5) {
        assert.equal(packets.length, 1);
        assert.equal(packets[0]!.type, PacketType.CONNACK);
        assert.equal(packets[0]!.reasonCode, 0x90);
      } else {
        for (const packet of packets) {
          assert.equal(packet.type, PacketType.CONNACK);
          assert.notEqual(packet.reasonCode, 0, "the CONNECT must not be accepted");
        }
      }
    });
  }

  it("[spec 3.14.2.1] DISCONNECT with reason 0x04 (Disconnect with Will Message) publishes the will (v5)", async () => {
    const topic = uniqueId("will/0x04");
    const watcher = await watch(topic);
    const client = await connect({ will: will(topic, "asked for") });
    await client.disconnect(0x04);
    assert.equal(text((await receive(watcher)).payload), "asked for");
  });

  it("[spec 3.14.2.2.2] a DISCONNECT that raises the Session Expiry from 0 is not a normal disconnection: the will is published (v5)", async () => {
    const topic = uniqueId("will/badexpiry");
    const watcher = await watch(topic);
    const client = await connect({ will: will(topic, "not normal") });
    client.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 30 } });
    await client.waitClosed();
    assert.equal(text((await receive(watcher)).payload), "not normal");
  });

  it("[MQTT-3.1.3-10] [spec 3.1.3.2] Will Properties are passed through to subscribers, User Properties in order (v5)", async () => {
    const topic = uniqueId("will/props");
    const watcher = await watch(topic);
    const userProperties: [string, string][] = [
      ["a", "1"],
      ["b", "2"],
      ["a", "3"],
    ];
    const client = await connect({
      will: will(topic, "{}", {
        properties: {
          payloadFormatIndicator: true,
          contentType: "application/json",
          responseTopic: "replies/here",
          correlationData: Uint8Array.of(1, 2, 3, 4),
          messageExpiryInterval: 60,
          userProperties,
        },
      }),
    });
    client.destroy();
    const message = await receive(watcher);
    const p = message.properties ?? {};
    assert.equal(p.payloadFormatIndicator, true);
    assert.equal(p.contentType, "application/json");
    assert.equal(p.responseTopic, "replies/here");
    assert.deepEqual([...(p.correlationData ?? [])], [1, 2, 3, 4]);
    assert.deepEqual(p.userProperties, userProperties);
    assert.ok(
      p.messageExpiryInterval !== undefined && p.messageExpiryInterval > 0 && p.messageExpiryInterval <= 60,
    );
  });

  const delayed = (topic: string, delay: number, clientId: string, expiry: number): ConnectOptions => ({
    clientId,
    cleanStart: false,
    properties: { sessionExpiryInterval: expiry },
    will: will(topic, `delayed ${delay}`, { properties: { willDelayInterval: delay } }),
  });

  it("[MQTT-3.1.2-8] [spec 3.1.3.2.2] a Will Delay Interval of 1 s: the will is published after 1 s, not before (v5)", async () => {
    const topic = uniqueId("will/delay");
    const watcher = await watch(topic);
    const client = await connect(delayed(topic, 1, uniqueId("delay"), 60));
    client.destroy();
    await watcher.expectNothing(600);
    assert.equal(text((await receive(watcher, 2000)).payload), "delayed 1");
  });

  // the will's Message Expiry Interval is its lifetime once published: the Will Delay does not use it up
  for (const [delay, expiry] of [
    [2, 1],
    [1, 30],
  ] as const) {
    it(`[MQTT-3.1.2-8] [spec 3.1.3.2.4] [MQTT-3.3.2-6] a will with Will Delay ${delay} s and Message Expiry ${expiry} s is published after the delay with the full Message Expiry Interval ${expiry} (v5)`, async () => {
      const topic = uniqueId("will/delay-expiry");
      const watcher = await watch(topic);
      const client = await connect({
        clientId: uniqueId("delay-expiry"),
        properties: { sessionExpiryInterval: 60 },
        will: will(topic, "late", {
          properties: { willDelayInterval: delay, messageExpiryInterval: expiry },
        }),
      });
      client.destroy();
      const message = await receive(watcher, delay * 1000 + 1500);
      assert.equal(text(message.payload), "late");
      assert.equal(message.properties?.messageExpiryInterval, expiry);
    });
  }

  it("[MQTT-3.1.2-17] [spec 3.1.3.2.4] [MQTT-3.3.2-6] a retained will published after its Will Delay is retained for its full Message Expiry Interval (v5)", async () => {
    const topic = uniqueId("will/delay-retained");
    const watcher = await watch(topic);
    const client = await connect({
      clientId: uniqueId("delay-retained"),
      properties: { sessionExpiryInterval: 60 },
      will: will(topic, "kept", {
        retain: true,
        properties: { willDelayInterval: 1, messageExpiryInterval: 3 },
      }),
    });
    client.destroy();
    assert.equal((await receive(watcher, 2500)).properties?.messageExpiryInterval, 3);
    const late = await connect({ clientId: uniqueId("late") });
    await subscribe(late, topic, 1);
    const retained = await receive(late);
    assert.equal(retained.retain, true);
    assert.equal(text(retained.payload), "kept");
    assert.equal(retained.properties?.messageExpiryInterval, 3);
  });

  it("[MQTT-3.1.3-9] the will is not sent when the client resumes the session within the Will Delay Interval (v5)", async () => {
    const topic = uniqueId("will/back");
    const watcher = await watch(topic);
    const id = uniqueId("back");
    const client = await connect(delayed(topic, 1, id, 60));
    client.destroy();
    await sleep(200);
    const again = await connect({
      clientId: id,
      cleanStart: false,
      properties: { sessionExpiryInterval: 60 },
    });
    assert.equal(again.received[0]?.type === PacketType.CONNACK && again.received[0].sessionPresent, true);
    await watcher.expectNothing(1500);
    again.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
    await again.waitClosed();
  });

  it("[MQTT-3.1.2-8] [spec 3.1.3.2.2] the will is published when the session ends before the Will Delay Interval (expiry 1 s < delay 30 s) (v5)", async () => {
    const topic = uniqueId("will/expiry");
    const watcher = await watch(topic);
    const client = await connect(delayed(topic, 30, uniqueId("short"), 1));
    client.destroy();
    await watcher.expectNothing(500);
    assert.equal(text((await receive(watcher, 2000)).payload), "delayed 30");
  });

  it("[MQTT-3.1.2-8] with Session Expiry 0 the session ends at once, so a delayed will is published at once (v5)", async () => {
    const topic = uniqueId("will/expiry0");
    const watcher = await watch(topic);
    const client = await connect(delayed(topic, 30, uniqueId("zero"), 0));
    client.destroy();
    assert.equal(text((await receive(watcher, 500)).payload), "delayed 30");
  });

  it("[MQTT-3.1.2-8] [MQTT-3.1.2-4] reconnecting with Clean Start 1 within the Will Delay ends the old session: its will is published (v5)", async () => {
    const topic = uniqueId("will/cleanback");
    const watcher = await watch(topic);
    const id = uniqueId("cleanback");
    const client = await connect(delayed(topic, 30, id, 60));
    client.destroy();
    await sleep(200);
    const again = await connect({ clientId: id, cleanStart: true });
    assert.equal(text((await receive(watcher, 1000)).payload), "delayed 30");
    await again.disconnect();
  });
});

describe("Will refused by server capabilities (mqtt.maxQos: 1, mqtt.retainAvailable: false)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  const open = async (version: TestVersion): Promise<RawClient> => {
    const client = await RawClient.open(broker.port, version);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxQos: 1, retainAvailable: false } } });
  });
  after(async () => {
    closeAll(clients);
    await broker.stop();
  });

  const refuse = async (version: TestVersion, w: Will): Promise<number> => {
    const client = await open(version);
    const connack = await client.connect({ protocolVersion: version, will: w });
    assert.equal(connack.sessionPresent, false);
    assert.deepEqual(await packetsUntilClosed(client), []);
    return connack.reasonCode;
  };

  it("[MQTT-3.2.2-12] a Will QoS above Maximum QoS is refused with CONNACK 0x9B, then close (v5)", async () => {
    assert.equal(await refuse(5, will("w/qos", "x", { qos: 2 as QoS })), 0x9b);
  });

  it("[MQTT-3.2.2-13] a retained will when Retain is not available is refused with CONNACK 0x9A, then close (v5)", async () => {
    assert.equal(await refuse(5, will("w/retain", "x", { retain: true })), 0x9a);
  });

  it("[MQTT-3.2.2-12] a Will QoS within Maximum QoS is accepted (v5)", async () => {
    const client = await open(5);
    const connack = await client.connect({ will: will("w/ok", "x", { qos: 1 }) });
    assert.equal(connack.reasonCode, 0);
    await client.disconnect();
  });
});
