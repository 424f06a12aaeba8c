/**
 * Writing a number's JSON text straight into bytes, the digits `JSON.stringify` (and `String`) would
 * write, without making the string: converting a double to its shortest text is one of the dearer
 * steps of a small derived payload (~120 ns per value in a development measurement on Node 20), and
 * most sensor values are short decimals.
 *
 * How. An integer up to 2^53 is written digit by digit. A decimal is tried with k = 1, 2, ... fraction
 * digits: `m = round(|v| * 10^k)`, accepted when `m / 10^k === |v|` (both exact doubles, IEEE division
 * correctly rounded, so the text `m * 10^-k` reads back as the value). While `m < 2^52`, the steps of
 * 10^-k are wider than the doubles' spacing near the value, so no other k-digit decimal reads back as
 * it: the first k that works gives the shortest text, which is the one JavaScript writes. Values below
 * 1e-6 (written with an exponent), non-finite values and anything the loop does not settle within 15
 * digits are left to the caller (`String`). json-number-text.test.ts compares with `String` over many
 * random values.
 * @module
 */

/** 10^0 .. 10^15, exact doubles. */
const POWERS = Array.from({ length: 16 }, (_, i) => 10 ** i);
/** Below it, consecutive k-digit decimals are further apart than doubles near them (see above). */
const MANTISSA_LIMIT = 2 ** 52;
/** Below it, JavaScript writes a number with an exponent. */
const SMALLEST_FIXED = 1e-6;
/** Below it, a whole number's digits are taken with int32 arithmetic. */
const INT32_LIMIT = 2 ** 31;
const ZERO = 0x30;

/**
 * Writes `JSON.stringify(value)` for a finite number into `out` at `at` as ASCII, returning the offset
 * after it; -1 (nothing written) when it cannot tell the text without `String`. `out` needs room for 24
 * bytes.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(24);
 * writeJsonNumber(21.4, out, 0); // 4: out starts with the bytes of "21.4"
 * writeJsonNumber(1e-7, out, 0); // -1: String(1e-7) is "1e-7"
 * ```
 */
export function writeJsonNumber(value: number, out: Uint8Array, at: number): number {
  let magnitude = value;
  let start = at;
  if (value < 0) {
    magnitude = -value;
    out[start++] = 0x2d; // "-"
  }
  if (Number.isInteger(magnitude)) {
    if (magnitude > Number.MAX_SAFE_INTEGER) return -1; // -0 is an integer: written "0", as JSON does
    return writeDigits(magnitude, 0, out, start);
  }
  if (!(magnitude >= SMALLEST_FIXED) || magnitude >= MANTISSA_LIMIT) return -1; // NaN fails the first test
  for (let k = 1; k < POWERS.length; k++) {
    const power = POWERS[k]!;
    const mantissa = Math.round(magnitude * power);
    if (mantissa >= MANTISSA_LIMIT) return -1;
    if (mantissa / power === magnitude) {
      // a shorter k should have matched: not sure of the shortest text (`%` of a double is a slow call)
      if (Math.floor(mantissa / 10) * 10 === mantissa) return -1;
      return writeDigits(mantissa, k, out, start);
    }
  }
  return -1;
}

/**
 * Writes `mantissa * 10^-fraction` (a safe integer) in fixed notation, a leading "0" before a bare point.
 * Each digit is `rest - 10 * floor(rest / 10)`, exact below 2^53 (`rest / 10` is within 1/16 of its
 * value there, so it never rounds across a whole number), in int32 arithmetic when the mantissa allows:
 * `%` of a double is a call into the runtime, several times dearer than the rest of a digit.
 */
function writeDigits(mantissa: number, fraction: number, out: Uint8Array, at: number): number {
  let digits = 1;
  while (digits < POWERS.length && mantissa >= POWERS[digits]!) digits++;
  if (digits <= fraction) digits = fraction + 1; // 0.05: the "0" and the leading zeros of the fraction
  const end = at + digits + (fraction > 0 ? 1 : 0);
  let p = end;
  if (mantissa < INT32_LIMIT) {
    let rest = mantissa | 0;
    for (let written = 0; written < digits; written++) {
      if (written === fraction && fraction > 0) out[--p] = 0x2e; // "."
      const next = (rest / 10) | 0;
      out[--p] = ZERO + (rest - next * 10);
      rest = next;
    }
    return end;
  }
  let rest = mantissa;
  for (let written = 0; written < digits; written++) {
    if (written === fraction && fraction > 0) out[--p] = 0x2e; // "."
    const next = Math.floor(rest / 10);
    out[--p] = ZERO + (rest - next * 10);
    rest = next;
  }
  return end;
}
