/**
 * Bytes kept to be copied again and again into larger ones (a topic's encoded field, the fixed parts
 * of a derived payload), or compared again and again with parts of larger ones (a meta array's
 * segments, a connection's last topic), held also as doubles so that a copy or a comparison takes 8
 * bytes at a time through a `DataView`: the whole words, then the last 8 bytes (overlapping the last
 * whole word) when the length is not a multiple of 8. For the tens of bytes these are, a few word
 * stores cost about a third of one `Uint8Array.prototype.set`, which is a call into the runtime
 * (~40-60 ns on the development machine), and a few word loads a fraction of a loop over the bytes.
 *
 * Exact: a double read from 8 bytes and written back keeps its bits, but for a NaN, whose bits an
 * engine may change; and two doubles compare equal exactly when their bits are equal, but for +0/-0
 * (equal, different bits) and NaN (never equal). No 8 bytes of valid UTF-8 are a zero or a NaN (a zero
 * needs seven U+0000 bytes, a NaN a byte from 0xF0 up followed by DEL or 0xFF); bytes that hold one
 * anyway are kept without words, and copied with `set` or compared byte by byte, as are bytes shorter
 * than a word. Pure: no Node imports.
 * @module
 */

/** Bytes per word. */
const WORD = 8;
const NO_WORDS = new Float64Array(0);

/**
 * `bytes` ready to be copied with {@link writeWordBytes} and compared with {@link matchesWordBytes}.
 * Make one per text or field and keep it: it is read, never written.
 *
 * @example
 * ```ts
 * const part = new WordBytes(new TextEncoder().encode('{"name":"als","value":'));
 * part.length; // 22
 * ```
 */
export class WordBytes {
  readonly bytes: Uint8Array;
  readonly length: number;
  /** The whole words as doubles; empty: copied with `set`, compared byte by byte. */
  readonly words: Float64Array;
  /** The last 8 bytes as a double when the length is not a multiple of 8 and not below it; else NaN. */
  readonly tail: number;

  constructor(bytes: Uint8Array) {
    const length = bytes.byteLength;
    this.bytes = bytes;
    this.length = length;
    const view = new DataView(bytes.buffer, bytes.byteOffset, length);
    const words = new Float64Array(Math.floor(length / WORD));
    for (let k = 0; k < words.length; k++) words[k] = view.getFloat64(k * WORD, true);
    const hasTail = length >= WORD && length % WORD !== 0;
    const tail = hasTail ? view.getFloat64(length - WORD, true) : Number.NaN; // a double either way
    const exact = (!hasTail || isExact(tail)) && words.every(isExact);
    this.words = exact ? words : NO_WORDS;
    this.tail = tail;
  }
}

/** Writes `part` into `target` at `at` (`view`: a view of all of `target`'s bytes, from its start). */
export function writeWordBytes(target: Uint8Array, view: DataView, at: number, part: WordBytes): void {
  const words = part.words;
  if (words.length === 0) {
    target.set(part.bytes, at);
    return;
  }
  for (let k = 0; k < words.length; k++) view.setFloat64(at + k * WORD, words[k]!, true);
  const length = part.length;
  if (length % WORD !== 0) view.setFloat64(at + length - WORD, part.tail, true);
}

/**
 * Whether `part` is in `bytes` at `at`: `view` is a view of `bytes`'s buffer, in which `bytes` starts
 * at `offset` (a view of a whole read chunk serves all the frames in it). Nothing past `bytes`'s end
 * is read.
 */
export function matchesWordBytes(
  bytes: Uint8Array,
  view: DataView,
  offset: number,
  at: number,
  part: WordBytes,
): boolean {
  const length = part.length;
  if (at + length > bytes.length) return false;
  const words = part.words;
  if (words.length === 0) {
    const expected = part.bytes;
    for (let i = 0; i < length; i++) if (bytes[at + i] !== expected[i]) return false;
    return true;
  }
  const base = offset + at;
  for (let k = 0; k < words.length; k++)
    if (view.getFloat64(base + k * WORD, true) !== words[k]) return false;
  return length % WORD === 0 || view.getFloat64(base + length - WORD, true) === part.tail;
}

/** A word whose double compares equal to another exactly when their bits are equal. */
function isExact(word: number): boolean {
  return word !== 0 && !Number.isNaN(word);
}
