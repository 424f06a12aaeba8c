/**
 * The binary format of the SQLite store's change log (`change_log` rows, see `change-log-writer.ts` and
 * `change-log-reader.ts`): each row holds the changes of one commit, one after the other, each an
 * opcode byte followed by its fields. Integers that are ids, sequence numbers, packet ids or intervals
 * are unsigned LEB128 varints; times are little-endian float64; strings and byte strings are a varint
 * length and the bytes (UTF-8 for strings). A client id is written once and then referred to by a
 * zero byte while the following changes are about the same client (a one-byte flag, 0 = same client,
 * 1 = a new one follows).
 *
 * The opcodes and flag bits are part of the file format: never renumber them, only add. A reader
 * reads every change an earlier writer wrote; fields added later hang off a new flag bit that earlier
 * writers never set (the session owner and the will publisher, schema version 5: the byte that was
 * 0 or 1 for "a time follows" became a flags byte, so a record of the earlier format reads as one
 * without them; the shared subscription group of an in-flight or queue entry, schema version 6). An earlier reader never sees a later format: the change log lives in the database,
 * and a database of a later schema version is refused (`open-database.ts`).
 * @module
 */

/** Opcodes, one per `put*`/`delete*` call of the Store interface. */
export const ChangeOp = {
  putMessage: 1,
  putSession: 2,
  deleteSession: 3,
  putSubscription: 4,
  deleteSubscription: 5,
  putInflight: 6,
  deleteInflight: 7,
  putQueued: 8,
  deleteQueued: 9,
  putIncomingQos2: 10,
  deleteIncomingQos2: 11,
  putRetained: 12,
  deleteRetained: 13,
  putWill: 14,
  deleteWill: 15,
} as const;

/** Bits of a message's flags byte (the QoS is the low two bits). */
export const MessageFlag = {
  retain: 0x04,
  expiresAt: 0x08,
  publisherId: 0x10,
  properties: 0x20,
} as const;

/** Bits of a message's properties byte. */
export const PropertyFlag = {
  payloadFormatIndicator: 0x01,
  /** The Payload Format Indicator's value (with the bit above). */
  utf8Payload: 0x02,
  contentType: 0x04,
  responseTopic: 0x08,
  correlationData: 0x10,
  userProperties: 0x20,
} as const;

/** Bits of an in-flight or queue entry's flags byte (the QoS is the low two bits). */
export const EntryFlag = {
  retain: 0x04,
  /** In-flight entries: phase "pubrel" (else "publish"). */
  pubrel: 0x08,
  /** The shared subscription group follows the subscription identifiers, a string (schema version 6). */
  group: 0x10,
} as const;

/** Bits of a subscription's flags byte (Retain Handling is the low two bits). */
export const SubscriptionFlag = {
  noLocal: 0x04,
  retainAsPublished: 0x08,
  subscriptionIdentifier: 0x10,
} as const;

/**
 * Bits of a session's flags byte (`putSession`, after the expiry interval). Before schema version 5 the
 * byte was 0 or 1: whether `disconnectedAt` follows.
 */
export const SessionFlag = {
  /** A float64 `disconnectedAt` follows. */
  disconnectedAt: 0x01,
  /** Then the owner, a string. */
  owner: 0x02,
} as const;

/**
 * Bits of a will's flags byte (`putWill`, after the delay). Before schema version 5 the byte was 0 or 1:
 * whether `dueAt` follows.
 */
export const WillFlag = {
  /** A float64 `dueAt` follows. */
  dueAt: 0x01,
  /** Then the publisher, a string of JSON (`publisher-json.ts`). */
  publisher: 0x02,
} as const;
