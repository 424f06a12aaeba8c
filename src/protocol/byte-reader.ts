/**
 * A cursor over the body of one frame, used by every packet decoder.
 *
 * Reads never go past `end`: running out of bytes means the Remaining Length (or a Property Length)
 * is inconsistent with the content, which is a Malformed Packet. A FrameReader keeps one ByteReader
 * and `reset`s it for each frame, so decoding allocates no cursor per packet.
 * @module
 */

import { malformed, type ProtocolError } from "./protocol-error.js";
import { checkUtf8, decodeUtf8 } from "./utf8.js";
import { matchesWordBytes, WordBytes } from "./word-bytes.js";

/** Reads MQTT data types (spec 1.5) from `bytes[pos, end)`, throwing Malformed Packet errors on overrun. */
export class ByteReader {
  /** The frame (or the chunk holding it); set with {@link reset}, which also reads its buffer and offset. */
  #bytes: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** One past the last byte this reader may read; property decoding narrows it temporarily. */
  end: number;
  /**
   * Most User Properties one property set may carry (the broker's `mqtt.maxUserProperties`), enforced by
   * property-codec.ts as it reads: the frame's owner sets it, as it sets the Maximum Packet Size.
   */
  maxUserProperties = Number.POSITIVE_INFINITY;
  /** The buffer under `bytes`, and where `bytes` starts in it (read once per chunk: slow accessors). */
  #buffer: ArrayBufferLike;
  #offset: number;
  /** The last string {@link recalledUtf8} decoded, when it was ASCII (its length is then its bytes'). */
  #recalled: string | undefined = undefined;
  /** Its bytes, to compare the next topics with (see there). */
  #recalledBytes: WordBytes | undefined = undefined;
  /** A view of the current chunk's buffer, made when a recalled string is first compared in it. */
  #data: DataView | undefined = undefined;

  constructor(bytes: Uint8Array = new Uint8Array(0), start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.pos = start;
    this.end = end;
    this.#buffer = bytes.buffer;
    this.#offset = bytes.byteOffset;
  }

  /** Points the reader at `bytes[start, end)`. */
  reset(bytes: Uint8Array, start: number, end: number): void {
    if (bytes !== this.#bytes) {
      this.#bytes = bytes;
      this.#buffer = bytes.buffer;
      this.#offset = bytes.byteOffset;
      this.#data = undefined;
    }
    this.pos = start;
    this.end = end;
  }

  /**
   * `bytes[start, stop)` as a plain Uint8Array view. Not `subarray`: on a Node Buffer (a socket's
   * chunk) that makes another Buffer, several times slower, and one whose `slice` is a view, not a copy.
   */
  #view(start: number, stop: number): Uint8Array {
    return new Uint8Array(this.#buffer, this.#offset + start, stop - start);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads a Byte. `field` names what is read, for the error message. */
  uint8(field: string): number {
    if (this.pos >= this.end) throw tooShort(field);
    return this.#bytes[this.pos++]!;
  }

  /** Reads a Two Byte Integer (big-endian). */
  uint16(field: string): number {
    const pos = this.pos;
    if (pos + 2 > this.end) throw tooShort(field);
    const bytes = this.#bytes;
    this.pos = pos + 2;
    return (bytes[pos]! << 8) | bytes[pos + 1]!;
  }

  /** Reads a Four Byte Integer (big-endian). */
  uint32(field: string): number {
    const pos = this.pos;
    if (pos + 4 > this.end) throw tooShort(field);
    const bytes = this.#bytes;
    this.pos = pos + 4;
    return ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
  }

  /** Reads a Variable Byte Integer (spec 1.5.5): at most four bytes. */
  varint(field: string): number {
    let value = 0;
    let multiplier = 1;
    for (let count = 0; count < 4; count++) {
      if (this.pos >= this.end) throw tooShort(field);
      const byte = this.#bytes[this.pos++]!;
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return value;
      multiplier *= 0x80;
    }
    throw malformed(`Cannot decode ${field}: Variable Byte Integer is longer than 4 bytes`);
  }

  /** Reads a Two Byte length and moves past that many bytes; where they start (they end at `pos`). */
  #lengthPrefixed(field: string): number {
    const length = this.uint16(field);
    const start = this.pos;
    const stop = start + length;
    if (stop > this.end) throw tooShort(field);
    this.pos = stop;
    return start;
  }

  /** Reads a UTF-8 Encoded String (Two Byte length, then validated UTF-8). */
  utf8(field: string): string {
    const start = this.#lengthPrefixed(field);
    return decodeUtf8(this.#bytes, start, this.pos);
  }

  /** Moves past a UTF-8 Encoded String, checked as {@link utf8} checks it but not decoded. */
  skipUtf8(field: string): void {
    const start = this.#lengthPrefixed(field);
    checkUtf8(this.#bytes, start, this.pos);
  }

  /**
   * {@link utf8} for a field that comes again and again from one sender (a PUBLISH's topic: a device
   * publishes to a few topics, mostly one): when its bytes are the characters of the last ASCII string
   * read this way, that string itself. The bytes are compared, not decoded (a 24-character topic cost
   * ~150 ns to decode, mostly making the string), and the same string object comes back, whose hash
   * V8 keeps: the maps it is looked up in next (routes, topic fields, a dialect's rows) hash nothing
   * and compare a pointer. The comparison takes 8 bytes at a time through a view of the chunk
   * (word-bytes.ts).
   */
  recalledUtf8(field: string): string {
    const start = this.#lengthPrefixed(field);
    const stop = this.pos;
    const length = stop - start;
    const recalled = this.#recalled;
    const bytes = this.#bytes;
    if (recalled !== undefined && recalled.length === length) {
      const data = (this.#data ??= new DataView(this.#buffer));
      if (matchesWordBytes(bytes, data, this.#offset, start, this.#recalledBytes!)) return recalled;
    }
    const text = decodeUtf8(bytes, start, stop);
    const ascii = text.length === length; // one byte per character
    this.#recalled = ascii ? text : undefined;
    // a copy of the bytes (not a view: it would keep the whole chunk alive)
    this.#recalledBytes = ascii ? new WordBytes(this.#view(start, stop).slice()) : undefined;
    return text;
  }

  /** Reads Binary Data (Two Byte length, then bytes). Returns a view into the frame, not a copy. */
  binary(field: string): Uint8Array {
    const start = this.#lengthPrefixed(field);
    return this.#view(start, this.pos);
  }

  /** Everything up to `end`, as a view. */
  rest(): Uint8Array {
    const start = this.pos;
    this.pos = this.end;
    return this.#view(start, this.end);
  }

  /** Throws a Malformed Packet error when bytes are left over after the last field of `packetName`. */
  expectEnd(packetName: string): void {
    if (this.pos !== this.end) {
      throw malformed(
        `Cannot decode ${packetName}: ${this.end - this.pos} bytes left over after the last field (the Remaining Length does not match the content)`,
      );
    }
  }
}

function tooShort(field: string): ProtocolError {
  return malformed(
    `Cannot decode ${field}: the packet ends before it (the Remaining Length does not match the content)`,
  );
}
