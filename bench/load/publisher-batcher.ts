/**
 * Builds one publisher's PUBLISH frames in batches: the frame is encoded once with Switchboard's codec
 * (a template), then each batch copies it N times into one buffer and stamps each copy's payload (send
 * time, publisher index, sequence number, as its payload format writes them) and, for QoS 1, its packet
 * identifier.
 * @module
 */

import { encodePacket, PacketType, type QoS } from "../../src/protocol/index.js";
import { type PayloadFormat, payloadFormat } from "./payload-format.js";

export { STAMP_BYTES } from "./payload-format.js";

export class PublisherBatcher {
  readonly #template: Buffer;
  readonly #payloadOffset: number;
  readonly #stampOffset: number;
  readonly #format: PayloadFormat;
  readonly #qos: QoS;
  readonly #publisherIndex: number;
  #seq = 0;
  #packetId = 1;
  /** QoS 1: PUBLISHes sent and not yet acknowledged (the workload decrements it on PUBACK). */
  inflight = 0;

  /** `format` defaults to the binary one of `payloadBytes` bytes. */
  constructor(options: {
    topic: string;
    qos: QoS;
    payloadBytes: number;
    publisherIndex: number;
    format?: PayloadFormat;
  }) {
    const format = options.format ?? payloadFormat("binary", options.payloadBytes);
    const payload = format.template;
    const frame = encodePacket(
      {
        type: PacketType.PUBLISH,
        topic: options.topic,
        payload,
        qos: options.qos,
        retain: false,
        dup: false,
        ...(options.qos > 0 ? { packetId: 1 } : {}),
      },
      4,
    );
    this.#template = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    this.#payloadOffset = frame.length - payload.length;
    this.#stampOffset = this.#payloadOffset + format.stampOffset;
    this.#format = format;
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
    const format = this.#format;
    const buf = Buffer.allocUnsafe(count * length);
    for (let i = 0; i < count; i++) {
      const offset = i * length;
      template.copy(buf, offset);
      format.write(buf, offset + this.#stampOffset, sentAtNs, this.#publisherIndex, this.#seq);
      this.#seq = (this.#seq + 1) >>> 0;
      if (this.#qos > 0) {
        buf.writeUInt16BE(this.#packetId, offset + this.#payloadOffset - 2);
        this.#packetId = this.#packetId === 0xffff ? 1 : this.#packetId + 1;
      }
    }
    if (this.#qos > 0) this.inflight += count;
    return buf;
  }
}
