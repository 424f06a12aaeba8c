/**
 * Decodes `change_log` rows (format: `change-log-format.ts`) back into the changes they record, in
 * order. Used when the store opens a database whose last checkpoint was followed by commits (after a
 * crash, or a stop that could not checkpoint): they are replayed onto the tables.
 * @module
 */

import { StoreError } from "../../errors.js";
import type { ProtocolVersion, QoS, RetainHandling, UserProperty } from "../../protocol/index.js";
import type { MessageProperties } from "../../session/index.js";
import {
  ChangeOp,
  EntryFlag,
  MessageFlag,
  PropertyFlag,
  SessionFlag,
  SubscriptionFlag,
  WillFlag,
} from "./change-log-format.js";
import { withPublisher } from "./publisher-json.js";
import type { StoreOp } from "./store-op.js";

class Cursor {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.#pos >= this.#buf.length;
  }

  byte(): number {
    if (this.#pos >= this.#buf.length) throw truncated();
    return this.#buf[this.#pos++]!;
  }

  double(): number {
    if (this.#pos + 8 > this.#buf.length) throw truncated();
    const value = this.#buf.readDoubleLE(this.#pos);
    this.#pos += 8;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  }

  /** A copy of the next byte string (the row's buffer is not kept). */
  bytes(): Uint8Array {
    const length = this.varint();
    if (this.#pos + length > this.#buf.length) throw truncated();
    const copy = new Uint8Array(length);
    copy.set(this.#buf.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
    return copy;
  }

  string(): string {
    const length = this.varint();
    if (this.#pos + length > this.#buf.length) throw truncated();
    const value = this.#buf.toString("utf8", this.#pos, this.#pos + length);
    this.#pos += length;
    return value;
  }

  ids(): number[] {
    const count = this.varint();
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(this.varint());
    return ids;
  }
}

function truncated(): StoreError {
  return new StoreError("the change log is truncated");
}

function readProperties(cursor: Cursor): MessageProperties {
  const present = cursor.byte();
  const properties: {
    payloadFormatIndicator?: boolean;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Uint8Array;
    userProperties?: readonly UserProperty[];
  } = {};
  if (present & PropertyFlag.payloadFormatIndicator)
    properties.payloadFormatIndicator = (present & PropertyFlag.utf8Payload) !== 0;
  if (present & PropertyFlag.contentType) properties.contentType = cursor.string();
  if (present & PropertyFlag.responseTopic) properties.responseTopic = cursor.string();
  if (present & PropertyFlag.correlationData) properties.correlationData = cursor.bytes();
  if (present & PropertyFlag.userProperties) {
    const count = cursor.varint();
    const pairs: UserProperty[] = [];
    for (let i = 0; i < count; i++) pairs.push([cursor.string(), cursor.string()]);
    properties.userProperties = pairs;
  }
  return properties;
}

function readMessage(cursor: Cursor): StoreOp {
  const id = cursor.varint();
  const flags = cursor.byte();
  const createdAt = cursor.double();
  const expiresAt = flags & MessageFlag.expiresAt ? cursor.double() : undefined;
  const topic = cursor.string();
  const payload = cursor.bytes();
  const publisherId = flags & MessageFlag.publisherId ? cursor.string() : undefined;
  const properties = flags & MessageFlag.properties ? readProperties(cursor) : undefined;
  return {
    kind: "putMessage",
    message: {
      id,
      topic,
      payload,
      qos: (flags & 3) as QoS,
      retain: (flags & MessageFlag.retain) !== 0,
      properties,
      createdAt,
      expiresAt,
      publisherId,
    },
  };
}

/** Calls `visit` with each change recorded in `bytes`, in order; throws a StoreError on bad bytes. */
export function readChanges(bytes: Uint8Array, visit: (op: StoreOp) => void): void {
  const cursor = new Cursor(bytes);
  let client = "";
  const clientId = (): string => {
    if (cursor.byte() !== 0) client = cursor.string();
    return client;
  };
  while (!cursor.done) {
    const code = cursor.byte();
    switch (code) {
      case ChangeOp.putMessage:
        visit(readMessage(cursor));
        break;
      case ChangeOp.putSession: {
        const id = clientId();
        const protocolVersion = cursor.byte() as ProtocolVersion;
        const expiryInterval = cursor.varint();
        const flags = cursor.byte(); // before schema version 5: 0 or 1, whether disconnectedAt follows
        const disconnectedAt = flags & SessionFlag.disconnectedAt ? cursor.double() : undefined;
        const session = { clientId: id, protocolVersion, expiryInterval, disconnectedAt };
        visit({
          kind: "putSession",
          session: flags & SessionFlag.owner ? { ...session, owner: cursor.string() } : session,
        });
        break;
      }
      case ChangeOp.deleteSession:
        visit({ kind: "deleteSession", clientId: clientId() });
        break;
      case ChangeOp.putSubscription: {
        const id = clientId();
        const topicFilter = cursor.string();
        const flags = cursor.byte();
        const qos = cursor.byte() as QoS;
        visit({
          kind: "putSubscription",
          clientId: id,
          subscription: {
            topicFilter,
            qos,
            noLocal: (flags & SubscriptionFlag.noLocal) !== 0,
            retainAsPublished: (flags & SubscriptionFlag.retainAsPublished) !== 0,
            retainHandling: (flags & 3) as RetainHandling,
            subscriptionIdentifier:
              flags & SubscriptionFlag.subscriptionIdentifier ? cursor.varint() : undefined,
          },
        });
        break;
      }
      case ChangeOp.deleteSubscription: {
        const id = clientId();
        visit({ kind: "deleteSubscription", clientId: id, topicFilter: cursor.string() });
        break;
      }
      case ChangeOp.putInflight: {
        const id = clientId();
        const packetId = cursor.varint();
        const messageId = cursor.varint();
        const flags = cursor.byte();
        const entry = {
          packetId,
          messageId,
          qos: (flags & 3) as 1 | 2,
          retain: (flags & EntryFlag.retain) !== 0,
          subscriptionIdentifiers: cursor.ids(),
          phase: flags & EntryFlag.pubrel ? ("pubrel" as const) : ("publish" as const),
        };
        // before schema version 6 the group bit was never set
        visit({
          kind: "putInflight",
          clientId: id,
          entry: flags & EntryFlag.group ? { ...entry, group: cursor.string() } : entry,
        });
        break;
      }
      case ChangeOp.deleteInflight: {
        const id = clientId();
        visit({ kind: "deleteInflight", clientId: id, packetId: cursor.varint() });
        break;
      }
      case ChangeOp.putQueued: {
        const id = clientId();
        const seq = cursor.varint();
        const messageId = cursor.varint();
        const flags = cursor.byte();
        const entry = {
          seq,
          messageId,
          qos: (flags & 3) as QoS,
          retain: (flags & EntryFlag.retain) !== 0,
          subscriptionIdentifiers: cursor.ids(),
        };
        visit({
          kind: "putQueued",
          clientId: id,
          entry: flags & EntryFlag.group ? { ...entry, group: cursor.string() } : entry,
        });
        break;
      }
      case ChangeOp.deleteQueued: {
        const id = clientId();
        visit({ kind: "deleteQueued", clientId: id, seq: cursor.varint() });
        break;
      }
      case ChangeOp.putIncomingQos2: {
        const id = clientId();
        visit({ kind: "putIncomingQos2", clientId: id, packetId: cursor.varint() });
        break;
      }
      case ChangeOp.deleteIncomingQos2: {
        const id = clientId();
        visit({ kind: "deleteIncomingQos2", clientId: id, packetId: cursor.varint() });
        break;
      }
      case ChangeOp.putRetained: {
        const topic = cursor.string();
        visit({ kind: "putRetained", topic, messageId: cursor.varint() });
        break;
      }
      case ChangeOp.deleteRetained:
        visit({ kind: "deleteRetained", topic: cursor.string() });
        break;
      case ChangeOp.putWill: {
        const id = clientId();
        const messageId = cursor.varint();
        const delay = cursor.varint();
        const flags = cursor.byte(); // before schema version 5: 0 or 1, whether dueAt follows
        const dueAt = flags & WillFlag.dueAt ? cursor.double() : undefined;
        const will = { clientId: id, messageId, delay, dueAt };
        visit({
          kind: "putWill",
          will: flags & WillFlag.publisher ? withPublisher(will, cursor.string()) : will,
        });
        break;
      }
      case ChangeOp.deleteWill:
        visit({ kind: "deleteWill", clientId: clientId() });
        break;
      default:
        throw new StoreError(`the change log holds an unknown change (opcode ${code})`);
    }
  }
}
