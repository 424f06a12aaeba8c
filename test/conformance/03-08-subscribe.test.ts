/**
 * SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (MQTT 5.0 sections 3.8 to 3.11, MQTT 3.1.1 the same
 * sections), subscription options (No Local, Subscription Identifiers, QoS), overlapping subscriptions
 * (3.3.4) and the features a server may turn off (3.2.2.3.11, 3.2.2.3.12), over real TCP sockets.
 *
 * Tags are MQTT 5.0's for v5 and MQTT 3.1.1's for v3.1.1 where the two numberings differ.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import { RawClient, text } from "../helpers/raw-client.js";
import {
  drain,
  expectClosedWith,
  payloads,
  publish,
  publishes,
  receive,
  sub,
  subscribe,
  unique,
  unsubscribe,
} from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

/** The tag for `version`: MQTT 5.0's or MQTT 3.1.1's. */
function tag(version: ProtocolVersion, v5: string, v311: string): string {
  return version === 5 ? v5 : v311;
}

function label(version: ProtocolVersion): string {
  return version === 5 ? "v5" : "v3.1.1";
}

/** The failure code of a SUBACK entry: a v5 reason code, or 0x80 for v3.1.1. */
function failure(version: ProtocolVersion, v5Code: number): number {
  return version === 5 ? v5Code : 0x80;
}

interface RawSubscribe {
  readonly version: ProtocolVersion;
  readonly entries: readonly (readonly [topicFilter: string, options: number])[];
  /** Low nibble of the fixed header; must be 0b0010 [MQTT-3.8.1-1]. */
  readonly flags?: number;
  /** v5 property bytes (without the length). */
  readonly properties?: readonly number[];
  readonly packetId?: number;
}

/** The bytes of a SUBSCRIBE written by hand, so tests can send what the encoder refuses to. */
function rawSubscribe(options: RawSubscribe): number[] {
  const packetId = options.packetId ?? 1;
  const body: number[] = [packetId >> 8, packetId & 0xff];
  if (options.version === 5) body.push((options.properties ?? []).length, ...(options.properties ?? []));
  for (const [topicFilter, subscriptionOptions] of options.entries) {
    const encoded = Buffer.from(topicFilter, "utf8");
    body.push(encoded.length >> 8, encoded.length & 0xff, ...encoded, subscriptionOptions);
  }
  assert.ok(body.length < 128, "one-byte remaining length");
  return [(PacketType.SUBSCRIBE << 4) | (options.flags ?? 0b0010), body.length, ...body];
}

describe("SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  async function connect(version: ProtocolVersion, clientId?: string): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, {
      protocolVersion: version,
      ...(clientId === undefined ? {} : { clientId }),
    });
    clients.push(client);
    return client;
  }

  for (const version of [4, 5] as const) {
    const v = label(version);

    it(`[MQTT-3.8.4-1] [MQTT-3.8.4-2] SUBACK answers SUBSCRIBE with the same packet identifier (${v})`, async () => {
      const client = await connect(version);
      for (const packetId of [1, 0x1234, 0xffff]) {
        client.send({ type: PacketType.SUBSCRIBE, packetId, subscriptions: [sub(unique("pid"), 1)] });
        const suback = await client.expect(PacketType.SUBACK);
        assert.equal(suback.packetId, packetId);
        assert.deepEqual(suback.reasonCodes, [1]);
      }
    });

    it(`[MQTT-3.9.3-1] ${tag(version, "[MQTT-3.8.4-5] [MQTT-3.8.4-6]", "[MQTT-3.8.4-4] [MQTT-3.8.4-5]")} one SUBACK with one code per filter, in order, each filter subscribed (${v})`, async () => {
      const base = unique("order");
      const client = await connect(version);
      const suback = await subscribe(client, [sub(`${base}/a`, 2), sub(`${base}/b`, 0), sub(`${base}/c`, 1)]);
      assert.deepEqual(suback.reasonCodes, [2, 0, 1]);
      assert.deepEqual(await drain(client, 100), [], "exactly one SUBACK");
      const publisher = await connect(version);
      for (const leaf of ["a", "b", "c"]) await publish(publisher, `${base}/${leaf}`, leaf, { qos: 2 });
      const received = [await receive(client), await receive(client), await receive(client)];
      assert.deepEqual(
        received.map((p) => [p.topic, p.qos]),
        [
          [`${base}/a`, 2],
          [`${base}/b`, 0],
          [`${base}/c`, 1],
        ],
      );
    });

    it(`${tag(version, "[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.3-1]", "[MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.3-1]")} invalid filters get ${version === 5 ? "0x8F Topic Filter invalid" : "0x80 Failure"} while valid ones in the same SUBSCRIBE succeed (${v})`, async () => {
      const base = unique("inv");
      const client = await connect(version);
      const suback = await subscribe(client, [
        sub(`${base}/ok1`, 1),
        sub("a/#/b", 1),
        sub("a+/b", 1),
        sub("", 1),
        sub("sport/tennis#", 1),
        sub("#/", 1),
        sub(`${base}/ok2`, 2),
      ]);
      const bad = failure(version, 0x8f);
      assert.deepEqual(suback.reasonCodes, [1, bad, bad, bad, bad, bad, 2]);
      assert.equal(client.closed, false, "an invalid filter does not close the connection");
      const publisher = await connect(version);
      await publish(publisher, `${base}/ok1`, "one", { qos: 1 });
      await publish(publisher, `${base}/ok2`, "two", { qos: 1 });
      assert.deepEqual(payloads([await receive(client), await receive(client)]), ["one", "two"]);
    });

    it(`${tag(version, "[MQTT-3.8.3-2]", "[MQTT-3.8.3-3]")} SUBSCRIBE without any topic filter is a protocol violation: ${version === 5 ? "DISCONNECT 0x82" : "connection closed"} (${v})`, async () => {
      const client = await connect(version);
      client.send({ type: PacketType.SUBSCRIBE, packetId: 5, subscriptions: [] });
      await expectClosedWith(client, version, 0x82);
    });

    it(`[MQTT-3.8.1-1] SUBSCRIBE with fixed header flags other than 0010 is malformed: ${version === 5 ? "DISCONNECT 0x81" : "connection closed"} (${v})`, async () => {
      const client = await connect(version);
      client.sendBytes(rawSubscribe({ version, entries: [["flags/t", 0]], flags: 0b0000 }));
      await expectClosedWith(client, version, 0x81);
    });

    it(`${tag(version, "[MQTT-3.8.3-5]", "[MQTT-3-8.3-4]")} reserved bits set in the subscription options close the connection${version === 5 ? " with DISCONNECT 0x81" : ""} (${v})`, async () => {
      const client = await connect(version);
      // v5: bits 6-7 are reserved; v3.1.1: bits 2-7 are
      client.sendBytes(
        rawSubscribe({ version, entries: [["reserved/t", version === 5 ? 0x40 | 1 : 0x04 | 1]] }),
      );
      await expectClosedWith(client, version, 0x81);
    });

    it(`${tag(version, "[spec 3.8.3.1]", "[MQTT-3-8.3-4]")} Maximum QoS 3 in the subscription options closes the connection${version === 5 ? " with DISCONNECT 0x82" : ""} (${v})`, async () => {
      const client = await connect(version);
      client.sendBytes(rawSubscribe({ version, entries: [["qos3/t", 3]] }));
      // v5: "It is a Protocol Error if the Maximum QoS field has the value 3"; v3.1.1: malformed
      await expectClosedWith(client, version, 0x82);
    });

    it(`${tag(version, "[MQTT-3.8.4-3]", "[MQTT-3.8.4-3]")} subscribing again to the same filter replaces the subscription: the new QoS applies and there is one copy (${v})`, async () => {
      const topic = unique("replace");
      const client = await connect(version);
      assert.deepEqual((await subscribe(client, [sub(topic, 0)])).reasonCodes, [0]);
      assert.deepEqual((await subscribe(client, [sub(topic, 2)])).reasonCodes, [2]);
      const publisher = await connect(version);
      await publish(publisher, topic, "up", { qos: 2 });
      const upgraded = await receive(client);
      assert.equal(upgraded.qos, 2, "the replacing subscription's QoS 2 applies");
      assert.deepEqual(await drain(client), [], "no second copy from the replaced subscription");

      assert.deepEqual((await subscribe(client, [sub(topic, 1)])).reasonCodes, [1]);
      await publish(publisher, topic, "down", { qos: 2 });
      const downgraded = await receive(client);
      assert.equal(downgraded.qos, 1, "the replacing subscription's QoS 1 applies");
      assert.equal(text(downgraded.payload), "down");
      assert.deepEqual(await drain(client), [], "no second copy from the replaced subscription");
    });

    it(`${tag(version, "[MQTT-3.8.4-5] [MQTT-3.8.4-3]", "[MQTT-3.8.4-4] [MQTT-3.8.4-3]")} the same filter twice in one SUBSCRIBE is handled in sequence: two codes, the second replaces the first (${v})`, async () => {
      const topic = unique("twice");
      const client = await connect(version);
      assert.deepEqual((await subscribe(client, [sub(topic, 0), sub(topic, 2)])).reasonCodes, [0, 2]);
      const publisher = await connect(version);
      await publish(publisher, topic, "once", { qos: 2 });
      assert.equal((await receive(client)).qos, 2, "the later entry's QoS applies");
      assert.deepEqual(await drain(client), [], "one subscription, one copy");
      await unsubscribe(client, [topic]);
      await publish(publisher, topic, "none", { qos: 1 });
      assert.deepEqual(await drain(client), [], "one UNSUBSCRIBE removes it");
    });

    it(`${tag(version, "[MQTT-3.8.4-8]", "[MQTT-3.8.4-6]")} messages go out at the minimum of the published QoS and the granted QoS (${v})`, async () => {
      const base = unique("minqos");
      const client = await connect(version);
      await subscribe(client, [sub(`${base}/q0`, 0), sub(`${base}/q1`, 1), sub(`${base}/q2`, 2)]);
      const publisher = await connect(version);
      const got: string[] = [];
      for (const pubQos of [0, 1, 2] as const) {
        for (const leaf of ["q0", "q1", "q2"]) {
          await publish(publisher, `${base}/${leaf}`, `${pubQos}`, { qos: pubQos });
          const p = await receive(client);
          got.push(`${leaf}:pub${pubQos}->${p.qos}`);
          assert.equal(p.qos, Math.min(pubQos, Number(leaf.slice(1))), `${leaf} published at QoS ${pubQos}`);
        }
      }
      assert.equal(got.length, 9);
    });

    it(`${tag(version, "[MQTT-3.3.4-2]", "[MQTT-3.3.5-1]")} overlapping subscriptions of one client give one copy at the highest granted QoS (${v})`, async () => {
      const base = unique("overlap");
      const client = await connect(version);
      await subscribe(client, [sub(`${base}/+`, 0), sub(`${base}/#`, 2), sub(`${base}/a`, 1)]);
      const publisher = await connect(version);
      await publish(publisher, `${base}/a`, "x", { qos: 2 });
      const p = await receive(client);
      assert.equal(p.qos, 2, "highest QoS of the matching subscriptions");
      assert.deepEqual(await drain(client), [], "Switchboard sends a single copy");
      await publish(publisher, `${base}/b`, "y", { qos: 1 });
      const q = await receive(client);
      assert.equal(q.qos, 1, "min(published QoS 1, highest granted QoS 2 of the two matching subscriptions)");
      assert.deepEqual(await drain(client), []);
    });

    it(`[MQTT-3.10.4-4] ${tag(version, "[MQTT-3.10.4-5] [MQTT-3.11.3-1] [MQTT-3.11.3-2]", "[MQTT-3.10.4-5]")} UNSUBACK has the same packet identifier${version === 5 ? ", one reason code per filter in order (0x00 Success, 0x11 No subscription existed)" : " and no payload, even when nothing was removed"} (${v})`, async () => {
      const base = unique("unsuback");
      const client = await connect(version);
      await subscribe(client, [sub(`${base}/a`), sub(`${base}/c`)]);
      for (const packetId of [7, 0xfffe]) {
        client.send({
          type: PacketType.UNSUBSCRIBE,
          packetId,
          topicFilters: packetId === 7 ? [`${base}/a`, `${base}/b`, `${base}/c`] : [`${base}/a`],
        });
        const unsuback = await client.expect(PacketType.UNSUBACK);
        assert.equal(unsuback.packetId, packetId);
        if (version === 5) {
          assert.deepEqual(unsuback.reasonCodes, packetId === 7 ? [0x00, 0x11, 0x00] : [0x11]);
        } else {
          assert.deepEqual(unsuback.reasonCodes, [], "a v3.1.1 UNSUBACK has no payload");
        }
      }
    });

    it(`[MQTT-3.10.4-2] [MQTT-3.10.4-6] UNSUBSCRIBE stops deliveries for the filters it names and keeps the others (${v})`, async () => {
      const base = unique("unsub");
      const client = await connect(version);
      await subscribe(client, [sub(`${base}/a`, 1), sub(`${base}/b`, 1), sub(`${base}/c`, 1)]);
      await unsubscribe(client, [`${base}/a`, `${base}/c`]);
      assert.deepEqual(await drain(client, 50), [], "exactly one UNSUBACK");
      const publisher = await connect(version);
      for (const leaf of ["a", "b", "c"]) await publish(publisher, `${base}/${leaf}`, leaf, { qos: 1 });
      const got = await drain(client);
      assert.deepEqual(payloads(got), ["b"]);
    });

    it(`[MQTT-3.10.4-3] a QoS 2 delivery started before UNSUBSCRIBE is completed after it (${v})`, async () => {
      const topic = unique("unsub-inflight");
      const client = await connect(version);
      await subscribe(client, [sub(topic, 2)]);
      const publisher = await connect(version);
      await publish(publisher, topic, "in flight", { qos: 2 });
      const p = await client.expect(PacketType.PUBLISH);
      assert.equal(p.qos, 2);
      await unsubscribe(client, [topic]);
      client.send({ type: PacketType.PUBREC, packetId: p.packetId! });
      const pubrel = await client.expect(PacketType.PUBREL);
      assert.equal(pubrel.packetId, p.packetId, "the broker goes on with the QoS 2 flow");
      client.send({ type: PacketType.PUBCOMP, packetId: p.packetId! });
      client.send({ type: PacketType.PINGREQ });
      await client.expect(PacketType.PINGRESP);
      await publish(publisher, topic, "after", { qos: 2 });
      assert.deepEqual(await drain(client), [], "nothing new after UNSUBSCRIBE");
    });

    it(`[MQTT-3.10.4-1] UNSUBSCRIBE compares filters character by character: "x/+" is not removed by "x/a" (${v})`, async () => {
      const base = unique("exact");
      const client = await connect(version);
      await subscribe(client, [sub(`${base}/+`, 0)]);
      const first = await unsubscribe(client, [`${base}/a`, `${base}/#`]);
      if (version === 5) assert.deepEqual(first.reasonCodes, [0x11, 0x11]);
      const publisher = await connect(version);
      await publish(publisher, `${base}/a`, "still", { qos: 1 });
      assert.deepEqual(payloads(await drain(client)), ["still"]);
      const second = await unsubscribe(client, [`${base}/+`]);
      if (version === 5) assert.deepEqual(second.reasonCodes, [0x00]);
      await publish(publisher, `${base}/a`, "gone", { qos: 1 });
      assert.deepEqual(await drain(client), []);
    });

    it(`[MQTT-3.10.3-2] UNSUBSCRIBE without any topic filter is a protocol violation: ${version === 5 ? "DISCONNECT 0x82" : "connection closed"} (${v})`, async () => {
      const client = await connect(version);
      client.send({ type: PacketType.UNSUBSCRIBE, packetId: 3, topicFilters: [] });
      await expectClosedWith(client, version, 0x82);
    });

    it(`[MQTT-3.10.1-1] UNSUBSCRIBE with fixed header flags other than 0010 is malformed: ${version === 5 ? "DISCONNECT 0x81" : "connection closed"} (${v})`, async () => {
      const client = await connect(version);
      const filter = Buffer.from("flags/t");
      const body = [0, 9, ...(version === 5 ? [0] : []), 0, filter.length, ...filter];
      client.sendBytes([(PacketType.UNSUBSCRIBE << 4) | 0b0000, body.length, ...body]);
      await expectClosedWith(client, version, 0x81);
    });
  }

  // ---- v5 only: No Local, Subscription Identifiers, subscription option errors ----

  it("[MQTT-3.8.3-3] No Local: the publisher does not get its own message, other clients do, and without No Local it does (v5)", async () => {
    const topic = unique("nolocal");
    const self = await connect(5);
    const other = await connect(5);
    await subscribe(self, [sub(topic, 0, { noLocal: true })]);
    await subscribe(other, [sub(topic, 0, { noLocal: true })]);
    self.send({
      type: PacketType.PUBLISH,
      topic,
      payload: Buffer.from("mine"),
      qos: 0,
      retain: false,
      dup: false,
    });
    assert.deepEqual(payloads(await drain(other)), ["mine"], "another client with No Local still gets it");
    assert.deepEqual(await drain(self, 50), [], "the publisher does not");

    // [MQTT-3.8.4-3] resubscribing without No Local replaces the options
    await subscribe(self, [sub(topic, 0, { noLocal: false })]);
    self.send({
      type: PacketType.PUBLISH,
      topic,
      payload: Buffer.from("echo"),
      qos: 0,
      retain: false,
      dup: false,
    });
    assert.deepEqual(
      payloads(await drain(self)),
      ["echo"],
      "without No Local the publisher gets its own message",
    );
  });

  it("[MQTT-3.8.3-3] No Local on one of two overlapping subscriptions: the publisher gets its message once through the other (v5)", async () => {
    const base = unique("nolocal-overlap");
    const self = await connect(5);
    await subscribe(self, [sub(`${base}/#`, 1, { noLocal: true }), sub(`${base}/+`, 0)]);
    self.send({
      type: PacketType.PUBLISH,
      topic: `${base}/a`,
      payload: Buffer.from("m"),
      qos: 0,
      retain: false,
      dup: false,
    });
    const got = publishes(await drain(self));
    assert.deepEqual(
      got.map((p) => [text(p.payload), p.qos]),
      [["m", 0]],
      "one copy, at the QoS of the subscription without No Local",
    );
  });

  it("[MQTT-3.8.3-3] No Local compares client identifiers: the same client id on a new connection does not get its own message (v5)", async () => {
    const topic = unique("nolocal-id");
    const clientId = unique("nl-client");
    const first = await RawClient.connected(broker.port, {
      clientId,
      cleanStart: true,
      properties: { sessionExpiryInterval: 60 },
    });
    clients.push(first);
    await subscribe(first, [sub(topic, 1, { noLocal: true })]);
    await first.disconnect();
    const second = await RawClient.connected(broker.port, {
      clientId,
      cleanStart: false,
      properties: { sessionExpiryInterval: 0 },
    });
    clients.push(second);
    second.send({
      type: PacketType.PUBLISH,
      topic,
      payload: Buffer.from("own"),
      qos: 0,
      retain: false,
      dup: false,
    });
    assert.deepEqual(
      await drain(second),
      [],
      "the resumed session's No Local subscription skips its own client id",
    );
  });

  it("[MQTT-3.3.4-3] the Subscription Identifier of a SUBSCRIBE comes back on every PUBLISH matching its filters (v5)", async () => {
    const base = unique("subid");
    const client = await connect(5);
    await subscribe(client, [sub(`${base}/a`, 1), sub(`${base}/b`, 1)], { subscriptionIdentifiers: [7] });
    await subscribe(client, [sub(`${base}/c`, 1)]);
    const publisher = await connect(5);
    for (const leaf of ["a", "b", "c"]) await publish(publisher, `${base}/${leaf}`, leaf, { qos: 1 });
    const got = [await receive(client), await receive(client), await receive(client)];
    assert.deepEqual(got[0]!.properties?.subscriptionIdentifiers, [7]);
    assert.deepEqual(got[1]!.properties?.subscriptionIdentifiers, [7]);
    assert.equal(
      got[2]!.properties?.subscriptionIdentifiers,
      undefined,
      "a subscription without an identifier adds none",
    );
  });

  it("[MQTT-3.3.4-3] [MQTT-3.3.4-4] one copy for overlapping subscriptions carries every matching Subscription Identifier (v5)", async () => {
    const base = unique("subid-overlap");
    const client = await connect(5);
    await subscribe(client, [sub(`${base}/+`, 0)], { subscriptionIdentifiers: [1] });
    await subscribe(client, [sub(`${base}/#`, 1)], { subscriptionIdentifiers: [268_435_455] });
    await subscribe(client, [sub(`${base}/a`, 2)]);
    await subscribe(client, [sub(`${base}/z`, 2)], { subscriptionIdentifiers: [3] });
    const publisher = await connect(5);
    await publish(publisher, `${base}/a`, "x", { qos: 2 });
    const p = await receive(client);
    assert.equal(p.qos, 2);
    assert.deepEqual(
      [...(p.properties?.subscriptionIdentifiers ?? [])].sort((a, b) => a - b),
      [1, 268_435_455],
    );
    assert.deepEqual(await drain(client), [], "a single copy");
  });

  it("[spec 3.8.2.1.2] [MQTT-3.8.4-3] a replacing SUBSCRIBE with a new Subscription Identifier replaces the identifier (v5)", async () => {
    const topic = unique("subid-replace");
    const client = await connect(5);
    await subscribe(client, [sub(topic, 1)], { subscriptionIdentifiers: [11] });
    await subscribe(client, [sub(topic, 1)], { subscriptionIdentifiers: [12] });
    const publisher = await connect(5);
    await publish(publisher, topic, "x", { qos: 1 });
    assert.deepEqual((await receive(client)).properties?.subscriptionIdentifiers, [12]);
    await subscribe(client, [sub(topic, 1)]);
    await publish(publisher, topic, "y", { qos: 1 });
    assert.equal(
      (await receive(client)).properties?.subscriptionIdentifiers,
      undefined,
      "replaced by a subscription without one",
    );
  });

  it("[spec 3.8.2.1.2] a Subscription Identifier of 0 is a Protocol Error: DISCONNECT 0x82 (v5)", async () => {
    const client = await connect(5);
    client.sendBytes(rawSubscribe({ version: 5, entries: [["subid0/t", 0]], properties: [0x0b, 0x00] }));
    await expectClosedWith(client, 5, 0x82);
  });

  it("[spec 3.8.3.1] Retain Handling 3 is a Protocol Error: DISCONNECT 0x82 (v5)", async () => {
    const client = await connect(5);
    client.sendBytes(rawSubscribe({ version: 5, entries: [["rh3/t", 0x30]] }));
    await expectClosedWith(client, 5, 0x82);
  });
});

describe("subscription features turned off", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({
      config: {
        mqtt: { wildcardSubscriptionAvailable: false, subscriptionIdentifiersAvailable: false, maxQos: 1 },
      },
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  async function connect(version: ProtocolVersion): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, { protocolVersion: version });
    clients.push(client);
    return client;
  }

  for (const version of [4, 5] as const) {
    const v = label(version);

    it(`${tag(version, "[spec 3.2.2.3.11]", "[MQTT-3.8.3-2]")} mqtt.wildcardSubscriptionAvailable false: filters with wildcards get ${version === 5 ? "0xA2" : "0x80"}, others succeed (${v})`, async () => {
      const base = unique("nowild");
      const client = await connect(version);
      const suback = await subscribe(client, [
        sub(`${base}/+`, 1),
        sub(`${base}/#`, 1),
        sub("#", 1),
        sub(`${base}/a`, 1),
      ]);
      const code = failure(version, 0xa2);
      assert.deepEqual(suback.reasonCodes, [code, code, code, 1]);
      const publisher = await connect(version);
      await publish(publisher, `${base}/a`, "ok", { qos: 1 });
      assert.deepEqual(
        payloads(await drain(client)),
        ["ok"],
        "one copy, through the plain subscription only",
      );
    });

    it(`${tag(version, "[MQTT-3.8.4-7] [MQTT-3.8.4-8]", "[MQTT-3.8.4-5] [MQTT-3.8.4-6]")} with mqtt.maxQos 1 a QoS 2 request is granted QoS 1 and deliveries use it (${v})`, async () => {
      const topic = unique("maxqos");
      const client = await connect(version);
      assert.deepEqual((await subscribe(client, [sub(topic, 2)])).reasonCodes, [1]);
      const publisher = await connect(version);
      await publish(publisher, topic, "m", { qos: 1 });
      const p = await receive(client);
      assert.equal(p.qos, 1);
    });
  }

  it("[spec 3.2.2.3.12] mqtt.subscriptionIdentifiersAvailable false: SUBSCRIBE with a Subscription Identifier gets DISCONNECT 0xA1 (v5)", async () => {
    const client = await connect(5);
    client.send({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [sub(unique("subid-off"), 0)],
      properties: { subscriptionIdentifiers: [4] },
    });
    await expectClosedWith(client, 5, 0xa1);
  });

  it("[spec 3.2.2.3.11] [spec 3.2.2.3.12] the CONNACK tells v5 clients that wildcards and Subscription Identifiers are unavailable", async () => {
    const client = await RawClient.open(broker.port, 5);
    clients.push(client);
    const connack = await client.connect({ protocolVersion: 5 });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.wildcardSubscriptionAvailable, false);
    assert.equal(connack.properties.subscriptionIdentifierAvailable, false);
  });
});
