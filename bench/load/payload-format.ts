/**
 * What a closed-loop publisher puts in its payloads and how a subscriber finds the stamp again. The stamp
 * is 16 bytes: float64 LE send time (ns since the generator started), uint32 LE publisher index, uint32 LE
 * sequence number.
 *
 * - `binary`: the stamp, then zeros up to the payload size.
 * - `gooee-meta`: a Gooee meta array of 5 values (seed 002's shape: name, value, display name, unit,
 *   ISO 8601 timestamp with microseconds), the first of which, `stamp`, carries the stamp as 32 lower-case
 *   hex digits. Through Switchboard's Gooee dialect one publish to `devices/<id>/meta` becomes 5 messages
 *   on `devices/<id>/meta/<name>`; only the `stamp` one carries the stamp, the other 4 are counted but not
 *   sequence-checked. Through a plain broker the array arrives as published, stamp included.
 *   `GOOEE_META_SCHEMAS` are the payload schemas the broker validates the 5 values against.
 *
 * A format object keeps the last stamp it read in `sentNs`, `publisher` and `seq` (no allocation per
 * message); make one per workload.
 * @module
 */

import type { PayloadFormatName } from "../lib/types.js";

/** Bytes of the binary stamp: float64 send time, uint32 publisher index, uint32 sequence. */
export const STAMP_BYTES = 16;

export interface PayloadFormat {
  readonly name: PayloadFormatName;
  /** The payload every message starts as. */
  readonly template: Buffer;
  /** Where the stamp goes in the payload. */
  readonly stampOffset: number;
  /** Writes the stamp into `buf` at `at` (the payload's start + `stampOffset`). */
  write(buf: Buffer, at: number, sentNs: number, publisher: number, seq: number): void;
  /**
   * Reads a received message whose topic is `buf[topicStart..topicEnd)` and payload
   * `buf[payloadStart..payloadEnd)`: true when it carries a stamp (now in `sentNs`, `publisher`, `seq`),
   * false for a copy without one. Throws when the message shows the run is broken (a payload too short,
   * a broker rejection).
   */
  read(buf: Buffer, topicStart: number, topicEnd: number, payloadStart: number, payloadEnd: number): boolean;
  sentNs: number;
  publisher: number;
  seq: number;
}

export function payloadFormat(name: PayloadFormatName, payloadBytes: number): PayloadFormat {
  return name === "binary" ? new BinaryFormat(payloadBytes) : new GooeeMetaFormat();
}

class BinaryFormat implements PayloadFormat {
  readonly name = "binary";
  readonly template: Buffer;
  readonly stampOffset = 0;
  sentNs = 0;
  publisher = 0;
  seq = 0;

  constructor(payloadBytes: number) {
    if (payloadBytes < STAMP_BYTES) {
      throw new RangeError(`Cannot build PUBLISH frames: payload must be at least ${STAMP_BYTES} bytes`);
    }
    this.template = Buffer.alloc(payloadBytes);
  }

  write(buf: Buffer, at: number, sentNs: number, publisher: number, seq: number): void {
    buf.writeDoubleLE(sentNs, at);
    buf.writeUInt32LE(publisher, at + 8);
    buf.writeUInt32LE(seq, at + 12);
  }

  read(
    buf: Buffer,
    _topicStart: number,
    _topicEnd: number,
    payloadStart: number,
    payloadEnd: number,
  ): boolean {
    if (payloadEnd - payloadStart < STAMP_BYTES)
      throw new Error(`received a PUBLISH with a ${payloadEnd - payloadStart}-byte payload`);
    this.sentNs = buf.readDoubleLE(payloadStart);
    this.publisher = buf.readUInt32LE(payloadStart + 8);
    this.seq = buf.readUInt32LE(payloadStart + 12);
    return true;
  }
}

/** The 5 meta values of a `gooee-meta` payload, in order; `stamp` is the hex stamp. */
const GOOEE_META_ITEMS: readonly Readonly<Record<string, unknown>>[] = [
  { name: "stamp", value: "0".repeat(2 * STAMP_BYTES) },
  { name: "temperature", display_name: "Temperature", value: 21.4, unit_of_measure: "C" },
  { name: "humidity", display_name: "Relative humidity", value: 41.5, unit_of_measure: "%" },
  { name: "als", display_name: "Ambient light", value: 310, unit_of_measure: "lux" },
  { name: "co2", display_name: "CO2", value: 612, unit_of_measure: "ppm" },
];
/** Every value carries its source time, as in the seed's example (so the broker forwards the bytes as they are). */
const GOOEE_TIMESTAMP = "2016-08-09T20:00:47.539000Z";

/** The payload schemas the broker validates a `gooee-meta` payload's values against, by meta name. */
export const GOOEE_META_SCHEMAS: Readonly<
  Record<string, { readonly schema: Readonly<Record<string, unknown>>; readonly unit?: string }>
> = {
  stamp: { schema: { type: "string", pattern: "^[0-9a-f]{32}$" } },
  temperature: { schema: { type: "number", minimum: -50, maximum: 150 }, unit: "C" },
  humidity: { schema: { type: "number", minimum: 0, maximum: 100 }, unit: "%" },
  als: { schema: { type: "integer", minimum: 0, maximum: 100_000 }, unit: "lux" },
  co2: { schema: { type: "integer", minimum: 0, maximum: 10_000 }, unit: "ppm" },
};

/** Meta values per `gooee-meta` payload: the messages one publish becomes on `devices/<id>/meta/<name>`. */
export const GOOEE_META_VALUES = GOOEE_META_ITEMS.length;

const MARKER = Buffer.from('"value":"');
/** How far into a payload the stamp's marker may start (it is in the first value). */
const MARKER_SEARCH_BYTES = 64;
const REJECTED = Buffer.from("/rejected");
const HEX_DIGITS = Buffer.from("0123456789abcdef");
/** Value of each ASCII code as a hex digit, or 255. */
const HEX_VALUES = Uint8Array.from({ length: 256 }, (_, c) => {
  const i = HEX_DIGITS.indexOf(c);
  return i < 0 ? 255 : i;
});

class GooeeMetaFormat implements PayloadFormat {
  readonly name = "gooee-meta";
  readonly template: Buffer;
  readonly stampOffset: number;
  readonly #scratch = Buffer.alloc(STAMP_BYTES);
  sentNs = 0;
  publisher = 0;
  seq = 0;

  constructor() {
    const items = GOOEE_META_ITEMS.map((item) => ({ ...item, timestamp: GOOEE_TIMESTAMP }));
    this.template = Buffer.from(JSON.stringify(items));
    this.stampOffset = this.template.indexOf(MARKER) + MARKER.length;
  }

  write(buf: Buffer, at: number, sentNs: number, publisher: number, seq: number): void {
    const s = this.#scratch;
    s.writeDoubleLE(sentNs, 0);
    s.writeUInt32LE(publisher, 8);
    s.writeUInt32LE(seq, 12);
    for (let i = 0; i < STAMP_BYTES; i++) {
      const b = s[i]!;
      buf[at + 2 * i] = HEX_DIGITS[b >> 4]!;
      buf[at + 2 * i + 1] = HEX_DIGITS[b & 15]!;
    }
  }

  read(buf: Buffer, topicStart: number, topicEnd: number, payloadStart: number, payloadEnd: number): boolean {
    if (endsWith(buf, topicStart, topicEnd, REJECTED)) {
      const text = buf.toString("utf8", payloadStart, Math.min(payloadEnd, payloadStart + 300));
      throw new Error(
        `the broker rejected a publish (${buf.toString("utf8", topicStart, topicEnd)}): ${text}`,
      );
    }
    const at = find(buf, payloadStart, Math.min(payloadEnd, payloadStart + MARKER_SEARCH_BYTES), MARKER);
    if (at < 0) return false;
    const hex = at + MARKER.length;
    if (payloadEnd - hex < 2 * STAMP_BYTES) return false;
    const s = this.#scratch;
    for (let i = 0; i < STAMP_BYTES; i++) {
      const hi = HEX_VALUES[buf[hex + 2 * i]!]!;
      const lo = HEX_VALUES[buf[hex + 2 * i + 1]!]!;
      if (hi === 255 || lo === 255) return false;
      s[i] = (hi << 4) | lo;
    }
    this.sentNs = s.readDoubleLE(0);
    this.publisher = s.readUInt32LE(8);
    this.seq = s.readUInt32LE(12);
    return true;
  }
}

function endsWith(buf: Buffer, start: number, end: number, suffix: Buffer): boolean {
  if (end - start < suffix.length) return false;
  for (let i = 0, p = end - suffix.length; i < suffix.length; i++, p++)
    if (buf[p] !== suffix[i]) return false;
  return true;
}

/** The first index of `needle` in `buf[from..to)` (the whole needle inside), or -1. */
function find(buf: Buffer, from: number, to: number, needle: Buffer): number {
  const first = needle[0];
  const last = to - needle.length;
  outer: for (let p = from; p <= last; p++) {
    if (buf[p] !== first) continue;
    for (let i = 1; i < needle.length; i++) if (buf[p + i] !== needle[i]) continue outer;
    return p;
  }
  return -1;
}
