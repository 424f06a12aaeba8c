/**
 * WordBytes copies: byte for byte whatever the bytes and their length, at any offset, also when the
 * bytes hold a word that is a NaN as a double (copied with `set` then).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesWordBytes, WordBytes, writeWordBytes } from "./word-bytes.js";

/** A seeded generator of integers below `n` (the same cases every run). */
function seeded(start: number): (n: number) => number {
  let seed = start;
  return (n) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
}

describe("WordBytes", () => {
  it("is written byte for byte, any length at any offset, over what was there", () => {
    const random = seeded(3);
    const target = new Uint8Array(256);
    const view = new DataView(target.buffer);
    for (let i = 0; i < 5_000; i++) {
      const bytes = Uint8Array.from({ length: random(48) }, () => random(256));
      const at = random(256 - bytes.length);
      target.fill(0xaa);
      writeWordBytes(target, view, at, new WordBytes(bytes));
      assert.deepEqual(target.subarray(at, at + bytes.length), bytes);
      assert.ok(
        target.subarray(0, at).every((byte) => byte === 0xaa),
        "nothing before it written",
      );
      assert.ok(
        target.subarray(at + bytes.length).every((byte) => byte === 0xaa),
        "nothing after it written",
      );
    }
  });

  it("keeps no words for bytes holding a NaN word, nor for bytes shorter than a word", () => {
    // little-endian: the exponent's bits are in the last two bytes of the word
    const nan = Uint8Array.of(1, 2, 3, 4, 5, 6, 0xf8, 0x7f, 9, 10);
    assert.equal(new WordBytes(nan).words.length, 0);
    assert.equal(new WordBytes(Uint8Array.of(1, 2, 3)).words.length, 0);
    const text = new WordBytes(new TextEncoder().encode('{"name":"temperature","value":'));
    assert.equal(text.words.length, 3);
    // a multiple of 8 (no tail word): words all the same
    assert.equal(new WordBytes(new TextEncoder().encode("devices/bench-dev-3/meta")).words.length, 3);
    const target = new Uint8Array(12);
    writeWordBytes(target, new DataView(target.buffer), 1, new WordBytes(nan));
    assert.deepEqual(target.subarray(1, 11), nan);
  });

  it("matches bytes exactly where they are, at any offset of the buffer, reading nothing past the end", () => {
    const random = seeded(5);
    const buffer = new Uint8Array(128);
    const view = new DataView(buffer.buffer);
    for (let i = 0; i < 5_000; i++) {
      // zeros and NaN words too: such bytes are compared one by one
      const part = Uint8Array.from({ length: random(40) }, () => [0, 0x7f, 0xff, 0x41][random(4)]!);
      const offset = random(32);
      const bytes = buffer.subarray(offset, offset + 64);
      bytes.fill(0);
      const at = random(64 - part.length + 1);
      bytes.set(part, at);
      const kept = new WordBytes(part);
      assert.equal(matchesWordBytes(bytes, view, offset, at, kept), true);
      if (part.length > 0) {
        const k = random(part.length);
        bytes[at + k] = bytes[at + k]! ^ 0x80; // one bit changed
        assert.equal(matchesWordBytes(bytes, view, offset, at, kept), false);
        // the same bytes running past the end of `bytes` do not match
        assert.equal(
          matchesWordBytes(bytes.subarray(0, at + part.length - 1), view, offset, at, kept),
          false,
        );
      }
    }
    // +0 and -0 as words: equal doubles, different bytes
    const negativeZero = new WordBytes(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x80));
    assert.equal(negativeZero.words.length, 0);
    const zeros = new Uint8Array(8);
    assert.equal(matchesWordBytes(zeros, new DataView(zeros.buffer), 0, 0, negativeZero), false);
  });
});
