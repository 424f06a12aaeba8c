/**
 * Byte builders for hand-written frames in targeted tests.
 * @module
 */

/** Variable Byte Integer bytes. */
export function vbi(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return bytes;
}

export function u16(value: number): number[] {
  return [value >> 8, value & 0xff];
}

export function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A UTF-8 Encoded String (length prefix and bytes) of `value`. */
export function str(value: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(value));
  return [...u16(bytes.length), ...bytes];
}

/** A length-prefixed field with raw `bytes` (for ill-formed UTF-8). */
export function raw(bytes: readonly number[]): number[] {
  return [...u16(bytes.length), ...bytes];
}

/** A property section: Property Length, then the property bytes. */
export function props(...bytes: number[]): number[] {
  return [...vbi(bytes.length), ...bytes];
}

/** A whole frame: first byte, Remaining Length of `body`, body. */
export function frame(firstByte: number, body: readonly number[]): Uint8Array {
  return Uint8Array.from([firstByte, ...vbi(body.length), ...body]);
}

/** A CONNECT frame for `level` ("MQIsdp" for 3) with the given flags, and `rest` after the keep alive. */
export function connect(level: number, flags: number, rest: readonly number[], name?: string): Uint8Array {
  const protocolName = name ?? (level === 3 ? "MQIsdp" : "MQTT");
  return frame(0x10, [...str(protocolName), level, flags, ...u16(60), ...rest]);
}
