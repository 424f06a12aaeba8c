/**
 * The fixed header (spec 2.1): packet type and flags in byte 1, then the Remaining Length.
 * @module
 */

import type { FramePool } from "./frame-pool.js";
import { PacketType, type ProtocolVersion } from "./packet-type.js";
import { malformed } from "./protocol-error.js";
import {
  MAX_VARIABLE_BYTE_INTEGER,
  variableByteIntegerLength,
  writeVariableByteInteger,
} from "./variable-byte-integer.js";

/**
 * Allocates the whole frame for a packet whose body is `remainingLength` bytes and writes its fixed
 * header. The body starts at `frame.length - remainingLength`. With a `pool`, small frames are views
 * into its shared slabs (frame-pool.ts) instead of buffers of their own.
 */
export function startFrame(firstByte: number, remainingLength: number, pool?: FramePool): Uint8Array {
  if (remainingLength > MAX_VARIABLE_BYTE_INTEGER) {
    throw new RangeError(
      `Cannot encode packet: Remaining Length ${remainingLength} exceeds ${MAX_VARIABLE_BYTE_INTEGER}`,
    );
  }
  const size = 1 + variableByteIntegerLength(remainingLength) + remainingLength;
  const frame = pool === undefined ? new Uint8Array(size) : pool.take(size);
  frame[0] = firstByte;
  writeVariableByteInteger(frame, 1, remainingLength);
  return frame;
}

/** Fixed-header flags of packet types 1..15 (index = type); PUBLISH (3) is variable and checked on its own. */
const REQUIRED_FLAGS: readonly number[] = [-1, 0, 0, -1, 0, 0, 0b0010, 0, 0b0010, 0, 0b0010, 0, 0, 0, 0, 0];

/**
 * Checks the packet type and the reserved flag bits of byte 1 (`firstByte`) for `version`.
 * Reserved flags with other values are a Malformed Packet ([MQTT-2.2.2-1]/[MQTT-2.2.2-2] in 3.1.1,
 * [MQTT-2.1.3-1] in 5.0), as are packet type 0 and, before 5.0, packet type 15 (AUTH).
 */
export function checkFixedHeader(firstByte: number, version: ProtocolVersion): void {
  const type = firstByte >> 4;
  if (type === 0) throw malformed("Cannot decode packet: packet type 0 is reserved");
  if (type === PacketType.AUTH && version !== 5) {
    throw malformed("Cannot decode packet: packet type 15 (AUTH) is reserved before MQTT 5.0");
  }
  const required = REQUIRED_FLAGS[type]!;
  if (required >= 0 && (firstByte & 0x0f) !== required) {
    throw malformed(
      `Cannot decode packet of type ${type}: reserved flags are 0b${(firstByte & 0x0f).toString(2).padStart(4, "0")}, must be 0b${required.toString(2).padStart(4, "0")}`,
      version === 5 ? "MQTT-2.1.3-1" : "MQTT-2.2.2-2",
    );
  }
}

/** The Remaining Length of a fixed header and the header's own length (2..5 bytes). */
export interface FixedHeaderFields {
  remainingLength: number;
  headerLength: number;
}

/**
 * Parses the Remaining Length of the fixed header starting at `bytes[start]` (byte 1 must be present),
 * reading no further than `end`. Fills `out` and returns true when the header is complete; returns
 * false when more bytes are needed. A Remaining Length whose fourth byte still has the continuation
 * bit (longer than 4 bytes, i.e. above 268,435,455) is a Malformed Packet.
 */
export function parseFixedHeader(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: FixedHeaderFields,
): boolean {
  let value = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    if (start + i >= end) return false;
    const byte = bytes[start + i]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      out.remainingLength = value;
      out.headerLength = 1 + i;
      return true;
    }
    multiplier *= 0x80;
  }
  throw malformed("Cannot decode packet: the Remaining Length is longer than 4 bytes");
}
