/**
 * Gooee's inbound side: the handlers of the topics clients publish to. Each parses the JSON payload,
 * checks that the topic's entity exists in the tenant (a device, or a zone of the topic's type),
 * validates the payload (docs/dialects/gooee.md, "Validation"), and turns it into envelopes and state
 * values, or rejects it:
 *
 * - a payload problem: v5 reason code 0x99 Payload format invalid, the report's message as the reason;
 * - an unknown or disabled entity: 0x83 Implementation specific error;
 * - either way, on rows that have one, a report on the `.../rejected` topic (the only feedback a v3
 *   client gets): `{"error": {"message", "context"}, "data": <the payload as published>}`.
 *
 * A publish is accepted or rejected as a whole (one bad meta value rejects the array). Times the client
 * leaves out (`timestamp`, an action's `created`) are filled with the ingest time in the routed message
 * and the derived ones; the publish is routed byte for byte when nothing was filled in.
 * @module
 */

import {
  createEnvelope,
  type EnvelopeIds,
  type EventEnvelope,
  formatIsoMillis,
  isJsonObject,
  JSON_CONTENT_TYPE,
  jsonBytes,
  jsonValueProblem,
  type JsonObject,
  parseIsoTimestamp,
  type TimestampParser,
} from "../../envelope/index.js";
import type { EntityRef, ZoneType } from "../../registry/model.js";
import type { StateWrite } from "../../registry/registry-view.js";
import { ReasonCode } from "../../../protocol/index.js";
import type { DialectContext, IngestHandler, IngestOutcome, InboundPublish } from "../dialect.js";
import {
  ACTION_SCHEMA,
  disabledDevice,
  FAULT_ALARM_SCHEMA,
  type GooeeError,
  HEAD_COUNT_SCHEMA,
  HEAD_COUNT_VALUE_SCHEMA,
  invalid,
  META_ITEM_SCHEMA,
  META_PAYLOAD_SCHEMA,
  NAME_MAX_LENGTH,
  NAME_SCHEMA,
  PublishedJson,
  rejectionPayload,
  RESERVED_NAME_SCHEMA,
  TIMESTAMP_SCHEMA,
  unknownEntity,
} from "./gooee-errors.js";
import { isMetaName, matchesNamePattern } from "./meta-name.js";
import { MetaShape, MetaSlots } from "./meta-shape.js";
import { MetaShapeCache, type ShapeEntry } from "./meta-shape-cache.js";
import { type SchemaCache, WHOLE_VALUE } from "./schema-cache.js";
import type { ValidateFunction } from "ajv";

export const GOOEE = "gooee";

/** The head count meta names of areas, spaces and buildings (each its own topic). */
export const HEAD_COUNT_NAMES = ["head_count", "headcount_in", "headcount_out"] as const;
export type HeadCountName = (typeof HEAD_COUNT_NAMES)[number];

const decoder = new TextDecoder();
/** Refuses ill-formed UTF-8 (the lenient `decoder` then gives the text for the report). */
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

type Parsed =
  | { readonly ok: true; readonly value: unknown; readonly text: string }
  | {
      readonly ok: false;
      readonly text: string;
      readonly cause: string;
      /**
       * What a report's `data` is: the published JSON itself when it parsed (a number JSON cannot hold,
       * nesting too deep: privacy rules then see its members), else its text as a string.
       */
      readonly data: string | PublishedJson;
    };

/**
 * The payload parsed; or its text, when it is not UTF-8 or not JSON, nests too deep or holds a number
 * JSON cannot (json-value-problem.ts).
 */
function parseJson(payload: Uint8Array): Parsed {
  let text: string;
  try {
    text = strictDecoder.decode(payload);
  } catch {
    const lenient = decoder.decode(payload);
    return { ok: false, text: lenient, cause: "not UTF-8", data: lenient };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, text, cause: "malformed JSON", data: text };
  }
  const problem = jsonValueProblem(value);
  return problem === undefined
    ? { ok: true, value, text }
    : { ok: false, text, cause: problem, data: new PublishedJson(text) };
}

/** A rejection; with `rejectedTopic`, also the report published there. */
function reject(
  error: GooeeError,
  reasonCode: number,
  data: unknown,
  rejectedTopic: string | undefined,
): IngestOutcome {
  const outcome = { kind: "reject", reasonCode, reason: error.message } as const;
  if (rejectedTopic === undefined) return outcome;
  return {
    ...outcome,
    publish: [{ topic: rejectedTopic, payload: rejectionPayload(error, data), retain: false }],
  };
}

const PAYLOAD = ReasonCode.PayloadFormatInvalid;
const TARGET = ReasonCode.ImplementationSpecificError;

function deviceError(context: DialectContext, id: string): GooeeError | undefined {
  const device = context.registry.device(id);
  if (device === undefined || device.tenant !== context.tenant) return unknownEntity("device", id);
  return device.enabled ? undefined : disabledDevice(id);
}

function zoneError(context: DialectContext, id: string, type: ZoneType): GooeeError | undefined {
  const zone = context.registry.zone(id);
  return zone === undefined || zone.tenant !== context.tenant || zone.type !== type
    ? unknownEntity(type, id)
    : undefined;
}

/** The microseconds of an optional time field, or an error; undefined when absent. */
function timeField(
  object: JsonObject,
  key: string,
  position: string,
): { readonly micros: number | undefined; readonly text: string | undefined } | GooeeError {
  const value = object[key];
  if (value === undefined) return { micros: undefined, text: undefined };
  const micros = typeof value === "string" ? parseIsoTimestamp(value) : undefined;
  if (micros === undefined)
    return invalid("invalid date-time format", `${position}/${key}`, value, TIMESTAMP_SCHEMA);
  return { micros, text: value as string };
}

function isError(value: object): value is GooeeError {
  return "message" in value && "context" in value;
}

/** Optional string fields of an object; the first that is not a string, as an error. */
function stringFields(
  object: JsonObject,
  keys: readonly string[],
  position: string,
  schema: JsonObject,
): GooeeError | undefined {
  for (const key of keys) {
    const value = object[key];
    if (value !== undefined && typeof value !== "string")
      return invalid("type mismatch", `${position}/${key}`, value, propertySchema(schema, key));
  }
  return undefined;
}

function propertySchema(schema: JsonObject, key: string): JsonObject {
  const properties = schema["properties"] as Readonly<Record<string, JsonObject>> | undefined;
  return properties?.[key] ?? schema;
}

/** A meta name's problem, Gooee's Meta Constraints first (the seed's example is a pattern failure). */
function nameError(name: unknown, position: string): GooeeError | undefined {
  if (typeof name !== "string") return invalid("type mismatch", position, name, NAME_SCHEMA);
  if (name.length < 1 || name.length > NAME_MAX_LENGTH)
    return invalid("string length out of range", position, name, NAME_SCHEMA);
  if (!matchesNamePattern(name)) return invalid("regex pattern not matching", position, name, NAME_SCHEMA);
  if (name === "rejected") return invalid("reserved name", position, name, RESERVED_NAME_SCHEMA);
  return undefined;
}

const META_STRING_FIELDS = ["display_name", "unit_of_measure"] as const;

/**
 * The shape problem of meta item `i` (an object with a valid name, a value, and string display name
 * and unit when present), or undefined; the fast path (a valid item) makes nothing.
 */
function metaItemError(item: unknown, i: number): GooeeError | undefined {
  if (!isJsonObject(item)) return invalid("type mismatch", `[${i}]`, item, META_ITEM_SCHEMA);
  const name = item["name"];
  if (name === undefined)
    return invalid('missing required property "name"', `[${i}]`, item, META_ITEM_SCHEMA);
  if (typeof name !== "string" || !isMetaName(name)) return nameError(name, `[${i}]/name`);
  if (!Object.hasOwn(item, "value"))
    return invalid('missing required property "value"', `[${i}]`, item, META_ITEM_SCHEMA);
  const displayName = item["display_name"];
  const unit = item["unit_of_measure"];
  if (
    (displayName !== undefined && typeof displayName !== "string") ||
    (unit !== undefined && typeof unit !== "string")
  )
    return stringFields(item, META_STRING_FIELDS, `[${i}]`, META_ITEM_SCHEMA);
  return undefined;
}

/**
 * `devices/<id>/meta`: an array of `{name, value, display_name?, unit_of_measure?, timestamp?}`. One
 * bad item rejects the array; each item is checked in Gooee's order: shape, name, timestamp, then the
 * value against the tenant's payload schema for the name. An array like the device's last accepted one
 * is read against its shape (`shapes`, see meta-shape-cache.ts) instead of parsed.
 */
export function ingestMeta(
  schemas: SchemaCache,
  ids: EnvelopeIds,
  times: TimestampParser,
  shapes: MetaShapeCache = new MetaShapeCache(),
): IngestHandler {
  const checks = new WeakMap<MetaShape, ShapeChecks>();
  const slots = new ShapedSlots();
  return (publish, context) => {
    const id = publish.params["id"]!;
    const payload = publish.payload;
    const entry = shapes.entry(id);
    const shape = entry?.shape;
    if (shape !== undefined && shape.read(payload, slots)) {
      const outcome = acceptShaped(entry!, shape, slots, id, context, schemas, ids, times, checks);
      if (outcome !== undefined) {
        shapes.fitted(entry!);
        return outcome;
      }
    }
    const parsed = parseJson(payload);
    if (!parsed.ok)
      return reject(
        invalid(parsed.cause, "(root)", parsed.text, META_PAYLOAD_SCHEMA),
        PAYLOAD,
        parsed.data,
        `devices/${id}/meta/rejected`,
      );
    const data = parsed.value;
    const published = new PublishedJson(parsed.text);
    const target = deviceError(context, id);
    if (target !== undefined) return reject(target, TARGET, published, `devices/${id}/meta/rejected`);
    if (!Array.isArray(data))
      return reject(
        invalid("type mismatch", "(root)", data, META_PAYLOAD_SCHEMA),
        PAYLOAD,
        published,
        `devices/${id}/meta/rejected`,
      );

    const { tenant, now } = context;
    const rejected = (error: GooeeError): IngestOutcome =>
      reject(error, PAYLOAD, published, `devices/${id}/meta/rejected`);
    const source: EntityRef = { kind: "devices", id };
    const envelopes: EventEnvelope[] = [];
    const state: StateWrite[] = [];
    let filled: JsonObject[] | undefined;
    let nowText: string | undefined;
    for (let i = 0; i < data.length; i++) {
      const shapeError = metaItemError(data[i], i);
      if (shapeError !== undefined) return rejected(shapeError);
      const item = data[i] as JsonObject;
      const name = item["name"] as string;
      const value = item["value"];
      const given = item["timestamp"];
      const sourceTime = typeof given === "string" ? given : undefined;
      const sourceTimeMicros = sourceTime === undefined ? undefined : times.parse(sourceTime);
      if (given !== undefined && sourceTimeMicros === undefined)
        return rejected(invalid("invalid date-time format", `[${i}]/timestamp`, given, TIMESTAMP_SCHEMA));
      const schema = context.registry.payloadSchema(tenant, name);
      if (schema !== undefined && !schemas.passes(schema, value)) {
        const valueError = schemas.check(schema, value, `[${i}]/value`);
        if (valueError !== undefined) return rejected(valueError);
      }

      if (sourceTime === undefined) {
        filled ??= (data as JsonObject[]).slice(0, i);
        filled.push({ ...item, timestamp: (nowText ??= formatIsoMillis(now)) });
      } else filled?.push(item);
      envelopes.push(
        metaEnvelope(
          ids,
          tenant,
          source,
          name,
          value,
          sourceTime,
          sourceTimeMicros,
          metaAttributes(item),
          now,
        ),
      );
      state.push({ tenant, entity: source, channel: name, value, time: now, sourceTime });
    }
    if (filled !== undefined) return { kind: "accept", envelopes, state, forward: jsonBytes(filled) };
    shapes.accepted(id, tenant, () => MetaShape.learn(payload, data, metaAttributes));
    return { kind: "accept", envelopes, state, forward: true };
  };
}

/**
 * A meta value's envelope; the fast and the long way make them alike. What `createEnvelope` makes
 * (its fields in its order), written out: `sourceTimeMicros` is the parse of `sourceTime` already,
 * and the fields object would be one more object per value.
 */
function metaEnvelope(
  ids: EnvelopeIds,
  tenant: string,
  source: EntityRef,
  name: string,
  value: unknown,
  sourceTime: string | undefined,
  sourceTimeMicros: number | undefined,
  attributes: Readonly<Record<string, string>>,
  now: number,
): EventEnvelope {
  return {
    id: ids.next(),
    tenant,
    source,
    channel: name,
    type: "meta",
    sourceTime,
    sourceTimeMicros,
    ingestTime: now,
    data: value,
    contentType: JSON_CONTENT_TYPE,
    attributes,
    dialect: GOOEE,
  };
}

/**
 * The payload schema validators of a shape's items (undefined: the name has none), valid while the
 * registry's generation and the tenant are those they were looked up for.
 */
interface ShapeChecks {
  readonly generation: number;
  readonly tenant: string;
  readonly validators: readonly (ValidateFunction | undefined)[];
}

/** The {@link ShapeChecks} of `shape` now; undefined when a schema does not compile (the long way reports it). */
function shapeChecks(
  shape: MetaShape,
  context: DialectContext,
  schemas: SchemaCache,
): ShapeChecks | undefined {
  const { registry, tenant } = context;
  const validators: (ValidateFunction | undefined)[] = [];
  for (const name of shape.names) {
    const schema = registry.payloadSchema(tenant, name);
    const validate = schema === undefined ? undefined : schemas.validator(schema);
    if (validate instanceof Error) return undefined;
    validators.push(validate);
  }
  return { generation: registry.generation, tenant, validators };
}

/** {@link MetaSlots} plus the microseconds of each timestamp, filled while checking them. */
class ShapedSlots extends MetaSlots {
  readonly micros: number[] = [];
}

/**
 * The outcome of a meta array read against its device's shape (see meta-shape.ts), when it is
 * accepted: the items' shape and names are the learned array's, so what is left to check is the
 * device, each timestamp and each value. The device is checked once per registry generation (in its
 * `entry`), and the items' validators are looked up once per generation (`memo`, per shape: devices
 * of one layout share it); a timestamp and a value are checked every time. Anything the long way would
 * reject gives undefined, and the caller takes the long way, which finds the same problem and reports
 * it with the parsed payload.
 */
function acceptShaped(
  entry: ShapeEntry,
  shape: MetaShape,
  slots: ShapedSlots,
  id: string,
  context: DialectContext,
  schemas: SchemaCache,
  ids: EnvelopeIds,
  times: TimestampParser,
  memo: WeakMap<MetaShape, ShapeChecks>,
): IngestOutcome | undefined {
  const { tenant, now, registry } = context;
  const generation = registry.generation;
  if (entry.checkedGeneration !== generation || entry.checkedTenant !== tenant) {
    if (deviceError(context, id) !== undefined) return undefined;
    entry.checkedGeneration = generation;
    entry.checkedTenant = tenant;
  }
  let checks = memo.get(shape);
  if (checks === undefined || checks.generation !== generation || checks.tenant !== tenant) {
    checks = shapeChecks(shape, context, schemas);
    if (checks === undefined) return undefined;
    memo.set(shape, checks);
  }
  const { names, constants } = shape;
  const { values, micros } = slots;
  const validators = checks.validators;
  const count = shape.size;
  // equal timestamps are one string (meta-shape.ts): parsed, and compared with the parser's, once
  let read: string | undefined;
  let parsed: number | undefined;
  for (let i = 0; i < count; i++) {
    const time = slots.times[i]!;
    if (time !== read) {
      read = time;
      parsed = times.parse(time);
      if (parsed === undefined) return undefined;
    }
    micros[i] = parsed!;
    slots.times[i] = times.text; // equal, and the previous publish's string while the time is unchanged
    const validate = validators[i];
    if (validate !== undefined && !validate(values[i], WHOLE_VALUE)) return undefined;
  }
  const source: EntityRef = { kind: "devices", id };
  const envelopes: EventEnvelope[] = [];
  const state: StateWrite[] = [];
  for (let i = 0; i < count; i++) {
    const name = names[i]!;
    const value = values[i];
    const sourceTime = slots.times[i]!;
    const attributes = constants[i] as Readonly<Record<string, string>>;
    envelopes.push(metaEnvelope(ids, tenant, source, name, value, sourceTime, micros[i], attributes, now));
    state.push({ tenant, entity: source, channel: name, value, time: now, sourceTime });
  }
  return { kind: "accept", envelopes, state, forward: true };
}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/** `display_name` and `unit_of_measure` travel as envelope attributes. */
function metaAttributes(item: JsonObject): Readonly<Record<string, string>> {
  const displayName = item["display_name"];
  const unit = item["unit_of_measure"];
  if (displayName === undefined && unit === undefined) return NO_ATTRIBUTES;
  const attributes: Record<string, string> = {};
  if (typeof displayName === "string") attributes["display_name"] = displayName;
  if (typeof unit === "string") attributes["unit_of_measure"] = unit;
  return Object.freeze(attributes); // a shape's are shared by the envelopes of every publish it reads
}

/** Parses a single-object payload; the parsed object, or the rejection. */
function objectPayload(
  publish: InboundPublish,
  schema: JsonObject,
  rejected: string | undefined,
): { readonly object: JsonObject; readonly published: PublishedJson } | { readonly outcome: IngestOutcome } {
  const parsed = parseJson(publish.payload);
  if (!parsed.ok)
    return {
      outcome: reject(invalid(parsed.cause, "(root)", parsed.text, schema), PAYLOAD, parsed.data, rejected),
    };
  const published = new PublishedJson(parsed.text);
  if (!isJsonObject(parsed.value))
    return {
      outcome: reject(invalid("type mismatch", "(root)", parsed.value, schema), PAYLOAD, published, rejected),
    };
  return { object: parsed.value, published };
}

/** An entity's problem, for a device or a zone of `type`. */
function targetError(context: DialectContext, kind: "device" | ZoneType, id: string): GooeeError | undefined {
  return kind === "device" ? deviceError(context, id) : zoneError(context, id, kind);
}

function entityRef(kind: "device" | ZoneType, id: string): EntityRef {
  return { kind: kind === "device" ? "devices" : "zones", id };
}

/** `devices/<id>/actions` and `spaces/<id>/actions`: `{name, type, target_type, target_id, value, created}`. */
export function ingestAction(schemas: SchemaCache, kind: "device" | "space"): IngestHandler {
  return (publish, context) => {
    const id = publish.params["id"]!;
    const payload = objectPayload(publish, ACTION_SCHEMA, undefined);
    if ("outcome" in payload) return payload.outcome;
    const action = payload.object;
    const target = targetError(context, kind, id);
    if (target !== undefined) return reject(target, TARGET, action, undefined);
    const bad =
      schemas.checkFixed(ACTION_SCHEMA, action, "(root)") ??
      consistent(action, "target_type", kind) ??
      consistent(action, "target_id", id);
    if (bad !== undefined) return reject(bad, PAYLOAD, action, undefined);
    const time = timeField(action, "created", "(root)");
    if (isError(time)) return reject(time, PAYLOAD, action, undefined);
    const data = time.text === undefined ? { ...action, created: formatIsoMillis(context.now) } : action;
    const envelope = createEnvelope(
      {
        tenant: context.tenant,
        source: entityRef(kind, id),
        channel: action["type"] as string,
        type: "action",
        data,
        dialect: GOOEE,
        sourceTime: time.text,
        sourceTimeMicros: time.micros,
      },
      context.now,
    );
    return { kind: "accept", envelopes: [envelope], forward: data === action ? true : jsonBytes(data) };
  };
}

/** A field that names the topic's entity must name it (an action for device A is not published on device B). */
function consistent(object: JsonObject, key: string, expected: string): GooeeError | undefined {
  const value = object[key];
  if (value === undefined || value === expected) return undefined;
  return invalid(`${key} not matching the topic`, `(root)/${key}`, value, {
    type: "string",
    const: expected,
  });
}

/** `devices/<id>/fault_alarms` and `buildings/<id>/fault_alarms`. */
export function ingestFaultAlarm(schemas: SchemaCache, kind: "device" | "building"): IngestHandler {
  return (publish, context) => {
    const id = publish.params["id"]!;
    const rejected = `${kind === "device" ? "devices" : "buildings"}/${id}/fault_alarms/rejected`;
    const payload = objectPayload(publish, FAULT_ALARM_SCHEMA, rejected);
    if ("outcome" in payload) return payload.outcome;
    const { object: alarm, published } = payload;
    const target = targetError(context, kind, id);
    if (target !== undefined) return reject(target, TARGET, published, rejected);
    const bad =
      schemas.checkFixed(FAULT_ALARM_SCHEMA, alarm, "(root)") ??
      (kind === "device" ? consistent(alarm, "device", id) : undefined);
    if (bad !== undefined) return reject(bad, PAYLOAD, published, rejected);
    const time = timeField(alarm, "timestamp", "(root)");
    if (isError(time)) return reject(time, PAYLOAD, published, rejected);
    let data = alarm;
    if (time.text === undefined) data = { ...data, timestamp: formatIsoMillis(context.now) };
    if (kind === "device" && data["device"] === undefined) data = { ...data, device: id };
    const envelope = createEnvelope(
      {
        tenant: context.tenant,
        source: entityRef(kind, id),
        channel: alarm["type"] as string,
        type: "fault_alarm",
        data,
        dialect: GOOEE,
        sourceTime: time.text,
        sourceTimeMicros: time.micros,
      },
      context.now,
    );
    return { kind: "accept", envelopes: [envelope], forward: data === alarm ? true : jsonBytes(data) };
  };
}

/**
 * `areas|spaces|buildings/<id>/meta/<head count name>`: `{name, value, timestamp?}`. The name may be
 * left out; for `head_count` the seed's examples write `headcount`, which is accepted too.
 */
export function ingestHeadCount(schemas: SchemaCache, type: ZoneType, name: HeadCountName): IngestHandler {
  return (publish, context) => {
    const id = publish.params["id"]!;
    const payload = objectPayload(publish, HEAD_COUNT_SCHEMA, undefined);
    if ("outcome" in payload) return payload.outcome;
    const count = payload.object;
    const target = zoneError(context, id, type);
    if (target !== undefined) return reject(target, TARGET, count, undefined);
    const given = count["name"];
    if (given !== undefined && given !== name && !(name === "head_count" && given === "headcount"))
      return reject(
        invalid("name not matching the topic", "(root)/name", given, { type: "string", const: name }),
        PAYLOAD,
        count,
        undefined,
      );
    if (!Object.hasOwn(count, "value"))
      return reject(
        invalid('missing required property "value"', "(root)", count, HEAD_COUNT_SCHEMA),
        PAYLOAD,
        count,
        undefined,
      );
    const value = count["value"];
    const schema = context.registry.payloadSchema(context.tenant, name);
    const bad =
      schema === undefined
        ? schemas.checkFixed(HEAD_COUNT_VALUE_SCHEMA, value, "(root)/value")
        : schemas.check(schema, value, "(root)/value");
    if (bad !== undefined) return reject(bad, PAYLOAD, count, undefined);
    const time = timeField(count, "timestamp", "(root)");
    if (isError(time)) return reject(time, PAYLOAD, count, undefined);
    const source: EntityRef = { kind: "zones", id };
    const envelope = createEnvelope(
      {
        tenant: context.tenant,
        source,
        channel: name,
        type: "head_count",
        data: value,
        dialect: GOOEE,
        sourceTime: time.text,
        sourceTimeMicros: time.micros,
      },
      context.now,
    );
    const state: StateWrite = {
      tenant: context.tenant,
      entity: source,
      channel: name,
      value,
      time: context.now,
      sourceTime: time.text,
    };
    const forward =
      time.text === undefined ? jsonBytes({ ...count, timestamp: formatIsoMillis(context.now) }) : true;
    return { kind: "accept", envelopes: [envelope], state: [state], forward };
  };
}
