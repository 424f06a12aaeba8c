/**
 * A connection's outgoing frames for the current event-loop turn, written to the socket in one call.
 *
 * Node makes one send syscall per `socket.write` on an idle socket; Aedes and Mosquitto both make about
 * one per delivered message (reference/brokers.md section 5). Collecting a turn's frames and copying
 * them into one buffer turns that into one syscall per connection per turn. Shared PUBLISH frames
 * (encoded once per message) are patched with their packet identifier and DUP bit during the copy.
 *
 * Runs. QoS 0 PUBLISH frames carved one after another from the same slab (protocol/frame-pool.ts: a
 * subscriber that gets a stream of messages, such as a dialect's derived ones) are kept as one run
 * of bytes, and copied with one call instead of one per frame; a batch that is one run is written as
 * it is, without a copy. In a development measurement (Node 20) a `Uint8Array.set` costs about 30 ns
 * whatever its size up to a few hundred bytes, most of the copy of a small frame. Only frames with
 * nothing to patch join runs, and only when the caller knows where they sit (`addPublishAt`, from the
 * frame pool: a typed array's `buffer` and `byteOffset` are too slow to read per frame).
 * @module
 */

import type { Transport } from "../transport/index.js";

/** Batches above this size are written frame by frame instead of copied into one buffer. */
const COPY_LIMIT = 256 * 1024;

export class OutboundBatch {
  #frames: Uint8Array[] = [];
  /** Triples (frame index, packet id offset, packet id | DUP << 16). */
  #patches: number[] = [];
  #bytes = 0;
  /** The open run's buffer (undefined: no open run) and where the run starts and ends in it. */
  #runBuffer: ArrayBufferLike | undefined = undefined;
  /** The open run's first frame, when it has one (a frame written in place has none). */
  #runFirst: Uint8Array | undefined = undefined;
  #runStart = 0;
  #runEnd = 0;
  /** Where the open run's first frame ends. */
  #runFirstEnd = 0;

  get bytes(): number {
    return this.#bytes;
  }

  get empty(): boolean {
    return this.#frames.length === 0 && this.#runBuffer === undefined;
  }

  add(frame: Uint8Array): void {
    if (this.#runBuffer !== undefined) this.#closeRun();
    this.#frames.push(frame);
    this.#bytes += frame.byteLength;
  }

  /** Adds a shared PUBLISH frame to be sent with `packetId` at `packetIdOffset` (and DUP when asked). */
  addPublish(frame: Uint8Array, packetIdOffset: number, packetId: number, dup: boolean): void {
    if (this.#runBuffer !== undefined) this.#closeRun();
    if (packetIdOffset >= 0)
      this.#patches.push(this.#frames.length, packetIdOffset, packetId | (dup ? 0x10000 : 0));
    this.#frames.push(frame);
    this.#bytes += frame.byteLength;
  }

  /**
   * Adds a PUBLISH frame with nothing to patch (QoS 0) that is bytes [`start`, `end`) of `buffer` (a
   * pooled frame, `frame`: see FramePool.slabOf; or one written there in place, without a frame object:
   * `frame` undefined). It extends the open run when it starts where the run ends in the same buffer,
   * else opens a run of its own.
   */
  addPublishAt(frame: Uint8Array | undefined, buffer: ArrayBufferLike, start: number, end: number): void {
    this.#bytes += end - start;
    if (start === this.#runEnd && buffer === this.#runBuffer) {
      this.#runEnd = end;
      return;
    }
    if (this.#runBuffer !== undefined) this.#closeRun();
    this.#runFirst = frame;
    this.#runBuffer = buffer;
    this.#runStart = start;
    this.#runEnd = end;
    this.#runFirstEnd = end;
  }

  /** Writes and clears the batch; returns what `transport.write` returned last. */
  writeTo(transport: Transport): boolean {
    if (this.#runBuffer !== undefined) this.#closeRun();
    const frames = this.#frames;
    const patches = this.#patches;
    let result = true;
    if (frames.length === 0) return result;
    if (frames.length === 1 && patches.length === 0) {
      result = transport.write(frames[0]!);
    } else if (this.#bytes <= COPY_LIMIT) {
      result = transport.write(this.#concat());
    } else {
      let p = 0;
      for (let i = 0; i < frames.length; i++) {
        let frame = frames[i]!;
        if (p < patches.length && patches[p] === i) {
          frame = frame.slice();
          patch(frame, 0, patches[p + 1]!, patches[p + 2]!);
          p += 3;
        }
        result = transport.write(frame);
      }
    }
    this.#frames = [];
    this.#patches = [];
    this.#bytes = 0;
    return result;
  }

  /** Adds the open run to the frames: its first frame when it is that alone, else a view of the run. */
  #closeRun(): void {
    const first = this.#runFirst;
    const start = this.#runStart;
    const end = this.#runEnd;
    this.#frames.push(
      first !== undefined && end === this.#runFirstEnd
        ? first
        : new Uint8Array(this.#runBuffer!, start, end - start),
    );
    this.#runFirst = undefined;
    this.#runBuffer = undefined;
  }

  #concat(): Uint8Array {
    const out = Buffer.allocUnsafe(this.#bytes);
    const frames = this.#frames;
    const patches = this.#patches;
    let offset = 0;
    let p = 0;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      out.set(frame, offset);
      if (p < patches.length && patches[p] === i) {
        patch(out, offset, patches[p + 1]!, patches[p + 2]!);
        p += 3;
      }
      offset += frame.byteLength;
    }
    return out;
  }
}

function patch(buffer: Uint8Array, frameStart: number, packetIdOffset: number, packed: number): void {
  const at = frameStart + packetIdOffset;
  buffer[at] = (packed >> 8) & 0xff;
  buffer[at + 1] = packed & 0xff;
  if ((packed & 0x10000) !== 0) buffer[frameStart] = buffer[frameStart]! | 0x08; // DUP [MQTT-3.3.1-1]
}
