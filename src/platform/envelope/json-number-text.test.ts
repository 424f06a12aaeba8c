import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { writeJsonNumber } from "./json-number-text.js";

const out = new Uint8Array(32);
const decoder = new TextDecoder();

/** What writeJsonNumber wrote for `value`, or undefined when it left it to String. */
function written(value: number): string | undefined {
  const end = writeJsonNumber(value, out, 3);
  return end < 0 ? undefined : decoder.decode(out.subarray(3, end));
}

/** A deterministic pseudo-random source (xorshift), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe("writeJsonNumber()", () => {
  it("writes what String writes for integers, decimals, signs and -0", () => {
    for (const value of [
      0,
      -0,
      1,
      -1,
      7,
      10,
      310,
      612,
      -612,
      21.4,
      41.5,
      -41.5,
      0.5,
      0.05,
      0.000001,
      0.1 + 0.2,
      1234.5678,
      99.99,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      123456789.123,
      0.3,
      1 / 3,
    ])
      assert.equal(written(value) ?? String(value), String(value), String(value));
    assert.equal(written(21.4), "21.4");
    assert.equal(written(-0), "0");
    assert.equal(written(0.05), "0.05");
  });

  it("writes the same across the int32 and double ways of taking digits", () => {
    // whole numbers and mantissas on both sides of 2^31, where the digits stop being taken in int32
    for (const base of [2 ** 31, 2 ** 32, 10 ** 9, 10 ** 10, 2 ** 52, 2 ** 53])
      for (let delta = -3; delta <= 3; delta++)
        for (const scale of [1, 10, 100, 1000]) {
          const value = (base + delta) / scale;
          assert.equal(written(value) ?? String(value), String(value), String(value));
          assert.equal(written(-value) ?? String(-value), String(-value), String(-value));
        }
    assert.equal(written(2 ** 31 - 1), "2147483647");
    assert.equal(written(2 ** 31 + 0.5), "2147483648.5");
  });

  it("leaves to String what it cannot tell: exponents, huge, non-finite", () => {
    for (const value of [1e-7, -1e-7, 2 ** 53, 1e21, 1e300, Number.NaN, Infinity, -Infinity, 5e-324])
      assert.equal(written(value), undefined, String(value));
  });

  it("never differs from String over random short decimals, integers and raw doubles", () => {
    const next = random(0x5eed);
    const view = new DataView(new ArrayBuffer(8));
    let checked = 0;
    for (let i = 0; i < 300_000; i++) {
      let value: number;
      const kind = i % 3;
      if (kind === 0) {
        const digits = 1 + Math.floor(next() * 15);
        const scale = Math.floor(next() * 12);
        value = Math.floor(next() * 10 ** digits) / 10 ** scale; // sensor-like decimals
      } else if (kind === 1) value = Math.floor((next() - 0.5) * 2 ** 40);
      else {
        view.setUint32(0, Math.floor(next() * 2 ** 32));
        view.setUint32(4, Math.floor(next() * 2 ** 32));
        value = view.getFloat64(0); // any bit pattern
      }
      if (next() < 0.3) value = -value;
      const text = written(value);
      if (text === undefined) continue;
      checked++;
      assert.equal(text, String(value), `bits of ${value}`);
    }
    assert.ok(checked > 150_000, `only ${checked} values were written without String`);
  });
});
