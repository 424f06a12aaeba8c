/**
 * The event envelope: the platform's one internal event type, how envelopes are made and how
 * dialects render them.
 * @module
 */

export type { EventEnvelope } from "./event-envelope.js";
export { createEnvelope, type EnvelopeFields, JSON_CONTENT_TYPE } from "./create-envelope.js";
export { envelopeTime, isJsonObject, jsonBytes, type JsonObject, withDefault, withoutKey } from "./render.js";
export { EnvelopeIds } from "./envelope-ids.js";
export { exceedsJsonDepth, MAX_JSON_DEPTH } from "./json-depth.js";
export { jsonValueProblem, NON_FINITE_NUMBER } from "./json-value-problem.js";
export { jsonString, jsonText } from "./json-text.js";
export { NUMBER_MAX_BYTES, type PayloadPart, payloadPart, PayloadWriter } from "./payload-writer.js";
export { TimestampParser } from "./timestamp-parser.js";
export { formatIsoMicros, formatIsoMillis, parseIsoTimestamp } from "./timestamps.js";
