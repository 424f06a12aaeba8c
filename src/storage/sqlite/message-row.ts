/**
 * An application message as a `messages` row and back. The payload and the correlation data are BLOBs;
 * user properties are a JSON array of `[key, value]` pairs, which keeps their order and repeated keys
 * [MQTT-3.3.2-18]. The runtime frame cache is never stored.
 * @module
 */

import type { UserProperty } from "../../protocol/index.js";
import type { ApplicationMessage, MessageProperties } from "../../session/index.js";

/** The parameters of the `messages` insert, in column order. */
export type MessageParams = [
  id: number,
  topic: string,
  payload: Buffer,
  qos: number,
  retain: number,
  createdAt: number,
  expiresAt: number | null,
  publisherId: string | null,
  payloadFormat: number | null,
  contentType: string | null,
  responseTopic: string | null,
  correlationData: Buffer | null,
  userProperties: string | null,
];

export interface MessageRow {
  readonly id: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly retain: number;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly publisher_id: string | null;
  readonly payload_format: number | null;
  readonly content_type: string | null;
  readonly response_topic: string | null;
  readonly correlation_data: Buffer | null;
  readonly user_properties: string | null;
}

/** A view of the same bytes as a Buffer (better-sqlite3 binds Buffers as BLOBs); no copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A plain Uint8Array view of a BLOB read back (the rest of the broker expects no Buffer). */
function asBytes(blob: Buffer): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

export function messageParams(message: ApplicationMessage): MessageParams {
  const p = message.properties;
  const userProperties = p?.userProperties;
  return [
    message.id,
    message.topic,
    asBuffer(message.payload),
    message.qos,
    message.retain ? 1 : 0,
    message.createdAt,
    message.expiresAt ?? null,
    message.publisherId ?? null,
    p?.payloadFormatIndicator === undefined ? null : p.payloadFormatIndicator ? 1 : 0,
    p?.contentType ?? null,
    p?.responseTopic ?? null,
    p?.correlationData === undefined ? null : asBuffer(p.correlationData),
    userProperties === undefined || userProperties.length === 0 ? null : JSON.stringify(userProperties),
  ];
}

export function messageFromRow(row: MessageRow): ApplicationMessage {
  return {
    id: row.id,
    topic: row.topic,
    payload: asBytes(row.payload),
    qos: row.qos as 0 | 1 | 2,
    retain: row.retain !== 0,
    properties: propertiesFromRow(row),
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    publisherId: row.publisher_id ?? undefined,
  };
}

function propertiesFromRow(row: MessageRow): MessageProperties | undefined {
  if (
    row.payload_format === null &&
    row.content_type === null &&
    row.response_topic === null &&
    row.correlation_data === null &&
    row.user_properties === null
  )
    return undefined;
  const properties: {
    payloadFormatIndicator?: boolean;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Uint8Array;
    userProperties?: readonly UserProperty[];
  } = {};
  if (row.payload_format !== null) properties.payloadFormatIndicator = row.payload_format !== 0;
  if (row.content_type !== null) properties.contentType = row.content_type;
  if (row.response_topic !== null) properties.responseTopic = row.response_topic;
  if (row.correlation_data !== null) properties.correlationData = asBytes(row.correlation_data);
  if (row.user_properties !== null)
    properties.userProperties = JSON.parse(row.user_properties) as UserProperty[];
  return properties;
}
