/**
 * Encodes the SQLite store's changes into the bytes of one `change_log` row (format:
 * `change-log-format.ts`). One growable buffer, written in place: recording a change allocates
 * nothing (the buffer doubles when full), and the commit binds a view of the bytes written so far.
 * @module
 */

import type {
  StoredInflight,
  StoredQueued,
  StoredSession,
  StoredSubscription,
  StoredWill,
} from "../../hooks/index.js";
import type { ApplicationMessage, MessageProperties } from "../../session/index.js";
import {
  ChangeOp,
  EntryFlag,
  MessageFlag,
  PropertyFlag,
  SessionFlag,
  SubscriptionFlag,
  WillFlag,
} from "./change-log-format.js";
import { publisherToJson } from "./publisher-json.js";

const INITIAL_BYTES = 64 * 1024;
const TWO_POW_31 = 0x80000000;
/** Room every reservation leaves for the fixed-size fields written after it. */
const SLACK = 64;
/** Whether a Float64Array holds its bytes little-endian (the log's byte order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class ChangeLogWriter {
  #buf = Buffer.allocUnsafe(INITIAL_BYTES);
  #pos = 0;
  /** The client id the next change may refer to with a zero byte. */
  #client: string | undefined;
  /** Scratch for encoding doubles. */
  readonly #f64 = new Float64Array(1);
  readonly #f64Bytes = new Uint8Array(this.#f64.buffer);

  /** Bytes written since the last `clear()`. */
  get byteLength(): number {
    return this.#pos;
  }

  /** A view of the bytes written (valid until the next write or `clear()`). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos);
  }

  /** Starts a new row. */
  clear(): void {
    this.#pos = 0;
    this.#client = undefined;
    if (this.#buf.length > 16 * INITIAL_BYTES) this.#buf = Buffer.allocUnsafe(INITIAL_BYTES);
  }

  putMessage(message: ApplicationMessage): void {
    const p = message.properties;
    const expiresAt = message.expiresAt;
    const publisherId = message.publisherId;
    this.#reserve(0);
    const buf = this.#buf;
    buf[this.#pos++] = ChangeOp.putMessage;
    this.#varint(message.id);
    let flags: number = message.qos;
    if (message.retain) flags |= MessageFlag.retain;
    if (expiresAt !== undefined) flags |= MessageFlag.expiresAt;
    if (publisherId !== undefined) flags |= MessageFlag.publisherId;
    if (p !== undefined) flags |= MessageFlag.properties;
    buf[this.#pos++] = flags;
    this.#double(message.createdAt);
    if (expiresAt !== undefined) this.#double(expiresAt);
    this.#string(message.topic);
    this.#bytes(message.payload);
    if (publisherId !== undefined) this.#string(publisherId);
    if (p !== undefined) this.#properties(p);
  }

  putSession(session: StoredSession): void {
    const { disconnectedAt, owner } = session;
    this.#op(ChangeOp.putSession, session.clientId);
    this.#buf[this.#pos++] = session.protocolVersion;
    this.#varint(session.expiryInterval);
    let flags = 0;
    if (disconnectedAt !== undefined) flags |= SessionFlag.disconnectedAt;
    if (owner !== undefined) flags |= SessionFlag.owner;
    this.#buf[this.#pos++] = flags;
    if (disconnectedAt !== undefined) this.#double(disconnectedAt);
    if (owner !== undefined) this.#string(owner);
  }

  deleteSession(clientId: string): void {
    this.#op(ChangeOp.deleteSession, clientId);
  }

  putSubscription(clientId: string, sub: StoredSubscription): void {
    this.#op(ChangeOp.putSubscription, clientId);
    this.#string(sub.topicFilter);
    let flags: number = sub.retainHandling;
    if (sub.noLocal) flags |= SubscriptionFlag.noLocal;
    if (sub.retainAsPublished) flags |= SubscriptionFlag.retainAsPublished;
    if (sub.subscriptionIdentifier !== undefined) flags |= SubscriptionFlag.subscriptionIdentifier;
    this.#buf[this.#pos++] = flags;
    this.#buf[this.#pos++] = sub.qos;
    if (sub.subscriptionIdentifier !== undefined) this.#varint(sub.subscriptionIdentifier);
  }

  deleteSubscription(clientId: string, topicFilter: string): void {
    this.#op(ChangeOp.deleteSubscription, clientId);
    this.#string(topicFilter);
  }

  putInflight(clientId: string, entry: StoredInflight): void {
    let flags: number = entry.qos;
    if (entry.retain) flags |= EntryFlag.retain;
    const phase: string = entry.phase; // checked: the log has one bit for it
    if (phase === "pubrel") flags |= EntryFlag.pubrel;
    else if (phase !== "publish") throw new RangeError(`Cannot log an in-flight phase "${phase}"`);
    const group = entry.group;
    if (group !== undefined) flags |= EntryFlag.group;
    this.#op(ChangeOp.putInflight, clientId);
    this.#varint(entry.packetId);
    this.#varint(entry.messageId);
    this.#buf[this.#pos++] = flags;
    this.#ids(entry.subscriptionIdentifiers);
    if (group !== undefined) this.#string(group);
  }

  deleteInflight(clientId: string, packetId: number): void {
    this.#op(ChangeOp.deleteInflight, clientId);
    this.#varint(packetId);
  }

  putQueued(clientId: string, entry: StoredQueued): void {
    let flags: number = entry.qos;
    if (entry.retain) flags |= EntryFlag.retain;
    const group = entry.group;
    if (group !== undefined) flags |= EntryFlag.group;
    this.#op(ChangeOp.putQueued, clientId);
    this.#varint(entry.seq);
    this.#varint(entry.messageId);
    this.#buf[this.#pos++] = flags;
    this.#ids(entry.subscriptionIdentifiers);
    if (group !== undefined) this.#string(group);
  }

  deleteQueued(clientId: string, seq: number): void {
    this.#op(ChangeOp.deleteQueued, clientId);
    this.#varint(seq);
  }

  putIncomingQos2(clientId: string, packetId: number): void {
    this.#op(ChangeOp.putIncomingQos2, clientId);
    this.#varint(packetId);
  }

  deleteIncomingQos2(clientId: string, packetId: number): void {
    this.#op(ChangeOp.deleteIncomingQos2, clientId);
    this.#varint(packetId);
  }

  putRetained(topic: string, messageId: number): void {
    this.#reserve(0);
    this.#buf[this.#pos++] = ChangeOp.putRetained;
    this.#string(topic);
    this.#varint(messageId);
  }

  deleteRetained(topic: string): void {
    this.#reserve(0);
    this.#buf[this.#pos++] = ChangeOp.deleteRetained;
    this.#string(topic);
  }

  putWill(will: StoredWill): void {
    const { dueAt, publisher } = will;
    this.#op(ChangeOp.putWill, will.clientId);
    this.#varint(will.messageId);
    this.#varint(will.delay);
    let flags = 0;
    if (dueAt !== undefined) flags |= WillFlag.dueAt;
    if (publisher !== undefined) flags |= WillFlag.publisher;
    this.#buf[this.#pos++] = flags;
    if (dueAt !== undefined) this.#double(dueAt);
    if (publisher !== undefined) this.#string(publisherToJson(publisher));
  }

  deleteWill(clientId: string): void {
    this.#op(ChangeOp.deleteWill, clientId);
  }

  #properties(p: MessageProperties): void {
    let present = 0;
    if (p.payloadFormatIndicator !== undefined) {
      present |= PropertyFlag.payloadFormatIndicator;
      if (p.payloadFormatIndicator) present |= PropertyFlag.utf8Payload;
    }
    if (p.contentType !== undefined) present |= PropertyFlag.contentType;
    if (p.responseTopic !== undefined) present |= PropertyFlag.responseTopic;
    if (p.correlationData !== undefined) present |= PropertyFlag.correlationData;
    if (p.userProperties !== undefined) present |= PropertyFlag.userProperties;
    this.#buf[this.#pos++] = present;
    if (p.contentType !== undefined) this.#string(p.contentType);
    if (p.responseTopic !== undefined) this.#string(p.responseTopic);
    if (p.correlationData !== undefined) this.#bytes(p.correlationData);
    if (p.userProperties !== undefined) {
      this.#varint(p.userProperties.length);
      for (const [name, value] of p.userProperties) {
        this.#string(name);
        this.#string(value);
      }
    }
  }

  /** The opcode and the client id (a zero byte when it is the previous change's). */
  #op(op: number, clientId: string): void {
    this.#reserve(0);
    const buf = this.#buf;
    buf[this.#pos++] = op;
    if (clientId === this.#client) {
      buf[this.#pos++] = 0;
    } else {
      buf[this.#pos++] = 1;
      this.#string(clientId);
      this.#client = clientId;
    }
  }

  #double(value: number): void {
    this.#f64[0] = value;
    const bytes = this.#f64Bytes;
    const buf = this.#buf;
    let pos = this.#pos;
    if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) buf[pos++] = bytes[i]!;
    else for (let i = 7; i >= 0; i--) buf[pos++] = bytes[i]!;
    this.#pos = pos;
  }

  /** An unsigned integer up to 2^53 - 1 (ids, sequence numbers, intervals): at most 8 bytes. */
  #varint(value: number): void {
    const buf = this.#buf;
    if (value < 0x80 && value >= 0 && (value | 0) === value) {
      buf[this.#pos++] = value;
      return;
    }
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`Cannot log ${value}: the store keeps ids and intervals as unsigned integers`);
    let pos = this.#pos;
    let v = value;
    while (v >= TWO_POW_31) {
      buf[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.#pos = pos;
  }

  #ids(ids: readonly number[]): void {
    if (ids.length === 0) {
      this.#buf[this.#pos++] = 0;
      return;
    }
    this.#reserve(8 * (ids.length + 1));
    this.#varint(ids.length);
    for (const id of ids) this.#varint(id);
  }

  #string(value: string): void {
    const length = value.length;
    this.#reserve(length * 3 + 8);
    const buf = this.#buf;
    if (length < 0x80) {
      // ASCII fast path: one length byte, one byte per character
      let pos = this.#pos + 1;
      let i = 0;
      for (; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i === length) {
        buf[this.#pos] = length;
        this.#pos = pos;
        return;
      }
    }
    const byteLength = Buffer.byteLength(value, "utf8");
    this.#varint(byteLength);
    this.#pos += buf.write(value, this.#pos, byteLength, "utf8");
  }

  #bytes(value: Uint8Array): void {
    const length = value.byteLength;
    this.#reserve(length + 8);
    this.#varint(length);
    if (length <= 32) {
      const buf = this.#buf;
      let pos = this.#pos;
      for (let i = 0; i < length; i++) buf[pos++] = value[i]!;
      this.#pos = pos;
    } else {
      this.#buf.set(value, this.#pos);
      this.#pos += length;
    }
  }

  /**
   * Makes room for `bytes` more bytes plus {@link SLACK}: every change writes its fixed-size fields
   * (at most SLACK bytes between two reservations) without checking.
   */
  #reserve(bytes: number): void {
    const needed = this.#pos + bytes + SLACK;
    if (needed <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, needed + 1024));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }
}
