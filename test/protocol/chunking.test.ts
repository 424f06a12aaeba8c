import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  encodePacket,
  FrameReader,
  type Packet,
  PacketType,
  type ProtocolVersion,
} from "../../src/protocol/index.js";
import { arbitraryPacket } from "./arbitrary.js";
import { Random, testSeed } from "./random.js";

const MAX_STREAM_BYTES = 2000;

/** A stream of small random packets (no CONNECT, which would switch versions) and their frames. */
function stream(rng: Random, version: ProtocolVersion): { packets: Packet[]; bytes: Uint8Array } {
  const packets: Packet[] = [];
  const frames: Uint8Array[] = [];
  let length = 0;
  while (length < MAX_STREAM_BYTES - 300) {
    const packet = arbitraryPacket(rng, version);
    if (packet.type === PacketType.CONNECT) continue;
    const frame = encodePacket(packet, version);
    if (frame.length > 300) continue;
    packets.push(packet);
    frames.push(frame);
    length += frame.length;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const frame of frames) {
    bytes.set(frame, offset);
    offset += frame.length;
  }
  return { packets, bytes };
}

/** Pushes each chunk and reads everything available after each push. */
function readAll(chunks: readonly Uint8Array[], version: ProtocolVersion): Packet[] {
  const reader = new FrameReader({ maximumPacketSize: 1024 });
  reader.version = version;
  const packets: Packet[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let packet = reader.read(); packet !== null; packet = reader.read()) packets.push(packet);
  }
  assert.equal(reader.bufferedBytes, 0);
  return packets;
}

describe("FrameReader chunking", () => {
  for (const version of [3, 4, 5] as const) {
    test(`FrameReader yields the same packets for a stream split at every byte offset (version ${version})`, (t) => {
      const seed = testSeed();
      t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
      const { packets, bytes } = stream(new Random(seed), version);
      t.diagnostic(`${packets.length} packets, ${bytes.length} bytes`);
      assert.deepStrictEqual(readAll([bytes], version), packets, "one chunk");
      for (let split = 0; split <= bytes.length; split++) {
        const chunks = [bytes.subarray(0, split), bytes.subarray(split)];
        assert.deepStrictEqual(readAll(chunks, version), packets, `split at ${split}, seed ${seed}`);
      }
    });

    test(`FrameReader yields the same packets byte by byte and in random chunks (version ${version})`, (t) => {
      const seed = testSeed();
      t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
      const rng = new Random(seed);
      const { packets, bytes } = stream(rng, version);
      const single = Array.from(bytes, (byte) => Uint8Array.of(byte));
      assert.deepStrictEqual(readAll(single, version), packets, "byte by byte");
      for (let round = 0; round < 50; round++) {
        const chunks: Uint8Array[] = [];
        for (let offset = 0; offset < bytes.length;) {
          const size = rng.pick([1, 2, 5, rng.int(1, 40), rng.int(1, 400)]);
          chunks.push(bytes.subarray(offset, offset + size));
          offset += size;
        }
        assert.deepStrictEqual(readAll(chunks, version), packets, `round ${round}, seed ${seed}`);
      }
    });

    test(`FrameReader reads packets pushed in several chunks before any read (version ${version})`, (t) => {
      const seed = testSeed();
      t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
      const rng = new Random(seed);
      const { packets, bytes } = stream(rng, version);
      const reader = new FrameReader({ maximumPacketSize: 1024 });
      reader.version = version;
      for (let offset = 0; offset < bytes.length;) {
        const size = rng.int(1, 100);
        reader.push(bytes.subarray(offset, offset + size));
        offset += size;
      }
      assert.equal(reader.bufferedBytes, bytes.length);
      const read: Packet[] = [];
      for (let packet = reader.read(); packet !== null; packet = reader.read()) read.push(packet);
      assert.deepStrictEqual(read, packets);
      assert.equal(reader.bufferedBytes, 0);
    });
  }
});
