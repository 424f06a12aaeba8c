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
  type PayloadPart,
  payloadPart,
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
  /**
   * The device of the last meta rendering (a valid topic level), its `devices/<id>/meta` and its value
   * targets (a publish has several values of one device).
   */
  #metaDevice: string | undefined;
  #metaBase = "";
  #metaTargets = new Map<string, ValueTarget>();
  /** The ingest time last written as text, and that text (the values of a publish share it). */
  #ingestTime = Number.NaN;
  #ingestText = "";
  /** The last timestamp rendered, its JSON string and `,"timestamp":<time>}` as bytes (the values of a publish mostly share one). */
  #time: string | undefined;
  #timeJson = '""';
  #suffix = payloadPart("");
  /** `{"name":"<name>","value":` as bytes, per meta name (at most {@link PREFIXES_KEPT}). */
  readonly #prefixes = new Map<string, PayloadPart>();
  /** Per device: its `devices/<id>/meta` and value targets by meta name, at most {@link TOPICS_KEPT} in all. */
  readonly #targets = new Map<string, DeviceTargets>();
  #targetCount = 0;

  /** Adds the envelope's renderings on Gooee's topics to `out`. */
  render(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const { source } = envelope;
    // an id that would change the topic's shape (checked once for the values of one device in a row)
    if (source.id !== this.#metaDevice && !isTopicLevel(source.id)) return;
    const type = envelope.type;
    if (type === "meta") {
      if (source.kind === "devices") this.#meta(envelope, context, out);
      return;
    }
    switch (type) {
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
  }

  /** Adds `value` as JSON on `topic`, unless that is the inbound topic. */
  #json(out: Rendered[], context: DialectContext, topic: string, value: unknown): void {
    if (topic !== context.inboundTopic) out.push({ topic, payload: this.#payloads.json(value) });
  }

  /** {@link envelopeTime}, the text of the last ingest time kept (the values of a publish share it). */
  #timeOf(envelope: EventEnvelope): string {
    const sourceTime = envelope.sourceTime;
    if (sourceTime !== undefined) return sourceTime;
    if (envelope.ingestTime !== this.#ingestTime) {
      this.#ingestTime = envelope.ingestTime;
      this.#ingestText = envelopeTime(envelope);
    }
    return this.#ingestText;
  }

  /** A meta value of a device: the array item on `devices/<id>/meta`, the value on `devices/<id>/meta/<name>`. */
  #meta(envelope: EventEnvelope, context: DialectContext, out: Rendered[]): void {
    const device = envelope.source.id;
    if (device !== this.#metaDevice) {
      // kept per device: a topic made anew for each publish would be flattened when first compared
      const kept = this.#targetsOf(device);
      this.#metaDevice = device;
      this.#metaBase = kept.base;
      this.#metaTargets = kept.targets;
    }
    const base = this.#metaBase;
    const name = envelope.channel;
    // a name with a target is a meta name (checked when the target was made)
    const target =
      this.#metaTargets.get(name) ?? (isMetaName(name) ? this.#newTarget(base, name) : undefined);
    if (target === undefined) return;
    const timestamp = this.#timeOf(envelope);
    const inbound = context.inboundTopic;
    if (base !== inbound) {
      const fields: Record<string, unknown> = { name };
      const { display_name: displayName, unit_of_measure: unit } = envelope.attributes;
      if (displayName !== undefined) fields["display_name"] = displayName;
      fields["value"] = envelope.data;
      if (unit !== undefined) fields["unit_of_measure"] = unit;
      fields["timestamp"] = timestamp;
      out.push({ topic: base, payload: this.#payloads.json([fields]) });
    }
    const topic = target.topic;
    if (topic !== inbound)
      out.push({ topic, payload: this.#valuePayload(target.prefix, name, envelope.data, timestamp) });
  }

  /** The meta topic and value targets of a device, kept (a new device when {@link TOPICS_KEPT} are kept: all are dropped first). */
  #targetsOf(device: string): DeviceTargets {
    let kept = this.#targets.get(device);
    if (kept === undefined) {
      if (this.#targetCount >= TOPICS_KEPT) {
        this.#targets.clear();
        this.#targetCount = 0;
      }
      kept = { base: `devices/${device}/meta`, targets: new Map() };
      this.#targets.set(device, kept);
      this.#targetCount++; // counted too: devices whose names are all refused add no target
    }
    return kept;
  }

  /**
   * The target of meta name `name` of the current device, kept unless {@link TOPICS_KEPT} are: the
   * same few topics come again with every publish of the device, and a kept topic is a flat string
   * whose hash is known (a new one would be joined, then flattened and hashed again by each step that
   * routes it).
   */
  #newTarget(base: string, name: string): ValueTarget {
    const target: ValueTarget = { topic: `${base}/${name}`, prefix: this.#prefix(name) };
    if (this.#targetCount < TOPICS_KEPT) {
      this.#metaTargets.set(name, target);
      this.#targetCount++;
    } // full: kept ones stay until a new device
    return target;
  }

  /** `{"name":"<name>","value":` as bytes, kept per name. */
  #prefix(name: string): PayloadPart {
    let prefix = this.#prefixes.get(name);
    if (prefix === undefined) {
      if (this.#prefixes.size >= PREFIXES_KEPT) this.#prefixes.clear();
      prefix = payloadPart(`{"name":"${name}","value":`); // a meta name needs no escape
      this.#prefixes.set(name, prefix);
    }
    return prefix;
  }

  /**
   * {@link valueText} as UTF-8, put together in the slab from `prefix` (the bytes of
   * `{"name":"<name>","value":`), the value's text (a number's digits or a plain string's characters
   * written straight into the slab) and the bytes of `,"timestamp":<time>}` (kept for the last time:
   * the values of a publish share it); that spares joining a text and encoding it again. Any other
   * value (an object, a string with escapes or beyond ASCII) takes the plain way.
   */
  #valuePayload(prefix: PayloadPart, name: string, value: unknown, time: string): Uint8Array {
    if (time !== this.#time) {
      this.#time = time;
      this.#timeJson = jsonString(time);
      this.#suffix = payloadPart(`,"timestamp":${this.#timeJson}}`);
    }
    return (
      this.#payloads.value(prefix, value, this.#suffix) ??
      this.#payloads.text(valueText(name, value, this.#timeJson))
    );
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
      payload: this.#valuePayload(this.#prefix(shown), shown, envelope.data, this.#timeOf(envelope)),
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

/** Value targets (topics) and devices a renderer keeps; beyond it, it starts again with the next new device. */
const TOPICS_KEPT = 16_384;

/** Meta names whose payload prefix a renderer keeps; beyond it, it starts again. */
const PREFIXES_KEPT = 1024;

/** A device's `devices/<id>/meta`, and its value targets by meta name. */
interface DeviceTargets {
  readonly base: string;
  readonly targets: Map<string, ValueTarget>;
}

/** Where a device's value of one meta name is rendered: its topic, and the first bytes of its payloads. */
interface ValueTarget {
  readonly topic: string;
  readonly prefix: PayloadPart;
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
