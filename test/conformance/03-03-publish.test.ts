/**
 * PUBLISH packet rules (spec 3.3, 3.4): topic names, the v5 reason codes of PUBACK/PUBREC (no matching
 * subscribers, payload format invalid), server limits (Maximum QoS, Retain Available, Maximum Packet
 * Size in both directions), and one encoding shared by every subscriber of a message.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { encodePacket } from "../../src/protocol/encode-packet.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { ReasonCode } from "../../src/protocol/reason-codes.js";
import { bytes, RawClient } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  captureFrames,
  Clients,
  expectClosedWith,
  nextPublish,
  payloads,
  persistent,
  publish,
  receive,
  sendPublish,
  subscribe,
  uid,
  VERSIONS,
  waitFor,
  waitOffline,
  withoutPacketId,
} from "./publish-helpers.js";

const NOT_UTF8 = Uint8Array.from([0x68, 0x69, 0xff, 0xfe, 0xc0, 0x80]);

/** A QoS 1 PUBLISH (packet identifier 1, no properties) whose encoded size is exactly `size` bytes. */
function publishOfSize(version: 4 | 5, topic: string, size: number, fill = 0x41): PublishPacket {
  const packet: PublishPacket = {
    type: PacketType.PUBLISH,
    topic,
    payload: new Uint8Array(0),
    qos: 1,
    retain: false,
    dup: false,
    packetId: 1,
  };
  const overhead = encodePacket(packet, version).byteLength;
  packet.payload = new Uint8Array(size - overhead).fill(fill);
  // the Remaining Length may need one more byte once the payload is in
  if (encodePacket(packet, version).byteLength > size)
    packet.payload = new Uint8Array(size - overhead - 1).fill(fill);
  assert.equal(encodePacket(packet, version).byteLength, size);
  return packet;
}

describe("PUBLISH checks (spec 3.3), default limits", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    for (const wildcard of ["+", "#", "a/+/b", "a/#"]) {
      it(`[MQTT-3.3.2-2] a topic name with a wildcard ("${wildcard}") is ${version === 5 ? "a DISCONNECT 0x90 Topic Name invalid" : "closed"} and not forwarded ${v}`, async () => {
        const base = uid("wild");
        const sub = await clients.connect(broker.port, { protocolVersion: version });
        await subscribe(sub, `${base}/#`, 1);
        const pub = await clients.connect(broker.port, { protocolVersion: version });
        sendPublish(pub, `${base}/${wildcard}`, "w", 1);
        await expectClosedWith(pub, version, ReasonCode.TopicNameInvalid);
        await sub.expectNothing(100);
      });

      it(`[MQTT-3.3.2-2] a topic name with a wildcard ("${wildcard}") right after a valid one of the same length is refused all the same ${v}`, async () => {
        // the broker keeps a connection's last topic (its bytes, and that it was valid): an edit of it must not pass
        const base = uid("wild");
        const sub = await clients.connect(broker.port, { protocolVersion: version });
        await subscribe(sub, `${base}/#`, 1);
        const pub = await clients.connect(broker.port, { protocolVersion: version });
        const valid = `${base}/${wildcard.replaceAll("+", "x").replaceAll("#", "y")}`;
        sendPublish(pub, valid, "v", 0);
        sendPublish(pub, valid, "v", 0);
        assert.deepEqual(
          (await receive(sub, 2)).map((packet) => packet.topic),
          [valid, valid],
        );
        sendPublish(pub, `${base}/${wildcard}`, "w", 1);
        await expectClosedWith(pub, version, ReasonCode.TopicNameInvalid);
        await sub.expectNothing(100);
      });
    }

    it(`${version === 5 ? "[spec 3.3.2.1]" : "[MQTT-4.7.3-1]"} an empty topic name without a Topic Alias is ${version === 5 ? "a DISCONNECT 0x82 Protocol Error" : "closed"} ${v}`, async () => {
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      sendPublish(pub, "", "e", 0);
      await expectClosedWith(pub, version, ReasonCode.ProtocolError);
    });
  }

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    const frameOf = (topic: string, qos: 0 | 1): Uint8Array =>
      encodePacket(
        {
          type: PacketType.PUBLISH,
          topic,
          payload: bytes("p"),
          qos,
          retain: false,
          dup: false,
          ...(qos === 0 ? {} : { packetId: 1 }),
        },
        version,
      );
    const malformedCases: { name: string; frame: (topic: string) => Uint8Array; reasonCode: number }[] = [
      {
        name: `${version === 5 ? "[MQTT-2.2.1-3]" : "[MQTT-2.3.1-1]"} a QoS 1 PUBLISH with packet identifier 0 is ${version === 5 ? "a DISCONNECT 0x82 Protocol Error" : "closed"}`,
        frame: (topic) => withoutPacketId(frameOf(topic, 1)),
        reasonCode: ReasonCode.ProtocolError,
      },
      {
        name: `[MQTT-3.3.1-2] a QoS 0 PUBLISH with DUP 1 is ${version === 5 ? "a DISCONNECT 0x81 Malformed Packet" : "closed"}`,
        frame: (topic) => {
          const frame = frameOf(topic, 0);
          frame[0] = frame[0]! | 0x08;
          return frame;
        },
        reasonCode: ReasonCode.MalformedPacket,
      },
      {
        name: `[MQTT-3.3.1-4] a PUBLISH with both QoS bits set is ${version === 5 ? "a DISCONNECT 0x81 Malformed Packet" : "closed"}`,
        frame: (topic) => {
          const frame = frameOf(topic, 1);
          frame[0] = frame[0]! | 0x06;
          return frame;
        },
        reasonCode: ReasonCode.MalformedPacket,
      },
    ];
    for (const c of malformedCases) {
      it(`${c.name}, and not forwarded ${v}`, async () => {
        const topic = uid("malformed");
        const sub = await clients.connect(broker.port, { protocolVersion: version });
        await subscribe(sub, topic, 2);
        const pub = await clients.connect(broker.port, { protocolVersion: version });
        pub.sendBytes(c.frame(topic));
        await expectClosedWith(pub, version, c.reasonCode);
        await sub.expectNothing(100);
      });
    }
  }

  it("[spec 3.4.2.1] [spec 3.5.2.1] a message no subscription matches gets PUBACK/PUBREC 0x10 No matching subscribers; the QoS 2 flow still completes (v5)", async () => {
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    sendPublish(pub, uid("nobody"), "x", 1, { packetId: 5 });
    const puback = await pub.expect(PacketType.PUBACK);
    assert.deepEqual([puback.packetId, puback.reasonCode], [5, ReasonCode.NoMatchingSubscribers]);
    sendPublish(pub, uid("nobody"), "x", 2, { packetId: 6 });
    const pubrec = await pub.expect(PacketType.PUBREC);
    assert.deepEqual([pubrec.packetId, pubrec.reasonCode], [6, ReasonCode.NoMatchingSubscribers]);
    pub.send({ type: PacketType.PUBREL, packetId: 6 });
    const pubcomp = await pub.expect(PacketType.PUBCOMP);
    assert.deepEqual([pubcomp.packetId, pubcomp.reasonCode], [6, ReasonCode.Success]);
  });

  it("[MQTT-3.3.4-1] v3.1.1 has no reason codes: a message no subscription matches still gets a plain PUBACK (v3.1.1)", async () => {
    const pub = await clients.connect(broker.port, { protocolVersion: 4 });
    sendPublish(pub, uid("nobody"), "x", 1, { packetId: 5 });
    const puback = await pub.expect(PacketType.PUBACK);
    assert.deepEqual([puback.packetId, puback.reasonCode], [5, undefined]);
  });

  it("[spec 3.3.2.3.2] [MQTT-3.3.2-4] Payload Format Indicator 1 with a UTF-8 payload is accepted and forwarded with the indicator (v5)", async () => {
    const topic = uid("pfi");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    assert.equal(
      await publish(pub, topic, "héllo ✓", 1, { properties: { payloadFormatIndicator: true } }),
      0,
    );
    const got = await nextPublish(sub);
    assert.equal(got.properties?.payloadFormatIndicator, true);
    assert.deepEqual(payloads([got]), ["héllo ✓"]);
  });

  it("[spec 3.3.2.3.2] Payload Format Indicator 1 with a non-UTF-8 payload: QoS 1 gets PUBACK 0x99 and is not forwarded (v5)", async () => {
    const topic = uid("bad-pfi");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    sendPublish(pub, topic, NOT_UTF8, 1, { packetId: 3, properties: { payloadFormatIndicator: true } });
    const puback = await pub.expect(PacketType.PUBACK);
    assert.deepEqual([puback.packetId, puback.reasonCode], [3, ReasonCode.PayloadFormatInvalid]);
    await sub.expectNothing(150);
    // the same bytes without the indicator are just binary data
    assert.equal(await publish(pub, topic, NOT_UTF8, 1, { packetId: 4 }), 0);
    assert.deepEqual(Uint8Array.from((await receive(sub, 1))[0]!.payload), NOT_UTF8);
  });

  it("[spec 3.3.2.3.2] [MQTT-4.3.3-9] non-UTF-8 payload with indicator 1 at QoS 2 gets PUBREC 0x99; its identifier then carries a new message (v5)", async () => {
    const topic = uid("bad-pfi2");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    sendPublish(pub, topic, NOT_UTF8, 2, { packetId: 8, properties: { payloadFormatIndicator: true } });
    const pubrec = await pub.expect(PacketType.PUBREC);
    assert.deepEqual([pubrec.packetId, pubrec.reasonCode], [8, ReasonCode.PayloadFormatInvalid]);
    // a PUBREC >= 0x80 ends the flow: the same identifier is a new message, forwarded
    assert.equal(await publish(pub, topic, "fine", 2, { packetId: 8 }), 0);
    assert.deepEqual(payloads(await receive(sub, 1)), ["fine"]);
  });

  it("[spec 3.3.2.3.2] non-UTF-8 payload with indicator 1 at QoS 0: DISCONNECT 0x99 (v5)", async () => {
    const topic = uid("bad-pfi0");
    const sub = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    sendPublish(pub, topic, NOT_UTF8, 0, { properties: { payloadFormatIndicator: true } });
    await expectClosedWith(pub, 5, ReasonCode.PayloadFormatInvalid);
    await sub.expectNothing(100);
  });

  it("[spec 4.2] encode once: a message to many subscribers arrives byte-identical at each (packet identifier aside)", async () => {
    const topic = uid("once");
    const subs: { client: RawClient; frames: Uint8Array[]; version: 4 | 5 }[] = [];
    for (const version of [5, 5, 5, 4, 4, 4] as const) {
      const client = clients.track(await RawClient.open(broker.port, version));
      await client.connect({ protocolVersion: version, clientId: uid("once") });
      const frames = captureFrames(client);
      await subscribe(client, topic, 1);
      subs.push({ client, frames, version });
    }
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    const properties = { contentType: "text/plain", userProperties: [["k", "v"]] as [string, string][] };
    await publish(pub, topic, "same for all", 1, { properties });
    const received: PublishPacket[] = [];
    for (const sub of subs) {
      const [got] = await receive(sub.client, 1);
      received.push(got!);
    }
    const publishFrames = subs.map((s) => s.frames.find((f) => f[0]! >> 4 === PacketType.PUBLISH)!);
    for (const version of [5, 4]) {
      const group = publishFrames.filter((_, i) => subs[i]!.version === version).map(withoutPacketId);
      for (const frame of group.slice(1)) assert.deepEqual(frame, group[0], `v${version} frames differ`);
    }
    const expectedV5 = encodePacket(
      {
        type: PacketType.PUBLISH,
        topic,
        payload: bytes("same for all"),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 1,
        properties,
      },
      5,
    );
    assert.deepEqual(withoutPacketId(publishFrames[0]!), withoutPacketId(expectedV5));
    assert.equal(new Set(received.map((p) => `${p.qos}:${payloads([p])[0]}`)).size, 1);
  });
});

describe("server limits: mqtt.maxQos 1, mqtt.retainAvailable false", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxQos: 1, retainAvailable: false } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[spec 3.2.2.3.4] [spec 3.2.2.3.5] CONNACK advertises Maximum QoS 1 and Retain Available 0 (v5)", async () => {
    const client = clients.track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ protocolVersion: 5, clientId: uid("lim") });
    assert.equal(connack.properties?.maximumQoS, 1);
    assert.equal(connack.properties.retainAvailable, false);
  });

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    it(`[MQTT-3.2.2-11] a QoS 2 PUBLISH above Maximum QoS 1 is ${version === 5 ? "a DISCONNECT 0x9B QoS not supported" : "closed (v3.1.1 cannot be told a Maximum QoS)"} ${v}`, async () => {
      const topic = uid("maxqos");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 1);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      assert.equal(await publish(pub, topic, "q1 is fine", 1), 0);
      sendPublish(pub, topic, "q2", 2);
      await expectClosedWith(pub, version, ReasonCode.QoSNotSupported);
      assert.deepEqual(payloads(await receive(sub, 1)), ["q1 is fine"]);
      await sub.expectNothing(100);
    });

    it(`[MQTT-3.2.2-14] a PUBLISH with RETAIN 1 when retain is unavailable is ${version === 5 ? "a DISCONNECT 0x9A Retain not supported" : "closed"} ${v}`, async () => {
      const topic = uid("noretain");
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      sendPublish(pub, topic, "r", 1, { retain: true });
      await expectClosedWith(pub, version, ReasonCode.RetainNotSupported);
      const late = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(late, topic, 1);
      await late.expectNothing(100);
    });
  }
});

describe("Maximum Packet Size (spec 3.1.2.11.4, 3.2.2.3.6), mqtt.maxPacketSize 1024", () => {
  let broker: TestBroker;
  const clients = new Clients();
  before(async () => {
    broker = await startTestBroker({ config: { mqtt: { maxPacketSize: 1024 } } });
  });
  afterEach(() => clients.closeAll());
  after(() => broker.stop());

  it("[spec 3.2.2.3.6] CONNACK advertises Maximum Packet Size 1024 (v5)", async () => {
    const client = clients.track(await RawClient.open(broker.port, 5));
    const connack = await client.connect({ protocolVersion: 5, clientId: uid("mps") });
    assert.equal(connack.properties?.maximumPacketSize, 1024);
  });

  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    it(`[MQTT-3.2.2-15] [spec 3.2.2.3.6] a PUBLISH of exactly 1024 bytes is accepted; 1025 bytes is ${version === 5 ? "a DISCONNECT 0x95 Packet too large" : "closed"} ${v}`, async () => {
      const topic = uid("big");
      const sub = await clients.connect(broker.port, { protocolVersion: version });
      await subscribe(sub, topic, 1);
      const pub = await clients.connect(broker.port, { protocolVersion: version });
      pub.send(publishOfSize(version, topic, 1024));
      assert.equal((await pub.expect(PacketType.PUBACK)).packetId, 1);
      assert.equal((await receive(sub, 1))[0]!.payload.byteLength > 900, true);
      pub.send(publishOfSize(version, topic, 1025));
      await expectClosedWith(pub, version, ReasonCode.PacketTooLarge);
      await sub.expectNothing(100);
    });
  }

  it("[MQTT-3.1.2-24] [MQTT-3.1.2-25] a message larger than a client's Maximum Packet Size is not sent to it; other subscribers get it (v5)", async () => {
    const topic = uid("small-client");
    const small = await clients.connect(broker.port, {
      protocolVersion: 5,
      properties: { maximumPacketSize: 200 },
    });
    await subscribe(small, topic, 1);
    const big = await clients.connect(broker.port, { protocolVersion: 5 });
    await subscribe(big, topic, 1);
    const v3 = await clients.connect(broker.port, { protocolVersion: 4 });
    await subscribe(v3, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    const tooLarge = "L".repeat(400);
    const droppedBefore = broker.broker.metrics.dropped["too-large"];
    await publish(pub, topic, tooLarge, 0);
    await publish(pub, topic, tooLarge, 1, { packetId: 2 });
    await publish(pub, topic, "small", 1, { packetId: 3 });
    assert.deepEqual(payloads(await receive(big, 3)), [tooLarge, tooLarge, "small"]);
    assert.deepEqual(payloads(await receive(v3, 3)), [tooLarge, tooLarge, "small"]);
    const got = await receive(small, 1);
    assert.deepEqual(payloads(got), ["small"]);
    assert.ok(small.received.every((p) => p.type !== PacketType.PUBLISH || p.payload.byteLength < 200));
    assert.equal(broker.broker.metrics.dropped["too-large"], droppedBefore + 2);
  });

  it("[MQTT-3.1.2-25] a QoS 1 message too large for the client counts as sent: it holds no window slot and is not resent on reconnection (v5)", async () => {
    const topic = uid("as-if-sent");
    const clientId = uid("small-persistent");
    const options = persistent(5, clientId, { properties: { maximumPacketSize: 200, receiveMaximum: 1 } });
    const sub = await clients.connect(broker.port, options);
    await subscribe(sub, topic, 2);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    await publish(pub, topic, "L".repeat(400), 1, { packetId: 1 });
    await publish(pub, topic, "L".repeat(400), 2, { packetId: 2 });
    await publish(pub, topic, "fits", 1, { packetId: 3 });
    const [fits] = await receive(sub, 1, false);
    assert.deepEqual(payloads([fits!]), ["fits"]);
    sub.destroy();
    await waitOffline(broker, clientId);
    const again = await clients.connect(broker.port, options);
    const resent = await nextPublish(again);
    assert.deepEqual([payloads([resent])[0], resent.dup], ["fits", true]);
    again.send({ type: PacketType.PUBACK, packetId: resent.packetId! });
    await again.expectNothing(200);
    await waitFor(
      () => broker.broker.sessions.get(clientId)?.inflight.size === 0,
      "the in-flight window to empty",
    );
  });

  it("[MQTT-3.1.2-24] a message exactly at the client's Maximum Packet Size is sent (v5)", async () => {
    const topic = uid("exact");
    const limit = 150;
    const sub = await clients.connect(broker.port, {
      protocolVersion: 5,
      properties: { maximumPacketSize: limit },
    });
    await subscribe(sub, topic, 1);
    const pub = await clients.connect(broker.port, { protocolVersion: 5 });
    // the subscriber gets the same frame as the publisher sent (no properties are added)
    await publish(pub, topic, publishOfSize(5, topic, limit, 0x78).payload, 1);
    await publish(pub, topic, publishOfSize(5, topic, limit + 1, 0x79).payload, 1);
    await publish(pub, topic, "z", 1);
    assert.deepEqual(
      payloads(await receive(sub, 2)).map((p) => p[0]),
      ["x", "z"],
    );
  });
});
