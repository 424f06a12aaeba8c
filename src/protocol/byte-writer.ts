/**
 * Writers for the MQTT data types (spec 1.5) into a pre-sized Uint8Array. Each returns the position
 * after what it wrote, so encoders thread one integer through and allocate nothing but the frame.
 * @module
 */

import { encodeUtf8Into, utf8Length } from "./utf8.js";

/** UTF-8 length of a string field, which must fit a Two Byte length prefix. */
export function checkedStringLength(field: string, value: string): number {
  const length = utf8Length(value);
  if (length > 0xffff) {
    throw new RangeError(`Cannot encode ${field}: string is ${length} bytes, more than 65535`);
  }
  return length;
}

/** Length of a Binary Data field, which must fit a Two Byte length prefix. */
export function checkedBinaryLength(field: string, value: Uint8Array): number {
  if (value.length > 0xffff) {
    throw new RangeError(`Cannot encode ${field}: binary data is ${value.length} bytes, more than 65535`);
  }
  return value.length;
}

/** Writes a Two Byte Integer; returns the position after it. */
export function writeUint16(target: Uint8Array, pos: number, value: number): number {
  target[pos] = value >>> 8;
  target[pos + 1] = value & 0xff;
  return pos + 2;
}

/** Writes a Four Byte Integer; returns the position after it. */
export function writeUint32(target: Uint8Array, pos: number, value: number): number {
  target[pos] = value >>> 24;
  target[pos + 1] = (value >>> 16) & 0xff;
  target[pos + 2] = (value >>> 8) & 0xff;
  target[pos + 3] = value & 0xff;
  return pos + 4;
}

/** Writes a UTF-8 Encoded String (length prefix, then bytes); returns the position after it. */
export function writeUtf8String(target: Uint8Array, pos: number, value: string): number {
  const length = encodeUtf8Into(value, target, pos + 2);
  writeUint16(target, pos, length);
  return pos + 2 + length;
}

/** Writes Binary Data (length prefix, then bytes); returns the position after it. */
export function writeBinary(target: Uint8Array, pos: number, value: Uint8Array): number {
  writeUint16(target, pos, value.length);
  target.set(value, pos + 2);
  return pos + 2 + value.length;
}

/** Checks that a packet identifier to be encoded is in 1..65535 [MQTT-2.2.1-3]. */
export function checkPacketId(packetName: string, packetId: number | undefined): number {
  if (packetId === undefined || !Number.isInteger(packetId) || packetId < 1 || packetId > 0xffff) {
    throw new RangeError(
      `Cannot encode ${packetName}: packet identifier ${String(packetId)} is not in 1..65535`,
    );
  }
  return packetId;
}

/** Checks that a Two Byte Integer field to be encoded is in 0..65535. */
export function checkUint16(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`Cannot encode ${field}: ${value} is not in 0..65535`);
  }
  return value;
}

/** Checks that a one-byte field (a reason code) to be encoded is in 0..255. */
export function checkUint8(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`Cannot encode ${field}: ${value} is not in 0..255`);
  }
  return value;
}
