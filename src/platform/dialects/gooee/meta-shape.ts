/**
 * The shape of a device's meta array, to read the next ones without `JSON.parse`.
 *
 * A device publishes the same array again and again: the same items, names, display names and units,
 * in the same order and layout; only each item's `value` and `timestamp` change. `JSON.parse` builds
 * every item object afresh (about half of what a meta publish costs the dialect), although all the
 * dialect needs from a publish like the last one is its values and timestamps.
 *
 * A shape is learned from a text `JSON.parse` read and the dialect accepted: the text is cut at each
 * item's `value` and `timestamp` tokens (the slots); what lies between them (the segments) is kept
 * as it is. A later text is read against it: every segment must be there character for character,
 * and every slot must hold one JSON token of the kind allowed there (a string without escapes or
 * control characters, a number, `true`, `false`, `null`; a timestamp only a string). A text that reads
 * is then valid JSON whose parse would be the learned array with those values and timestamps put in:
 * the segments come from valid JSON, and each slot ends where its token ends by JSON's grammar, not
 * where the next segment begins. Anything else (another layout, an escape, a nested value, one item
 * more) does not read, and the caller takes `JSON.parse`.
 *
 * Two ways to read, one result: segment by segment in JavaScript, or, once the caller has compiled
 * the shape ({@link MetaShape.compile}), with one regular expression made from it, whose captures are
 * the slots' tokens. The expression is one native match of the whole text and costs about half as much
 * (in V8 every comparison of a slice of a text is a call into the runtime), but compiling it costs
 * about a thousand reads and its machine code some tens of KiB, so it is kept for shapes that are hot.
 *
 * A shape whose learned timestamps were all equal first tries an expression in which every timestamp
 * must repeat the first (a backreference): the items then share one timestamp string, and the
 * comparisons of it further on (the timestamp parser's, the renderer's) are pointer comparisons.
 *
 * Learning refuses what a slot could not stand for: a key written with an escape (`"\u0076alue"` is
 * `value` once parsed), an item with a key twice (the parse keeps the last), an item without both
 * slots, a `value` that is an object or an array; and a text with any escape (a segment would hold it).
 *
 * Pure: no Node imports.
 * @module
 */

/** What a read gives per item, in the caller's arrays (reused from publish to publish). */
export interface MetaSlots {
  readonly values: unknown[];
  readonly times: string[];
}

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

/** One JSON string without escapes or control characters, its characters captured. */
const STRING_SLOT = '"([^"\\\\\\u0000-\\u001f]*)"';
/** A `value` slot: a string (as above), a JSON number or a literal; one capture group for each. */
const VALUE_SLOT = `(?:${STRING_SLOT}|(-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|(true|false|null))`;

/** A compiled reading of a shape: the expression and, per slot, the group its token is captured in. */
interface Reading {
  readonly expression: RegExp;
  /** Per slot: the index of its first capture group (a `value` slot has three: string, number, literal). */
  readonly groups: readonly number[];
}

/** A shape's compiled readings (see {@link MetaShape.compile}). */
interface Compiled {
  /** Every timestamp must equal the first (one capture for them all), when the learned ones did. */
  readonly equalTimes: Reading | undefined;
  /** A capture per timestamp. */
  readonly anyTimes: Reading;
}

export class MetaShape {
  /** The text before each slot, and after the last one: one more than there are slots. */
  readonly #segments: readonly string[];
  /** Per slot: the index of its item. */
  readonly #items: readonly number[];
  /** Per slot: true for the item's `timestamp`, false for its `value`. */
  readonly #isTime: readonly boolean[];
  /** Whether the learned array's timestamps were all equal (there were several). */
  readonly #equalTimes: boolean;
  #compiled: Compiled | undefined;
  #reads = 0;
  /**
   * The segments and the kind of each slot, as one string: equal for every device whose arrays share
   * a layout, so one shape can serve them all (see MetaShapeCache).
   */
  readonly layout: string;
  /** Per item: its `name` (part of the segments, so the same in every text that reads). */
  readonly names: readonly string[];
  /** Per item: what the caller derived from its constant fields when the shape was learned. */
  readonly constants: readonly unknown[];

  private constructor(
    segments: readonly string[],
    items: readonly number[],
    isTime: readonly boolean[],
    equalTimes: boolean,
    names: readonly string[],
    constants: readonly unknown[],
  ) {
    this.#segments = segments;
    this.#items = items;
    this.#isTime = isTime;
    this.#equalTimes = equalTimes;
    this.names = names;
    this.constants = constants;
    let layout = "";
    for (let s = 0; s < isTime.length; s++) layout += `${segments[s]!}\u0000${isTime[s]! ? "t" : "v"}`;
    this.layout = layout + segments[isTime.length]!;
  }

  /**
   * The shape of `text`, whose parse is `items` (each an object with a string `name`), or undefined
   * when a slot could not stand for it (see the module comment). `constant(item)` is kept per item:
   * what the caller makes from the fields outside the slots (they are the same in every text that
   * reads).
   */
  static learn(
    text: string,
    items: readonly unknown[],
    constant: (item: Readonly<Record<string, unknown>>) => unknown,
  ): MetaShape | undefined {
    if (text.indexOf("\\") >= 0) return undefined; // an escape anywhere: no text like it reads
    const cut = cutSlots(text, items.length);
    if (cut === undefined) return undefined;
    const names: string[] = [];
    const constants: unknown[] = [];
    let time: unknown;
    let equalTimes = items.length > 1;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Readonly<Record<string, unknown>>;
      const name = item["name"];
      // a key twice: the text has more keys than the parsed object (the parse kept the last)
      if (typeof name !== "string" || Object.keys(item).length !== cut.keys[i]) return undefined;
      names.push(name);
      constants.push(constant(item));
      if (i === 0) time = item["timestamp"];
      else if (item["timestamp"] !== time) equalTimes = false;
    }
    return new MetaShape(cut.segments.map(flat), cut.items, cut.isTime, equalTimes, names, constants);
  }

  /** Number of items. */
  get size(): number {
    return this.names.length;
  }

  /** Texts read segment by segment (counted until the shape is compiled). */
  get reads(): number {
    return this.#reads;
  }

  /** Whether {@link compile} has run. */
  get compiled(): boolean {
    return this.#compiled !== undefined;
  }

  /**
   * Compiles the shape into a regular expression, which later reads use. A read then costs about half
   * (one native match of the whole text instead of a comparison per segment), but compiling costs
   * about as much as a thousand reads and each compiled shape keeps some tens of KiB of machine code:
   * the caller compiles shapes that have proved hot, and only so many.
   */
  compile(): void {
    this.#compiled ??= {
      equalTimes: this.#equalTimes ? reading(this.#segments, this.#isTime, true) : undefined,
      anyTimes: reading(this.#segments, this.#isTime, false),
    };
  }

  /**
   * Reads `text` against the shape into `slots` (`values[i]` and `times[i]` per item); false when it
   * does not read, leaving `slots` partly written. Equal timestamps come out as one string.
   */
  read(text: string, slots: MetaSlots): boolean {
    const compiled = this.#compiled;
    if (compiled !== undefined) return this.#readCompiled(compiled, text, slots);
    if (!this.#readSegments(text, slots)) return false;
    this.#reads++;
    return true;
  }

  /** {@link read} with the compiled expressions. */
  #readCompiled(compiled: Compiled, text: string, slots: MetaSlots): boolean {
    let reading = compiled.equalTimes;
    let match = reading === undefined ? null : reading.expression.exec(text);
    if (match === null) {
      reading = compiled.anyTimes;
      match = reading.expression.exec(text);
      if (match === null) return false;
    }
    const groups = reading!.groups;
    const items = this.#items;
    const isTime = this.#isTime;
    const { values, times } = slots;
    let lastTime = ""; // with a capture per timestamp, equal ones are still given as one string
    for (let s = 0; s < items.length; s++) {
      const group = groups[s]!;
      const item = items[s]!;
      if (isTime[s]!) {
        const time = match[group]!;
        times[item] = time === lastTime ? lastTime : (lastTime = time);
        continue;
      }
      const string = match[group];
      if (string !== undefined) {
        values[item] = string;
        continue;
      }
      const number = match[group + 1];
      if (number !== undefined) values[item] = numberAt(number, 0, number.length);
      else {
        const literal = match[group + 2]!;
        values[item] = literal === "true" ? true : literal === "false" ? false : null;
      }
    }
    return true;
  }

  /** {@link read} segment by segment, before the shape is compiled. */
  #readSegments(text: string, slots: MetaSlots): boolean {
    const segments = this.#segments;
    const items = this.#items;
    const isTime = this.#isTime;
    const { values, times } = slots;
    // no escapes anywhere (a slot's string then ends at the next quote), checked once: natively, as
    // a loop over the characters would cost more than the rest of the read
    if (text.indexOf("\\") >= 0) return false;
    let at = 0;
    let checkedTime: string | undefined; // the items of an array mostly share one timestamp
    for (let s = 0; s < items.length; s++) {
      const segment = segments[s]!;
      if (!matchesAt(text, at, segment)) return false;
      at += segment.length;
      const code = text.charCodeAt(at);
      if (code === QUOTE) {
        const end = text.indexOf('"', at + 1);
        if (end < 0) return false;
        const value = text.slice(at + 1, end);
        if (isTime[s]!) {
          if (value !== checkedTime) {
            if (hasControl(value)) return false; // not allowed in a JSON string
            checkedTime = value;
          }
          // the one string for equal timestamps: comparisons of it further on (the caller's parse of
          // it, the renderer's) are then a pointer comparison
          times[items[s]!] = checkedTime;
        } else if (hasControl(value)) return false;
        else values[items[s]!] = value;
        at = end + 1;
        continue;
      }
      if (isTime[s]!) return false;
      const end = literalOrNumberEnd(text, at, code);
      if (end < 0) return false;
      values[items[s]!] =
        code === 0x74 ? true : code === 0x66 ? false : code === 0x6e ? null : numberAt(text, at, end);
      at = end;
    }
    const last = segments[items.length]!;
    return at + last.length === text.length && matchesAt(text, at, last);
  }
}

/**
 * The expression that matches a text of the shape: each segment as it is, each slot one token of the
 * kinds allowed there. Linear: every slot's alternatives start with different characters, a string
 * slot ends at the first quote and a number where its digits end, and a segment is a literal. With
 * `equalTimes`, every timestamp after the first must repeat the first's characters (a backreference),
 * so one string stands for them all.
 */
function reading(segments: readonly string[], isTime: readonly boolean[], equalTimes: boolean): Reading {
  let source = "^";
  let group = 1;
  let firstTime = 0;
  const groups: number[] = [];
  for (let s = 0; s < isTime.length; s++) {
    source += escapeLiteral(segments[s]!);
    groups.push(group);
    if (!isTime[s]) {
      source += VALUE_SLOT;
      group += 3;
    } else if (equalTimes && firstTime > 0) {
      source += `"\\${firstTime}"`;
      groups[s] = firstTime;
    } else {
      source += STRING_SLOT;
      if (firstTime === 0) firstTime = group;
      group += 1;
    }
  }
  source += `${escapeLiteral(segments[isTime.length]!)}$`;
  return { expression: new RegExp(source), groups };
}

/** `text` as a regular expression that matches it and nothing else. */
function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/**
 * `text` as a string of its own: a slice of a longer string is a view into it in V8, which would keep
 * the whole learned text alive and compares more slowly.
 */
function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * Whether `segment` is in `text` at `at`. A slice compared with `===` (a memory compare once the
 * slice is made): `startsWith` compares character by character in this V8, several times slower.
 */
function matchesAt(text: string, at: number, segment: string): boolean {
  return text.slice(at, at + segment.length) === segment;
}

/**
 * A control character, which JSON does not allow in a string. A regular expression: for a slice of a
 * text it is about twice as fast in this V8 as a loop over its characters.
 */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

function hasControl(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** The index of the closing quote of a string whose characters start at `from`; -1 for an escape, a control character or no end. */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i;
    if (code === BACKSLASH || code < 0x20) return -1;
  }
  return -1;
}

/** Where the `true`, `false`, `null` or JSON number at `at` ends; -1 if there is none. */
function literalOrNumberEnd(text: string, at: number, code: number): number {
  if (code === 0x74) return text.startsWith("true", at) ? at + 4 : -1;
  if (code === 0x66) return text.startsWith("false", at) ? at + 5 : -1;
  if (code === 0x6e) return text.startsWith("null", at) ? at + 4 : -1;
  return numberEnd(text, at);
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** Where the JSON number at `at` ends (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`); -1 if none starts there. */
export function numberEnd(text: string, at: number): number {
  let i = at;
  if (text.charCodeAt(i) === MINUS) i++;
  const first = text.charCodeAt(i);
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) {
    i++;
    while (isDigit(text.charCodeAt(i))) i++;
  } else return -1;
  if (text.charCodeAt(i) === DOT) {
    i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === LOWER_E || e === UPPER_E) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === PLUS || sign === MINUS) i++;
    if (!isDigit(text.charCodeAt(i))) return -1;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

/**
 * The value of the JSON number `text[at, end)`, as `JSON.parse` gives it. Without an exponent and with
 * at most 15 digits the digits are an exact integer and the fraction a division by an exact power of
 * ten: one correctly rounded operation on exact operands, so the nearest double, as `Number` finds it.
 * Others go through `Number`.
 */
export function numberAt(text: string, at: number, end: number): number {
  let i = at;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  let digits = 0;
  let fraction = -1;
  let mantissa = 0;
  for (; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === DOT) fraction = 0;
    else if (isDigit(code)) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      if (fraction >= 0) fraction++;
    } else return Number(text.slice(at, end)); // an exponent
  }
  if (digits > EXACT_DIGITS) return Number(text.slice(at, end));
  const value = fraction > 0 ? mantissa / EXACT_POWERS_OF_TEN[fraction]! : mantissa;
  return negative ? -value : value;
}

/** The segments and slots of a meta array's text, or undefined when it cannot have a shape. */
interface Cut {
  readonly segments: string[];
  readonly items: number[];
  readonly isTime: boolean[];
  /** Keys written per item. */
  readonly keys: number[];
}

/**
 * Cuts a meta array's text (valid JSON: `JSON.parse` read it) at its items' `value` and `timestamp`
 * tokens; undefined unless it is an array of `count` objects, each with both keys once, written
 * without escapes, and a scalar value.
 */
function cutSlots(text: string, count: number): Cut | undefined {
  const cut: Cut = { segments: [], items: [], isTime: [], keys: [] };
  let segmentStart = 0;
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== 0x5b || count === 0) return undefined; // [
  at++;
  for (let item = 0; item < count; item++) {
    at = skipSpace(text, at);
    if (text.charCodeAt(at) !== 0x7b) return undefined; // {
    at = skipSpace(text, at + 1);
    let keys = 0;
    let slots = 0;
    while (text.charCodeAt(at) === QUOTE) {
      const keyEnd = stringEnd(text, at + 1);
      if (keyEnd < 0) return undefined; // an escape in a key
      const key = text.slice(at + 1, keyEnd);
      at = skipSpace(text, keyEnd + 1) + 1; // past ":"
      at = skipSpace(text, at);
      keys++;
      const isTime = key === "timestamp";
      if (isTime || key === "value") {
        const code = text.charCodeAt(at);
        const end =
          code === QUOTE ? stringEnd(text, at + 1) + 1 : isTime ? -1 : literalOrNumberEnd(text, at, code);
        if (end <= 0) return undefined; // an object or array value, an escaped string, a timestamp not a string
        cut.segments.push(text.slice(segmentStart, at));
        cut.items.push(item);
        cut.isTime.push(isTime);
        segmentStart = end;
        at = end;
        slots++;
      } else at = valueEnd(text, at);
      at = skipSpace(text, at);
      if (text.charCodeAt(at) === 0x2c) at = skipSpace(text, at + 1); // ,
    }
    if (text.charCodeAt(at) !== 0x7d || slots !== 2) return undefined; // }
    cut.keys.push(keys);
    at = skipSpace(text, at + 1);
    if (text.charCodeAt(at) === 0x2c) at++; // ,
  }
  at = skipSpace(text, at);
  if (text.charCodeAt(at) !== 0x5d || skipSpace(text, at + 1) !== text.length) return undefined; // ]
  cut.segments.push(text.slice(segmentStart));
  return cut;
}

/** The first index from `at` that is not JSON whitespace. */
function skipSpace(text: string, at: number): number {
  let i = at;
  for (;;) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return i;
    i++;
  }
}

/** Where the JSON value starting at `at` ends (valid JSON: strings with escapes, nested values). */
function valueEnd(text: string, at: number): number {
  let depth = 0;
  let i = at;
  do {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      i++;
    } else if (code === 0x7b || code === 0x5b) {
      depth++;
      i++;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
      i++;
    } else if (depth === 0) {
      // a number or a literal: up to the next delimiter
      while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
    } else i++;
  } while (depth > 0 && i < text.length);
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
