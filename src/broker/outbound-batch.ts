/**
 * A connection's outgoing frames for the current event-loop turn, written to the socket in one call.
 *
 * Node makes one send syscall per `socket.write` on an idle socket; Aedes and Mosquitto both make about
 * one per delivered message (reference/brokers.md section 5). Collecting a turn's frames and copying
 * them into one buffer turns that into one syscall per connection per turn. Shared PUBLISH frames
 * (encoded once per message) are patched with their packet identifier and DUP bit during the copy.
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

  get bytes(): number {
    return this.#bytes;
  }

  get empty(): boolean {
    return this.#frames.length === 0;
  }

  add(frame: Uint8Array): void {
    this.#frames.push(frame);
    this.#bytes += frame.byteLength;
  }

  /** Adds a shared PUBLISH frame to be sent with `packetId` at `packetIdOffset` (and DUP when asked). */
  addPublish(frame: Uint8Array, packetIdOffset: number, packetId: number, dup: boolean): void {
    if (packetIdOffset >= 0)
      this.#patches.push(this.#frames.length, packetIdOffset, packetId | (dup ? 0x10000 : 0));
    this.#frames.push(frame);
    this.#bytes += frame.byteLength;
  }

  /** Writes and clears the batch; returns what `transport.write` returned last. */
  writeTo(transport: Transport): boolean {
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
