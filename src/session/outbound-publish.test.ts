import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePacket } from "../protocol/decode-packet.js";
import { encodePacket } from "../protocol/encode-packet.js";
import { FramePool } from "../protocol/frame-pool.js";
import { PacketType, type ProtocolVersion, type QoS } from "../protocol/packet-type.js";
import type { PublishPacket } from "../protocol/packets/publish.js";
import type { Properties } from "../protocol/properties.js";
import type { ApplicationMessage, MessageProperties } from "./application-message.js";
import { TopicFields } from "../protocol/topic-fields.js";
import {
  encodePublishFrame,
  packetIdOffsetOf,
  type PublishVariant,
  writeSinglePublish,
} from "./outbound-publish.js";

const NOW = 1_700_000_000_000;
const enc = new TextEncoder();

function message(
  fields: { topic?: string; payload?: Uint8Array; properties?: MessageProperties; expiresAt?: number } = {},
): ApplicationMessage {
  return {
    id: 1,
    topic: fields.topic ?? "sensors/room-1/temp",
    payload: fields.payload ?? enc.encode("21.5"),
    qos: 2,
    retain: false,
    properties: fields.properties,
    createdAt: NOW,
    expiresAt: fields.expiresAt,
    publisherId: "pub",
  };
}

function variant(fields: Partial<PublishVariant> = {}): PublishVariant {
  return {
    version: 5,
    qos: 1,
    retain: false,
    subscriptionIdentifiers: undefined,
    topicAlias: undefined,
    omitTopic: false,
    ...fields,
  };
}

function decodePublish(bytes: Uint8Array, version: ProtocolVersion): PublishPacket {
  const packet = decodePacket(bytes, version);
  assert.equal(packet.type, PacketType.PUBLISH);
  return packet;
}

function propsOf(p: PublishPacket): Properties {
  assert.ok(p.properties !== undefined, "PUBLISH properties expected");
  return p.properties;
}

const PROPERTIES: MessageProperties = {
  payloadFormatIndicator: true,
  contentType: "application/json",
  responseTopic: "replies/1",
  correlationData: Uint8Array.from([0, 1, 2, 0xff]),
  userProperties: [
    ["b", "2"],
    ["a", "1"],
    ["b", "3"],
  ],
};

describe("encodePublishFrame", () => {
  for (const version of [3, 4, 5] as const) {
    for (const qos of [0, 1, 2] as const) {
      for (const retain of [false, true]) {
        it(`encodePublishFrame v${version} QoS ${qos} RETAIN ${retain ? 1 : 0}: decodes to the message's PUBLISH with DUP 0`, () => {
          const m = message();
          const frame = encodePublishFrame(m, variant({ version, qos, retain }), NOW);
          const p = decodePublish(frame.bytes, version);
          assert.equal(p.topic, m.topic);
          assert.deepEqual([...p.payload], [...m.payload]);
          assert.equal(p.qos, qos);
          assert.equal(p.retain, retain);
          assert.equal(p.dup, false);
          assert.equal(p.properties, undefined);
          if (qos === 0) {
            assert.equal(frame.packetIdOffset, -1);
            assert.equal(p.packetId, undefined, "[MQTT-2.2.1-2] no packet id at QoS 0");
          } else {
            assert.equal(frame.packetIdOffset, packetIdOffsetOf(frame.bytes));
            assert.equal(
              (frame.bytes[frame.packetIdOffset]! << 8) | frame.bytes[frame.packetIdOffset + 1]!,
              p.packetId,
            );
          }
        });
      }
    }
  }

  it("[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] v5: the message's properties are sent unaltered, user properties in order", () => {
    const frame = encodePublishFrame(message({ properties: PROPERTIES }), variant(), NOW);
    const props = propsOf(decodePublish(frame.bytes, 5));
    assert.equal(props.payloadFormatIndicator, true);
    assert.equal(props.contentType, "application/json");
    assert.equal(props.responseTopic, "replies/1");
    assert.deepEqual([...(props.correlationData ?? [])], [0, 1, 2, 0xff]);
    assert.deepEqual(props.userProperties, [
      ["b", "2"],
      ["a", "1"],
      ["b", "3"],
    ]);
    assert.equal(props.messageExpiryInterval, undefined);
    assert.equal(props.subscriptionIdentifiers, undefined);
    assert.equal(props.topicAlias, undefined);
  });

  it("v3: encodePublishFrame sends no properties even when the message has some", () => {
    for (const version of [3, 4] as const) {
      const frame = encodePublishFrame(message({ properties: PROPERTIES }), variant({ version }), NOW);
      const p = decodePublish(frame.bytes, version);
      assert.equal(p.properties, undefined);
      assert.equal(p.topic, "sensors/room-1/temp");
    }
  });

  it("encodePublishFrame returns the same bytes object for repeated calls with the same cacheable variant", () => {
    const m = message({ properties: PROPERTIES });
    for (const version of [3, 4, 5] as const) {
      for (const qos of [0, 1, 2] as const) {
        for (const retain of [false, true]) {
          const v = variant({ version, qos, retain });
          const first = encodePublishFrame(m, v, NOW);
          const second = encodePublishFrame(m, v, NOW + 5000);
          assert.equal(second.bytes, first.bytes, `v${version} QoS ${qos} retain ${retain}: cache hit`);
          assert.equal(second.packetIdOffset, first.packetIdOffset);
        }
      }
    }
  });

  it("encodePublishFrame caches each version, QoS and RETAIN separately: every cached frame decodes to its own variant", () => {
    const m = message();
    const seen = new Set<Uint8Array>();
    for (const version of [3, 4, 5] as const) {
      for (const qos of [0, 1, 2] as const) {
        for (const retain of [false, true]) {
          const frame = encodePublishFrame(m, variant({ version, qos, retain }), NOW);
          assert.ok(!seen.has(frame.bytes), "a distinct frame per variant");
          seen.add(frame.bytes);
          const p = decodePublish(frame.bytes, version);
          assert.equal(p.qos, qos);
          assert.equal(p.retain, retain);
        }
      }
    }
  });

  it("[MQTT-3.8.4-8] encodePublishFrame: a QoS 2 delivery of a message already sent at QoS 1 is a QoS 2 PUBLISH (and vice versa)", () => {
    for (const [first, second] of [
      [1, 2],
      [2, 1],
    ] as const) {
      for (const version of [4, 5] as const) {
        const m = message();
        const a = encodePublishFrame(m, variant({ version, qos: first }), NOW);
        const b = encodePublishFrame(m, variant({ version, qos: second }), NOW);
        assert.equal(decodePublish(a.bytes, version).qos, first);
        assert.equal(
          decodePublish(b.bytes, version).qos,
          second,
          `v${version}: QoS ${second} after a QoS ${first} frame was cached`,
        );
      }
    }
  });

  it("[MQTT-3.3.4-3] v5: a variant with subscription identifiers carries them and is not cached", () => {
    const m = message({ properties: PROPERTIES });
    const a = encodePublishFrame(m, variant({ subscriptionIdentifiers: [3, 268_435_455] }), NOW);
    const b = encodePublishFrame(m, variant({ subscriptionIdentifiers: [3, 268_435_455] }), NOW);
    assert.notEqual(a.bytes, b.bytes, "encoded per delivery");
    const props = propsOf(decodePublish(a.bytes, 5));
    assert.deepEqual(props.subscriptionIdentifiers, [3, 268_435_455]);
    assert.equal(props.contentType, "application/json", "the message's properties are kept");
    const plain = decodePublish(encodePublishFrame(m, variant(), NOW).bytes, 5);
    assert.equal(
      plain.properties?.subscriptionIdentifiers,
      undefined,
      "the cache holds no subscription identifiers",
    );
  });

  it("[MQTT-3.3.2-11] v5: a variant with a topic alias carries it, with or without the topic, and is not cached", () => {
    const m = message();
    const withTopic = encodePublishFrame(m, variant({ topicAlias: 4, omitTopic: false }), NOW);
    const p1 = decodePublish(withTopic.bytes, 5);
    assert.equal(p1.topic, "sensors/room-1/temp");
    assert.equal(p1.properties?.topicAlias, 4);
    const withoutTopic = encodePublishFrame(m, variant({ topicAlias: 4, omitTopic: true }), NOW);
    const p2 = decodePublish(withoutTopic.bytes, 5);
    assert.equal(p2.topic, "");
    assert.equal(p2.properties?.topicAlias, 4);
    assert.equal(withoutTopic.packetIdOffset, packetIdOffsetOf(withoutTopic.bytes));
    assert.notEqual(encodePublishFrame(m, variant({ topicAlias: 4 }), NOW).bytes, withTopic.bytes);
    const plain = decodePublish(encodePublishFrame(m, variant(), NOW).bytes, 5);
    assert.equal(plain.topic, "sensors/room-1/temp");
    assert.equal(plain.properties, undefined, "the cache holds no alias");
  });

  it("[MQTT-3.3.2-6] v5: a message with an expiry carries the remaining seconds (rounded up) and is not cached", () => {
    const m = message({ expiresAt: NOW + 10_500, properties: PROPERTIES });
    const a = encodePublishFrame(m, variant(), NOW);
    assert.equal(decodePublish(a.bytes, 5).properties?.messageExpiryInterval, 11);
    const b = encodePublishFrame(m, variant(), NOW + 4_000);
    assert.notEqual(b.bytes, a.bytes);
    const props = propsOf(decodePublish(b.bytes, 5));
    assert.equal(props.messageExpiryInterval, 7);
    assert.deepEqual(props.userProperties, PROPERTIES.userProperties);
    // v3 has no expiry property but the frame is still right
    const v4 = decodePublish(encodePublishFrame(m, variant({ version: 4 }), NOW).bytes, 4);
    assert.equal(v4.properties, undefined);
    assert.equal(v4.topic, m.topic);
  });
});

describe("packetIdOffsetOf", () => {
  it("packetIdOffsetOf points at the packet id for 1-, 2-, 3- and 4-byte Remaining Lengths (v3 and v5)", () => {
    const sizes = [
      0, 1, 100, 104, 105, 106, 107, 108, 120, 16_370, 16_380, 16_390, 20_000, 2_097_150, 2_097_160,
    ];
    const seenHeaderLengths = new Set<number>();
    for (const version of [4, 5] as const) {
      for (const size of sizes) {
        for (const properties of version === 5 ? [undefined, PROPERTIES] : [undefined]) {
          const payload = new Uint8Array(size).fill(0xab);
          const m = message({ topic: "a/b", payload, ...(properties ? { properties } : {}) });
          const frame = encodePublishFrame(m, variant({ version, qos: 1 as QoS }), NOW);
          const offset = packetIdOffsetOf(frame.bytes);
          assert.equal(offset, frame.packetIdOffset);
          let headerLength = 1;
          while ((frame.bytes[headerLength]! & 0x80) !== 0) headerLength++;
          headerLength++;
          seenHeaderLengths.add(headerLength);
          assert.equal(offset, headerLength + 2 + 3, `size ${size}: fixed header, topic length, "a/b"`);
          const patched = frame.bytes.slice();
          patched[offset] = 0xbe;
          patched[offset + 1] = 0xef;
          const p = decodePublish(patched, version);
          assert.equal(p.packetId, 0xbeef, `v${version} payload ${size}`);
          assert.equal(p.payload.byteLength, size);
          assert.equal(p.topic, "a/b");
        }
      }
    }
    assert.deepEqual(
      [...seenHeaderLengths].sort(),
      [2, 3, 4, 5],
      "every Remaining Length size was exercised",
    );
  });

  it("packetIdOffsetOf accounts for the topic length, including multi-byte UTF-8 topics", () => {
    for (const topic of ["x", "é/ü/😀", "t".repeat(300)]) {
      const frame = encodePublishFrame(message({ topic }), variant({ qos: 2 }), NOW);
      const offset = packetIdOffsetOf(frame.bytes);
      const patched = frame.bytes.slice();
      patched[offset] = 0x12;
      patched[offset + 1] = 0x34;
      const p = decodePublish(patched, 5);
      assert.equal(p.packetId, 0x1234);
      assert.equal(p.topic, topic);
    }
  });

  it("a frame without properties (encoded from the fields) has the bytes of the general encoder, pooled or not", () => {
    const pool = new FramePool();
    for (const topic of ["devices/bench-dev-3/meta/temperature", "capteurs/température", "温度/1", ""]) {
      for (const version of [3, 4, 5] as const) {
        for (const qos of [0, 1, 2] as const) {
          for (const retain of [false, true]) {
            const general: PublishPacket = {
              type: PacketType.PUBLISH,
              topic: topic === "" ? "mounted/x" : topic,
              payload: enc.encode('{"value":21.5}'),
              qos,
              retain,
              dup: false,
              properties: {}, // the general path, with a Property Length of 0
            };
            if (qos > 0) general.packetId = 1;
            const expected = encodePacket(general, 5);
            const expectedBytes = version === 5 ? expected : withoutPropertyLength(expected, general);
            const fields = { version, qos, retain, topic: general.topic };
            const plain = encodePublishFrame(
              message({ topic: "$t/a/x", payload: general.payload }),
              variant(fields),
              NOW,
            );
            const pooled = encodePublishFrame(
              message({ topic: "$t/a/x", payload: general.payload }),
              variant({ ...fields, pool }),
              NOW,
            );
            assert.deepEqual(plain.bytes, expectedBytes, `${topic} v${version} QoS ${qos}`);
            assert.deepEqual(pooled.bytes, expectedBytes);
            assert.equal(plain.packetIdOffset, qos > 0 ? packetIdOffsetOf(expectedBytes) : -1);
          }
        }
      }
    }
  });
});

/** A v5 PUBLISH frame with an empty property section rewritten as v3.1.1 writes it: no Property Length. */
function withoutPropertyLength(v5: Uint8Array, packet: PublishPacket): Uint8Array {
  let i = 1;
  let remaining = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = v5[i++]!;
    remaining += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  const propertyAt = i + 2 + enc.encode(packet.topic).length + (packet.qos > 0 ? 2 : 0);
  assert.equal(v5[propertyAt], 0, "an empty property section");
  const header = [v5[0]!];
  for (let rest = remaining - 1; ; rest >>>= 7) {
    header.push((rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0));
    if (rest < 0x80) break;
  }
  return Uint8Array.from([...header, ...v5.subarray(i, propertyAt), ...v5.subarray(propertyAt + 1)]);
}

describe("writeSinglePublish", () => {
  /** A TopicFields that keeps `topic`'s field. */
  function keeping(topic: string): TopicFields {
    const fields = new TopicFields();
    fields.field(topic);
    fields.field(topic);
    return fields;
  }

  it("writes in place the bytes encodePublishFrame makes for the QoS 0 common variant, and keeps no frame", () => {
    const pool = new FramePool();
    for (const version of [3, 4, 5] as const) {
      for (const topic of ["sensors/room-1/temp", "devices/d1/meta/température"]) {
        for (const payload of [new Uint8Array(0), enc.encode("21.5"), new Uint8Array(1500).fill(3)]) {
          for (const properties of version === 5 ? [undefined] : [undefined, PROPERTIES]) {
            const m = message({ topic: `$t/acme/${topic}`, payload, ...(properties ? { properties } : {}) });
            const size = writeSinglePublish(m, version, topic, pool, keeping(topic), 1 << 20);
            const expected = encodePublishFrame(
              message({ topic: `$t/acme/${topic}`, payload }),
              variant({ version, qos: 0, topic }),
              NOW,
            ).bytes;
            assert.equal(size, expected.length);
            assert.deepEqual(pool.slabBytes!.subarray(pool.lastStart, pool.lastEnd), expected);
            assert.equal(m.frames, undefined, "nothing cached on the message");
          }
        }
      }
    }
  });

  it("does not apply (0, nothing written) to retained messages, expiring ones, v5 properties, unkept topics or frames the pool does not carve", () => {
    const pool = new FramePool();
    const topic = "a/b";
    const fields = keeping(topic);
    const none = (m: ApplicationMessage, version: ProtocolVersion = 5, f = fields): void => {
      pool.take(1);
      const end = pool.lastEnd;
      assert.equal(writeSinglePublish(m, version, topic, pool, f, 1 << 20), 0);
      assert.equal(pool.lastEnd, end, "no room taken");
    };
    none({ ...message({ topic }), retain: true });
    none(message({ topic, expiresAt: NOW + 10_000 }));
    none(message({ topic, properties: PROPERTIES }));
    none(message({ topic }), 5, new TopicFields());
    none(message({ topic, payload: new Uint8Array(4000) }));
  });

  it("returns the size of a frame above the maximum without writing it", () => {
    const pool = new FramePool();
    const topic = "a/b";
    const m = message({ topic, payload: new Uint8Array(100) });
    const size = encodePublishFrame(
      message({ topic, payload: new Uint8Array(100) }),
      variant({ qos: 0 }),
      NOW,
    ).bytes.length;
    pool.take(1);
    const end = pool.lastEnd;
    assert.equal(writeSinglePublish(m, 5, topic, pool, keeping(topic), size - 1), size);
    assert.equal(pool.lastEnd, end);
  });
});
