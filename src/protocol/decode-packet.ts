/**
 * Decoding one complete frame: dispatch on the packet type to the decoder in `packets/`.
 * @module
 */

import { ByteReader } from "./byte-reader.js";
import { checkFixedHeader, type FixedHeaderFields, parseFixedHeader } from "./fixed-header.js";
import { assertNever, type Packet } from "./packet.js";
import { PacketType, type ProtocolVersion } from "./packet-type.js";
import { decodeAuth } from "./packets/auth.js";
import { decodeConnack } from "./packets/connack.js";
import { decodeConnect } from "./packets/connect.js";
import { decodeDisconnect } from "./packets/disconnect.js";
import { decodePingreq } from "./packets/pingreq.js";
import { decodePingresp } from "./packets/pingresp.js";
import { decodePuback } from "./packets/puback.js";
import { decodePubcomp } from "./packets/pubcomp.js";
import { decodePublish } from "./packets/publish.js";
import { decodePubrec } from "./packets/pubrec.js";
import { decodePubrel } from "./packets/pubrel.js";
import { decodeSuback } from "./packets/suback.js";
import { decodeSubscribe } from "./packets/subscribe.js";
import { decodeUnsuback } from "./packets/unsuback.js";
import { decodeUnsubscribe } from "./packets/unsubscribe.js";
import { malformed } from "./protocol-error.js";

/** Limits of {@link decodePacket}, as a FrameReader takes them (frame-reader.ts). */
export interface DecodeOptions {
  /** Most User Properties one property set may carry; unbounded when absent (see property-codec.ts). */
  readonly maximumUserProperties?: number;
}

/**
 * Decodes one complete frame (fixed header included) of a connection speaking `version`.
 * CONNECT decodes at the level it names, whatever `version` is. Throws a ProtocolError for any
 * violation; binary fields of the result are views into `frame` (except CONNECT's, which are copies).
 *
 * @example
 * const packet = decodePacket(new Uint8Array([0xc0, 0x00]), 4); // { type: PacketType.PINGREQ }
 */
export function decodePacket(frame: Uint8Array, version: ProtocolVersion, options?: DecodeOptions): Packet {
  if (frame.length < 2) throw malformed("Cannot decode packet: a frame is at least 2 bytes");
  const header: FixedHeaderFields = { remainingLength: 0, headerLength: 0 };
  if (!parseFixedHeader(frame, 0, frame.length, header)) {
    throw malformed("Cannot decode packet: the frame ends inside the fixed header");
  }
  if (header.headerLength + header.remainingLength !== frame.length) {
    throw malformed(
      `Cannot decode packet: the Remaining Length ${header.remainingLength} does not match the ${frame.length - header.headerLength} bytes after the fixed header`,
    );
  }
  const firstByte = frame[0]!;
  checkFixedHeader(firstByte, version);
  const reader = new ByteReader(frame, header.headerLength, frame.length);
  if (options?.maximumUserProperties !== undefined) reader.maxUserProperties = options.maximumUserProperties;
  return decodeBody(reader, firstByte, version);
}

/**
 * Decodes the body `reader` points at, for a fixed header whose first byte is `firstByte` and has
 * already passed `checkFixedHeader`.
 */
export function decodeBody(reader: ByteReader, firstByte: number, version: ProtocolVersion): Packet {
  const type = (firstByte >> 4) as PacketType;
  switch (type) {
    case PacketType.PUBLISH:
      return decodePublish(reader, firstByte & 0x0f, version);
    case PacketType.PUBACK:
      return decodePuback(reader, version);
    case PacketType.PUBREC:
      return decodePubrec(reader, version);
    case PacketType.PUBREL:
      return decodePubrel(reader, version);
    case PacketType.PUBCOMP:
      return decodePubcomp(reader, version);
    case PacketType.CONNECT:
      return decodeConnect(reader);
    case PacketType.CONNACK:
      return decodeConnack(reader, version);
    case PacketType.SUBSCRIBE:
      return decodeSubscribe(reader, version);
    case PacketType.SUBACK:
      return decodeSuback(reader, version);
    case PacketType.UNSUBSCRIBE:
      return decodeUnsubscribe(reader, version);
    case PacketType.UNSUBACK:
      return decodeUnsuback(reader, version);
    case PacketType.PINGREQ:
      return decodePingreq(reader);
    case PacketType.PINGRESP:
      return decodePingresp(reader);
    case PacketType.DISCONNECT:
      return decodeDisconnect(reader, version);
    case PacketType.AUTH:
      return decodeAuth(reader);
    default:
      return assertNever(type);
  }
}
