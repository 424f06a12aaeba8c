import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { encodePacket } from "./encode-packet.js";
import { FrameReader } from "./frame-reader.js";
import type { Packet } from "./packet.js";
import { PacketType } from "./packet-type.js";
import { ProtocolError } from "./protocol-error.js";

function concat(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

const publish: Packet = {
  type: PacketType.PUBLISH,
  topic: "sensors/1",
  payload: Uint8Array.of(1, 2, 3, 4),
  qos: 0,
  retain: false,
  dup: false,
};

function payloadOf(packet: Packet | null): Uint8Array {
  assert.ok(packet?.type === PacketType.PUBLISH);
  return packet.payload;
}

describe("FrameReader", () => {
  test("FrameReader.read() returns null until a packet is complete", () => {
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    assert.equal(reader.read(), null);
    reader.push(Uint8Array.of(0xc0));
    assert.equal(reader.read(), null);
    reader.push(Uint8Array.of(0x00));
    assert.deepEqual(reader.read(), { type: PacketType.PINGREQ });
    assert.equal(reader.read(), null);
  });

  test("FrameReader.read() decodes a frame inside one chunk in place (payload is a view)", () => {
    const frame = encodePacket(publish, 4);
    const chunk = concat(frame, frame);
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    reader.push(chunk);
    const first = payloadOf(reader.read());
    const second = payloadOf(reader.read());
    assert.equal(first.buffer, chunk.buffer);
    assert.equal(second.buffer, chunk.buffer);
    assert.equal(second.byteOffset, chunk.byteOffset + frame.length + frame.length - 4);
  });

  test("FrameReader.read() copies a frame that spans chunks into one buffer", () => {
    const frame = encodePacket(publish, 4);
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    const head = frame.slice(0, 5);
    const tail = frame.slice(5);
    reader.push(head);
    assert.equal(reader.read(), null);
    reader.push(tail);
    const payload = payloadOf(reader.read());
    assert.notEqual(payload.buffer, head.buffer);
    assert.notEqual(payload.buffer, tail.buffer);
    assert.deepEqual(payload, publish.payload);
  });

  test("FrameReader.bufferedBytes counts bytes not yet returned as packets", () => {
    const frame = encodePacket(publish, 4);
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    reader.push(frame.subarray(0, 3));
    assert.equal(reader.bufferedBytes, 3);
    assert.equal(reader.read(), null);
    assert.equal(reader.bufferedBytes, 3);
    reader.push(concat(frame.subarray(3), frame));
    assert.equal(reader.bufferedBytes, 2 * frame.length);
    reader.read();
    assert.equal(reader.bufferedBytes, frame.length);
    reader.read();
    assert.equal(reader.bufferedBytes, 0);
  });

  test("FrameReader.version applies to packets read after it is set, even from the same chunk", () => {
    const connect = encodePacket(
      {
        type: PacketType.CONNECT,
        protocolName: "MQTT",
        protocolVersion: 5,
        clientId: "c",
        cleanStart: true,
        keepAlive: 0,
      },
      5,
    );
    const v5Publish = encodePacket({ ...publish, properties: { contentType: "text/plain" } }, 5);
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    assert.equal(reader.version, 4);
    reader.push(concat(connect, v5Publish));
    const first = reader.read();
    assert.ok(first?.type === PacketType.CONNECT);
    reader.version = first.protocolVersion;
    const second = reader.read();
    assert.ok(second?.type === PacketType.PUBLISH);
    assert.deepEqual(second.properties, { contentType: "text/plain" });
  });

  test("FrameReader stays failed after a ProtocolError", () => {
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    reader.push(Uint8Array.of(0x00, 0x00));
    let first: unknown;
    assert.throws(
      () => reader.read(),
      (error) => {
        first = error;
        return error instanceof ProtocolError;
      },
    );
    reader.push(Uint8Array.of(0xc0, 0x00));
    assert.throws(
      () => reader.read(),
      (error) => error === first,
    );
  });

  test("FrameReader checks the packet type against the version before buffering the body", () => {
    const reader = new FrameReader({ maximumPacketSize: 1 << 20 });
    reader.push(Uint8Array.of(0xf0, 0xff, 0x7f)); // AUTH with a 16383-byte body, in 3.1.1
    assert.throws(() => reader.read(), ProtocolError);
  });

  test("new FrameReader() refuses a maximumPacketSize below 2", () => {
    assert.throws(() => new FrameReader({ maximumPacketSize: 1 }), RangeError);
    assert.throws(() => new FrameReader({ maximumPacketSize: Number.NaN }), RangeError);
  });

  test("a PUBLISH topic like the last one is the same string; any other is decoded and checked", () => {
    const reader = new FrameReader({ maximumPacketSize: 1024 });
    const topicOf = (topic: string | Uint8Array): string => {
      const bytes = typeof topic === "string" ? new TextEncoder().encode(topic) : topic;
      // a PUBLISH frame written by hand, so any bytes can be its topic
      reader.push(concat(Uint8Array.of(0x30, bytes.length + 3, 0, bytes.length), bytes, Uint8Array.of(7)));
      const packet = reader.read();
      assert.ok(packet?.type === PacketType.PUBLISH);
      assert.deepEqual(packet.payload, Uint8Array.of(7));
      return packet.topic;
    };
    const first = topicOf("devices/dev-1/meta/temperature");
    assert.equal(first, "devices/dev-1/meta/temperature");
    assert.ok(Object.is(topicOf("devices/dev-1/meta/temperature"), first)); // recalled
    assert.equal(topicOf("devices/dev-2/meta/temperature"), "devices/dev-2/meta/temperature"); // same length
    assert.equal(topicOf("devices/dev-1/meta/temperature"), first);
    // the same length, one byte apart: in the first word, in the last one (the overlapping tail)
    for (const other of ["eevices/dev-1/meta/temperature", "devices/dev-1/meta/temperaturf"]) {
      assert.equal(topicOf(other), other);
      assert.equal(topicOf("devices/dev-1/meta/temperature"), "devices/dev-1/meta/temperature");
    }
    assert.equal(topicOf("devices/dev-1/meta/temperature"), topicOf("devices/dev-1/meta/temperature"));
    assert.equal(topicOf("a/°C"), "a/°C"); // beyond ASCII: decoded, not recalled
    assert.equal(topicOf("a/°C"), "a/°C");
    assert.equal(topicOf("a/xCC"), "a/xCC"); // as long in bytes as the last
    // bytes that differ from the last topic's only where the string could not hold them
    topicOf("ab");
    assert.throws(() => topicOf(Uint8Array.of(0x61, 0x00)), ProtocolError); // U+0000 [MQTT-1.5.4-2]
    const failed = new FrameReader({ maximumPacketSize: 1024 });
    failed.push(concat(Uint8Array.of(0x30, 5, 0, 2, 0x61, 0x62, 7)));
    assert.equal((failed.read() as { topic: string }).topic, "ab");
    failed.push(concat(Uint8Array.of(0x30, 5, 0, 2, 0x61, 0xe2, 7))); // ill-formed UTF-8 [MQTT-1.5.4-1]
    assert.throws(() => failed.read(), ProtocolError);
  });
});
