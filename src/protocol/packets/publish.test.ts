/**
 * PUBLISH encoding without properties (`encodeBarePublish`, and `encodePublish` for such packets): the
 * ASCII fast path and its fallback give the bytes of an independent reference encoder and of the
 * general (properties) path, and keep the topic's limits; so do a kept Topic Name field
 * (`TopicFields`) and a QoS 0 PUBLISH written in place into a pool's slab (`writeQos0PublishInto`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { encodePacket } from "../encode-packet.js";
import { FramePool, MAX_POOLED_BYTES } from "../frame-pool.js";
import { PacketType, type ProtocolVersion, type QoS } from "../packet-type.js";
import type { Properties } from "../properties.js";
import { TopicFields } from "../topic-fields.js";
import { encodeBarePublish, publishPacketSize, type PublishPacket, writeQos0PublishInto } from "./publish.js";

/** Spec 3.3 written out plainly: fixed header, UTF-8 topic (TextEncoder), packet id, Property Length 0, payload. */
function reference(
  topic: string,
  payload: Uint8Array,
  qos: QoS,
  retain: boolean,
  dup: boolean,
  packetId: number,
  version: ProtocolVersion,
): Uint8Array {
  const name = new TextEncoder().encode(topic);
  const body = [name.length >> 8, name.length & 0xff, ...name];
  if (qos > 0) body.push(packetId >> 8, packetId & 0xff);
  if (version === 5) body.push(0);
  body.push(...payload);
  const header = [0x30 | (dup && qos > 0 ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0)];
  let length = body.length;
  do {
    header.push((length & 0x7f) | (length >= 0x80 ? 0x80 : 0));
    length >>>= 7;
  } while (length > 0);
  return Uint8Array.from([...header, ...body]);
}

const ASCII_TOPICS = ["", "a", "devices/bench-dev-3/meta/temperature", "$t/acme/x/+", "x".repeat(200)];
const NON_ASCII_TOPICS = [
  "é",
  "café/temperature",
  "devices/d1/meta/température",
  "温度/传感器/1",
  "sensors/🌡️/1",
  "lone/\ud800/surrogate",
  "ascii-then-\u0080",
  "\u07ff/\u0800",
];
const VERSIONS: readonly ProtocolVersion[] = [3, 4, 5];
const QOS: readonly QoS[] = [0, 1, 2];

function publish(topic: string, payload: Uint8Array, qos: QoS, retain: boolean, dup: boolean): PublishPacket {
  const packet: PublishPacket = { type: PacketType.PUBLISH, topic, payload, qos, retain, dup };
  if (qos > 0) packet.packetId = 0x1234;
  return packet;
}

describe("PUBLISH without properties", () => {
  for (const [kind, topics] of [
    ["ASCII", ASCII_TOPICS],
    ["non-ASCII", NON_ASCII_TOPICS],
  ] as const) {
    it(`${kind} topics: encodeBarePublish and encodePublish give the reference bytes, with and without a pool`, () => {
      const pool = new FramePool();
      for (const topic of topics) {
        for (const size of [0, 80, 127 - topic.length, 300]) {
          const payload = new Uint8Array(Math.max(0, size)).map((_, i) => i & 0xff);
          for (const version of VERSIONS) {
            for (const qos of QOS) {
              for (const retain of [false, true]) {
                const expected = reference(topic, payload, qos, retain, false, 0x1234, version);
                const what = `${JSON.stringify(topic)} v${version} QoS ${qos} retain ${retain} ${payload.length} B`;
                assert.deepEqual(
                  encodeBarePublish(topic, payload, qos, retain, 0x1234, version),
                  expected,
                  what,
                );
                assert.deepEqual(
                  encodeBarePublish(topic, payload, qos, retain, 0x1234, version, pool),
                  expected,
                  what,
                );
                assert.deepEqual(
                  encodePacket(publish(topic, payload, qos, retain, false), version, pool),
                  expected,
                  what,
                );
                const dup = reference(topic, payload, qos, retain, true, 0x1234, version);
                assert.deepEqual(
                  encodePacket(publish(topic, payload, qos, retain, true), version),
                  dup,
                  what,
                );
              }
            }
          }
        }
      }
    });
  }

  it("v5: the same bytes as the general path (an empty properties object) for ASCII and non-ASCII topics", () => {
    const payload = Uint8Array.of(1, 2, 3);
    for (const topic of [...ASCII_TOPICS, ...NON_ASCII_TOPICS]) {
      for (const qos of QOS) {
        const general = encodePacket({ ...publish(topic, payload, qos, true, false), properties: {} }, 5);
        assert.deepEqual(encodeBarePublish(topic, payload, qos, true, 0x1234, 5), general, topic);
      }
    }
  });

  it("a non-ASCII topic's pooled frame is given back: later frames stay zero-filled and apart", () => {
    const pool = new FramePool();
    const payload = new Uint8Array(40).fill(9);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const topic = i % 3 === 0 ? `devices/d${i}/é` : `devices/d${i}/e`;
      const frame = encodeBarePublish(topic, payload, (i % 3) as QoS, false, 7, 5, pool);
      assert.deepEqual(frame, reference(topic, payload, (i % 3) as QoS, false, false, 7, 5));
      frames.push(frame);
    }
    // no frame was overwritten by a later one
    frames.forEach((frame, i) => {
      const topic = i % 3 === 0 ? `devices/d${i}/é` : `devices/d${i}/e`;
      assert.deepEqual(frame, reference(topic, payload, (i % 3) as QoS, false, false, 7, 5), `frame ${i}`);
    });
    assert.ok(pool.take(64).every((b) => b === 0));
  });

  it("a topic of 65,535 bytes is encoded, one byte more is refused as before (ASCII and UTF-8)", () => {
    const payload = Uint8Array.of(1);
    const atLimit = ["a".repeat(0xffff), `${"é".repeat(32_767)}a`, "€".repeat(21_845)];
    for (const topic of atLimit) {
      for (const version of VERSIONS) {
        const frame = encodeBarePublish(topic, payload, 1, false, 0x1234, version);
        assert.deepEqual(frame, reference(topic, payload, 1, false, false, 0x1234, version));
        assert.deepEqual(encodePacket(publish(topic, payload, 1, false, false), version), frame);
      }
    }
    const over: [string, number][] = [
      ["a".repeat(0x10000), 0x10000],
      [`${"é".repeat(32_767)}ab`, 0x10000],
      ["é".repeat(40_000), 80_000], // fewer than 65,536 characters, more bytes
      [`${"a".repeat(30_000)}${"€".repeat(20_000)}`, 90_000],
    ];
    for (const [topic, bytes] of over) {
      const message = `Cannot encode PUBLISH topic name: string is ${bytes} bytes, more than 65535`;
      for (const version of VERSIONS) {
        assert.throws(() => encodeBarePublish(topic, payload, 0, false, undefined, version), {
          name: "RangeError",
          message,
        });
        assert.throws(
          () => encodePacket(publish(topic, payload, 0, false, false), version, new FramePool()),
          {
            name: "RangeError",
            message,
          },
        );
        assert.throws(
          () => encodePacket({ ...publish(topic, payload, 0, false, false), properties: {} }, 5),
          {
            message,
          },
        );
      }
    }
  });

  it("QoS 1 and 2 need a packet identifier in 1..65535; QoS 0 ignores it", () => {
    const payload = Uint8Array.of(1);
    for (const packetId of [undefined, 0, 0x10000, 1.5]) {
      assert.throws(() => encodeBarePublish("a/b", payload, 1, false, packetId, 4), /packet identifier/);
      assert.throws(() => encodeBarePublish("a/é", payload, 2, false, packetId, 5), /packet identifier/);
    }
    assert.deepEqual(
      encodeBarePublish("a/b", payload, 0, false, undefined, 4),
      reference("a/b", payload, 0, false, false, 0, 4),
    );
  });

  it("a kept Topic Name field (TopicFields) gives the same bytes as encoding the topic, from the first sighting on", () => {
    const fields = new TopicFields();
    const pool = new FramePool();
    for (const topic of [...ASCII_TOPICS, ...NON_ASCII_TOPICS]) {
      for (let sighting = 0; sighting < 3; sighting++) {
        for (const version of VERSIONS) {
          for (const qos of QOS) {
            for (const payload of [new Uint8Array(0), new Uint8Array(130).fill(5)]) {
              const what = `${JSON.stringify(topic)} sighting ${sighting} v${version} QoS ${qos}`;
              const expected = reference(topic, payload, qos, sighting === 1, false, 0x1234, version);
              assert.deepEqual(
                encodeBarePublish(topic, payload, qos, sighting === 1, 0x1234, version, pool, fields),
                expected,
                what,
              );
            }
          }
        }
      }
    }
  });

  it("a topic over 65,535 bytes is refused as before when a TopicFields memo is given", () => {
    const fields = new TopicFields();
    const topic = "a".repeat(0x10000);
    for (let i = 0; i < 3; i++)
      assert.throws(
        () => encodeBarePublish(topic, Uint8Array.of(1), 0, false, undefined, 5, undefined, fields),
        {
          message: "Cannot encode PUBLISH topic name: string is 65536 bytes, more than 65535",
        },
      );
  });

  it("writeQos0PublishInto writes in place the bytes encodeBarePublish makes, one frame after another", () => {
    const fields = new TopicFields();
    const pool = new FramePool();
    const written: [Uint8Array, Uint8Array][] = [];
    for (const topic of [...ASCII_TOPICS, ...NON_ASCII_TOPICS]) {
      fields.field(topic);
      const field = fields.field(topic);
      if (field === undefined) continue; // too long to be kept
      for (const version of VERSIONS) {
        for (const size of [0, 1, 90, 124 - field.length, 125 - field.length, 600]) {
          const payload = new Uint8Array(Math.max(0, size)).map((_, i) => (i * 7) & 0xff);
          const expected = encodeBarePublish(topic, payload, 0, false, undefined, version);
          const length = writeQos0PublishInto(pool, field, payload, version, 1 << 20);
          assert.equal(length, expected.length, `${JSON.stringify(topic)} v${version} ${payload.length} B`);
          assert.equal(pool.lastEnd - pool.lastStart, length);
          const bytes = pool.slabBytes!.subarray(pool.lastStart, pool.lastEnd);
          assert.deepEqual(bytes, expected, `${JSON.stringify(topic)} v${version} ${payload.length} B`);
          written.push([bytes, expected]);
        }
      }
    }
    // no frame was overwritten by a later one
    for (const [bytes, expected] of written) assert.deepEqual(bytes, expected);
  });

  it("writeQos0PublishInto writes nothing for a frame above the maximum (returning its size), nor above the pool's frames (0)", () => {
    const fields = new TopicFields();
    const pool = new FramePool();
    fields.field("a/b");
    const field = fields.field("a/b")!;
    const payload = new Uint8Array(100).fill(1);
    const size = encodeBarePublish("a/b", payload, 0, false, undefined, 5).length;
    pool.take(1);
    const end = pool.lastEnd;
    assert.equal(writeQos0PublishInto(pool, field, payload, 5, size - 1), size);
    assert.equal(pool.lastEnd, end, "no room was taken");
    assert.equal(writeQos0PublishInto(pool, field, new Uint8Array(MAX_POOLED_BYTES), 5, 1 << 30), 0);
    assert.equal(pool.lastEnd, end, "no room was taken");
    assert.equal(writeQos0PublishInto(pool, field, payload, 5, size), size, "at the maximum: written");
  });
});

describe("publishPacketSize()", () => {
  it("is the length of the encoded PUBLISH, with and without properties, for every version", () => {
    const properties: (Properties | undefined)[] = [
      undefined,
      {},
      { payloadFormatIndicator: true, contentType: "text/plain", messageExpiryInterval: 60 },
      {
        responseTopic: "réponse/1",
        correlationData: new Uint8Array(40),
        userProperties: [
          ["sb-bridge-hops", "1"],
          ["unit", "°C"],
          ["unit", "K"],
        ] as [string, string][],
      },
    ];
    for (const topic of [...ASCII_TOPICS, ...NON_ASCII_TOPICS]) {
      for (const version of VERSIONS) {
        for (const qos of QOS) {
          // payload sizes around the Remaining Length's 1-, 2- and 3-byte boundaries
          for (const size of [0, 1, 100, 127, 16_370, 16_400]) {
            for (const props of properties) {
              const packet = publish(topic, new Uint8Array(size), qos, true, false);
              if (props !== undefined) packet.properties = props;
              const what = `${JSON.stringify(topic)} v${version} QoS ${qos} ${size} B ${JSON.stringify(props)}`;
              assert.equal(publishPacketSize(packet, version), encodePacket(packet, version).length, what);
            }
          }
        }
      }
    }
  });

  it("throws, as encoding does, for a topic longer than 65,535 bytes", () => {
    const packet = publish("x".repeat(65_536), new Uint8Array(1), 1, false, false);
    assert.throws(() => publishPacketSize(packet, 5), /65535/);
  });
});
