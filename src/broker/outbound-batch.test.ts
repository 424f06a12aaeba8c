import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePacket } from "../protocol/decode-packet.js";
import { encodePacket } from "../protocol/encode-packet.js";
import { FramePool } from "../protocol/frame-pool.js";
import { PacketType, type QoS } from "../protocol/packet-type.js";
import type { Packet } from "../protocol/packet.js";
import { encodeBarePublish, type PublishPacket } from "../protocol/packets/publish.js";
import type { ApplicationMessage } from "../session/application-message.js";
import { encodePublishFrame, type PublishFrame } from "../session/outbound-publish.js";
import type { Transport, TransportSink } from "../transport/transport.js";
import { OutboundBatch } from "./outbound-batch.js";

/** A Transport that records every chunk written; `result` is what write returns. */
class FakeTransport implements Transport {
  readonly kind = "memory" as const;
  readonly remoteAddress = "fake";
  readonly bufferedBytes = 0;
  readonly writes: Uint8Array[] = [];
  result = true;
  start(_sink: TransportSink): void {}
  write(chunk: Uint8Array): boolean {
    this.writes.push(chunk);
    return this.result;
  }
  end(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
}

function message(id: number, payloadSize = 8): ApplicationMessage {
  return {
    id,
    topic: `topic/${id}`,
    payload: new Uint8Array(payloadSize).fill(id & 0xff),
    qos: 2,
    retain: false,
    properties: undefined,
    createdAt: 0,
    expiresAt: undefined,
    publisherId: undefined,
  };
}

function publishFrame(id: number, qos: QoS, payloadSize = 8): PublishFrame {
  return encodePublishFrame(
    message(id, payloadSize),
    {
      version: 5,
      qos,
      retain: false,
      subscriptionIdentifiers: undefined,
      topicAlias: undefined,
      omitTopic: false,
    },
    0,
  );
}

/** Splits a byte stream into frames (by the fixed header) and decodes each as v5. */
function decodeStream(bytes: Uint8Array): Packet[] {
  const packets: Packet[] = [];
  let i = 0;
  while (i < bytes.length) {
    let length = 0;
    let multiplier = 1;
    let j = i + 1;
    for (;;) {
      const b = bytes[j++]!;
      length += (b & 0x7f) * multiplier;
      multiplier *= 128;
      if ((b & 0x80) === 0) break;
    }
    packets.push(decodePacket(bytes.subarray(i, j + length), 5));
    i = j + length;
  }
  return packets;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

const pubrel = (packetId: number): Uint8Array => encodePacket({ type: PacketType.PUBREL, packetId }, 5);

describe("OutboundBatch", () => {
  it("OutboundBatch starts empty and counts the bytes of added frames", () => {
    const batch = new OutboundBatch();
    assert.equal(batch.empty, true);
    assert.equal(batch.bytes, 0);
    const a = pubrel(1);
    const p = publishFrame(1, 1);
    batch.add(a);
    batch.addPublish(p.bytes, p.packetIdOffset, 9, false);
    assert.equal(batch.empty, false);
    assert.equal(batch.bytes, a.byteLength + p.bytes.byteLength);
  });

  it("OutboundBatch.writeTo() writes a single unpatched frame as is, without a copy", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const frame = pubrel(3);
    batch.add(frame);
    assert.equal(batch.writeTo(transport), true);
    assert.equal(transport.writes.length, 1);
    assert.equal(transport.writes[0], frame, "the very same object");
    const qos0 = publishFrame(2, 0);
    batch.addPublish(qos0.bytes, qos0.packetIdOffset, 0, false);
    batch.writeTo(transport);
    assert.equal(transport.writes[1], qos0.bytes, "a QoS 0 PUBLISH has nothing to patch");
  });

  it("OutboundBatch.writeTo() concatenates the frames in order into one write and clears the batch", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const frames = [
      pubrel(1),
      encodePacket({ type: PacketType.PINGRESP }, 5),
      pubrel(2),
      publishFrame(7, 0).bytes,
    ];
    for (const f of frames) batch.add(f);
    batch.writeTo(transport);
    assert.equal(transport.writes.length, 1);
    assert.deepEqual([...transport.writes[0]!], [...concat(frames)]);
    assert.equal(batch.empty, true);
    assert.equal(batch.bytes, 0);
    batch.writeTo(transport);
    assert.ok(
      transport.writes.slice(1).every((w) => w.byteLength === 0),
      "writing an empty batch sends no bytes",
    );
  });

  it("[MQTT-2.2.1-4] [MQTT-3.3.1-1] OutboundBatch.writeTo() patches packet ids and DUP at each PUBLISH's offset, leaving other frames and the shared frames untouched", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const shared = publishFrame(5, 1);
    const qos2 = publishFrame(6, 2, 300); // 2-byte Remaining Length
    const qos0 = publishFrame(7, 0);
    const originals = [shared.bytes.slice(), qos2.bytes.slice(), qos0.bytes.slice()];
    batch.add(pubrel(77));
    batch.addPublish(shared.bytes, shared.packetIdOffset, 0x0102, false);
    batch.addPublish(qos0.bytes, qos0.packetIdOffset, 0, false);
    batch.addPublish(shared.bytes, shared.packetIdOffset, 0xfffe, true); // the same cached frame, another id, resent
    batch.add(pubrel(78));
    batch.addPublish(qos2.bytes, qos2.packetIdOffset, 1, true);
    batch.writeTo(transport);
    assert.equal(transport.writes.length, 1);
    const packets = decodeStream(transport.writes[0]!);
    assert.deepEqual(
      packets.map((p) => p.type),
      [
        PacketType.PUBREL,
        PacketType.PUBLISH,
        PacketType.PUBLISH,
        PacketType.PUBLISH,
        PacketType.PUBREL,
        PacketType.PUBLISH,
      ],
    );
    const publishes = packets.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
    assert.deepEqual(
      publishes.map((p) => [p.topic, p.qos, p.packetId, p.dup]),
      [
        ["topic/5", 1, 0x0102, false],
        ["topic/7", 0, undefined, false],
        ["topic/5", 1, 0xfffe, true],
        ["topic/6", 2, 1, true],
      ],
    );
    assert.equal(publishes[3]!.payload.byteLength, 300);
    assert.deepEqual(
      packets.filter((p) => p.type === PacketType.PUBREL).map((p) => p.packetId),
      [77, 78],
    );
    assert.deepEqual(
      [shared.bytes, qos2.bytes, qos0.bytes].map((b) => [...b]),
      originals.map((b) => [...b]),
      "cached frames are never mutated",
    );
  });

  it("OutboundBatch.writeTo() copies a single PUBLISH that needs a patch", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const frame = publishFrame(1, 1);
    const original = frame.bytes.slice();
    batch.addPublish(frame.bytes, frame.packetIdOffset, 4242, true);
    batch.writeTo(transport);
    assert.notEqual(transport.writes[0], frame.bytes);
    const p = decodeStream(transport.writes[0]!)[0] as PublishPacket;
    assert.equal(p.packetId, 4242);
    assert.equal(p.dup, true);
    assert.deepEqual([...frame.bytes], [...original]);
  });

  it("OutboundBatch.writeTo() returns what the transport's write returned", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    transport.result = false;
    batch.add(pubrel(1));
    batch.add(pubrel(2));
    assert.equal(batch.writeTo(transport), false);
    transport.result = true;
    batch.add(pubrel(3));
    assert.equal(batch.writeTo(transport), true);
  });

  it("OutboundBatch.writeTo() writes a batch above 256 KiB frame by frame, patching copies of the shared frames", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const big = publishFrame(1, 1, 200_000);
    const raw = pubrel(9);
    const qos0 = publishFrame(3, 0, 100_000);
    const originalBig = big.bytes.slice();
    batch.addPublish(big.bytes, big.packetIdOffset, 11, false);
    batch.add(raw);
    batch.addPublish(qos0.bytes, qos0.packetIdOffset, 0, false);
    batch.addPublish(big.bytes, big.packetIdOffset, 12, true);
    assert.ok(batch.bytes > 256 * 1024);
    transport.result = false;
    assert.equal(batch.writeTo(transport), false, "the last write's result");
    assert.equal(transport.writes.length, 4, "one write per frame");
    assert.equal(transport.writes[1], raw, "unpatched frames are not copied");
    assert.equal(transport.writes[2], qos0.bytes);
    assert.notEqual(transport.writes[0], big.bytes);
    const packets = transport.writes.map((w) => decodeStream(w)[0]!);
    assert.deepEqual(
      packets.map((p) => (p.type === PacketType.PUBLISH ? [p.packetId, p.dup] : [p.type])),
      [[11, false], [PacketType.PUBREL], [undefined, false], [12, true]],
    );
    assert.deepEqual(
      [...big.bytes.subarray(0, 64)],
      [...originalBig.subarray(0, 64)],
      "the shared frame is not mutated",
    );
    assert.equal(batch.empty, true);
    assert.equal(batch.bytes, 0);
  });

  it("OutboundBatch.addPublishAt() joins frames that follow one another in a buffer into one run, written as it is", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const pool = new FramePool();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const frame = encodeBarePublish(`t/${i}`, new Uint8Array(20 + i).fill(i), 0, false, undefined, 5, pool);
      batch.addPublishAt(frame, pool.slabOf(frame)!, pool.lastStart, pool.lastEnd);
      frames.push(frame);
    }
    assert.equal(batch.empty, false);
    assert.equal(batch.bytes, concat(frames).byteLength);
    batch.writeTo(transport);
    assert.equal(transport.writes.length, 1);
    const written = transport.writes[0]!;
    assert.equal(written.buffer, frames[0]!.buffer, "a view of the slab: no copy");
    assert.equal(written.byteOffset, frames[0]!.byteOffset);
    assert.deepEqual([...written], [...concat(frames)]);
    assert.equal(batch.empty, true);
    assert.equal(batch.bytes, 0);
  });

  it("OutboundBatch: a run of one frame is written as that frame; runs, frames and patches keep their order", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const pool = new FramePool();
    const qos0 = (i: number): Uint8Array => {
      const frame = encodeBarePublish(`r/${i}`, Uint8Array.of(i), 0, false, undefined, 5, pool);
      batch.addPublishAt(frame, pool.slabOf(frame)!, pool.lastStart, pool.lastEnd);
      return frame;
    };
    const only = qos0(1);
    batch.writeTo(transport);
    assert.equal(transport.writes[0], only, "the very frame");

    const shared = publishFrame(9, 1);
    const expected: Uint8Array[] = [];
    expected.push(qos0(2), qos0(3)); // a run of two
    const ack = pubrel(5);
    batch.add(ack);
    expected.push(ack);
    expected.push(qos0(4)); // a run of one, closed by the patched frame
    batch.addPublish(shared.bytes, shared.packetIdOffset, 77, false);
    expected.push(shared.bytes);
    pool.take(3); // a gap in the slab: the next frame opens a new run
    expected.push(qos0(5), qos0(6));
    const other = new FramePool(); // another buffer at the offset where the run ends: not joined
    other.take(pool.lastEnd);
    const foreign = encodeBarePublish("f/1", Uint8Array.of(1), 0, false, undefined, 5, other);
    assert.equal(other.lastStart, pool.lastEnd);
    batch.addPublishAt(foreign, other.slab!, other.lastStart, other.lastEnd);
    expected.push(foreign);
    batch.writeTo(transport);
    assert.equal(transport.writes.length, 2);
    const plain = (p: Packet): unknown =>
      p.type === PacketType.PUBLISH ? { ...p, payload: [...p.payload] } : p;
    const packets = decodeStream(transport.writes[1]!).map(plain);
    const expectedPackets = expected.map((f) => decodeStream(f)[0]!);
    (expectedPackets[4] as PublishPacket).packetId = 77;
    assert.deepEqual(packets, expectedPackets.map(plain));
  });

  it("OutboundBatch.addPublishAt() takes frames written in place, without a frame object", () => {
    const transport = new FakeTransport();
    const batch = new OutboundBatch();
    const pool = new FramePool();
    const expected: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const payload = new Uint8Array(10).fill(i);
      const frame = encodeBarePublish("a/b", payload, 0, false, undefined, 4);
      pool.reserve(frame.length);
      pool.slabBytes!.set(frame, pool.lastStart);
      batch.addPublishAt(undefined, pool.slab!, pool.lastStart, pool.lastEnd);
      expected.push(frame);
      if (i === 0) {
        batch.writeTo(transport); // one frame in place: a view of its bytes
        assert.deepEqual([...transport.writes[0]!], [...frame]);
      }
    }
    batch.writeTo(transport);
    assert.deepEqual([...transport.writes[1]!], [...concat(expected.slice(1))]);
  });
});
