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
 * | `head_count` of an area, space, building | `<areas/spaces/buildings>/<id>/meta/<name>` (`{name, value, timestamp}`) |
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
  jsonBytes,
  withoutKey,
} from "../../envelope/index.js";
import type { RegistryView } from "../../registry/registry-view.js";
import type { DialectContext, Rendered } from "../dialect.js";
import { topicLevelError } from "../topic-pattern.js";
import { ACTION_TYPE_PATTERN, NAME_MAX_LENGTH, NAME_PATTERN } from "./gooee-errors.js";
import { HEAD_COUNT_NAMES } from "./gooee-ingest.js";

const ZONE_TOPICS = { area: "areas", space: "spaces", building: "buildings" } as const;

/** Collects renderings, skipping the inbound topic before any payload is made for it. */
class Renderings {
  readonly out: Rendered[] = [];
  readonly #skip: string | undefined;

  constructor(context: DialectContext) {
    this.#skip = context.inboundTopic;
  }

  add(topic: string, payload: () => unknown): void {
    if (topic !== this.#skip) this.out.push({ topic, payload: jsonBytes(payload()) });
  }
}

export function renderGooee(envelope: EventEnvelope, context: DialectContext): readonly Rendered[] {
  const { source } = envelope;
  const out = new Renderings(context);
  if (topicLevelError(source.id) !== undefined) return out.out; // an id that would change the topic's shape
  switch (envelope.type) {
    case "meta":
      if (source.kind === "devices" && isMetaName(envelope.channel)) renderMeta(envelope, out);
      break;
    case "action":
      renderAction(envelope, context.registry, out);
      break;
    case "fault_alarm":
      renderFaultAlarm(envelope, context.registry, out);
      break;
    case "head_count":
      renderHeadCount(envelope, context.registry, out);
      break;
  }
  return out.out;
}

function isMetaName(name: string): boolean {
  return name.length <= NAME_MAX_LENGTH && NAME_PATTERN.test(name) && name !== "rejected";
}

function renderMeta(envelope: EventEnvelope, out: Renderings): void {
  const base = `devices/${envelope.source.id}/meta`;
  const name = envelope.channel;
  const timestamp = envelopeTime(envelope);
  out.add(base, () => {
    const item: Record<string, unknown> = { name };
    const { display_name: displayName, unit_of_measure: unit } = envelope.attributes;
    if (displayName !== undefined) item["display_name"] = displayName;
    item["value"] = envelope.data;
    if (unit !== undefined) item["unit_of_measure"] = unit;
    item["timestamp"] = timestamp;
    return [item];
  });
  out.add(`${base}/${name}`, () => ({ name, value: envelope.data, timestamp }));
}

function renderAction(envelope: EventEnvelope, registry: RegistryView, out: Renderings): void {
  const action = envelope.data;
  const type = envelope.channel;
  if (!isJsonObject(action) || !ACTION_TYPE_PATTERN.test(type)) return;
  const { kind, id } = envelope.source;
  const typed = (prefix: string): void => {
    out.add(`${prefix}/actions`, () => action);
    out.add(`${prefix}/actions/${type}`, () => withoutKey(action, "type"));
  };
  if (kind === "devices") {
    typed(`devices/${id}`);
    for (const building of deviceBuildings(registry, id)) typed(`buildings/${building}`);
  } else if (kind === "zones" && registry.zone(id)?.type === "space") typed(`spaces/${id}`);
}

function renderFaultAlarm(envelope: EventEnvelope, registry: RegistryView, out: Renderings): void {
  const alarm = envelope.data;
  if (!isJsonObject(alarm)) return;
  const { kind, id } = envelope.source;
  if (kind === "devices") {
    out.add(`devices/${id}/fault_alarms`, () => alarm);
    for (const building of deviceBuildings(registry, id))
      out.add(`buildings/${building}/fault_alarms`, () => alarm);
  } else if (kind === "zones" && registry.zone(id)?.type === "building")
    out.add(`buildings/${id}/fault_alarms`, () => alarm);
}

function renderHeadCount(envelope: EventEnvelope, registry: RegistryView, out: Renderings): void {
  const { kind, id } = envelope.source;
  const name = envelope.channel;
  if (kind !== "zones" || !(HEAD_COUNT_NAMES as readonly string[]).includes(name)) return;
  const type = registry.zone(id)?.type;
  if (type !== "area" && type !== "space" && type !== "building") return;
  out.add(`${ZONE_TOPICS[type]}/${id}/meta/${name}`, () => ({
    name,
    value: envelope.data,
    timestamp: envelopeTime(envelope),
  }));
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
