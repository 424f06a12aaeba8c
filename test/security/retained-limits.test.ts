/**
 * The retained quota per tenant (docs/security.md "Limits"): `limits.maxRetainedPerTenant` and
 * `limits.maxRetainedBytesPerTenant`, over real sockets.
 *
 * | publisher                      | a retained PUBLISH to a new topic over the quota              |
 * | ------------------------------ | ------------------------------------------------------------- |
 * | MQTT 5, QoS 1 / 2              | PUBACK / PUBREC 0x97 Quota exceeded: not routed, not retained |
 * | MQTT 5 QoS 0, MQTT 3.1.1, wills | routed to the current subscribers, not retained              |
 *
 * A replacement or a clearing always passes; the count follows expiry, clearing, the admin API's
 * delete and a restart from the SQLite store.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LimitName } from "../../src/broker/metrics.js";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import type { Properties, QoS } from "../../src/protocol/index.js";
import { startAdminBroker } from "../admin/helpers/admin-broker.js";
import { bytes, delay, RawClient, text } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";
import { drain, packetId, publish, publishes, sub, subscribe } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker, type TestBrokerOptions } from "../helpers/test-broker.js";
import { tenantAuthenticator } from "./tenant-authenticator.js";

const USERS = { a1: { tenant: "acme" }, a2: { tenant: "acme" }, g1: { tenant: "globex" } };
const harness = restartHarness("retained-limits");

async function start(limits: Record<string, unknown>, options: TestBrokerOptions = {}): Promise<TestBroker> {
  return harness.track(
    await startTestBroker({
      authenticators: [tenantAuthenticator(USERS, { anonymous: true })],
      ...options,
      config: { limits, ...options.config },
    }),
  );
}

async function connected(
  broker: TestBroker,
  version: ProtocolVersion,
  username?: string,
  options: { readonly requestProblemInformation?: boolean } = {},
): Promise<RawClient> {
  const client = harness.client(await RawClient.open(broker.port, version));
  const connack = await client.connect({
    protocolVersion: version,
    ...(username === undefined ? {} : { username }),
    ...(options.requestProblemInformation === undefined
      ? {}
      : { properties: { requestProblemInformation: options.requestProblemInformation } }),
  });
  assert.equal(connack.reasonCode, 0, "connected");
  return client;
}

/** Sends a retained PUBLISH and returns its acknowledgement (PUBACK or PUBREC; none for QoS 0). */
async function retain(
  client: RawClient,
  topic: string,
  payload: string,
  qos: QoS = 1,
  properties?: Properties,
): Promise<{ reasonCode: number | undefined; reason: string | undefined } | undefined> {
  const id = qos === 0 ? undefined : packetId();
  client.send({
    type: PacketType.PUBLISH,
    topic,
    payload: bytes(payload),
    qos,
    retain: true,
    dup: false,
    ...(id === undefined ? {} : { packetId: id }),
    ...(properties === undefined ? {} : { properties }),
  });
  if (qos === 0) return undefined;
  const ack = await client.expect(qos === 1 ? PacketType.PUBACK : PacketType.PUBREC);
  assert.equal(ack.packetId, id);
  if (qos === 2 && (ack.reasonCode ?? 0) < 0x80) {
    client.send({ type: PacketType.PUBREL, packetId: id! });
    await client.expect(PacketType.PUBCOMP);
  }
  return { reasonCode: ack.reasonCode, reason: ack.properties?.reasonString };
}

/** The topics and payloads of the retained messages a new subscription to `filter` is sent. */
async function retainedFor(broker: TestBroker, filter: string, username?: string): Promise<string[]> {
  const client = await connected(broker, 5, username);
  await subscribe(client, [sub(filter, 1)]);
  const found = publishes(await drain(client)).map((p) => `${p.topic}=${text(p.payload)}`);
  client.destroy();
  return found.sort();
}

function counted(broker: TestBroker, name: LimitName): number {
  return broker.broker.metrics.limits[name];
}

describe("limits.maxRetainedPerTenant", () => {
  it("v5 QoS 1/2: a new topic over it gets 0x97 and is neither routed nor retained; replacing and clearing pass; per tenant", async () => {
    const broker = await start({ maxRetainedPerTenant: 2 });
    const watcher = await connected(broker, 5, "a2");
    await subscribe(watcher, [sub("r/#", 1)]);
    const acme = await connected(broker, 5, "a1");
    assert.equal((await retain(acme, "r/1", "one"))?.reasonCode, 0);
    assert.equal((await retain(acme, "r/2", "two", 2))?.reasonCode, 0);
    await drain(watcher);

    assert.deepEqual(await retain(acme, "r/3", "three"), {
      reasonCode: 0x97,
      reason: "Retained message quota exceeded",
    });
    assert.deepEqual(await retain(acme, "r/3", "three", 2), {
      reasonCode: 0x97,
      reason: "Retained message quota exceeded",
    });
    assert.deepEqual(publishes(await drain(watcher)), [], "a refused PUBLISH is not routed");
    assert.equal(counted(broker, "retained"), 2);

    // replacing at the limit passes, even with a larger payload
    assert.equal((await retain(acme, "r/1", "one, replaced and longer"))?.reasonCode, 0);
    // other tenants have their own quota; the default tenant too
    const globex = await connected(broker, 5, "g1");
    assert.equal((await retain(globex, "r/3", "globex's"))?.reasonCode, 0x10); // no subscriber
    const plain = await connected(broker, 5);
    assert.equal((await retain(plain, "r/3", "default's"))?.reasonCode, 0x10);

    // clearing frees a place
    assert.equal((await retain(acme, "r/2", ""))?.reasonCode, 0);
    assert.equal((await retain(acme, "r/3", "three"))?.reasonCode, 0);
    assert.deepEqual(await retainedFor(broker, "r/#", "a2"), ["r/1=one, replaced and longer", "r/3=three"]);
    assert.deepEqual(broker.broker.retained.usage("acme").count, 2);
    assert.deepEqual(broker.broker.retained.usage("globex").count, 1);
    assert.deepEqual(broker.broker.retained.usage("default").count, 1);
  });

  it("v5 with Request Problem Information 0: 0x97 without a reason string [MQTT-3.1.2-29]", async () => {
    const broker = await start({ maxRetainedPerTenant: 1 });
    const client = await connected(broker, 5, "a1", { requestProblemInformation: false });
    await retain(client, "r/1", "one");
    assert.deepEqual(await retain(client, "r/2", "two"), { reasonCode: 0x97, reason: undefined });
  });

  for (const [version, qos] of [
    [5, 0],
    [4, 1],
    [4, 0],
  ] as const) {
    it(`${version === 5 ? "v5" : "v3.1.1"} QoS ${qos}: a new topic over it is routed to current subscribers but not retained`, async () => {
      const broker = await start({ maxRetainedPerTenant: 1 });
      const watcher = await connected(broker, 5, "a2");
      await subscribe(watcher, [sub("r/#", 1)]);
      const acme = await connected(broker, version, "a1");
      await publish(acme, "r/1", "one", { qos, retain: true });
      await publish(acme, "r/2", "two", { qos, retain: true }); // v3.1.1 QoS 1: a plain PUBACK
      await delay(50);
      assert.deepEqual(
        publishes(await drain(watcher)).map((p) => text(p.payload)),
        ["one", "two"],
        "both routed live",
      );
      assert.deepEqual(await retainedFor(broker, "r/#", "a2"), ["r/1=one"]);
      assert.equal(counted(broker, "retained"), 1);
    });
  }

  it("a retained will over it is published but not retained", async () => {
    const broker = await start({ maxRetainedPerTenant: 1 });
    const watcher = await connected(broker, 5, "a2");
    await subscribe(watcher, [sub("r/#", 1)]);
    const acme = await connected(broker, 5, "a1");
    await retain(acme, "r/1", "one");
    const dying = harness.client(await RawClient.open(broker.port, 5));
    await dying.connect({
      protocolVersion: 5,
      username: "a1",
      will: { topic: "r/will", payload: bytes("gone"), qos: 1, retain: true },
    });
    await drain(watcher);
    dying.destroy();
    assert.deepEqual(
      publishes(await drain(watcher, 300)).map((p) => text(p.payload)),
      ["gone"],
    );
    assert.deepEqual(await retainedFor(broker, "r/#", "a2"), ["r/1=one"]);
  });

  it("an expired retained message frees its place", async () => {
    const broker = await start({ maxRetainedPerTenant: 1 });
    const client = await connected(broker, 5, "a1");
    await retain(client, "r/short", "soon gone", 1, { messageExpiryInterval: 1 });
    assert.equal((await retain(client, "r/2", "two"))?.reasonCode, 0x97);
    await delay(1300);
    assert.deepEqual(broker.broker.retained.usage("acme"), { count: 0, bytes: 0 });
    assert.equal((await retain(client, "r/2", "two"))?.reasonCode, 0x10);
  });

  it("retained messages restored from the SQLite store count, even beyond the limit", async () => {
    const path = harness.dataDir();
    const storage = { kind: "sqlite", path, commitInterval: 2 };
    let broker = await start({}, { config: { storage } });
    let client = await connected(broker, 5, "a1");
    for (const topic of ["r/1", "r/2", "r/3"]) await retain(client, topic, topic);
    await harness.stop(broker);

    broker = await start({ maxRetainedPerTenant: 2 }, { config: { storage } });
    assert.equal(broker.broker.retained.usage("acme").count, 3);
    client = await connected(broker, 5, "a1");
    assert.equal((await retain(client, "r/4", "four"))?.reasonCode, 0x97);
    assert.equal((await retain(client, "r/1", "replaced"))?.reasonCode, 0x10);
    await retain(client, "r/2", "");
    assert.equal((await retain(client, "r/4", "four"))?.reasonCode, 0x97, "still 2 of 2");
    await retain(client, "r/3", "");
    assert.equal((await retain(client, "r/4", "four"))?.reasonCode, 0x10);
    assert.deepEqual(await retainedFor(broker, "r/#", "a1"), ["r/1=replaced", "r/4=four"]);
  });
});

describe("limits.maxRetainedBytesPerTenant", () => {
  it("counts topic, payload and properties; a replacement always passes", async () => {
    const broker = await start({ maxRetainedBytesPerTenant: 1000 });
    const client = await connected(broker, 5);
    assert.equal((await retain(client, "b/1", "x".repeat(600)))?.reasonCode, 0x10);
    assert.equal(broker.broker.retained.usage("default").bytes, 2 + 3 + 600);
    // a small payload with large user properties does not fit
    const properties: Properties = { userProperties: [["k", "v".repeat(400)]] };
    assert.deepEqual(await retain(client, "b/2", "y", 1, properties), {
      reasonCode: 0x97,
      reason: "Retained bytes quota exceeded",
    });
    assert.equal(counted(broker, "retained-bytes"), 1);
    assert.equal((await retain(client, "b/2", "y".repeat(300)))?.reasonCode, 0x10);
    // a replacement of the same size or smaller passes at the bound
    assert.equal((await retain(client, "b/1", "z".repeat(600)))?.reasonCode, 0x10);
    assert.deepEqual(broker.broker.retained.usage("default"), { count: 2, bytes: 2 + 3 + 600 + 2 + 3 + 300 });
    // one that adds more than is left is refused: many small messages cannot be grown one by one
    assert.deepEqual(await retain(client, "b/1", "z".repeat(900)), {
      reasonCode: 0x97,
      reason: "Retained bytes quota exceeded",
    });
    assert.equal(
      broker.broker.retained.get("b/1")?.payload.byteLength,
      600,
      "the refused update changed nothing",
    );
    await retain(client, "b/1", "");
    assert.deepEqual(broker.broker.retained.usage("default"), { count: 1, bytes: 2 + 3 + 300 });
  });

  it("a replacement over the byte bound from a publisher that cannot be told removes the value it replaces", async () => {
    const broker = await start({ maxRetainedBytesPerTenant: 1000 });
    const client = await connected(broker, 4);
    await retain(client, "c/1", "a".repeat(400));
    await retain(client, "c/2", "b".repeat(400));
    await retain(client, "c/1", "a".repeat(700)); // MQTT 3: acknowledged, routed, not retained
    assert.equal(broker.broker.retained.get("c/1"), undefined, "no out-of-date value is kept");
    assert.deepEqual(broker.broker.retained.usage("default"), { count: 1, bytes: 2 + 3 + 400 });
    assert.equal(counted(broker, "retained-bytes"), 1);
  });
});

describe("the admin API's delete", () => {
  it("frees the place of the retained message it deletes", async () => {
    const broker = await startAdminBroker({ config: { limits: { maxRetainedPerTenant: 1 } } });
    harness.track(broker);
    const client = await connected(broker, 5);
    await retain(client, "r/1", "one");
    assert.equal((await retain(client, "r/2", "two"))?.reasonCode, 0x97);
    assert.equal((await broker.call("DELETE", "/api/v1/retained?topic=r%2F1")).status, 204);
    assert.deepEqual(broker.broker.retained.usage("default"), { count: 0, bytes: 0 });
    assert.equal((await retain(client, "r/2", "two"))?.reasonCode, 0x10);
  });
});
