/**
 * What a subscriber receives does not depend on how the broker made it: a topic's first routing (the
 * trie walks), its second (recorded for the route cache) and the later ones (a cached route; for a
 * route to one session, its QoS 0 frame written straight into the frame pool's slab: Router
 * `singleDelivery`, src/session/outbound-publish.ts `writeSinglePublish`, kept Topic Name fields,
 * runs of frames in the connection's batch) give the bytes an independent encode of the expected
 * PUBLISH gives, in order, for MQTT 3.1.1 and 5, plain and tenant-mounted topics, payloads below and above
 * the pool's frame size, properties, expiry, retained messages, a client's Maximum Packet Size,
 * overlapping subscriptions with identifiers, and a second subscriber. A fast path that diverged from
 * the general one fails here.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { Broker } from "../../src/broker/broker.js";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { MAX_POOLED_BYTES } from "../../src/protocol/frame-pool.js";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import type { Properties } from "../../src/protocol/properties.js";
import type { ApplicationMessage, MessageProperties } from "../../src/session/application-message.js";
import { NOW, concat, settle, startBroker, subscriber, turn } from "../helpers/capture-broker.js";

const TENANT = "acme";
const PREFIX = `$t/${TENANT}/`;

interface Sent {
  readonly clientTopic: string;
  readonly payload: Uint8Array;
  readonly properties?: MessageProperties;
  readonly expiresAt?: number;
  readonly retain?: boolean;
}

/** A message as a stage or a client makes it; `mounted`: in the tenant's namespace, as the dialect makes it. */
function message(broker: Broker, sent: Sent, mounted: boolean): ApplicationMessage {
  const m: ApplicationMessage = {
    id: broker.nextMessageId(),
    topic: mounted ? PREFIX + sent.clientTopic : sent.clientTopic,
    payload: sent.payload,
    qos: 0,
    retain: sent.retain ?? false,
    properties: sent.properties,
    createdAt: NOW,
    expiresAt: sent.expiresAt,
    publisherId: undefined,
  };
  if (mounted) {
    m.clientTopic = sent.clientTopic;
    m.mountPrefix = PREFIX;
  }
  return m;
}

/** The PUBLISH a subscriber should get for `sent` (QoS 0, RETAIN 0: no Retain As Published). */
function expectedFrame(sent: Sent, version: ProtocolVersion, subscriptionIds?: number[]): Uint8Array {
  const packet: PublishPacket = {
    type: PacketType.PUBLISH,
    topic: sent.clientTopic,
    payload: sent.payload,
    qos: 0,
    retain: false,
    dup: false,
  };
  if (version === 5) {
    const properties: Properties = {};
    if (sent.properties?.contentType !== undefined) properties.contentType = sent.properties.contentType;
    if (sent.properties?.userProperties !== undefined)
      properties.userProperties = [...sent.properties.userProperties];
    if (sent.expiresAt !== undefined)
      properties.messageExpiryInterval = Math.ceil((sent.expiresAt - NOW) / 1000);
    if (subscriptionIds !== undefined) properties.subscriptionIdentifiers = subscriptionIds;
    if (Object.keys(properties).length > 0) packet.properties = properties;
  }
  return encodePacket(packet, version);
}

const payload = (size: number, seed: number): Uint8Array =>
  new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);

/** Kept topic strings, as the dialect keeps them per device (the same string objects every time). */
const TOPICS = ["devices/d1/meta/temperature", "devices/d1/meta/humidity", "devices/d2/meta/température"];

/** Each topic 5 times, in turns (walk, recording, cached, cached, cached), with varied payloads. */
function stream(): Sent[] {
  const out: Sent[] = [];
  for (let round = 0; round < 5; round++)
    for (const [i, clientTopic] of TOPICS.entries())
      out.push({
        clientTopic,
        payload: payload([0, 90, 600, MAX_POOLED_BYTES + 10][(round + i) % 4]!, round),
      });
  return out;
}

describe("Delivered bytes (route cache, single deliveries written in place, runs of frames)", () => {
  for (const [version, mounted, writeAhead] of [
    [4, false, false],
    [4, true, false],
    [5, false, false],
    [5, true, false],
    [5, true, true],
  ] as const) {
    it(`v${version} ${mounted ? "tenant-mounted" : "plain"} topics${writeAhead ? ", write-ahead store" : ""}: every routing gives the same bytes, in order`, async () => {
      const broker = await startBroker({ tenant: mounted ? TENANT : undefined, writeAhead });
      try {
        const sub = await subscriber(broker, version, "sub", [{ filter: "devices/+/meta/+", qos: 0 }]);
        const sent = stream();
        // a burst of derived messages in one turn (one batch, runs), then one message per turn
        for (const s of sent.slice(0, 9)) broker.publish(message(broker, s, mounted), NOW);
        await turn();
        for (const s of sent.slice(9)) {
          broker.publish(message(broker, s, mounted), NOW);
          await turn();
        }
        await settle();
        assert.deepEqual(sub.take(), concat(sent.map((s) => expectedFrame(s, version))));
        assert.equal(broker.metrics.publishSent, sent.length);
      } finally {
        await broker.close();
      }
    });
  }

  it("v5: properties, expiry and retained messages take the general path, with the same bytes as before", async () => {
    const broker = await startBroker({ tenant: TENANT });
    try {
      const sub = await subscriber(broker, 5, "sub", [{ filter: "devices/+/meta/+", qos: 0 }]);
      const properties: MessageProperties = { contentType: "application/json", userProperties: [["k", "v"]] };
      const sent: Sent[] = [];
      for (let round = 0; round < 4; round++) {
        sent.push({ clientTopic: TOPICS[0]!, payload: payload(50, round), properties });
        sent.push({ clientTopic: TOPICS[1]!, payload: payload(50, round), expiresAt: NOW + 60_500 });
        sent.push({ clientTopic: TOPICS[2]!, payload: payload(50, round), retain: true });
        sent.push({ clientTopic: TOPICS[0]!, payload: payload(20, round) });
      }
      for (const s of sent) broker.publish(message(broker, s, true), NOW);
      await turn();
      assert.deepEqual(sub.take(), concat(sent.map((s) => expectedFrame(s, 5))));
    } finally {
      await broker.close();
    }
  });

  it("[MQTT-3.1.2-25] a frame above the client's Maximum Packet Size is dropped on every path", async () => {
    const broker = await startBroker();
    try {
      const sub = await subscriber(broker, 5, "sub", [{ filter: "devices/+/meta/+", qos: 0 }], {
        maximumPacketSize: 120,
      });
      const sent: Sent[] = [];
      for (let round = 0; round < 5; round++)
        for (const size of [10, 100, 500])
          sent.push({ clientTopic: TOPICS[0]!, payload: payload(size, round) });
      for (const s of sent) broker.publish(message(broker, s, false), NOW);
      await turn();
      const fits = sent.filter((s) => expectedFrame(s, 5).length <= 120);
      assert.equal(fits.length, 5, "the 10-byte payloads");
      assert.deepEqual(sub.take(), concat(fits.map((s) => expectedFrame(s, 5))));
      assert.equal(broker.metrics.dropped["too-large"], sent.length - fits.length);
    } finally {
      await broker.close();
    }
  });

  it("two subscribers, and a subscriber whose subscriptions overlap, get the same bytes on every routing", async () => {
    const broker = await startBroker();
    try {
      const a = await subscriber(broker, 5, "a", [{ filter: "devices/+/meta/+", qos: 0 }]);
      const b = await subscriber(broker, 4, "b", [{ filter: "devices/#", qos: 0 }]);
      const c = await subscriber(broker, 5, "c", [
        { filter: "devices/d1/meta/+", qos: 0, id: 7 },
        { filter: "devices/+/meta/temperature", qos: 0, id: 9 },
      ]);
      const sent = stream();
      for (const s of sent) broker.publish(message(broker, s, false), NOW);
      await turn();
      assert.deepEqual(a.take(), concat(sent.map((s) => expectedFrame(s, 5))));
      assert.deepEqual(b.take(), concat(sent.map((s) => expectedFrame(s, 4))));
      const forC = sent.filter((s) => s.clientTopic.startsWith("devices/d1/"));
      assert.deepEqual(
        c.take(),
        concat(forC.map((s) => expectedFrame(s, 5, s.clientTopic.endsWith("/temperature") ? [7, 9] : [7]))),
      );
    } finally {
      await broker.close();
    }
  });

  it("QoS 1 deliveries between QoS 0 ones keep their order and packet identifiers", async () => {
    const broker = await startBroker();
    try {
      const sub = await subscriber(broker, 5, "sub", [{ filter: "devices/+/meta/+", qos: 1 }]);
      const topic = TOPICS[0]!;
      const qos = [0, 1, 0, 0, 1, 0, 0, 0] as const;
      const expected: Uint8Array[] = [];
      let packetId = 0;
      for (const [i, q] of qos.entries()) {
        const m = { ...message(broker, { clientTopic: topic, payload: payload(30, i) }, false), qos: q };
        broker.publish(m, NOW);
        const packet: PublishPacket = {
          type: PacketType.PUBLISH,
          topic,
          payload: m.payload,
          qos: q,
          retain: false,
          dup: false,
        };
        if (q === 1) packet.packetId = ++packetId;
        expected.push(encodePacket(packet, 5));
      }
      await turn();
      assert.deepEqual(sub.take(), concat(expected));
    } finally {
      await broker.close();
    }
  });
});
