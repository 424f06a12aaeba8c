/**
 * Making envelopes: an id, the ingest time, and the source time both as the client gave it and parsed
 * to microseconds.
 * @module
 */

import type { EntityRef } from "../registry/model.js";
import type { EventEnvelope } from "./event-envelope.js";
import { parseIsoTimestamp } from "./timestamps.js";

/** The media type of JSON data, the default `contentType`. */
export const JSON_CONTENT_TYPE = "application/json";

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/** What a dialect knows about an event; {@link createEnvelope} adds the rest. */
export interface EnvelopeFields {
  readonly tenant: string;
  readonly source: EntityRef;
  readonly channel: string;
  readonly type: string;
  readonly data: unknown;
  /** The JSON text `data` was parsed from, as its source gave it (see {@link EventEnvelope.dataText}). */
  readonly dataText?: string | undefined;
  readonly dialect: string;
  /** The time the client gave (ISO 8601), exactly as given; it must parse (validate it first). */
  readonly sourceTime?: string | undefined;
  /** `sourceTime` in microseconds since the epoch, when the caller parsed it already. */
  readonly sourceTimeMicros?: number | undefined;
  /** Defaults to `application/json`. */
  readonly contentType?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  /** Defaults to a random UUID. */
  readonly id?: string;
}

/**
 * A new envelope received at `ingestTime` (milliseconds since the epoch). A `sourceTime` is kept as
 * given and parsed to `sourceTimeMicros`; one that does not parse is a programming error (the dialect
 * validates times and rejects the publish first) and throws a RangeError.
 *
 * @example
 * ```ts
 * const envelope = createEnvelope(
 *   {
 *     tenant: "acme",
 *     source: { kind: "devices", id: "d1" },
 *     channel: "temperature",
 *     type: "meta",
 *     data: 21.5,
 *     dialect: "gooee",
 *     sourceTime: "2016-08-09T20:00:47.539000Z",
 *   },
 *   Date.now(),
 * );
 * envelope.sourceTimeMicros; // 1470772847539000
 * ```
 */
export function createEnvelope(fields: EnvelopeFields, ingestTime: number): EventEnvelope {
  const sourceTime = fields.sourceTime;
  let sourceTimeMicros: number | undefined;
  if (sourceTime !== undefined) {
    sourceTimeMicros = fields.sourceTimeMicros ?? parseIsoTimestamp(sourceTime);
    if (sourceTimeMicros === undefined)
      throw new RangeError(`Cannot create an envelope: "${sourceTime}" is not an ISO 8601 date-time`);
  }
  const envelope: EventEnvelope = {
    id: fields.id ?? crypto.randomUUID(), // Web Crypto: the envelope module imports nothing from Node
    tenant: fields.tenant,
    source: fields.source,
    channel: fields.channel,
    type: fields.type,
    sourceTime,
    sourceTimeMicros,
    ingestTime,
    data: fields.data,
    contentType: fields.contentType ?? JSON_CONTENT_TYPE,
    attributes: fields.attributes ?? NO_ATTRIBUTES,
    dialect: fields.dialect,
  };
  // only the envelopes that carry a text get the field: the others keep the shape they always had
  return fields.dataText === undefined ? envelope : { ...envelope, dataText: fields.dataText };
}
