/**
 * FrameScanner against the broker's codec: frames encoded with encodePacket, fed in random chunk sizes,
 * must come out whole and in order. Not part of `npm test` (which only looks in src/ and test/); run with
 * `node --import tsx --test bench/load/frame-scanner.test.ts`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodePacket, PacketType } from "../../src/protocol/index.js";
import { FrameScanner, type FrameSink } from "./frame-scanner.js";

function frames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) {
    const size = i % 7 === 0 ? 200 + i * 3 : i % 20; // some need a 2-byte Remaining Length
    out.push(
      encodePacket(
        {
          type: PacketType.PUBLISH,
          topic: `bench/${i}`,
          payload: new Uint8Array(size).fill(i & 0xff),
          qos: i % 2 === 0 ? 0 : 1,
          retain: false,
          dup: false,
          ...(i % 2 === 0 ? {} : { packetId: i + 1 }),
        },
        4,
      ),
    );
    if (i % 50 === 0) out.push(encodePacket({ type: PacketType.PUBACK, packetId: i + 1 }, 4));
  }
  return out;
}

/** Header byte and body of one encoded frame (the body follows the Remaining Length bytes). */
function split(frame: Uint8Array): { header: number; body: Uint8Array } {
  let index = 1;
  while ((frame[index]! & 0x80) !== 0) index++;
  return { header: frame[0]!, body: frame.subarray(index + 1) };
}

test("FrameScanner.push() returns every frame whole, whatever the chunking", () => {
  const expected = frames();
  const stream = Buffer.concat(expected);
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const maxChunk of [1, 2, 3, 5, 64, 1000, stream.length]) {
    const got: { header: number; body: Uint8Array }[] = [];
    const sink: FrameSink = {
      frame(header, buf, start, end) {
        got.push({ header, body: new Uint8Array(buf.subarray(start, end)) });
      },
    };
    const scanner = new FrameScanner();
    for (let pos = 0; pos < stream.length;) {
      const size = 1 + random(maxChunk);
      scanner.push(stream.subarray(pos, pos + size), sink);
      pos += size;
    }
    assert.equal(scanner.pendingBytes, 0);
    assert.equal(got.length, expected.length, `chunks up to ${maxChunk} bytes`);
    got.forEach((frame, i) =>
      assert.deepEqual(frame, split(expected[i]!), `frame ${i}, chunks up to ${maxChunk}`),
    );
  }
});
