/**
 * Builds one publisher's PUBLISH frames in batches: the frame is encoded once with Switchboard's codec
 * (a template), then each batch copies it N times into one buffer and stamps each copy's payload (send
 * time, publisher index, sequence number) and, for QoS 1, its packet identifier.
 * @module
 */

import { encodePacket, PacketType, type QoS } from "../../src/protocol/index.js";

/** Bytes at the start of every payload: float64 send time, uint32 publisher index, uint32 sequence. */
export const STAMP_BYTES = 16;

export class PublisherBatcher {
  readonly #template: Buffer;
  readonly #payloadOffset: number;
  readonly #qos: QoS;
  readonly #publisherIndex: number;
  #seq = 0;
  #packetId = 1;
  /** QoS 1: PUBLISHes sent and not yet acknowledged (the workload decrements it on PUBACK). */
  inflight = 0;

  constructor(options: { topic: string; qos: QoS; payloadBytes: number; publisherIndex: number }) {
    if (options.payloadBytes < STAMP_BYTES) {
      throw new RangeError(`Cannot build PUBLISH frames: payload must be at least ${STAMP_BYTES} bytes`);
    }
    const frame = encodePacket(
      {
        type: PacketType.PUBLISH,
        topic: options.topic,
        payload: new Uint8Array(options.payloadBytes),
        qos: options.qos,
        retain: false,
        dup: false,
        ...(options.qos > 0 ? { packetId: 1 } : {}),
      },
      4,
    );
    this.#template = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    this.#payloadOffset = frame.length - options.payloadBytes;
    this.#qos = options.qos;
    this.#publisherIndex = options.publisherIndex;
  }

  /** The sequence number the next message will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** `count` frames in one buffer, all stamped with `sentAtNs`. */
  build(count: number, sentAtNs: number): Buffer {
    const template = this.#template;
    const length = template.length;
    const buf = Buffer.allocUnsafe(count * length);
    for (let i = 0; i < count; i++) {
      const offset = i * length;
      template.copy(buf, offset);
      const p = offset + this.#payloadOffset;
      buf.writeDoubleLE(sentAtNs, p);
      buf.writeUInt32LE(this.#publisherIndex, p + 8);
      buf.writeUInt32LE(this.#seq, p + 12);
      this.#seq = (this.#seq + 1) >>> 0;
      if (this.#qos > 0) {
        buf.writeUInt16BE(this.#packetId, p - 2);
        this.#packetId = this.#packetId === 0xffff ? 1 : this.#packetId + 1;
      }
    }
    if (this.#qos > 0) this.inflight += count;
    return buf;
  }
}
