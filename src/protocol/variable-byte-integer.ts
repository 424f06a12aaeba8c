/**
 * Variable Byte Integer (spec 1.5.5): 7 bits per byte, least significant group first, high bit set
 * on every byte but the last; at most four bytes, so at most 268,435,455.
 * @module
 */

/** The largest value a Variable Byte Integer can carry (four bytes). */
export const MAX_VARIABLE_BYTE_INTEGER = 268_435_455;

/** Number of bytes the minimal encoding of `value` takes (1..4). The caller checks the range. */
export function variableByteIntegerLength(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  return 4;
}

/** Writes the minimal encoding of `value` at `pos` [MQTT-1.5.5-1] and returns the position after it. */
export function writeVariableByteInteger(target: Uint8Array, pos: number, value: number): number {
  let rest = value;
  while (rest >= 0x80) {
    target[pos++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[pos++] = rest;
  return pos;
}
