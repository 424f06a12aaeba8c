/**
 * Hand-built MQTT frames for bad-input tests: every field is written byte by byte, so a test can put
 * exactly the wrong thing on the wire (bad UTF-8, reserved bits, a lying Remaining Length, ...).
 * Nothing here validates anything.
 * @module
 */

export type Bytes = readonly number[];

/** A Variable Byte Integer (spec 1.5.5), minimal encoding. */
export function vbi(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

/** A Two Byte Integer, big-endian. */
export function u16(value: number): number[] {
  return [(value >> 8) & 0xff, value & 0xff];
}

/** A Four Byte Integer, big-endian. */
export function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A UTF-8 Encoded String: two-byte length, then the UTF-8 bytes of `text`. */
export function str(text: string): number[] {
  return lenPrefixed([...new TextEncoder().encode(text)]);
}

/** Two-byte length, then `raw` as is (for ill-formed "strings" and Binary Data). */
export function lenPrefixed(raw: Bytes): number[] {
  return [...u16(raw.length), ...raw];
}

/** A whole frame: `firstByte`, the correct Remaining Length, then the parts. */
export function frame(firstByte: number, ...parts: Bytes[]): Uint8Array {
  const body = parts.flat();
  return Uint8Array.from([firstByte, ...vbi(body.length), ...body]);
}

/** A frame whose Remaining Length field is given as raw bytes (it may lie about the body). */
export function frameWithLength(firstByte: number, remainingLength: Bytes, ...parts: Bytes[]): Uint8Array {
  return Uint8Array.from([firstByte, ...remainingLength, ...parts.flat()]);
}

/** A v5 property section: Property Length, then the properties (each built with `prop`). */
export function props(...properties: Bytes[]): number[] {
  const body = properties.flat();
  return [...vbi(body.length), ...body];
}

/** One property: identifier, then its already-encoded value. */
export function prop(id: number, ...value: Bytes[]): number[] {
  return [...vbi(id), ...value.flat()];
}

/** MQTT 5 property identifiers used by the tests (spec 2.2.2.2). */
export const PropertyId = {
  PayloadFormatIndicator: 0x01,
  MessageExpiryInterval: 0x02,
  ContentType: 0x03,
  ResponseTopic: 0x08,
  CorrelationData: 0x09,
  SubscriptionIdentifier: 0x0b,
  SessionExpiryInterval: 0x11,
  AuthenticationMethod: 0x15,
  AuthenticationData: 0x16,
  ReceiveMaximum: 0x21,
  TopicAlias: 0x23,
  UserProperty: 0x26,
  MaximumPacketSize: 0x27,
} as const;

/** CONNECT flag bits (spec 3.1.2.3). */
export const ConnectFlag = {
  Reserved: 0x01,
  CleanStart: 0x02,
  Will: 0x04,
  WillQos1: 0x08,
  WillQos2: 0x10,
  WillRetain: 0x20,
  Password: 0x40,
  UserName: 0x80,
} as const;

export interface RawConnectOptions {
  /** Protocol level byte: 4 (3.1.1), 5, or anything else. */
  readonly level: number;
  readonly protocolName?: string;
  /** Default: Clean Start only. */
  readonly flags?: number;
  readonly keepAlive?: number;
  /** v5 CONNECT properties, already a whole property section; default: empty (for level 5 only). */
  readonly properties?: Bytes;
  /** Everything after the properties (client id, will, user name, password); default: a client id. */
  readonly payload?: Bytes;
  /** Fixed header byte 1; default 0x10. */
  readonly firstByte?: number;
}

/** A CONNECT frame built field by field. */
export function connectFrame(options: RawConnectOptions): Uint8Array {
  const properties = options.properties ?? (options.level === 5 ? [0] : []);
  const payload = options.payload ?? str(`bad-${Math.random().toString(36).slice(2, 10)}`);
  return frame(
    options.firstByte ?? 0x10,
    str(options.protocolName ?? "MQTT"),
    [options.level, options.flags ?? ConnectFlag.CleanStart],
    u16(options.keepAlive ?? 0),
    properties,
    payload,
  );
}

/** A deterministic pseudo-random byte source (xorshift32), so "random" input is reproducible. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}
