/**
 * UTF-8 payload bytes for the messages dialects make, written into a shared slab instead of a new
 * buffer per payload: `TextEncoder.encode` allocates an ArrayBuffer for every string, and for the
 * short payloads of derived topics (tens of bytes, several per publish) that allocation costs more than
 * the encoding. Node's `Buffer.from(string)` pools small strings the same way; this does it with web
 * APIs only, so the envelope module stays free of Node.
 *
 * The payloads are views of an 8 KiB slab that is never written again once a payload is in it, so they
 * can be kept as long as needed. A payload that outlives its slab keeps the slab alive: the broker
 * copies a payload out of a much larger buffer before it keeps it (a retained message, a queued one,
 * `compactPayload` in `session/application-message.ts`). Long texts get a buffer of their own.
 * @module
 */

import { WordBytes, writeWordBytes } from "../../protocol/index.js";
import { writeJsonNumber } from "./json-number-text.js";

const SLAB_BYTES = 8192;
/** Texts longer than this (in UTF-16 code units) are encoded on their own. */
const SHARED_MAX_LENGTH = 1024;
/** Most bytes one UTF-16 code unit becomes in UTF-8. */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Most bytes a number's JSON text takes ({@link PayloadWriter.value} counts them for any number):
 * `String` of a double is at most 25 characters, a sign, "0.", five zeros and 17 digits
 * (`-0.0000013364954730665688`); the exponent form is shorter (`-1.2345678901234567e-308`, 24).
 */
export const NUMBER_MAX_BYTES = 25;

const encoder = new TextEncoder();
const QUOTE = 0x22;
/** Characters from U+0020 up to U+007F, which JSON writes as they are (but `"` and `\`). */
const PRINTABLE_ASCII = 0x60;
const BACKSLASH = 0x5c;

/**
 * Bytes {@link PayloadWriter.value} puts before or after a value: the UTF-8 of a text, with their
 * length kept as a number and their words ready for a copy 8 bytes at a time ({@link WordBytes}; one
 * class for these and the broker's topic fields, so the copy sees one shape of object). Make one per
 * text with {@link payloadPart} and keep it: it is read, never written.
 */
export type PayloadPart = WordBytes;

/**
 * The {@link PayloadPart} of `text`.
 *
 * @example
 * ```ts
 * payloadPart('{"name":"als","value":').length; // 22
 * ```
 */
export function payloadPart(text: string): PayloadPart {
  return new WordBytes(encoder.encode(text));
}

/** Make one per owner (a dialect instance): it keeps the slab being filled. */
export class PayloadWriter {
  #slab = new Uint8Array(SLAB_BYTES);
  /** The slab's buffer: a payload is made as a view of it (`subarray` costs twice as much). */
  #buffer = this.#slab.buffer;
  /** A view of the slab, to write parts a word at a time. */
  #view = new DataView(this.#buffer);
  #used = 0;

  /**
   * The UTF-8 bytes of `text`: a read-only view of the slab (do not write into it).
   *
   * @example
   * ```ts
   * const writer = new PayloadWriter();
   * writer.text('{"name":"als","value":310}'); // Uint8Array(26)
   * ```
   */
  text(text: string): Uint8Array {
    if (text.length > SHARED_MAX_LENGTH) return encoder.encode(text);
    const start = this.#room(text.length * MAX_BYTES_PER_UNIT);
    const { written } = encoder.encodeInto(text, this.#slab.subarray(start));
    this.#used = start + written;
    return new Uint8Array(this.#buffer, start, written);
  }

  /**
   * `prefix`, the JSON text of `value` and `suffix` as one payload, written straight into the slab:
   * for a number (`JSON.stringify`'s digits, {@link writeJsonNumber}) or a string of printable ASCII
   * characters without `"` or `\` (quoted as it is). Undefined, with nothing kept, for any other value
   * and when the whole could be longer than a shared payload: the caller then takes the general way.
   * One call and one pass over the string's characters (checked as they are copied) is what a derived
   * value payload costs, instead of making its JSON text, checking it and copying it. The parts carry
   * their lengths: reading a typed array's `byteLength` is an accessor call, dearer than a field.
   *
   * @example
   * ```ts
   * const open = payloadPart('{"value":');
   * const close = payloadPart("}");
   * writer.value(open, 310, close); // the bytes {"value":310}
   * writer.value(open, "°C", close); // undefined
   * ```
   */
  value(prefix: PayloadPart, value: unknown, suffix: PayloadPart): Uint8Array | undefined {
    const prefixLength = prefix.length;
    const suffixLength = suffix.length;
    const fixed = prefixLength + suffixLength;
    let slab: Uint8Array;
    let start: number;
    let at: number;
    if (typeof value === "number") {
      if (fixed + NUMBER_MAX_BYTES > SHARED_MAX_LENGTH) return undefined;
      start = this.#room(fixed + NUMBER_MAX_BYTES);
      slab = this.#slab;
      writeWordBytes(slab, this.#view, start, prefix);
      at = writeJsonNumber(value, slab, start + prefixLength);
      if (at < 0)
        at = writeAscii(Number.isFinite(value) ? String(value) : "null", slab, start + prefixLength);
    } else if (typeof value === "string") {
      const length = value.length;
      if (fixed + length + 2 > SHARED_MAX_LENGTH) return undefined;
      start = this.#room(fixed + length + 2);
      slab = this.#slab;
      writeWordBytes(slab, this.#view, start, prefix);
      at = start + prefixLength;
      slab[at++] = QUOTE;
      for (let i = 0; i < length; i++) {
        const code = value.charCodeAt(i);
        // JSON escapes control characters, quote and backslash; beyond ASCII a character is several
        // bytes (one unsigned comparison refuses both ends: below 0x20 wraps around)
        if ((code - 0x20) >>> 0 >= PRINTABLE_ASCII || code === QUOTE || code === BACKSLASH) return undefined;
        slab[at++] = code;
      }
      slab[at++] = QUOTE;
    } else return undefined;
    writeWordBytes(slab, this.#view, at, suffix);
    at += suffixLength;
    this.#used = at;
    return new Uint8Array(this.#buffer, start, at - start);
  }

  /** Where a payload of at most `maxBytes` (at most a shared payload) starts: in the slab, or a new one. */
  #room(maxBytes: number): number {
    if (this.#used + maxBytes <= SLAB_BYTES) return this.#used;
    this.#slab = new Uint8Array(SLAB_BYTES);
    this.#buffer = this.#slab.buffer;
    this.#view = new DataView(this.#buffer);
    this.#used = 0;
    return 0;
  }

  /** {@link text} of `value` as JSON (`undefined`, a function or a symbol: the text `null`). */
  json(value: unknown): Uint8Array {
    const text = JSON.stringify(value) as string | undefined;
    return this.text(text ?? "null");
  }
}

/** Writes `text` (ASCII) at `at`; the offset after it. */
function writeAscii(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}
