/**
 * Rendering helpers shared by the dialects: JSON payload bytes, the time to show for an envelope, and
 * copies of JSON objects with a key added or left out (key order kept, as clients and docs expect it).
 * @module
 */

import type { EventEnvelope } from "./event-envelope.js";
import { formatIsoMillis } from "./timestamps.js";

const encoder = new TextEncoder();

/** A JSON object as parsed from a payload. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** UTF-8 bytes of `value` as JSON. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * The time to show for an envelope: the source time exactly as the client gave it, else the ingest
 * time as ISO 8601 UTC with microseconds (`2016-08-09T20:00:47.539000Z`).
 */
export function envelopeTime(envelope: EventEnvelope): string {
  return envelope.sourceTime ?? formatIsoMillis(envelope.ingestTime);
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A copy of `object` without `key`, the other keys in their order.
 *
 * @example
 * ```ts
 * withoutKey({ name: "Dim", type: "dim", value: 1 }, "type"); // { name: "Dim", value: 1 }
 * ```
 */
export function withoutKey(object: JsonObject, key: string): JsonObject {
  // fromEntries defines own properties: `out[k] = ...` with k "__proto__" (a key JSON.parse makes an
  // own key) would set the copy's prototype instead, and the key would be lost
  return Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
}

/** `object` itself when it has `key`, else a copy with `key: value` added at the end. */
export function withDefault(object: JsonObject, key: string, value: unknown): JsonObject {
  if (Object.hasOwn(object, key)) return object;
  return { ...object, [key]: value };
}
