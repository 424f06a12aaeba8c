import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_VARIABLE_BYTE_INTEGER,
  variableByteIntegerLength,
  writeVariableByteInteger,
} from "./variable-byte-integer.js";

const CASES: readonly (readonly [number, readonly number[]])[] = [
  [0, [0x00]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [16_383, [0xff, 0x7f]],
  [16_384, [0x80, 0x80, 0x01]],
  [2_097_151, [0xff, 0xff, 0x7f]],
  [2_097_152, [0x80, 0x80, 0x80, 0x01]],
  [MAX_VARIABLE_BYTE_INTEGER, [0xff, 0xff, 0xff, 0x7f]],
];

test("writeVariableByteInteger() writes the minimal encoding (spec table 1-1) [MQTT-1.5.5-1]", () => {
  for (const [value, expected] of CASES) {
    const target = new Uint8Array(6);
    const end = writeVariableByteInteger(target, 1, value);
    assert.equal(end, 1 + expected.length, `value ${value}`);
    assert.deepEqual(Array.from(target.subarray(1, end)), expected, `value ${value}`);
    assert.equal(variableByteIntegerLength(value), expected.length, `value ${value}`);
  }
});
