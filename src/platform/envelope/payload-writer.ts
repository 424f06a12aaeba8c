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

import { writeJsonNumber } from "./json-number-text.js";

const SLAB_BYTES = 8192;
/** Texts longer than this (in UTF-16 code units) are encoded on their own. */
const SHARED_MAX_LENGTH = 1024;
/** Most bytes one UTF-16 code unit becomes in UTF-8. */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Most bytes {@link PayloadWriter.number} writes: `String` of a double is at most 25 characters, a sign,
 * "0.", five zeros and 17 digits (`-0.0000013364954730665688`); the exponent form is shorter
 * (`-1.2345678901234567e-308`, 24).
 */
export const NUMBER_MAX_BYTES = 25;

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Make one per owner (a dialect instance): it keeps the slab being filled. */
export class PayloadWriter {
  #slab = new Uint8Array(SLAB_BYTES);
  #used = 0;
  /** The payload being put together (see {@link begin}): its buffer, where it starts and its end so far. */
  #part = EMPTY;
  #partStart = 0;
  #partAt = 0;

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
    let start = this.#used;
    if (start + text.length * MAX_BYTES_PER_UNIT > SLAB_BYTES) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      start = 0;
    }
    const slab = this.#slab;
    const { written } = encoder.encodeInto(text, slab.subarray(start));
    this.#used = start + written;
    return slab.subarray(start, start + written);
  }

  /**
   * Starts a payload of at most `maxBytes` bytes, put together from parts with {@link bytes} and
   * {@link ascii} and ended with {@link end}: a small payload made of parts that repeat (encoded once
   * and kept by the caller) and a few short strings is written into the slab as it goes, instead of
   * joining strings (a rope V8 must flatten) and encoding the result.
   *
   * @example
   * ```ts
   * const prefix = new TextEncoder().encode('{"value":'); // kept
   * writer.begin(32);
   * writer.bytes(prefix);
   * writer.ascii(String(310));
   * writer.ascii("}");
   * writer.end(); // the bytes {"value":310}
   * ```
   */
  begin(maxBytes: number): void {
    if (maxBytes > SHARED_MAX_LENGTH) {
      this.#part = new Uint8Array(maxBytes);
      this.#partStart = 0;
      this.#partAt = 0;
      return;
    }
    if (this.#used + maxBytes > SLAB_BYTES) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#used = 0;
    }
    this.#part = this.#slab;
    this.#partStart = this.#used;
    this.#partAt = this.#used;
  }

  /**
   * Appends `text`, every character of which must be ASCII (below U+0080), after {@link begin}; one
   * character at a time, which is quicker than `set` only for a few characters.
   */
  ascii(text: string): void {
    const part = this.#part;
    let at = this.#partAt;
    for (let i = 0; i < text.length; i++) part[at++] = text.charCodeAt(i);
    this.#partAt = at;
  }

  /**
   * Appends `JSON.stringify(value)` of a number after {@link begin} (`null` when it is not finite),
   * written from its digits where {@link writeJsonNumber} can; count {@link NUMBER_MAX_BYTES} for it.
   */
  number(value: number): void {
    const end = writeJsonNumber(value, this.#part, this.#partAt);
    if (end >= 0) this.#partAt = end;
    else this.ascii(Number.isFinite(value) ? String(value) : "null");
  }

  /** Appends `data` after {@link begin}. */
  bytes(data: Uint8Array): void {
    this.#part.set(data, this.#partAt);
    this.#partAt += data.byteLength;
  }

  /** The payload put together since {@link begin}: a read-only view (do not write into it). */
  end(): Uint8Array {
    const part = this.#part;
    const payload = part.subarray(this.#partStart, this.#partAt);
    if (part === this.#slab) this.#used = this.#partAt;
    this.#part = EMPTY;
    return payload;
  }

  /** {@link text} of `value` as JSON (`undefined`, a function or a symbol: the text `null`). */
  json(value: unknown): Uint8Array {
    const text = JSON.stringify(value) as string | undefined;
    return this.text(text ?? "null");
  }
}
