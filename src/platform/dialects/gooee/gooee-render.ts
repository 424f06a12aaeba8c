/**
 * Gooee's outbound side: where an envelope appears on Gooee's topics, whichever dialect or API it came
 * in through.
 *
 * | envelope                         | topics                                                                  |
 * | -------------------------------- | ----------------------------------------------------------------------- |
 * | `meta` of a device               | `devices/<id>/meta` (`[item]`), `devices/<id>/meta/<name>` (`{name, value, timestamp}`) |
 * | `action` of a device             | `devices/<id>/actions`, `devices/<id>/actions/<type>` (without `type`), and the same under `buildings/<bld>/` for each building the device is in |
 * | `action` of a space              | `spaces/<id>/actions`, `spaces/<id>/actions/<type>` (without `type`)    |
 * | `fault_alarm` of a device        | `devices/<id>/fault_alarms`, `buildings/<bld>/fault_alarms`             |
 * | `fault_alarm` of a building      | `buildings/<id>/fault_alarms`                                           |
 * | `head_count` of an area, space, building | `<areas/spaces/buildings>/<id>/meta/<name>` (`{name, value, timestamp}`; `head_count` is named `headcount` in the payload, as in the seed) |
 *
 * A device's buildings are its zone when that is a building, and the buildings among the zone's
 * ancestors. An envelope whose channel cannot be a topic level of Gooee (a meta name outside the Meta
 * Constraints, an action type with "/") is not rendered.
 * @module
 */

import {
  envelopeTime,
  type EventEnvelope,
  isJsonObject,
  jsonString,
  jsonText,
  NUMBER_MAX_BYTES,
  PayloadWriter,
  withoutKey,
} from "../../envelope/index.js";
import type { RegistryView } from "../../registry/registry-view.js";
import type { DialectContext, Rendered } from "../dialect.js";
import { ACTION_TYPE_PATTERN } from "./gooee-errors.js";
import { HEAD_COUNT_NAMES } from "./gooee-ingest.js";
import { isMetaName } from "./meta-name.js";

const ZONE_TOPICS = { area: "areas", space: "spaces", building: "buildings" } as const;

/**
 * Renders envelopes onto Gooee's topics (one per dialect instance: it keeps the slab payloads are
 * written into). A rendering on the inbound topic of the publish being handled is left out before its
 * payload is made (the publish itself is that rendering).
 */
export class GooeeRenderer {
  readonly #payloads = new PayloadWriter();
  /** The device of the last meta rendering (a valid topic level) and its `devices/<id>/meta` (a publish has several values). */
  #metaDevice: string | undefined;
  #metaBase = "";
  /** The last timestamp rendered and its JSON string (the values of a publish mostly share one). */
  #time = "";
  #timeJson = '""';
  /** `,"timestamp":<time>}` as bytes, for the time (a JSON string) in `#suffixTime`. */
  #suffixTime = "";
  #suffix = new Uint8Array(0);
  /** `{"name":"<name>","value":` as bytes, per meta name (at most {@link PREFIXES_KEPT}). */
  readonly #prefixes = new Map<string, Uint8Array>();
  /** `devices/<id>/meta/<name>` by device and name, at most {@link TOPICS_KEPT} in all. */
  readonly #topics = new Map<string, Map<string, string>>();
  #topicCount = 0;

  render(envelope: EventEnvelope, context: DialectContext): Rendered[] {
    const out: Rendered[] = [];
    const { source } = envelope;
    // an id that would change the topic's shape (checked once for the values of one device in a row)
    if (source.id !== this.#metaDevice && !isTopicLevel(source.id)) return out;
    switch (envelope.type) {
      case "meta":
        if (source.kind === "devices" && isMetaName(envelope.channel)) this.#meta(envelope, context, out);
        break;
      case "action":
        this.#action(envelope, context, out);
        break;
      case "fault_alarm":
        this.#faultAlarm(envelope, context, out);
        break;
      case "head_count":
        this.#headCount(envelope, context, out);
        break;
    }
    return out;
  }

  /** Adds `value` as JSON on `topic`, unless that is the inbound topic. */
  #json(out: Rendered[], context: DialectContext, topic: string, value: unknown): void {
    if (topic !== context.inboundTopic) out.push({ topic, payload: this.#payloads.json(value) });
  }

  /** `jsonString(time)`, remembered for the next value. */
  #quoted(time: string): string {
    if (time !== this.#time) {
      this.#time = time;
      this.#timeJson = jsonString(time);
    }
    return this.#timeJson;
  }

  #meta(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const device = envelope.source.id;
    if (device !== this.#metaDevice) {
      this.#metaDevice = device;
      this.#metaBase = `devices/${device}/meta`;
    }
    const base = this.#metaBase;
    const name = envelope.channel;
    const timestamp = envelopeTime(envelope);
    if (base !== context.inboundTopic) {
      const item: Record<string, unknown> = { name };
      const { display_name: displayName, unit_of_measure: unit } = envelope.attributes;
      if (displayName !== undefined) item["display_name"] = displayName;
      item["value"] = envelope.data;
      if (unit !== undefined) item["unit_of_measure"] = unit;
      item["timestamp"] = timestamp;
      out.push({ topic: base, payload: this.#payloads.json([item]) });
    }
    const topic = this.#valueTopic(device, base, name);
    if (topic !== context.inboundTopic)
      out.push({ topic, payload: this.#valuePayload(name, envelope.data, this.#quoted(timestamp)) });
  }

  /**
   * `<base>/<name>` of a device, kept: the same few topics come again with every publish of the
   * device, and a kept topic is a flat string whose hash is known (a new one would be joined, then
   * flattened and hashed again by each step that routes it).
   */
  #valueTopic(device: string, base: string, name: string): string {
    let topics = this.#topics.get(device);
    if (topics === undefined) {
      if (this.#topicCount >= TOPICS_KEPT) {
        this.#topics.clear();
        this.#topicCount = 0;
      }
      topics = new Map();
      this.#topics.set(device, topics);
    }
    let topic = topics.get(name);
    if (topic === undefined) {
      if (this.#topicCount >= TOPICS_KEPT) return `${base}/${name}`; // full: kept ones stay until a new device
      topic = `${base}/${name}`;
      topics.set(name, topic);
      this.#topicCount++;
    }
    return topic;
  }

  /**
   * {@link valueText} as UTF-8, put together in the slab from the bytes of `{"name":"<name>","value":`
   * (kept per name), the value's text (a number's digits written straight into the slab) and the bytes
   * of `,"timestamp":<time>}` (kept for the last time: the values of a publish share it); that spares
   * joining a text and encoding it again. A value whose JSON is not ASCII takes the plain way.
   */
  #valuePayload(name: string, value: unknown, time: string): Uint8Array {
    let text: string | undefined;
    if (typeof value !== "number") {
      text = jsonText(value);
      if (text === undefined || !isAscii(text)) return this.#payloads.text(valueText(name, value, time));
    }
    if (time !== this.#suffixTime) {
      this.#suffixTime = time;
      this.#suffix = encoder.encode(`,"timestamp":${time}}`);
    }
    let prefix = this.#prefixes.get(name);
    if (prefix === undefined) {
      if (this.#prefixes.size >= PREFIXES_KEPT) this.#prefixes.clear();
      prefix = encoder.encode(`{"name":"${name}","value":`); // a meta name needs no escape
      this.#prefixes.set(name, prefix);
    }
    const suffix = this.#suffix;
    const payloads = this.#payloads;
    payloads.begin(prefix.byteLength + (text?.length ?? NUMBER_MAX_BYTES) + suffix.byteLength);
    payloads.bytes(prefix);
    if (text === undefined) payloads.number(value as number);
    else payloads.ascii(text);
    payloads.bytes(suffix);
    return payloads.end();
  }

  #action(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const action = envelope.data;
    const type = envelope.channel;
    if (!isJsonObject(action) || !ACTION_TYPE_PATTERN.test(type)) return;
    const { kind, id } = envelope.source;
    const typed = (prefix: string): void => {
      this.#json(out, context, `${prefix}/actions`, action);
      this.#json(out, context, `${prefix}/actions/${type}`, withoutKey(action, "type"));
    };
    if (kind === "devices") {
      typed(`devices/${id}`);
      for (const building of deviceBuildings(context.registry, id)) typed(`buildings/${building}`);
    } else if (kind === "zones" && context.registry.zone(id)?.type === "space") typed(`spaces/${id}`);
  }

  #faultAlarm(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const alarm = envelope.data;
    if (!isJsonObject(alarm)) return;
    const { kind, id } = envelope.source;
    if (kind === "devices") {
      this.#json(out, context, `devices/${id}/fault_alarms`, alarm);
      for (const building of deviceBuildings(context.registry, id))
        this.#json(out, context, `buildings/${building}/fault_alarms`, alarm);
    } else if (kind === "zones" && context.registry.zone(id)?.type === "building")
      this.#json(out, context, `buildings/${id}/fault_alarms`, alarm);
  }

  #headCount(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const { kind, id } = envelope.source;
    const name = envelope.channel;
    if (kind !== "zones" || !(HEAD_COUNT_NAMES as readonly string[]).includes(name)) return;
    const type = context.registry.zone(id)?.type;
    if (type !== "area" && type !== "space" && type !== "building") return;
    const topic = `${ZONE_TOPICS[type]}/${id}/meta/${name}`;
    if (topic === context.inboundTopic) return;
    const shown = name === "head_count" ? "headcount" : name; // the seed's payloads write `headcount`
    out.push({
      topic,
      payload: this.#valuePayload(shown, envelope.data, this.#quoted(envelopeTime(envelope))),
    });
  }
}

/**
 * `{"name", "value", "timestamp"}` as JSON, in that order, written as a string (what `JSON.stringify`
 * of that object gives, a `value` JSON cannot hold left out); `name` is a meta name, which needs no
 * escape, and `time` is the timestamp as a JSON string already.
 */
function valueText(name: string, value: unknown, time: string): string {
  const text = jsonText(value);
  return text === undefined
    ? `{"name":"${name}","timestamp":${time}}`
    : `{"name":"${name}","value":${text},"timestamp":${time}}`;
}

/** Value topics a renderer keeps; beyond it, it starts again with the next new device. */
const TOPICS_KEPT = 16_384;

/** Meta names whose payload prefix a renderer keeps; beyond it, it starts again. */
const PREFIXES_KEPT = 1024;

const encoder = new TextEncoder();

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** Whether an id can be one topic level: not empty, no "/", "+", "#" or U+0000. */
function isTopicLevel(id: string): boolean {
  if (id.length === 0) return false;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    if (code === 0x2f || code === 0x2b || code === 0x23 || code === 0) return false;
  }
  return true;
}

/** The buildings a device is placed in: its zone if that is a building, then the buildings above it. */
export function deviceBuildings(registry: RegistryView, deviceId: string): string[] {
  const zoneId = registry.device(deviceId)?.zoneId;
  if (zoneId === undefined) return [];
  const buildings: string[] = [];
  if (registry.zone(zoneId)?.type === "building") buildings.push(zoneId);
  for (const zone of registry.zoneAncestors(zoneId)) if (zone.type === "building") buildings.push(zone.id);
  return buildings;
}
