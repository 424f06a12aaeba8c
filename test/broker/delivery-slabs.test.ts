/**
 * The delivery hot path (kept Topic Name fields, runs of QoS 0 frames in a connection's batch, cached
 * routes delivered directly, single deliveries written in place into the frame pool's slab): the bytes
 * a subscriber gets are those of an independent encode, and no byte a transport was handed changes
 * after it was handed over (a frame overwritten in a slab while a socket still holds it), over a real
 * TCP socket whose reader is paused as well as over a transport that keeps the chunks it was given.
 */
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { describe, it } from "node:test";

import type { Broker } from "../../src/broker/broker.js";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType, type ProtocolVersion, type QoS } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import type { Properties } from "../../src/protocol/properties.js";
import type { ApplicationMessage } from "../../src/session/application-message.js";
import { SocketTransport } from "../../src/transport/index.js";
import { NOW, concat, handshake, settle, startBroker, subscriber, turn } from "../helpers/capture-broker.js";

function message(
  broker: Broker,
  topic: string,
  payload: Uint8Array,
  extra: Partial<ApplicationMessage> = {},
): ApplicationMessage {
  return {
    id: broker.nextMessageId(),
    topic,
    payload,
    qos: 0,
    retain: false,
    properties: undefined,
    createdAt: NOW,
    expiresAt: undefined,
    publisherId: undefined,
    ...extra,
  };
}

function publishFrame(
  topic: string,
  payload: Uint8Array,
  version: ProtocolVersion,
  options: { qos?: QoS; retain?: boolean; packetId?: number; properties?: Properties } = {},
): Uint8Array {
  const packet: PublishPacket = {
    type: PacketType.PUBLISH,
    topic,
    payload,
    qos: options.qos ?? 0,
    retain: options.retain ?? false,
    dup: false,
  };
  if (options.packetId !== undefined) packet.packetId = options.packetId;
  if (version === 5 && options.properties !== undefined) packet.properties = options.properties;
  return encodePacket(packet, version);
}

const payload = (size: number, seed: number): Uint8Array =>
  new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);

/** ASCII and non-ASCII topics (the latter make the encoder give back a frame sized for ASCII). */
const TOPICS = ["s/a/t", "s/b/température", "s/c/日本語", "s/d/😀", "s/e/h"];

describe("Hot path review: bytes handed to a transport never change, and equal an independent encode", () => {
  for (const writeAhead of [false, true]) {
    it(`one and two subscribers, non-ASCII topics, many slabs${writeAhead ? ", write-ahead store" : ""}`, async () => {
      const broker = await startBroker({ writeAhead });
      try {
        // "one": the only subscriber of s/a/# and s/b/# (single deliveries written in place);
        // "both" and "one" share s/c/# (a cached frame joined to two runs)
        const one = await subscriber(broker, 4, "one", [
          { filter: "s/a/#", qos: 0 },
          { filter: "s/b/#", qos: 0 },
          { filter: "s/c/#", qos: 0 },
          { filter: "s/d/#", qos: 0 },
        ]);
        const both = await subscriber(broker, 5, "both", [
          { filter: "s/c/#", qos: 0 },
          { filter: "s/e/#", qos: 0 },
        ]);
        const skipOne = one.copies.length;
        const skipBoth = both.copies.length;
        const forOne: Uint8Array[] = [];
        const forBoth: Uint8Array[] = [];
        for (let round = 0; round < 60; round++) {
          for (const [i, topic] of TOPICS.entries()) {
            const body = payload([0, 7, 120, 700, 1500][(round + i) % 5]!, round);
            broker.publish(message(broker, topic, body), NOW);
            if (!topic.startsWith("s/e/")) forOne.push(publishFrame(topic, body, 4));
            if (topic.startsWith("s/c/") || topic.startsWith("s/e/"))
              forBoth.push(publishFrame(topic, body, 5));
          }
          if (round % 7 === 6) await turn();
        }
        await settle();
        assert.deepEqual(one.bytes(skipOne), concat(forOne));
        assert.deepEqual(both.bytes(skipBoth), concat(forBoth));
        assert.equal(one.changed(), 0, "a chunk written to 'one' changed afterwards");
        assert.equal(both.changed(), 0, "a chunk written to 'both' changed afterwards");
        assert.equal(broker.metrics.publishSent, forOne.length + forBoth.length);
      } finally {
        await broker.close();
      }
    });
  }

  it("v5 cached distinct routes: No Local, Retain As Published, QoS downgrade and identifiers as before", async () => {
    const broker = await startBroker();
    try {
      const sub = await subscriber(broker, 5, "sub", [
        { filter: "n/+", qos: 0, id: 3, noLocal: true },
        { filter: "r/+", qos: 0, retainAsPublished: true },
        { filter: "q/+", qos: 1 },
      ]);
      const skip = sub.copies.length;
      const expected: Uint8Array[] = [];
      let packetId = 0;
      for (let round = 0; round < 5; round++) {
        const body = payload(20, round);
        // No Local: its own messages are not sent back; others' are, with the identifier
        broker.publish(message(broker, "n/x", body, { publisherId: "sub" }), NOW);
        broker.publish(message(broker, "n/x", body, { publisherId: "other" }), NOW);
        expected.push(publishFrame("n/x", body, 5, { properties: { subscriptionIdentifiers: [3] } }));
        // Retain As Published: a retained message keeps RETAIN 1 (the general path)
        broker.publish(message(broker, "r/x", body, { retain: round % 2 === 0 }), NOW);
        expected.push(publishFrame("r/x", body, 5, { retain: round % 2 === 0 }));
        // QoS 2 message, QoS 1 subscription: sent at QoS 1 with the next packet identifier
        broker.publish(message(broker, "q/x", body, { qos: 2 }), NOW);
        expected.push(publishFrame("q/x", body, 5, { qos: 1, packetId: ++packetId }));
        // QoS 1 message, QoS 0 subscription (n/+): downgraded, and the single delivery's bytes
        broker.publish(message(broker, "n/y", body, { qos: 1 }), NOW);
        expected.push(publishFrame("n/y", body, 5, { properties: { subscriptionIdentifiers: [3] } }));
        await turn();
      }
      await settle();
      assert.deepEqual(sub.bytes(skip), concat(expected));
      assert.equal(sub.changed(), 0);
    } finally {
      await broker.close();
    }
  });

  it("a shared group next to a direct subscriber: each gets its own bytes on every routing", async () => {
    const broker = await startBroker();
    try {
      const direct = await subscriber(broker, 4, "direct", [{ filter: "g/+", qos: 0 }]);
      const member = await subscriber(broker, 5, "member", [{ filter: "$share/grp/g/+", qos: 0 }]);
      const skipDirect = direct.copies.length;
      const skipMember = member.copies.length;
      const forDirect: Uint8Array[] = [];
      const forMember: Uint8Array[] = [];
      for (let round = 0; round < 6; round++) {
        const body = payload(40 + round, round);
        broker.publish(message(broker, "g/t", body), NOW);
        forDirect.push(publishFrame("g/t", body, 4));
        forMember.push(publishFrame("g/t", body, 5));
      }
      await turn();
      await settle();
      assert.deepEqual(direct.bytes(skipDirect), concat(forDirect));
      assert.deepEqual(member.bytes(skipMember), concat(forMember));
    } finally {
      await broker.close();
    }
  });

  it("a frame at the offset where a connection's run ended, but in the next slab, starts a run of its own", async () => {
    const broker = await startBroker();
    try {
      const a = await subscriber(broker, 4, "a", [{ filter: "x/a", qos: 0 }]);
      const b = await subscriber(broker, 4, "b", [{ filter: "x/b", qos: 0 }]);
      const skipA = a.copies.length;
      const skipB = b.copies.length;
      // v4 QoS 0 on a 3-character topic: 1 + 2 (Remaining Length) + 5 + payload bytes
      const sized = (frameSize: number, seed: number): Uint8Array => payload(frameSize - 8, seed);
      const forA: Uint8Array[] = [];
      const forB: Uint8Array[] = [];
      const send = (topic: "x/a" | "x/b", body: Uint8Array): void => {
        broker.publish(message(broker, topic, body), NOW);
        (topic === "x/a" ? forA : forB).push(publishFrame(topic, body, 4));
      };
      // one turn (one batch per connection): a's run is [0, 1000) of the first slab; b fills the
      // rest of it (4 x 1798 = 7192) and [0, 1000) of the next; a's next frame is [1000, 2000) there
      send("x/a", sized(1000, 1));
      for (let i = 0; i < 4; i++) send("x/b", sized(1798, 10 + i));
      send("x/b", sized(1000, 20));
      send("x/a", sized(1000, 2));
      await turn();
      await settle();
      assert.deepEqual(a.bytes(skipA), concat(forA));
      assert.deepEqual(b.bytes(skipB), concat(forB));
    } finally {
      await broker.close();
    }
  });

  it("over a TCP socket whose reader is paused: the stream read later is the stream sent", async () => {
    const broker = await startBroker();
    const server: Server = createServer((socket) => {
      broker.accept(new SocketTransport(socket), { name: "tcp", loopback: true });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const client: Socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    client.on("data", (chunk: Buffer) => received.push(chunk));
    try {
      await new Promise<void>((resolve) => client.once("connect", () => resolve()));
      const packets = handshake(4, "tcp", [
        { filter: "s/a/#", qos: 0 },
        { filter: "s/b/#", qos: 0 },
      ]);
      for (const packet of packets) {
        client.write(encodePacket(packet, 4));
        await settle();
      }
      await settle();
      const handshakeBytes = Buffer.concat(received).length; // CONNACK, SUBACKs
      client.pause(); // the broker's socket fills up and keeps what it was given
      const expected: Uint8Array[] = [];
      for (let round = 0; round < 300; round++) {
        const topic = round % 3 === 0 ? "s/b/température" : "s/a/t";
        const body = payload([3, 90, 600][round % 3]!, round);
        broker.publish(message(broker, topic, body), NOW);
        expected.push(publishFrame(topic, body, 4));
        if (round % 10 === 9) await turn();
      }
      const total = handshakeBytes + concat(expected).length;
      client.resume();
      for (let i = 0; i < 200 && Buffer.concat(received).length < total; i++) await settle();
      assert.equal(broker.metrics.dropped["slow-consumer"], 0);
      assert.deepEqual(new Uint8Array(Buffer.concat(received).subarray(handshakeBytes)), concat(expected));
    } finally {
      client.destroy();
      await broker.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
