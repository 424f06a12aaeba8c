import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ProtocolError } from "./protocol-error.js";
import { asciiToString, decodeUtf8, encodeUtf8Into, isValidUtf8, utf8Length } from "./utf8.js";

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeAll(bytes: readonly number[]): string {
  const array = Uint8Array.from(bytes);
  return decodeUtf8(array, 0, array.length);
}

function rejectsWith(bytes: readonly number[], rule: string): void {
  assert.throws(
    () => decodeAll(bytes),
    (error) => error instanceof ProtocolError && error.rule === rule && error.reasonCode === 0x81,
  );
}

/** A small deterministic PRNG for the differential loop. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
}

describe("decodeUtf8()", () => {
  test("decodeUtf8() decodes ASCII, 2-, 3- and 4-byte sequences", () => {
    for (const text of [
      "",
      "a/b",
      "x".repeat(300),
      "é",
      "€uro",
      "中文",
      "😀",
      "a𝄞b",
      "\uFFFF",
      "\u0001\u007F",
    ]) {
      const bytes = new TextEncoder().encode(text);
      assert.equal(decodeUtf8(bytes, 0, bytes.length), text);
    }
  });

  test("decodeUtf8() decodes ASCII of every length up to past the pure-JavaScript limit, at any offset", () => {
    const alphabet = "abcdefghijklmnopqrstuvwxyz/+#$ 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ~";
    for (let length = 0; length <= 300; length++) {
      const text = Array.from({ length }, (_, i) => alphabet[(i * 7 + length) % alphabet.length]).join("");
      const bytes = new TextEncoder().encode(`<<${text}>>`);
      assert.equal(decodeUtf8(bytes, 2, 2 + length), text, `length ${length}`);
    }
  });

  test("decodeUtf8() decodes a slice of a larger buffer", () => {
    const bytes = Uint8Array.from([0xff, 0x61, 0x62, 0xc3, 0xa9, 0xff]);
    assert.equal(decodeUtf8(bytes, 1, 5), "abé");
    assert.equal(decodeUtf8(bytes, 1, 3), "ab");
  });

  test("decodeUtf8() keeps a byte order mark [MQTT-1.5.4-3]", () => {
    assert.equal(decodeAll([0xef, 0xbb, 0xbf, 0x61]), "\uFEFFa");
  });

  test("decodeUtf8() rejects U+0000 [MQTT-1.5.4-2]", () => {
    rejectsWith([0x00], "MQTT-1.5.4-2");
    rejectsWith([0x61, 0x00, 0x62], "MQTT-1.5.4-2");
    rejectsWith([0xe2, 0x82, 0xac, 0x00], "MQTT-1.5.4-2");
  });

  test("decodeUtf8() rejects ill-formed UTF-8 [MQTT-1.5.4-1]", () => {
    const illFormed = [
      [0x80], // lone continuation
      [0xc0, 0x80], // overlong U+0000
      [0xc1, 0xbf], // overlong
      [0xe0, 0x80, 0x80], // overlong
      [0xf0, 0x80, 0x80, 0x80], // overlong
      [0xed, 0xa0, 0x80], // U+D800 surrogate
      [0xed, 0xbf, 0xbf], // U+DFFF surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0xc3], // truncated
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc3, 0x61], // bad continuation
      [0x61, 0xe2, 0x28, 0xa1],
    ];
    for (const bytes of illFormed) rejectsWith(bytes, "MQTT-1.5.4-1");
  });

  test("decodeUtf8() agrees with a fatal TextDecoder on random bytes", () => {
    const next = lcg(7);
    for (let round = 0; round < 5000; round++) {
      const bytes = Uint8Array.from({ length: next() % 12 }, () => {
        const byte = next();
        return byte === 0 ? 1 : byte < 64 ? 0x61 : byte; // bias towards multi-byte sequences
      });
      let expected: string | undefined;
      try {
        expected = fatal.decode(bytes);
      } catch {
        expected = undefined;
      }
      if (expected === undefined) {
        assert.throws(() => decodeUtf8(bytes, 0, bytes.length), ProtocolError, `bytes ${bytes.join(",")}`);
        assert.equal(isValidUtf8(bytes), false);
      } else {
        assert.equal(decodeUtf8(bytes, 0, bytes.length), expected);
        assert.equal(isValidUtf8(bytes), true);
      }
    }
  });
});

describe("asciiToString()", () => {
  test("gives the characters of any length of ASCII bytes, a few hundred thousand too", () => {
    for (const length of [0, 1, 4, 12, 13, 16, 17, 255, 256, 257, 300_000]) {
      const bytes = Uint8Array.from({ length: length + 4 }, (_, i) => 0x20 + (i % 95));
      const expected = String.fromCharCode(...bytes.subarray(2, 2 + Math.min(length, 1000)));
      const text = asciiToString(bytes, 2, 2 + length);
      assert.equal(text.length, length);
      assert.equal(text.slice(0, 1000), expected);
    }
  });
});

describe("isValidUtf8()", () => {
  test("isValidUtf8() accepts well-formed UTF-8 including U+0000", () => {
    assert.equal(isValidUtf8(new Uint8Array(0)), true);
    assert.equal(isValidUtf8(Uint8Array.of(0x00, 0x61)), true);
    assert.equal(isValidUtf8(new TextEncoder().encode("héllo 中 😀")), true);
  });

  test("isValidUtf8() rejects ill-formed UTF-8", () => {
    assert.equal(isValidUtf8(Uint8Array.of(0xed, 0xa0, 0x80)), false);
    assert.equal(isValidUtf8(Uint8Array.of(0x61, 0xc3)), false);
  });
});

describe("encodeUtf8Into() and utf8Length()", () => {
  test("encodeUtf8Into() writes what TextEncoder writes, and utf8Length() counts it", () => {
    for (const text of ["", "abc", "é", "€", "中文", "😀", "a𝄞b", "\uFEFF", "\uFFFF", "x".repeat(70)]) {
      const expected = new TextEncoder().encode(text);
      const target = new Uint8Array(expected.length + 4);
      assert.equal(encodeUtf8Into(text, target, 2), expected.length);
      assert.deepEqual(target.subarray(2, 2 + expected.length), expected);
      assert.equal(utf8Length(text), expected.length);
    }
  });

  test("encodeUtf8Into() writes lone surrogates as U+FFFD, like TextEncoder", () => {
    for (const text of ["\uD800", "a\uDC00b", "\uD83D", "\uDE00\uD83D"]) {
      const expected = new TextEncoder().encode(text);
      const target = new Uint8Array(expected.length);
      assert.equal(encodeUtf8Into(text, target, 0), expected.length);
      assert.deepEqual(target, expected);
      assert.equal(utf8Length(text), expected.length);
    }
  });
});
