/**
 * Incremental framing: bytes in (in chunks of any size), packets out.
 *
 * Invariants and algorithm:
 * - Unread bytes are `#chunk[#pos..]` followed by the chunks in `#queue`, in arrival order.
 * - `read()` parses the fixed header at the read position. Its size check (Maximum Packet Size) and the
 *   reserved-flags check run as soon as the header is complete, before any of the body is buffered.
 * - When the whole frame lies inside `#chunk` it is decoded in place: no copy, and the packet's payload
 *   is a view into the pushed chunk. Only a frame that spans chunks is copied, once, into a buffer of
 *   exactly its size (`#frame`), which then fills up as chunks arrive.
 * - Packets are decoded lazily, one per `read()`, with the current `version`, so the broker can switch
 *   the version after CONNECT even when later frames came in the same chunk.
 * - A ProtocolError is final: the stream cannot be resynchronised, so every later `read()` throws it
 *   again and `push()` drops its input.
 *
 * Because packets alias the pushed chunks, a chunk must not be modified after `push` (Node's socket
 * `data` buffers are never reused; a transport that recycles its read buffer must push copies).
 * @module
 */

import { ByteReader } from "./byte-reader.js";
import { decodeBody } from "./decode-packet.js";
import { checkFixedHeader, type FixedHeaderFields, parseFixedHeader } from "./fixed-header.js";
import type { Packet } from "./packet.js";
import { PacketType, type ProtocolVersion } from "./packet-type.js";
import { packetTooLarge } from "./protocol-error.js";

/** Options of a FrameReader. */
export interface FrameReaderOptions {
  /** Largest accepted packet, fixed header included (bytes). Larger packets raise PacketTooLarge (0x95). */
  readonly maximumPacketSize: number;
  /**
   * Most User Properties one property set may carry (unbounded when absent). Over it, a PUBLISH decodes
   * with one User Property more than the bound, for its handler to refuse; any other packet raises
   * Quota exceeded (0x97). See property-codec.ts.
   */
  readonly maximumUserProperties?: number;
}

/** The most bytes a fixed header can take: type byte plus a four-byte Remaining Length. */
const MAX_HEADER_LENGTH = 5;

const CONNECT_TYPE = PacketType.CONNECT;
/** A CONNECT's Protocol Name as it starts its variable header: length 4, then "MQTT" [MQTT-3.1.2-1]. */
const CONNECT_NAME: readonly number[] = [0, 4, 0x4d, 0x51, 0x54, 0x54];

/** The read position's chunk once everything was read: an idle reader keeps no socket buffer alive. */
const NO_BYTES: Uint8Array = Object.freeze(new Uint8Array(0));

/**
 * Splits a byte stream into MQTT packets.
 *
 * @example
 * const reader = new FrameReader({ maximumPacketSize: 1024 * 1024 });
 * reader.push(chunk);
 * for (let packet = reader.read(); packet !== null; packet = reader.read()) handle(packet);
 */
export class FrameReader {
  readonly #maximumPacketSize: number;
  #version: ProtocolVersion = 4;
  readonly #reader = new ByteReader();
  readonly #header: FixedHeaderFields = { remainingLength: 0, headerLength: 0 };
  /** For a fixed header split across chunks; allocated the first time one is. */
  #scratch: Uint8Array | undefined = undefined;
  #chunk: Uint8Array = NO_BYTES;
  #pos = 0;
  readonly #queue: Uint8Array[] = [];
  /** A frame being assembled from several chunks, and how many of its bytes are filled. */
  #frame: Uint8Array | null = null;
  #filled = 0;
  #buffered = 0;
  #error: unknown = undefined;
  #failed = false;

  constructor(options: FrameReaderOptions) {
    const maximum = options.maximumPacketSize;
    if (!Number.isInteger(maximum) || maximum < 2) {
      throw new RangeError(`Cannot create FrameReader: maximumPacketSize ${maximum} is not an integer >= 2`);
    }
    this.#maximumPacketSize = maximum;
    const userProperties = options.maximumUserProperties;
    if (userProperties !== undefined) {
      if (!Number.isInteger(userProperties) || userProperties < 0) {
        throw new RangeError(
          `Cannot create FrameReader: maximumUserProperties ${userProperties} is not an integer >= 0`,
        );
      }
      this.#reader.maxUserProperties = userProperties;
    }
  }

  /** Protocol version used to decode packets other than CONNECT; 4 until the broker sets it after CONNECT. */
  get version(): ProtocolVersion {
    return this.#version;
  }

  set version(version: ProtocolVersion) {
    this.#version = version;
  }

  /** Bytes pushed and not yet returned as packets (including a partly assembled frame). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Adds bytes from the stream. The chunk is kept (not copied) until its packets have been read. */
  push(chunk: Uint8Array): void {
    if (this.#failed || chunk.length === 0) return;
    this.#buffered += chunk.length;
    if (this.#pos === this.#chunk.length && this.#queue.length === 0) {
      this.#chunk = chunk;
      this.#pos = 0;
    } else {
      this.#queue.push(chunk);
    }
  }

  /**
   * The next complete packet, or null when more bytes are needed. Throws a ProtocolError on bad input,
   * after which the reader is unusable.
   */
  read(): Packet | null {
    if (this.#failed) throw this.#error;
    try {
      return this.#next();
    } catch (error) {
      this.#failed = true;
      this.#error = error;
      this.#chunk = NO_BYTES;
      this.#pos = 0;
      this.#queue.length = 0;
      this.#frame = null;
      throw error;
    }
  }

  #next(): Packet | null {
    for (;;) {
      if (this.#frame !== null) return this.#continueFrame(this.#frame);
      const chunk = this.#chunk;
      const available = chunk.length - this.#pos;
      if (available === 0) {
        const next = this.#queue.shift();
        if (next === undefined) {
          this.#chunk = NO_BYTES;
          this.#pos = 0;
          return null;
        }
        this.#chunk = next;
        this.#pos = 0;
        continue;
      }
      const header = this.#header;
      if (parseFixedHeader(chunk, this.#pos, chunk.length, header)) {
        const total = this.#checkHeader(chunk[this.#pos]!, header);
        if (available >= total) {
          // Fast path: decode in place.
          const start = this.#pos;
          this.#pos = start + total;
          this.#buffered -= total;
          this.#reader.reset(chunk, start + header.headerLength, start + total);
          return decodeBody(this.#reader, chunk[start]!, this.#version);
        }
        return this.#startFrame(total);
      }
      // The fixed header continues in the next chunk(s).
      if (this.#queue.length === 0) return null;
      const scratch = (this.#scratch ??= new Uint8Array(MAX_HEADER_LENGTH));
      const count = this.#peek(scratch);
      if (!parseFixedHeader(scratch, 0, count, header)) return null;
      return this.#startFrame(this.#checkHeader(scratch[0]!, header));
    }
  }

  /** Checks a complete fixed header and returns the frame's total size. */
  #checkHeader(firstByte: number, header: FixedHeaderFields): number {
    const total = header.headerLength + header.remainingLength;
    if (total > this.#maximumPacketSize) {
      const error = packetTooLarge(total, this.#maximumPacketSize);
      // a CONNECT: its protocol level, when it has arrived, says whether the refusal can be a v5 CONNACK
      if (firstByte >> 4 === CONNECT_TYPE) error.protocolVersion = this.#connectLevel(header.headerLength);
      throw error;
    }
    checkFixedHeader(firstByte, this.#version);
    return total;
  }

  /**
   * The protocol level of the CONNECT whose fixed header (`headerLength` bytes) starts the unread bytes,
   * when its protocol name "MQTT" and level byte have arrived; else undefined.
   */
  #connectLevel(headerLength: number): number | undefined {
    const bytes = new Uint8Array(headerLength + CONNECT_NAME.length + 1);
    if (this.#peek(bytes) < bytes.length) return undefined;
    for (let i = 0; i < CONNECT_NAME.length; i++)
      if (bytes[headerLength + i] !== CONNECT_NAME[i]) return undefined;
    return bytes[headerLength + CONNECT_NAME.length];
  }

  /** Copies up to `target.length` unread bytes into `target` without consuming them; returns how many. */
  #peek(target: Uint8Array): number {
    let count = 0;
    let chunk = this.#chunk;
    let pos = this.#pos;
    let index = 0;
    while (count < target.length) {
      if (pos < chunk.length) {
        target[count++] = chunk[pos++]!;
        continue;
      }
      const next = this.#queue[index++];
      if (next === undefined) break;
      chunk = next;
      pos = 0;
    }
    return count;
  }

  #startFrame(total: number): Packet | null {
    const frame = new Uint8Array(total);
    this.#frame = frame;
    this.#filled = 0;
    return this.#continueFrame(frame);
  }

  /** Moves buffered bytes into the frame being assembled; decodes it once complete. */
  #continueFrame(frame: Uint8Array): Packet | null {
    while (this.#filled < frame.length) {
      const chunk = this.#chunk;
      const available = chunk.length - this.#pos;
      if (available === 0) {
        const next = this.#queue.shift();
        if (next === undefined) return null;
        this.#chunk = next;
        this.#pos = 0;
        continue;
      }
      const count = Math.min(available, frame.length - this.#filled);
      frame.set(chunk.subarray(this.#pos, this.#pos + count), this.#filled);
      this.#filled += count;
      this.#pos += count;
    }
    this.#frame = null;
    this.#buffered -= frame.length;
    const header = this.#header;
    parseFixedHeader(frame, 0, frame.length, header);
    this.#reader.reset(frame, header.headerLength, frame.length);
    return decodeBody(this.#reader, frame[0]!, this.#version);
  }
}
