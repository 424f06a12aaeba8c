/**
 * The shape of a device's meta array, to read the next ones without decoding and `JSON.parse`.
 *
 * A device publishes the same array again and again: the same items, names, display names and units,
 * in the same order and layout; only each item's `value` and `timestamp` change. `JSON.parse` builds
 * every item object afresh (about half of what a meta publish costs the dialect), although all the
 * dialect needs from a publish like the last one is its values and timestamps.
 *
 * A shape is learned from a text `JSON.parse` read and the dialect accepted: the text is cut at each
 * item's `value` and `timestamp` tokens (the slots); what lies between them (the segments) is kept
 * as its UTF-8 bytes. A later payload is read against it as bytes, as it came: every segment must be
 * there byte for byte, and every slot must hold one JSON token of the kind allowed there (a string
 * without escapes or control characters, a number, `true`, `false`, `null`; a timestamp only a
 * string). A payload that reads is then valid JSON whose parse would be the learned array with those
 * values and timestamps put in: the segments come from valid JSON, and each slot ends where its token
 * ends by JSON's grammar, not where the next segment begins. Anything else (another layout, an escape,
 * a nested value, one item more, a byte order mark) does not read, and the caller takes the long way.
 *
 * Why bytes. Decoding the payload into a string cost about as much as the rest of the read, and a
 * string cannot be compared a block at a time: a slice compared with `===` is a runtime call, a regular
 * expression of the whole shape about a nanosecond per character. Bytes can: a segment is compared 8
 * bytes at a time, as doubles read through a `DataView` (a double compares equal to another exactly
 * when their bits are equal, but for +0/-0 and NaN, which no word of valid UTF-8 text is; a segment
 * with such a word is compared byte by byte all the same; protocol/word-bytes.ts). Only the slots
 * become JavaScript values: a number is read from its digits, a string decoded; a timestamp like the
 * last one read (the items of an array, and the arrays of a device, mostly share one) is the last
 * one's string, found by comparing bytes, so equal timestamps come out as one string and later
 * comparisons of it are pointer comparisons.
 *
 * Learning refuses what a slot could not stand for: a key written with an escape (`"\u0076alue"` is
 * `value` once parsed), an item with a key twice (the parse keeps the last), an item without both
 * slots, a `value` that is an object or an array; and a text with any escape (a segment would hold it).
 *
 * Pure: no Node imports.
 * @module
 */

import { asciiToString, matchesWordBytes, WordBytes } from "../../../protocol/index.js";

/** Ten to the power of 0..22: the powers a double holds exactly. */
const EXACT_POWERS_OF_TEN: readonly number[] = Object.freeze(Array.from({ length: 23 }, (_, i) => 10 ** i));
/** Digits of a number read without `Number`: below 2^53, so the digits are held exactly. */
const EXACT_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** The first byte a string slot decodes with a TextDecoder rather than as ASCII (DEL, then beyond ASCII). */
const DEL = 0x7f;
/** Bytes of one word of a segment compared at once. */
const WORD = 8;
/** Timestamp bytes a {@link MetaSlots} keeps to compare the next ones with (longer ones are decoded each time). */
const TIME_BYTES_KEPT = 64;

/**
 * For a string slot's bytes beyond ASCII. `ignoreBOM`: a slot that starts with U+FEFF keeps it, as in
 * the parse of the whole payload (a decoder strips a byte order mark only at the start of what it is
 * given, which for the whole payload is never inside a string). `fatal`: ill-formed UTF-8 does not
 * read (the long way refuses the payload).
 */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
/** Buffers up to this size are kept (with their view) from one read to the next; larger ones are not. */
const KEPT_BUFFER_BYTES = 64 * 1024;

/**
 * What a read gives per item (`values[i]`, `times[i]`), in arrays reused from read to read, and what a
 * read keeps for the next: a view of the last payload's buffer (the frames of one read chunk share
 * it) and the last timestamp decoded. Make one per reader and reuse it.
 */
export class MetaSlots {
  readonly values: unknown[] = [];
  readonly times: string[] = [];
  #buffer: ArrayBufferLike | undefined;
  #view: DataView = new DataView(new ArrayBuffer(0));
  /** The bytes of the last timestamp decoded (printable ASCII), and its string. */
  readonly #time = new Uint8Array(TIME_BYTES_KEPT);
  readonly #timeView = new DataView(this.#time.buffer);
  #timeLength = -1;
  #timeText = "";

  /**
   * A view of all of `bytes`'s buffer, made anew only when the buffer changes (the frames of one read
   * chunk share it). A buffer larger than a read chunk (a large frame reassembled on its own) is not
   * kept: it would stay alive until the next read.
   */
  view(bytes: Uint8Array): DataView {
    const buffer = bytes.buffer;
    if (buffer === this.#buffer) return this.#view;
    const view = new DataView(buffer);
    if (buffer.byteLength <= KEPT_BUFFER_BYTES) {
      this.#buffer = buffer;
      this.#view = view;
    }
    return view;
  }

  /**
   * Whether `bytes[at]` starts the last timestamp decoded, closing quote included: `view` is
   * {@link view} of `bytes`, which starts at `offset` in it. Compared a word at a time, which is exact:
   * the kept bytes are printable ASCII, so none of their words is a zero or NaN.
   */
  isLastTime(bytes: Uint8Array, view: DataView, offset: number, at: number): boolean {
    const length = this.#timeLength;
    if (length < 0 || at + length >= bytes.length || bytes[at + length] !== QUOTE) return false;
    const kept = this.#timeView;
    const base = offset + at;
    let i = 0;
    for (; i + WORD <= length; i += WORD)
      if (view.getFloat64(base + i, true) !== kept.getFloat64(i, true)) return false;
    if (i === length) return true;
    if (length >= WORD)
      return view.getFloat64(base + length - WORD, true) === kept.getFloat64(length - WORD, true);
    const bytesKept = this.#time;
    for (; i < length; i++) if (bytes[at + i] !== bytesKept[i]) return false;
    return true;
  }

  /** The string of the last timestamp decoded (after {@link isLastTime} said so). */
  get lastTime(): string {
    return this.#timeText;
  }

  /** The timestamp `bytes[start, end)` (printable ASCII) as a string, kept as the last one. */
  newTime(bytes: Uint8Array, start: number, end: number): string {
    const text = asciiToString(bytes, start, end);
    const length = end - start;
    if (length <= TIME_BYTES_KEPT) {
      this.#time.set(bytes.subarray(start, end));
      this.#timeLength = length;
      this.#timeText = text;
    }
    return text;
  }
}

export class MetaShape {
  /** The bytes before each slot, and after the last one: one more than there are slots. */
  readonly #segments: readonly WordBytes[];
  /** Per slot: the index of its item. */
  readonly #items: readonly number[];
  /** Per slot: true for the item's `timestamp`, false for its `value`. */
  readonly #isTime: readonly boolean[];
  /**
   * The segments and the kind of each slot, as one string: equal for every device whose arrays share
   * a layout, so one shape can serve them all (see MetaShapeCache).
   */
  readonly layout: string;
  /** Per item: its `name` (part of the segments, so the same in every text that reads). */
  readonly names: readonly string[];
  /** Per item: what the caller derived from its constant fields when the shape was learned. */
  readonly constants: readonly unknown[];

  private constructor(bytes: Uint8Array, cut: Cut, names: readonly string[], constants: readonly unknown[]) {
    const { bounds, items, isTime } = cut;
    const segments: WordBytes[] = [];
    let layout = "";
    for (let s = 0; s <= isTime.length; s++) {
      // a copy (`slice` of a Node Buffer would be a view, keeping the payload's whole chunk alive)
      const own = new Uint8Array(bytes.subarray(bounds[2 * s], bounds[2 * s + 1]));
      segments.push(new WordBytes(own));
      layout += latin1(own); // byte for byte: two layouts that decode alike may differ in bytes
      if (s < isTime.length) layout += `\u0000${isTime[s]! ? "t" : "v"}`;
    }
    this.#segments = segments;
    this.#items = items;
    this.#isTime = isTime;
    this.names = names;
    this.constants = constants;
    this.layout = layout;
  }

  /**
   * The shape of the UTF-8 payload `bytes`, whose parse is `items` (each an object with a string
   * `name`), or undefined when a slot could not stand for it (see the module comment).
   * `constant(item)` is kept per item: what the caller makes from the fields outside the slots (they
   * are the same in every payload that reads).
   */
  static learn(
    bytes: Uint8Array,
    items: readonly unknown[],
    constant: (item: Readonly<Record<string, unknown>>) => unknown,
  ): MetaShape | undefined {
    if (bytes.indexOf(BACKSLASH) >= 0) return undefined; // an escape anywhere: no payload like it reads
    const cut = cutSlots(bytes, items.length);
    if (cut === undefined) return undefined;
    const names: string[] = [];
    const constants: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Readonly<Record<string, unknown>>;
      const name = item["name"];
      // a key twice: the payload has more keys than the parsed object (the parse kept the last)
      if (typeof name !== "string" || Object.keys(item).length !== cut.keys[i]) return undefined;
      names.push(name);
      constants.push(constant(item));
    }
    return new MetaShape(bytes, cut, names, constants);
  }

  /** Number of items. */
  get size(): number {
    return this.names.length;
  }

  /**
   * Reads the UTF-8 payload `bytes` against the shape into `slots` (`values[i]` and `times[i]` per
   * item); false when it does not read, leaving `slots` partly written. Equal timestamps come out as
   * one string.
   */
  read(bytes: Uint8Array, slots: MetaSlots): boolean {
    const segments = this.#segments;
    const items = this.#items;
    const isTime = this.#isTime;
    const { values, times } = slots;
    const view = slots.view(bytes);
    const offset = bytes.byteOffset;
    const end = bytes.length;
    let at = 0;
    for (let s = 0; s < items.length; s++) {
      const segment = segments[s]!;
      if (!matchesWordBytes(bytes, view, offset, at, segment)) return false;
      at += segment.length;
      const code = bytes[at];
      if (code === QUOTE) {
        at++;
        if (isTime[s]!) {
          if (slots.isLastTime(bytes, view, offset, at)) {
            times[items[s]!] = slots.lastTime;
            at += slots.lastTime.length + 1;
            continue;
          }
          const close = asciiStringEnd(bytes, at, end);
          if (close < 0) return false; // beyond printable ASCII is no timestamp: the long way reports it
          times[items[s]!] = slots.newTime(bytes, at, close);
          at = close + 1;
          continue;
        }
        let close = asciiStringEnd(bytes, at, end);
        if (close >= 0) values[items[s]!] = asciiToString(bytes, at, close);
        else {
          close = close === BEYOND_ASCII ? stringEnd(bytes, at, end) : -1;
          if (close < 0) return false;
          const text = decodeOrUndefined(bytes.subarray(at, close)); // the quotes are ASCII: a slice decodes alike
          if (text === undefined) return false;
          values[items[s]!] = text;
        }
        at = close + 1;
        continue;
      }
      if (isTime[s]! || code === undefined) return false;
      const close = literalOrNumberEnd(bytes, at, code);
      if (close < 0) return false;
      const value =
        code === 0x74 ? true : code === 0x66 ? false : code === 0x6e ? null : numberAt(bytes, at, close);
      // 1e400 reads as Infinity, which JSON cannot hold: the long way refuses it (json-value-problem.ts)
      if (value === Infinity || value === -Infinity) return false;
      values[items[s]!] = value;
      at = close;
    }
    const last = segments[items.length]!;
    return at + last.length === end && matchesWordBytes(bytes, view, offset, at, last);
  }
}

/** `bytes` as UTF-8 text; undefined when they are not well-formed UTF-8. */
function decodeOrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Each byte as the character of that code (a key, not a text). */
function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/**
 * The index of the closing quote of a string whose characters start at `from` in `bytes` (up to
 * `end`); -1 for an escape, a control character (JSON allows neither here) or no end.
 */
function stringEnd(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const code = bytes[i]!;
    if (code === QUOTE) return i;
    if (code === BACKSLASH || code < 0x20) return -1;
  }
  return -1;
}

/** What {@link asciiStringEnd} gives for a string with a character beyond printable ASCII. */
const BEYOND_ASCII = -2;

/**
 * {@link stringEnd} for a string of printable ASCII, the common case, in one pass: {@link BEYOND_ASCII}
 * at the first byte from DEL on (the caller then looks again with {@link stringEnd}).
 */
function asciiStringEnd(bytes: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const code = bytes[i]!;
    if (code === QUOTE) return i;
    if (code === BACKSLASH || code < 0x20) return -1;
    if (code >= DEL) return BEYOND_ASCII;
  }
  return -1;
}

/** Whether `bytes` hold the ASCII `word` at `at`. */
function hasWord(bytes: Uint8Array, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Where the `true`, `false`, `null` or JSON number at `at` ends; -1 if there is none. */
function literalOrNumberEnd(bytes: Uint8Array, at: number, code: number): number {
  if (code === 0x74) return hasWord(bytes, at, "true") ? at + 4 : -1;
  if (code === 0x66) return hasWord(bytes, at, "false") ? at + 5 : -1;
  if (code === 0x6e) return hasWord(bytes, at, "null") ? at + 4 : -1;
  return numberEnd(bytes, at);
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= ZERO && code <= NINE;
}

/** Where the JSON number at `at` ends (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`); -1 if none starts there. */
export function numberEnd(bytes: Uint8Array, at: number): number {
  let i = at;
  if (bytes[i] === MINUS) i++;
  const first = bytes[i];
  if (first === ZERO) i++;
  else if (first !== undefined && first > ZERO && first <= NINE) {
    i++;
    while (isDigit(bytes[i])) i++;
  } else return -1;
  if (bytes[i] === DOT) {
    i++;
    if (!isDigit(bytes[i])) return -1;
    while (isDigit(bytes[i])) i++;
  }
  const e = bytes[i];
  if (e === LOWER_E || e === UPPER_E) {
    i++;
    const sign = bytes[i];
    if (sign === PLUS || sign === MINUS) i++;
    if (!isDigit(bytes[i])) return -1;
    while (isDigit(bytes[i])) i++;
  }
  return i;
}

/**
 * The value of the JSON number `bytes[at, end)`, as `JSON.parse` gives it. Without an exponent and with
 * at most 15 digits the digits are an exact integer and the fraction a division by an exact power of
 * ten: one correctly rounded operation on exact operands, so the nearest double, as `Number` finds it.
 * Others go through `Number`.
 */
export function numberAt(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let digits = 0;
  let fraction = -1;
  let mantissa = 0;
  for (; i < end; i++) {
    const code = bytes[i]!;
    if (code === DOT) fraction = 0;
    else if (isDigit(code)) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      if (fraction >= 0) fraction++;
    } else return Number(asciiToString(bytes, at, end)); // an exponent
  }
  if (digits > EXACT_DIGITS) return Number(asciiToString(bytes, at, end));
  const value = fraction > 0 ? mantissa / EXACT_POWERS_OF_TEN[fraction]! : mantissa;
  return negative ? -value : value;
}

/** The segments and slots of a meta array's bytes, or undefined when it cannot have a shape. */
interface Cut {
  /** Per segment: where it starts and ends in the bytes. */
  readonly bounds: number[];
  readonly items: number[];
  readonly isTime: boolean[];
  /** Keys written per item. */
  readonly keys: number[];
}

/**
 * Cuts a meta array (valid JSON: `JSON.parse` read it) at its items' `value` and `timestamp` tokens;
 * undefined unless it is an array of `count` objects, each with both keys once, written without
 * escapes, and a scalar value.
 */
function cutSlots(bytes: Uint8Array, count: number): Cut | undefined {
  const cut: Cut = { bounds: [], items: [], isTime: [], keys: [] };
  const end = bytes.length;
  let segmentStart = 0;
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== 0x5b || count === 0) return undefined; // [
  at++;
  for (let item = 0; item < count; item++) {
    at = skipSpace(bytes, at);
    if (bytes[at] !== 0x7b) return undefined; // {
    at = skipSpace(bytes, at + 1);
    let keys = 0;
    let slots = 0;
    while (bytes[at] === QUOTE) {
      const keyEnd = stringEnd(bytes, at + 1, end);
      if (keyEnd < 0) return undefined; // an escape in a key
      const isTime = keyEnd - at - 1 === 9 && hasWord(bytes, at + 1, "timestamp");
      const isValue = keyEnd - at - 1 === 5 && hasWord(bytes, at + 1, "value");
      at = skipSpace(bytes, keyEnd + 1) + 1; // past ":"
      at = skipSpace(bytes, at);
      keys++;
      if (isTime || isValue) {
        const code = bytes[at];
        const close =
          code === QUOTE
            ? stringEnd(bytes, at + 1, end) + 1
            : isTime || code === undefined
              ? -1
              : literalOrNumberEnd(bytes, at, code);
        if (close <= 0) return undefined; // an object or array value, an escaped string, a timestamp not a string
        cut.bounds.push(segmentStart, at);
        cut.items.push(item);
        cut.isTime.push(isTime);
        segmentStart = close;
        at = close;
        slots++;
      } else at = valueEnd(bytes, at);
      at = skipSpace(bytes, at);
      if (bytes[at] === 0x2c) at = skipSpace(bytes, at + 1); // ,
    }
    if (bytes[at] !== 0x7d || slots !== 2) return undefined; // }
    cut.keys.push(keys);
    at = skipSpace(bytes, at + 1);
    if (bytes[at] === 0x2c) at++; // ,
  }
  at = skipSpace(bytes, at);
  if (bytes[at] !== 0x5d || skipSpace(bytes, at + 1) !== end) return undefined; // ]
  cut.bounds.push(segmentStart, end);
  return cut;
}

/** The first index from `at` that is not JSON whitespace. */
function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    const code = bytes[i];
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return i;
    i++;
  }
}

/** Where the JSON value starting at `at` ends (valid JSON: strings with escapes, nested values). */
function valueEnd(bytes: Uint8Array, at: number): number {
  let depth = 0;
  let i = at;
  do {
    const code = bytes[i];
    if (code === QUOTE) {
      for (i++; bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
      i++;
    } else if (code === 0x7b || code === 0x5b) {
      depth++;
      i++;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
      i++;
    } else if (depth === 0) {
      // a number or a literal: up to the next delimiter
      while (i < bytes.length && !isDelimiter(bytes[i]!)) i++;
    } else i++;
  } while (depth > 0 && i < bytes.length);
  return i;
}

function isDelimiter(code: number): boolean {
  return (
    code === 0x2c ||
    code === 0x7d ||
    code === 0x5d ||
    code === 0x20 ||
    code === 0x0a ||
    code === 0x0d ||
    code === 0x09
  );
}
