/**
 * Fuzzing the FrameReader: random bytes, random bodies behind valid fixed headers, and mutations of
 * valid streams (bit flips, truncation, inserted and deleted bytes, corrupted Remaining Length), fed in
 * random chunk sizes. The only exception allowed is ProtocolError, the reader never loops, and every
 * packet it does return survives encode/decode unchanged.
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  decodePacket,
  encodePacket,
  FrameReader,
  type Packet,
  PacketType,
  ProtocolError,
  type ProtocolVersion,
  ReasonCode,
} from "../../src/protocol/index.js";
import { arbitraryPacket } from "./arbitrary.js";
import { Random, testSeed } from "./random.js";

const ALLOWED_REASON_CODES = new Set<number>([
  ReasonCode.MalformedPacket,
  ReasonCode.ProtocolError,
  ReasonCode.UnsupportedProtocolVersion,
  ReasonCode.PacketTooLarge,
]);
const TIME_BUDGET_MS = 1500;

/** Feeds `bytes` to a fresh reader in random chunks; returns the packets read before any error. */
function feed(rng: Random, bytes: Uint8Array, version: ProtocolVersion, context: string): Packet[] {
  const reader = new FrameReader({ maximumPacketSize: rng.pick([64, 1024, 268_435_460]) });
  reader.version = version;
  const packets: Packet[] = [];
  let reads = 0;
  try {
    let offset = 0;
    while (offset < bytes.length) {
      const size = rng.pick([1, 2, 3, rng.int(1, 16), rng.int(1, 300)]);
      reader.push(bytes.subarray(offset, offset + size));
      offset += size;
      for (let packet = reader.read(); packet !== null; packet = reader.read()) {
        reads++;
        // Every returned packet consumes at least 2 bytes: more reads than that is a loop.
        assert.ok(reads <= bytes.length / 2, `reader loops (${context})`);
        checkStable(packet, reader.version, context);
        packets.push(packet);
      }
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    assert.ok(
      ALLOWED_REASON_CODES.has(error.reasonCode),
      `unexpected reason code ${error.reasonCode} (${context})`,
    );
    assert.throws(
      () => reader.read(),
      (again: unknown) => again === error,
      `reader must stay failed (${context})`,
    );
  }
  return packets;
}

/** A decoded packet re-encodes to a frame that decodes to the same packet. */
function checkStable(packet: Packet, version: ProtocolVersion, context: string): void {
  const again = decodePacket(encodePacket(packet, version), version);
  assert.deepStrictEqual(again, packet, `decoded packet is not stable under encode/decode (${context})`);
}

function validStream(rng: Random, version: ProtocolVersion): { bytes: Uint8Array; frameStarts: number[] } {
  const frames = Array.from({ length: rng.int(1, 6) }, () =>
    encodePacket(arbitraryPacket(rng, version), version),
  );
  const frameStarts: number[] = [];
  const bytes = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    frameStarts.push(offset);
    bytes.set(frame, offset);
    offset += frame.length;
  }
  return { bytes, frameStarts };
}

function mutate(rng: Random, bytes: Uint8Array, frameStarts: number[]): Uint8Array {
  let result = bytes;
  for (let count = rng.int(1, 3); count > 0 && result.length > 0; count--) {
    const at = rng.int(0, result.length - 1);
    switch (rng.int(0, 5)) {
      case 0: // bit flip
        result = result.slice();
        result[at]! ^= 1 << rng.int(0, 7);
        break;
      case 1: // truncation
        result = result.slice(0, at);
        break;
      case 2: {
        // inserted bytes
        const inserted = rng.bytes(rng.int(1, 8));
        result = Uint8Array.from([...result.subarray(0, at), ...inserted, ...result.subarray(at)]);
        break;
      }
      case 3: // deleted bytes
        result = Uint8Array.from([...result.subarray(0, at), ...result.subarray(at + rng.int(1, 8))]);
        break;
      case 4: {
        // Remaining Length corruption
        const start = rng.pick(frameStarts) + 1;
        if (start < result.length) {
          result = result.slice();
          result[start] = rng.pick([0x00, 0x7f, 0x80, 0xff, rng.int(0, 255)]);
        }
        break;
      }
      default: // special byte values
        result = result.slice();
        result[at] = rng.pick([0x00, 0xff, 0x80, 0xc0, 0xed]);
    }
  }
  return result;
}

/** A random body behind a fixed header that is valid for some packet type. */
function randomBody(rng: Random): Uint8Array {
  const type = rng.int(1, 15);
  const flags = type === PacketType.PUBLISH ? rng.int(0, 15) : [6, 8, 10].includes(type) ? 2 : 0;
  const body = rng.bytes(rng.pick([0, 1, 2, 3, rng.int(0, 40), rng.int(0, 200)]));
  const header = body.length < 128 ? [body.length] : [(body.length & 0x7f) | 0x80, body.length >> 7];
  return Uint8Array.from([(type << 4) | flags, ...header, ...body]);
}

test("FrameReader.read() throws only ProtocolError and never loops on fuzzed input", (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with PROTOCOL_TEST_SEED=${seed})`);
  const rng = new Random(seed);
  const started = Date.now();
  let cases = 0;
  while (Date.now() - started < TIME_BUDGET_MS && cases < 60_000) {
    const version = rng.pick([3, 4, 5] as const);
    const kind = cases % 3;
    const context = `case ${cases} kind ${kind} version ${version}, seed ${seed}`;
    if (kind === 0) {
      feed(rng, rng.bytes(rng.int(1, 200)), version, context);
    } else if (kind === 1) {
      feed(rng, randomBody(rng), version, context);
    } else {
      const { bytes, frameStarts } = validStream(rng, version);
      feed(rng, mutate(rng, bytes, frameStarts), version, context);
    }
    cases++;
  }
  t.diagnostic(`${cases} fuzz cases`);
  assert.ok(cases > 1000, "too few fuzz cases ran in the time budget");
});
