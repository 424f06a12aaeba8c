/**
 * How often a bridge sends a message the remote broker refuses (an MQTT 5 PUBACK or PUBREC with a
 * reason code >= 0x80 [spec 3.4.2.1]) before giving it up. The reason code says whether the refusal is
 * about the message or about the moment:
 *
 * - 0x97 Quota exceeded: the remote is busy (its quota, a rate limit); the message is fine. It is sent
 *   again after a pause, however often it takes: giving it up would lose a message the bridge took.
 * - 0x80 Unspecified error, 0x83 Implementation specific error, 0x91 Packet Identifier in use: may be
 *   passing (a remote under load, a plug-in's hiccup, state left from an older connection) or may be
 *   the remote's answer to this message every time. Sent again after a pause, a few times, then given
 *   up: a message the remote never accepts must not hold the outbox up for ever.
 * - 0x87 Not authorized, 0x90 Topic Name invalid, 0x99 Payload format invalid, and any other code:
 *   about the message itself; sending it again would get the same answer. Given up at once.
 * @module
 */

/** Sends in all of a message refused with a passing-or-not reason code (0x80, 0x83, 0x91). */
export const UNCERTAIN_REFUSAL_ATTEMPTS = 5;

const QUOTA_EXCEEDED = 0x97;
const UNCERTAIN = new Set([0x80, 0x83, 0x91]);

/**
 * How many times in all a message the remote broker refuses with `reasonCode` is sent before it is
 * given up (removed from the outbox, counted as refused).
 * @example
 * ```ts
 * refusalAttempts(0x97); // Infinity
 * refusalAttempts(0x80); // 5
 * refusalAttempts(0x87); // 1
 * ```
 */
export function refusalAttempts(reasonCode: number): number {
  if (reasonCode === QUOTA_EXCEEDED) return Infinity;
  return UNCERTAIN.has(reasonCode) ? UNCERTAIN_REFUSAL_ATTEMPTS : 1;
}
