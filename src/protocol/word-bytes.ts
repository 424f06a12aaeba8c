/**
 * Bytes kept to be copied again and again into larger ones (a topic's encoded field, the fixed parts
 * of a derived payload), held also as doubles so that a copy writes 8 bytes at a time through a
 * `DataView`: the whole words, then the last 8 bytes (overlapping the last whole word) when the length
 * is not a multiple of 8. For the tens of bytes these are, a few word stores cost about a third of one
 * `Uint8Array.prototype.set`, which is a call into the runtime (~40-60 ns on the development machine).
 *
 * Exact: a double read from 8 bytes and written back keeps its bits, but for a NaN, whose bits an
 * engine may change. No 8 bytes of valid UTF-8 are a NaN (that needs a byte from 0xF0 up followed by
 * DEL or 0xFF), and bytes that hold one anyway are copied with `set`, as are bytes shorter than a word.
 * Pure: no Node imports.
 * @module
 */

/** Bytes per word. */
const WORD = 8;
const NO_WORDS = new Float64Array(0);

/**
 * `bytes` ready to be copied with {@link writeWordBytes}. Make one per text or field and keep it: it is
 * read, never written.
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
  /** The whole words as doubles; empty: copied with `set`. */
  readonly words: Float64Array;
  /** The last 8 bytes as a double, when there are words and the length is not a multiple of 8. */
  readonly tail: number;

  constructor(bytes: Uint8Array) {
    const length = bytes.byteLength;
    this.bytes = bytes;
    this.length = length;
    const view = new DataView(bytes.buffer, bytes.byteOffset, length);
    const words = new Float64Array(Math.floor(length / WORD));
    for (let k = 0; k < words.length; k++) words[k] = view.getFloat64(k * WORD, true);
    const tail = length < WORD || length % WORD === 0 ? 0 : view.getFloat64(length - WORD, true);
    const exact = !Number.isNaN(tail) && !words.some((word) => Number.isNaN(word));
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
