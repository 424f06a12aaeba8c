/**
 * UTF-8 for MQTT strings (spec 1.5.4), without Buffer.
 *
 * Decoding validates as it goes: ill-formed UTF-8 (overlong forms, surrogate code points U+D800..U+DFFF,
 * code points above U+10FFFF, truncated sequences) is a Malformed Packet [MQTT-1.5.4-1], and so is
 * U+0000 [MQTT-1.5.4-2]. A BOM (EF BB BF) is kept as U+FEFF [MQTT-1.5.4-3]. The "disallowed" code points
 * the spec only says SHOULD NOT be sent (controls, non-characters) are accepted.
 *
 * Hot path: topic names are short ASCII. Those are checked and turned into a string in plain JS with
 * fixed-arity `String.fromCharCode` calls (no subarray, no TextDecoder); everything else is validated
 * in JS and then handed to a `TextDecoder`. Encoding has an ASCII path too (`encodeAsciiInto`): one
 * pass that writes and checks each unit, for a frame sized for ASCII before the string was read.
 * @module
 */

import { malformed } from "./protocol-error.js";

const fromCharCode = String.fromCharCode;

/** Above this many bytes, ASCII strings also go through TextDecoder (cheaper than many concatenations). */
const ASCII_JS_LIMIT = 256;

/**
 * Stateless: `decode` is only ever called without `{ stream: true }`. `ignoreBOM: true` keeps a leading
 * U+FEFF in the output instead of stripping it [MQTT-1.5.4-3].
 */
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Result of `scanUtf8`: the bytes are well-formed, ill-formed, or well-formed but contain U+0000. */
const UTF8_OK = 0;
const UTF8_ILL_FORMED = 1;
const UTF8_HAS_NULL = 2;

type Utf8ScanResult = typeof UTF8_OK | typeof UTF8_ILL_FORMED | typeof UTF8_HAS_NULL;

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** Validates one multi-byte sequence starting at `i` (lead byte >= 0x80); returns its length, or 0 if ill-formed. */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const lead = bytes[i]!;
  if (lead >= 0xc2 && lead <= 0xdf) {
    return i + 1 < end && isContinuation(bytes[i + 1]) ? 2 : 0;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    if (i + 2 >= end) return 0;
    const second = bytes[i + 1]!;
    // E0 needs A0..BF (no overlongs); ED needs 80..9F (no surrogates, [MQTT-1.5.4-1]).
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return second >= low && second <= high && isContinuation(bytes[i + 2]) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (i + 3 >= end) return 0;
    const second = bytes[i + 1]!;
    // F0 needs 90..BF (no overlongs); F4 needs 80..8F (nothing above U+10FFFF).
    const low = lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xf4 ? 0x8f : 0xbf;
    return second >= low && second <= high && isContinuation(bytes[i + 2]) && isContinuation(bytes[i + 3])
      ? 4
      : 0;
  }
  return 0; // 0x80..0xC1 (continuation or overlong lead) and 0xF5..0xFF never start a sequence.
}

/** Checks `bytes[start, end)` for well-formed UTF-8 (RFC 3629) and reports whether it contains U+0000. */
function scanUtf8(bytes: Uint8Array, start: number, end: number): Utf8ScanResult {
  let hasNull = false;
  let i = start;
  while (i < end) {
    const byte = bytes[i]!;
    if (byte < 0x80) {
      if (byte === 0) hasNull = true;
      i++;
      continue;
    }
    const length = sequenceLength(bytes, i, end);
    if (length === 0) return UTF8_ILL_FORMED;
    i += length;
  }
  return hasNull ? UTF8_HAS_NULL : UTF8_OK;
}

/** True when `bytes` is well-formed UTF-8 (RFC 3629). U+0000 counts as well-formed here. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return scanUtf8(bytes, 0, bytes.length) !== UTF8_ILL_FORMED;
}

/**
 * Strings of at least this many characters that V8 joins from pieces become a rope (a tree of the
 * pieces, not one run of characters): whoever reads it first, a regular expression or a hash, then
 * flattens it, a runtime call that cost ~200 ns here for a 24-character topic.
 */
const ROPE_LENGTH = 13;

/**
 * Builds a string from bytes known to be ASCII (below 0x80; not checked): one `fromCharCode` call over
 * an array of the codes when joining pieces would make a rope (a flat string at once), else 16 or 4 or
 * 1 characters per call; above {@link ASCII_JS_LIMIT} bytes, a TextDecoder (a spread of hundreds of
 * thousands of arguments would overflow the stack).
 */
export function asciiToString(b: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > ASCII_JS_LIMIT) return textDecoder.decode(b.subarray(start, end));
  if (length >= ROPE_LENGTH && length !== 16) {
    const codes = new Array<number>(length);
    for (let k = 0; k < length; k++) codes[k] = b[start + k]!;
    return fromCharCode(...codes);
  }
  let result = "";
  let i = start;
  while (end - i >= 16) {
    result += fromCharCode(
      b[i]!,
      b[i + 1]!,
      b[i + 2]!,
      b[i + 3]!,
      b[i + 4]!,
      b[i + 5]!,
      b[i + 6]!,
      b[i + 7]!,
      b[i + 8]!,
      b[i + 9]!,
      b[i + 10]!,
      b[i + 11]!,
      b[i + 12]!,
      b[i + 13]!,
      b[i + 14]!,
      b[i + 15]!,
    );
    i += 16;
  }
  while (end - i >= 4) {
    result += fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!);
    i += 4;
  }
  while (i < end) {
    result += fromCharCode(b[i]!);
    i++;
  }
  return result;
}

/**
 * Decodes the UTF-8 Encoded String data in `bytes[start, end)` (without its length prefix).
 * Throws a Malformed Packet ProtocolError for ill-formed UTF-8 [MQTT-1.5.4-1] or U+0000 [MQTT-1.5.4-2].
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  let i = start;
  while (i < end) {
    const byte = bytes[i]!;
    if (byte === 0) throw malformed("Cannot decode string: it contains U+0000", "MQTT-1.5.4-2");
    if (byte >= 0x80) break;
    i++;
  }
  if (i === end && end - start <= ASCII_JS_LIMIT) return asciiToString(bytes, start, end);
  const scan = i === end ? UTF8_OK : scanUtf8(bytes, i, end);
  if (scan === UTF8_ILL_FORMED)
    throw malformed("Cannot decode string: it is not well-formed UTF-8", "MQTT-1.5.4-1");
  if (scan === UTF8_HAS_NULL) throw malformed("Cannot decode string: it contains U+0000", "MQTT-1.5.4-2");
  return textDecoder.decode(bytes.subarray(start, end));
}

/**
 * Checks the UTF-8 Encoded String data in `bytes[start, end)` as {@link decodeUtf8} does, without making
 * the string: for a field that is read only to be skipped.
 */
export function checkUtf8(bytes: Uint8Array, start: number, end: number): void {
  const scan = scanUtf8(bytes, start, end);
  if (scan === UTF8_ILL_FORMED)
    throw malformed("Cannot decode string: it is not well-formed UTF-8", "MQTT-1.5.4-1");
  if (scan === UTF8_HAS_NULL) throw malformed("Cannot decode string: it contains U+0000", "MQTT-1.5.4-2");
}

/**
 * Number of bytes `encodeUtf8Into` writes for `value`. A lone surrogate counts as U+FFFD (3 bytes),
 * as the encoder writes it, like `TextEncoder`.
 */
export function utf8Length(value: string): number {
  const length = value.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (
      unit >= 0xd800 &&
      unit <= 0xdbff &&
      i + 1 < length &&
      isLowSurrogate(value.charCodeAt(i + 1))
    ) {
      bytes += 2; // two UTF-16 units, four bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Writes `value` as UTF-8 into `target` at `offset` and returns the number of bytes written
 * (`utf8Length(value)`). The caller guarantees room. Lone surrogates are written as U+FFFD.
 */
export function encodeUtf8Into(value: string, target: Uint8Array, offset: number): number {
  const length = value.length;
  let pos = offset;
  for (let i = 0; i < length; i++) {
    let unit = value.charCodeAt(i);
    if (unit < 0x80) {
      target[pos++] = unit;
      continue;
    }
    if (unit < 0x800) {
      target[pos++] = 0xc0 | (unit >> 6);
      target[pos++] = 0x80 | (unit & 0x3f);
      continue;
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0;
      if (unit <= 0xdbff && isLowSurrogate(next)) {
        const codePoint = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        target[pos++] = 0xf0 | (codePoint >> 18);
        target[pos++] = 0x80 | ((codePoint >> 12) & 0x3f);
        target[pos++] = 0x80 | ((codePoint >> 6) & 0x3f);
        target[pos++] = 0x80 | (codePoint & 0x3f);
        i++;
        continue;
      }
      unit = 0xfffd;
    }
    target[pos++] = 0xe0 | (unit >> 12);
    target[pos++] = 0x80 | ((unit >> 6) & 0x3f);
    target[pos++] = 0x80 | (unit & 0x3f);
  }
  return pos - offset;
}

/**
 * Writes `value` at `offset` one byte per UTF-16 unit, as UTF-8 does for ASCII, and returns true; or
 * returns false at the first unit of 0x80 or above, having written the units before it. For encoders
 * that size a frame for an ASCII string (its `length` in bytes) and fall back to `utf8Length` and
 * `encodeUtf8Into` when it is not: the common ASCII string is then read once instead of twice. The
 * caller guarantees room for `value.length` bytes.
 */
export function encodeAsciiInto(value: string, target: Uint8Array, offset: number): boolean {
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0x80) return false;
    target[offset + i] = unit;
  }
  return true;
}
