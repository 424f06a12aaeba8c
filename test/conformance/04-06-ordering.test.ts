/**
 * Message ordering (spec 4.6): PUBLISH packets reach a subscriber in the order the broker received
 * them from each publisher, also when the in-flight window is small and messages wait in the session
 * queue; the broker's PUBACK/PUBREC follow the order of the PUBLISH packets.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType, type QoS } from "../../src/protocol/packet-type.js";
import { bytes, type RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  Clients,
  payloads,
  ping,
  receive,
  subscribe,
  tag,
  uid,
  VERSIONS,
  type TestVersion,
} from "./publish-helpers.js";

/** Sends `count` PUBLISH packets in one TCP write (so the broker handles them in one read). */
function burst(
  client: RawClient,
  version: TestVersion,
  topic: (i: number) => string,
  count: number,
  qos: QoS,
  packetId: (i: number) => number,
  label = "",
): void {
  const frames = [];
  for (let i = 0; i < count; i++) {
    frames.push(
      encodePacket(
        {
          type: PacketType.PUBLISH,
          topic: topic(i),
          payload: bytes(`${label}${i}`),
          qos,
          retain: false,
          dup: false,
          ...(qos === 0 ? {} : { packetId: packetId(i) }),
        },
        version,
      ),
    );
  }
  client.sendBytes(Buffer.concat(frames));
}

describe("message ordering (spec 4.6), in-flight window 3", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxInflight: 3 } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    const order = tag(version, "[MQTT-4.6.0-6]", "[MQTT-4.6.0-5] [MQTT-4.6.0-6]");

    for (const qos of [0, 1, 2] as const) {
      it(`${order} QoS ${qos} messages from one publisher arrive in the order published ${v}`, async () => {
        const topic = uid(`ord${qos}`);
        const sub = await clients.connect(broker.port, { protocolVersion: version });
        await subscribe(sub, topic, 2);
        const pub = await clients.connect(broker.port, { protocolVersion: version });
        burst(
          pub,
          version,
          () => topic,
          40,
          qos,
          (i) => i + 1,
        );
        const got = await receive(sub, 40);
        assert.deepEqual(
          payloads(got),
          Array.from({ length: 40 }, (_, i) => `${i}`),
        );
      });
    }

    it(`${order} messages of two publishers keep each publisher's order (window 3 forces queueing) ${v}`, async () => {
      const topic = uid("two");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, `${topic}/#`, 1);
      const a = await clients.connect(broker.port, { protocolVersion: version });
      const b = await clients.connect(broker.port, { protocolVersion: version });
      burst(
        a,
        version,
        (i) => `${topic}/${i % 3}`,
        25,
        1,
        (i) => i + 1,
        "a",
      );
      burst(
        b,
        version,
        (i) => `${topic}/${i % 2}`,
        25,
        2,
        (i) => i + 1,
        "b",
      );
      const got = payloads(await receive(sub, 50));
      const fromA = got.filter((p) => p.startsWith("a"));
      const fromB = got.filter((p) => p.startsWith("b"));
      assert.deepEqual(
        fromA,
        Array.from({ length: 25 }, (_, i) => `a${i}`),
      );
      assert.deepEqual(
        fromB,
        Array.from({ length: 25 }, (_, i) => `b${i}`),
      );
    });

    it(`[MQTT-4.6.0-2] PUBACKs follow the order of the QoS 1 PUBLISH packets, matched or not (as the client rule, applied by the server) ${v}`, async () => {
      const topic = uid("acks");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, `${topic}/yes`, 1);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      const ids = [40, 3, 999, 1, 65535, 17, 2, 500, 8, 77];
      burst(
        pub,
        version,
        (i) => `${topic}/${i % 2 === 0 ? "yes" : "no"}`,
        ids.length,
        1,
        (i) => ids[i]!,
      );
      const acks = [];
      for (let i = 0; i < ids.length; i++) acks.push((await pub.expect(PacketType.PUBACK)).packetId);
      assert.deepEqual(acks, ids);
      await receive(sub, 5);
    });

    it(`[MQTT-4.6.0-3] PUBRECs follow the order of the QoS 2 PUBLISH packets (as the client rule, applied by the server) ${v}`, async () => {
      const topic = uid("recs");
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      const ids = [9, 8, 7, 100, 6, 5000, 4, 3];
      burst(
        pub,
        version,
        () => topic,
        ids.length,
        2,
        (i) => ids[i]!,
      );
      const recs = [];
      for (let i = 0; i < ids.length; i++) recs.push((await pub.expect(PacketType.PUBREC)).packetId);
      assert.deepEqual(recs, ids);
      for (const id of ids) pub.send({ type: PacketType.PUBREL, packetId: id });
      const comps = [];
      for (let i = 0; i < ids.length; i++) comps.push((await pub.expect(PacketType.PUBCOMP)).packetId);
      assert.deepEqual(comps, ids);
      await ping(pub);
    });
  }

  it("[MQTT-4.6.0-5] with the client's Receive Maximum 1, QoS 1 and 2 messages arrive strictly one at a time, in order (v5)", async () => {
    const topic = uid("rm1");
    const sub = await clients.connect(broker.port, { protocolVersion: 5, properties: { receiveMaximum: 1 } });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    burst(
      pub,
      5,
      () => topic,
      10,
      1,
      (i) => i + 1,
      "x",
    );
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      const [packet] = await receive(sub, 1, false);
      await sub.expectNothing(30); // nothing else until this one is acknowledged
      got.push(...payloads([packet!]));
      sub.send({ type: PacketType.PUBACK, packetId: packet!.packetId! });
    }
    assert.deepEqual(
      got,
      Array.from({ length: 10 }, (_, i) => `x${i}`),
    );
  });
});
