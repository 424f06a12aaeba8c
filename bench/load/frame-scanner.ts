/**
 * The load generator's receive path: splits a TCP byte stream into MQTT frames without decoding them.
 *
 * The subscriber must count several hundred thousand frames per second on one core while leaving room
 * for the publishers, so this does not use the broker's FrameReader (which decodes every PUBLISH into an
 * object with a topic string); it reads the fixed header and hands the sink the byte range of the body.
 * Frames wholly inside a chunk are not copied. A frame split across chunks is completed by concatenating
 * the unread tail with the next chunk (one copy of that chunk).
 * @module
 */

/** Receives frames in stream order. `body` is valid only during the call. */
export interface FrameSink {
  /** `header` is the first byte (type << 4 | flags); the body is `buf[start..end)`. */
  frame(header: number, buf: Buffer, start: number, end: number): void;
}

/** Thrown on a byte stream that is not MQTT framing (a bug in the broker or in the generator). */
export class FramingError extends Error {
  override readonly name = "FramingError";
}

export class FrameScanner {
  #pending: Buffer | undefined = undefined;

  /** Bytes held back because they are an incomplete frame. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  /** Scans `chunk` (after any pending bytes) and calls `sink.frame` for each complete frame. */
  push(chunk: Buffer, sink: FrameSink): void {
    let buf = chunk;
    if (this.#pending !== undefined) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = undefined;
    }
    const length = buf.length;
    let pos = 0;
    while (pos < length) {
      const header = buf[pos]!;
      // Remaining Length: 1 to 4 bytes, 7 bits each, high bit = more bytes follow.
      let remaining = 0;
      let multiplier = 1;
      let index = pos + 1;
      let complete = false;
      while (index < length) {
        const byte = buf[index++]!;
        remaining += (byte & 0x7f) * multiplier;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        multiplier *= 128;
        if (multiplier === 128 ** 4)
          throw new FramingError("Cannot scan frame: Remaining Length exceeds 4 bytes");
      }
      if (!complete) break; // the fixed header continues in the next chunk
      const end = index + remaining;
      if (end > length) break;
      sink.frame(header, buf, index, end);
      pos = end;
    }
    // Node never reuses a socket's data buffers, so keeping a view is safe.
    if (pos < length) this.#pending = buf.subarray(pos);
  }
}
