/**
 * Limits (docs/security.md "Limits"): each one produces its documented reason code or close and is
 * counted (`broker.metrics.limits`, published as `$SYS/broker/limits/<name>`).
 *
 * | limit                             | MQTT 5                        | MQTT 3.1.1                  |
 * | --------------------------------- | ----------------------------- | --------------------------- |
 * | limits.maxConnections             | CONNACK 0x97                  | CONNACK 3                   |
 * | limits.maxConnectionsPerIp        | CONNACK 0x97                  | CONNACK 3                   |
 * | limits.maxConnectionsPerTenant    | CONNACK 0x97                  | CONNACK 3                   |
 * | limits.connectionRatePerIp        | CONNACK 0x9F                  | CONNACK 3                   |
 * | limits.maxSubscriptionsPerClient  | SUBACK 0x97                   | SUBACK 0x80                 |
 * | limits.maxTopicLevels / Length    | PUBACK 0x90, SUBACK 0x8F, CONNACK 0x90 (will) | dropped / 0x80 / 3 |
 * | limits.messageRatePerClient       | DISCONNECT 0x96               | closed                      |
 * | limits.byteRatePerClient          | DISCONNECT 0x97               | closed                      |
 * | mqtt.maxPacketSize                | DISCONNECT 0x95               | closed                      |
 * | mqtt.maxUserProperties            | PUBACK/PUBREC 0x97, CONNACK 0x97, else DISCONNECT 0x97 | (none in v3) |
 * | mqtt.connectTimeout               | closed                        | closed                      |
 */

import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import type { LimitName } from "../../src/broker/metrics.js";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import { bytes, delay, RawClient } from "../helpers/raw-client.js";
import { drain, expectClosedWith, publish, publishes, sub, subscribe } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker, type TestBrokerOptions } from "../helpers/test-broker.js";
import { tenantAuthenticator } from "./tenant-authenticator.js";

const USERS = { a1: { tenant: "acme" }, a2: { tenant: "acme" }, g1: { tenant: "globex" } };
const VERSIONS = [5, 4] as const;

let broker: TestBroker | undefined;
const clients: RawClient[] = [];

async function start(limits: Record<string, unknown>, options: TestBrokerOptions = {}): Promise<TestBroker> {
  broker = await startTestBroker({
    authenticators: [tenantAuthenticator(USERS, { anonymous: true })],
    ...options,
    config: { limits, ...options.config },
  });
  return broker;
}

async function open(version: ProtocolVersion): Promise<RawClient> {
  const client = await RawClient.open(broker!.port, version);
  clients.push(client);
  return client;
}

async function connected(version: ProtocolVersion, username?: string, clientId?: string): Promise<RawClient> {
  const client = await open(version);
  const connack = await client.connect({
    protocolVersion: version,
    ...(username === undefined ? {} : { username }),
    ...(clientId === undefined ? {} : { clientId }),
  });
  assert.equal(connack.reasonCode, 0, "connected");
  return client;
}

/** Sends a QoS 0 PUBLISH on "t" without waiting (nothing acknowledges it). */
function sendQos0(client: RawClient, payload = "x"): void {
  client.send({
    type: PacketType.PUBLISH,
    topic: "t",
    payload: bytes(payload),
    qos: 0,
    retain: false,
    dup: false,
  });
}

function counted(name: LimitName): number {
  return broker!.broker.metrics.limits[name];
}

/** `expected` for v5, and the v3 return code 3 Server unavailable otherwise. */
function connackCode(version: ProtocolVersion, v5: number): number {
  return version === 5 ? v5 : 3;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await broker?.stop();
  broker = undefined;
});

describe("connection limits", () => {
  for (const version of VERSIONS) {
    const v = version === 5 ? "v5" : "v3.1.1";

    it(`limits.maxConnections: the connection over it gets CONNACK ${version === 5 ? "0x97" : "3"} and is closed (${v})`, async () => {
      await start({ maxConnections: 2 });
      await connected(version);
      await connected(version);
      const third = await open(version);
      assert.equal(
        (await third.connect({ protocolVersion: version })).reasonCode,
        connackCode(version, 0x97),
      );
      await third.waitClosed();
      assert.equal(counted("connections"), 1);
      clients[0]!.destroy();
      await delay(50);
      await connected(version); // a slot is free again
    });

    it(`limits.maxConnectionsPerIp: CONNACK ${version === 5 ? "0x97" : "3"} (${v})`, async () => {
      await start({ maxConnectionsPerIp: 1 });
      await connected(version);
      const second = await open(version);
      assert.equal(
        (await second.connect({ protocolVersion: version })).reasonCode,
        connackCode(version, 0x97),
      );
      assert.equal(counted("connections-per-ip"), 1);
    });

    it(`limits.connectionRatePerIp: CONNACK ${version === 5 ? "0x9F" : "3"} once the burst is spent, before authentication (${v})`, async () => {
      await start({ connectionRatePerIp: 0.001, connectionBurstPerIp: 2 });
      await connected(version);
      await connected(version);
      const third = await open(version);
      const connack = await third.connect({ protocolVersion: version, username: "nobody" });
      assert.equal(connack.reasonCode, connackCode(version, 0x9f), "not 0x86: authentication never ran");
      assert.equal(counted("connection-rate"), 1);
      assert.equal(broker!.broker.metrics.connectionsRejected, 1);
    });

    it(`limits.maxConnectionsPerTenant: CONNACK ${version === 5 ? "0x97" : "3"} for the tenant over it, not for others or for a takeover (${v})`, async () => {
      await start({ maxConnectionsPerTenant: 1 });
      await connected(version, "a1", "one");
      const second = await open(version);
      assert.equal(
        (await second.connect({ protocolVersion: version, username: "a2" })).reasonCode,
        connackCode(version, 0x97),
      );
      assert.equal(counted("connections-per-tenant"), 1);
      await connected(version, "g1"); // another tenant
      await connected(version); // the default tenant
      await connected(version, "a1", "one"); // takes over its own session: allowed
    });
  }
});

describe("subscription and topic limits", () => {
  for (const version of VERSIONS) {
    const v = version === 5 ? "v5" : "v3.1.1";

    it(`limits.maxSubscriptionsPerClient: SUBACK ${version === 5 ? "0x97" : "0x80"} for each filter over it; replacing one is allowed (${v})`, async () => {
      await start({ maxSubscriptionsPerClient: 2 });
      const client = await connected(version, "a1");
      const over = version === 5 ? 0x97 : 0x80;
      assert.deepEqual((await subscribe(client, [sub("a", 0), sub("b", 0), sub("c", 0)])).reasonCodes, [
        0,
        0,
        over,
      ]);
      assert.deepEqual((await subscribe(client, [sub("a", 1), sub("d", 0)])).reasonCodes, [1, over]);
      assert.equal(counted("subscriptions"), 2);
    });

    for (const [name, limits, long] of [
      ["topic-levels", { maxTopicLevels: 3 }, "a/b/c/d"],
      ["topic-length", { maxTopicLength: 8 }, "abcdefghi"],
    ] as const) {
      it(`limits.${Object.keys(limits)[0]}: PUBLISH refused (${version === 5 ? "PUBACK 0x90" : "dropped"}), SUBSCRIBE ${version === 5 ? "0x8F" : "0x80"}, will CONNACK ${version === 5 ? "0x90" : "3"} (${v})`, async () => {
        await start(limits);
        const subscriber = await connected(version);
        assert.deepEqual((await subscribe(subscriber, [sub(long, 1), sub("#", 1)])).reasonCodes, [
          version === 5 ? 0x8f : 0x80,
          1,
        ]);
        const publisher = await connected(version);
        if (version === 5) {
          publisher.send({
            type: PacketType.PUBLISH,
            topic: long,
            payload: bytes("x"),
            qos: 1,
            retain: false,
            dup: false,
            packetId: 3,
          });
          assert.equal((await publisher.expect(PacketType.PUBACK)).reasonCode, 0x90);
        } else {
          await publish(publisher, long, "x", { qos: 1 });
        }
        await publish(publisher, "ok", "ok", { qos: 1 });
        assert.deepEqual(
          publishes(await drain(subscriber)).map((p) => p.topic),
          ["ok"],
        );
        const withWill = await open(version);
        const connack = await withWill.connect({
          protocolVersion: version,
          will: { topic: long, payload: bytes("w"), qos: 0, retain: false },
        });
        assert.equal(connack.reasonCode, connackCode(version, 0x90));
        assert.equal(counted(name), 3);
      });
    }
  }
});

describe("message and byte rate", () => {
  for (const version of VERSIONS) {
    const v = version === 5 ? "v5" : "v3.1.1";

    it(`limits.messageRatePerClient: the PUBLISH over the burst ${version === 5 ? "gets DISCONNECT 0x96" : "closes the connection"} (${v})`, async () => {
      await start({ messageRatePerClient: 0.001, messageBurstPerClient: 3 });
      const client = await connected(version, "a1");
      for (let i = 0; i < 3; i++) await publish(client, "t", "x", { qos: 1 });
      sendQos0(client);
      await expectClosedWith(client, version, 0x96);
      assert.equal(counted("message-rate"), 1);
    });

    it(`limits.byteRatePerClient: payload bytes over the burst ${version === 5 ? "get DISCONNECT 0x97" : "close the connection"} (${v})`, async () => {
      await start({ byteRatePerClient: 1, byteBurstPerClient: 100 });
      const client = await connected(version, "a1");
      await publish(client, "t", "x".repeat(60), { qos: 1 });
      sendQos0(client, "x".repeat(60));
      await expectClosedWith(client, version, 0x97);
      assert.equal(counted("byte-rate"), 1);
    });
  }

  it("a message larger than the byte burst passes when the bucket is full and leaves it in debt", async () => {
    await start({ byteRatePerClient: 10, byteBurstPerClient: 100 });
    const client = await connected(5, "a1");
    await publish(client, "t", "x".repeat(300), { qos: 1 });
    sendQos0(client, "y");
    await expectClosedWith(client, 5, 0x97);
  });

  it("the buckets are the client's, not its connection's: reconnecting gives no new burst", async () => {
    await start({ messageRatePerClient: 0.001, messageBurstPerClient: 3 });
    const first = await connected(5, "a1", "same-device");
    for (let i = 0; i < 2; i++) await publish(first, "t", "x", { qos: 1 });
    await first.disconnect();
    const again = await connected(5, "a1", "same-device");
    await publish(again, "t", "x", { qos: 1 }); // the third of the burst
    sendQos0(again);
    await expectClosedWith(again, 5, 0x96);
    // another client id has a bucket of its own
    const other = await connected(5, "a1", "other-device");
    await publish(other, "t", "x", { qos: 1 });
    assert.ok(!other.closed);
    assert.equal(counted("message-rate"), 1);
  });

  it("the rate refills with time (no timers: computed from the elapsed time)", async () => {
    let now = 1_000_000;
    await start({ messageRatePerClient: 1, messageBurstPerClient: 2 }, { clock: () => now });
    const client = await connected(5, "a1");
    for (let round = 0; round < 3; round++) {
      await publish(client, "t", "x", { qos: 1 });
      await publish(client, "t", "x", { qos: 1 });
      now += 2000; // two more tokens
    }
    assert.ok(!client.closed);
    assert.equal(counted("message-rate"), 0);
  });
});

describe("limits that existed before, now counted", () => {
  it("mqtt.maxPacketSize: DISCONNECT 0x95, counted as packet-size", async () => {
    await start({}, { config: { mqtt: { maxPacketSize: 64 } } });
    const client = await connected(5);
    sendQos0(client, "x".repeat(100));
    await expectClosedWith(client, 5, 0x95);
    assert.equal(counted("packet-size"), 1);
  });

  it("mqtt.connectTimeout: a socket without CONNECT is closed, counted as connect-timeout", async () => {
    await start({}, { config: { mqtt: { connectTimeout: 1 } } });
    const client = await open(5);
    await client.waitClosed(3000);
    assert.equal(counted("connect-timeout"), 1);
  });
});

describe("mqtt.maxUserProperties", () => {
  const users = (count: number): [string, string][] =>
    Array.from({ length: count }, (_, i): [string, string] => [`k${i}`, "v"]);

  it("a PUBLISH over it is refused with PUBACK 0x97 and a reason string, and not delivered; one at it is", async () => {
    await start({}, { config: { mqtt: { maxUserProperties: 4 } } });
    const subscriber = await connected(5);
    await subscribe(subscriber, [sub("t", 0)]);
    const publisher = await connected(5);
    publisher.send({
      type: PacketType.PUBLISH,
      topic: "t",
      payload: bytes("over"),
      qos: 1,
      packetId: 1,
      retain: false,
      dup: false,
      properties: { userProperties: users(5) },
    });
    const puback = await publisher.expect(PacketType.PUBACK);
    assert.equal(puback.reasonCode, 0x97);
    assert.equal(puback.properties?.reasonString, "More than 4 User Properties");
    assert.equal(counted("user-properties"), 1);
    await publish(publisher, "t", "at", { qos: 1, properties: { userProperties: users(4) } });
    const got = publishes(await drain(subscriber));
    assert.deepEqual(
      got.map((p) => p.properties?.userProperties?.length),
      [4],
      "only the message within the bound is delivered",
    );
  });

  it("2 MB of empty User Properties in one PUBLISH are refused at the default bound (128), quickly", async () => {
    await start({});
    const publisher = await connected(5);
    const many = Array.from({ length: 390_000 }, (): [string, string] => ["", ""]);
    const started = performance.now();
    publisher.send({
      type: PacketType.PUBLISH,
      topic: "t",
      payload: new Uint8Array(0),
      qos: 1,
      packetId: 1,
      retain: true,
      dup: false,
      properties: { userProperties: many },
    });
    const puback = await publisher.expect(PacketType.PUBACK, 5000);
    assert.equal(puback.reasonCode, 0x97);
    assert.equal(broker!.broker.retained.size, 0, "nothing was retained");
    assert.ok(performance.now() - started < 2000, "refused without decoding 390,000 pairs");
  });

  it("a CONNECT, or a will, over it gets CONNACK 0x97", async () => {
    await start({}, { config: { mqtt: { maxUserProperties: 4 } } });
    const client = await open(5);
    const connack = await client.connect({ properties: { userProperties: users(5) } });
    assert.equal(connack.reasonCode, 0x97);
    await client.waitClosed();
    const willing = await open(5);
    const refused = await willing.connect({
      will: {
        topic: "w",
        payload: bytes("gone"),
        qos: 0,
        retain: false,
        properties: { userProperties: users(5) },
      },
    });
    assert.equal(refused.reasonCode, 0x97);
    assert.equal(counted("user-properties"), 2);
  });

  it("a SUBSCRIBE over it gets DISCONNECT 0x97", async () => {
    await start({}, { config: { mqtt: { maxUserProperties: 4 } } });
    const client = await connected(5);
    client.send({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [sub("t", 0)],
      properties: { userProperties: users(5) },
    });
    await expectClosedWith(client, 5, 0x97);
    assert.equal(counted("user-properties"), 1);
  });
});

after(async () => {
  await broker?.stop();
});
