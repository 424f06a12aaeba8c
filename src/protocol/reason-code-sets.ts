/**
 * The reason codes each MQTT 5 packet may carry (spec tables 3-1, 3-4 .. 3-11), and the v3 return codes.
 * A decoder that meets a value outside its packet's set raises a Protocol Error: the sender broke the
 * "MUST use one of the ... Reason Codes" rule of that packet (e.g. [MQTT-3.4.2-1]).
 * @module
 */

import { protocolViolation } from "./protocol-error.js";

/** A set of byte values as a 256-entry lookup table. */
export type ReasonCodeSet = readonly boolean[];

function reasonCodeSet(codes: readonly number[]): ReasonCodeSet {
  const table = new Array<boolean>(256).fill(false);
  for (const code of codes) table[code] = true;
  return table;
}

/** CONNACK (table 3-1). */
export const CONNACK_REASON_CODES = reasonCodeSet([
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a,
  0x9b, 0x9c, 0x9d, 0x9f,
]);
/** v3 CONNACK return codes 0..5 (3.1.1 table 3.1; 6..255 are reserved). */
export const CONNACK_RETURN_CODES_V3 = reasonCodeSet([0, 1, 2, 3, 4, 5]);
/** PUBACK (table 3-4) and PUBREC (table 3-5). */
export const PUBACK_REASON_CODES = reasonCodeSet([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]);
/** PUBREL (table 3-6) and PUBCOMP (table 3-7). */
export const PUBREL_REASON_CODES = reasonCodeSet([0x00, 0x92]);
/** SUBACK (table 3-8). */
export const SUBACK_REASON_CODES = reasonCodeSet([
  0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2,
]);
/** v3 SUBACK return codes: granted QoS 0..2 or 0x80 failure [MQTT-3.9.3-2]. */
export const SUBACK_RETURN_CODES_V3 = reasonCodeSet([0x00, 0x01, 0x02, 0x80]);
/** UNSUBACK (table 3-9). */
export const UNSUBACK_REASON_CODES = reasonCodeSet([0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]);
/** DISCONNECT (table 3-10). */
export const DISCONNECT_REASON_CODES = reasonCodeSet([
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97,
  0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);
/** AUTH (table 3-11). */
export const AUTH_REASON_CODES = reasonCodeSet([0x00, 0x18, 0x19]);

/** Throws a Protocol Error unless `code` is in `allowed`. */
export function checkReasonCode(
  allowed: ReasonCodeSet,
  code: number,
  packetName: string,
  rule: string,
): number {
  if (allowed[code] !== true) {
    throw protocolViolation(
      `Cannot decode ${packetName}: 0x${code.toString(16)} is not a valid reason code`,
      rule,
    );
  }
  return code;
}
