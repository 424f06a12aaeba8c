/**
 * Gooee's rejection reports and the schema fragments they quote.
 *
 * The seed's example, which this reproduces exactly for a bad meta name:
 *
 * ```json
 * {"error": {"message": "Invalid payload due to regex pattern not matching.  Position: [0]/name. Value: \"Meta_New\".",
 *            "context": {"type": "string", "title": "Name", "pattern": "^(~?)(?!.*__.*)[a-z][a-z0-9_]+$",
 *                        "minLength": 1, "maxLength": 100}},
 *  "data": [{"name": "Meta_New", ...}]}
 * ```
 *
 * Every message has that shape: `Invalid payload due to <cause>.  Position: <where>. Value: <JSON>.`
 * (two spaces after the cause, as in the seed), where `<where>` is `[i]/name`, `[i]/value/level`...,
 * `(root)` for the payload itself; `context` is the JSON Schema fragment the value failed.
 * @module
 */

import { type JsonObject, jsonBytes } from "../../envelope/index.js";

/** What a rejection report says. */
export interface GooeeError {
  readonly message: string;
  readonly context: JsonObject;
}

function frozen<T extends object>(value: T): Readonly<T> {
  return Object.freeze(value);
}

/** Meta names, as Gooee's Meta Constraints define them (the context of a bad name). */
export const NAME_SCHEMA: JsonObject = frozen({
  type: "string",
  title: "Name",
  pattern: "^(~?)(?!.*__.*)[a-z][a-z0-9_]+$",
  minLength: 1,
  maxLength: 100,
});

export const NAME_PATTERN = /^(~?)(?!.*__.*)[a-z][a-z0-9_]+$/;
export const NAME_MAX_LENGTH = 100;

/** `rejected` is a topic level of the API (`devices/<id>/meta/rejected`), so no meta may be called that. */
export const RESERVED_NAME_SCHEMA: JsonObject = frozen({ ...NAME_SCHEMA, not: { const: "rejected" } });

export const TIMESTAMP_SCHEMA: JsonObject = frozen({
  type: "string",
  title: "Timestamp",
  format: "date-time",
});

/** One item of a `devices/<id>/meta` array. */
export const META_ITEM_SCHEMA: JsonObject = frozen({
  type: "object",
  title: "Meta",
  required: ["name", "value"],
  properties: {
    name: NAME_SCHEMA,
    display_name: { type: "string", title: "Display Name" },
    value: { title: "Value" },
    unit_of_measure: { type: "string", title: "Unit of Measure" },
    timestamp: TIMESTAMP_SCHEMA,
  },
});

/** The payload of `devices/<id>/meta`. */
export const META_PAYLOAD_SCHEMA: JsonObject = frozen({
  type: "array",
  title: "Meta Values",
  items: META_ITEM_SCHEMA,
});

/** Action types become a topic level (`actions/<type>`): no "/", "+", "#", at most 100 characters. */
export const ACTION_TYPE_PATTERN = /^[A-Za-z0-9_~.-]{1,100}$/;

export const ACTION_SCHEMA: JsonObject = frozen({
  type: "object",
  title: "Action",
  required: ["type"],
  properties: {
    name: { type: "string", title: "Name" },
    type: { type: "string", title: "Type", pattern: ACTION_TYPE_PATTERN.source },
    target_type: { type: "string", title: "Target Type" },
    target_id: { type: "string", title: "Target Id" },
    value: { type: "object", title: "Value" },
    created: TIMESTAMP_SCHEMA,
  },
});

export const FAULT_ALARM_SCHEMA: JsonObject = frozen({
  type: "object",
  title: "Fault Alarm",
  required: ["type"],
  properties: {
    id: { type: "string", title: "Id" },
    timestamp: TIMESTAMP_SCHEMA,
    priority: { type: "integer", title: "Priority", minimum: 0, maximum: 255 },
    level: { type: "string", title: "Level" },
    type: { type: "string", title: "Type", minLength: 1, maxLength: 100 },
    device: { type: "string", title: "Device" },
    notes: { type: "string", title: "Notes" },
    value: { type: "object", title: "Value" },
    description: { type: "string", title: "Description" },
  },
});

/** The value of a head count when the tenant has no payload schema for it. */
export const HEAD_COUNT_VALUE_SCHEMA: JsonObject = frozen({ type: "integer", title: "Value", minimum: 0 });

export const HEAD_COUNT_SCHEMA: JsonObject = frozen({
  type: "object",
  title: "Head Count",
  required: ["value"],
  properties: {
    name: { type: "string", title: "Name" },
    value: HEAD_COUNT_VALUE_SCHEMA,
    timestamp: TIMESTAMP_SCHEMA,
  },
});

const MAX_SHOWN = 200;

/** `Value: ...` of a message: the JSON of the value, shortened past 200 characters. */
function shown(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN)}...`;
}

/**
 * An error in Gooee's words.
 * @example
 * ```ts
 * invalid("regex pattern not matching", "[0]/name", "Meta_New", NAME_SCHEMA).message;
 * // 'Invalid payload due to regex pattern not matching.  Position: [0]/name. Value: "Meta_New".'
 * ```
 */
export function invalid(cause: string, position: string, value: unknown, context: JsonObject): GooeeError {
  return {
    message: `Invalid payload due to ${cause}.  Position: ${position}. Value: ${shown(value)}.`,
    context,
  };
}

/** The entity a topic names does not exist in the tenant (or is not of the topic's kind). */
export function unknownEntity(kind: string, id: string): GooeeError {
  return { message: `Invalid target: there is no ${kind} "${id}".`, context: { entity: kind, id } };
}

/** A device that is disabled in the registry. */
export function disabledDevice(id: string): GooeeError {
  return { message: `Invalid target: device "${id}" is disabled.`, context: { entity: "device", id } };
}

/** The words for a failed JSON Schema keyword (ajv's `keyword`). */
export function keywordCause(keyword: string): string {
  switch (keyword) {
    case "pattern":
      return "regex pattern not matching";
    case "minLength":
    case "maxLength":
      return "string length out of range";
    case "type":
      return "type mismatch";
    case "required":
      return "missing required property";
    case "enum":
    case "const":
      return "value not allowed";
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
    case "multipleOf":
      return "number out of range";
    case "minItems":
    case "maxItems":
    case "uniqueItems":
      return "array length out of range";
    case "additionalProperties":
      return "unexpected property";
    default:
      return `${keyword} constraint not satisfied`;
  }
}

/**
 * A payload's JSON text as it was published (decoded; it parsed): what a report's `data` shows, rather
 * than the parse written again, which would round `12345678901234567890`, turn `1e400` into `null` and
 * keep only the last of two equal keys.
 */
export class PublishedJson {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

const encoder = new TextEncoder();

/**
 * The payload of a `.../rejected` message: `{"error": {"message", "context"}, "data"}`, in that order;
 * `data` as published when it is a {@link PublishedJson}.
 */
export function rejectionPayload(error: GooeeError, data: unknown): Uint8Array {
  const report = { message: error.message, context: error.context };
  if (!(data instanceof PublishedJson)) return jsonBytes({ error: report, data });
  return encoder.encode(`{"error":${JSON.stringify(report)},"data":${data.text}}`);
}
