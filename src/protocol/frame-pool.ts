/**
 * Small outbound frames carved out of shared slabs instead of one `ArrayBuffer` each.
 *
 * Allocating a `Uint8Array` of more than 64 bytes makes V8 create an off-heap backing store (calloc,
 * external-memory accounting, a finaliser for the sweeper): in a development measurement (Node 20) about
 * 1 µs for a 620-byte frame against about 0.2 µs for a view into a shared slab. PUBLISH frames are made
 * for every message, so the broker encodes them through a pool.
 *
 * Invariants:
 * - A frame is a view of exactly its size into a slab of {@linkcode SLAB_BYTES}; slabs are never reused,
 *   only replaced when full, so a frame starts zero-filled like `new Uint8Array(size)` and no two frames
 *   overlap. Writers must stay within their frame (the encoders do). A frame starts where the one taken
 *   before it ends (no alignment), so consecutive frames are contiguous.
 * - A slab lives as long as any of its frames: a frame kept for long pins up to one slab. Frames above
 *   {@linkcode MAX_POOLED_BYTES} get their own buffer, and callers pool only frames that are normally
 *   short-lived (a retained message's frames are not pooled: see session/outbound-publish.ts). Node's
 *   own `Buffer.allocUnsafe` pool makes the same trade (8 KiB slabs, up to 4 KiB each).
 * - `release` takes back only the frame taken last (an encoder that sized it for an ASCII topic that
 *   was not), zero-filled again, so the invariants above hold for the next frame carved there.
 * - `reserve` carves room as `take` does but makes no view of it: a frame used once is written there in
 *   place (session/outbound-publish.ts) and handed to a connection's batch as a place in the slab, so
 *   the same rules hold (never reused, never overlapping, pinned while the batch or a socket holds it).
 * @module
 */

/** Bytes per slab. */
export const SLAB_BYTES = 8192;
/** Frames larger than this get a buffer of their own. */
export const MAX_POOLED_BYTES = 2048;

export class FramePool {
  #slab: ArrayBuffer | undefined = undefined;
  /** The whole current slab, for frames written in place ({@link reserve}), and a view of it. */
  #slabBytes: Uint8Array | undefined = undefined;
  #slabView: DataView | undefined = undefined;
  #offset = SLAB_BYTES;
  /** The pooled frame taken last and where it starts in the current slab (it ends at `#offset`). */
  #last: Uint8Array | undefined = undefined;
  #lastStart = 0;

  /** A zero-filled frame of `size` bytes. */
  take(size: number): Uint8Array {
    if (size > MAX_POOLED_BYTES) return new Uint8Array(size);
    const start = this.#carve(size);
    const frame = new Uint8Array(this.#slab!, start, size);
    this.#last = frame;
    return frame;
  }

  /**
   * Room for a frame of `size` bytes (at most {@linkcode MAX_POOLED_BYTES}) written in place: its
   * zero-filled bytes are [{@link lastStart}, {@link lastEnd}) of {@link slabBytes}, where {@link take}
   * would have carved its frame, and no view of them is made (about 30 ns in this V8). For a frame
   * used once, by one connection's batch (see session/outbound-publish.ts: `writeSinglePublish`).
   */
  reserve(size: number): void {
    if (size > MAX_POOLED_BYTES)
      throw new RangeError(`Cannot reserve ${size} bytes in a frame slab: at most ${MAX_POOLED_BYTES}`);
    this.#carve(size);
    this.#last = undefined;
  }

  /** The current slab (where the last frame was taken or reserved). */
  get slab(): ArrayBuffer | undefined {
    return this.#slab;
  }

  /** The whole current slab as bytes, to write a {@link reserve}d frame into. */
  get slabBytes(): Uint8Array | undefined {
    return this.#slabBytes;
  }

  /** {@link slabBytes} as a DataView, to write words into (word-bytes.ts). */
  get slabView(): DataView | undefined {
    return this.#slabView;
  }

  /**
   * The slab `frame` was carved from, when it is the pooled frame taken last: its bytes are then
   * [{@link lastStart}, {@link lastEnd}) of it. Undefined for any other frame. Lets a batch join
   * frames that follow one another in a slab without reading `buffer` and `byteOffset`, which cost
   * tens of nanoseconds each in this V8 (a typed array's accessors are not inlined).
   */
  slabOf(frame: Uint8Array): ArrayBuffer | undefined {
    return frame === this.#last ? this.#slab : undefined;
  }

  /** Where the frame taken or reserved last starts in its slab. */
  get lastStart(): number {
    return this.#lastStart;
  }

  /** Where the frame taken or reserved last ends in its slab. */
  get lastEnd(): number {
    return this.#offset;
  }

  /**
   * Gives back `frame`, which its taker will not use, when it is the last frame taken from the current
   * slab; its first `written` bytes (what the taker wrote) are zeroed for the next frame. Any other
   * frame is left alone (and is garbage once unreferenced, as before).
   */
  release(frame: Uint8Array, written: number = frame.length): void {
    if (frame !== this.#last) return;
    frame.fill(0, 0, written);
    this.#offset = this.#lastStart;
    this.#last = undefined;
  }

  /** Takes `size` bytes of the current slab (a new one when they do not fit); returns where they start. */
  #carve(size: number): number {
    if (this.#offset + size > SLAB_BYTES || this.#slab === undefined) {
      this.#slab = new ArrayBuffer(SLAB_BYTES);
      this.#slabBytes = new Uint8Array(this.#slab);
      this.#slabView = new DataView(this.#slab);
      this.#offset = 0;
    }
    const start = this.#offset;
    // the next frame starts where this one ends: frames taken one after another for one connection
    // are then one run of bytes in its batch (broker/outbound-batch.ts)
    this.#offset = start + size;
    this.#lastStart = start;
    return start;
  }
}
