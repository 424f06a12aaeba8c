/**
 * PlaceOS's topics and payloads:
 *
 * - state: `placeos/<org>/state/<zone levels...>/<sys>/<drv>/<mod>/<idx>/<state>`, retained,
 *   `{"time": <unix ms>, "value": <the state>}`; zone levels and the org are zone ids, `<sys>` and
 *   `<drv>` ids, `<mod>` the module name, `<idx>` its 1-based index, `<state>` the state key; every
 *   level but `<idx>` escaped (`level-escape.ts`), a missing zone level `_`;
 * - metadata: `placeos/<org>/metadata/<id>`, retained, the entity's model info (see {@link metadataOf});
 * - ingest: `placeos/ingest/<module_id>/state/<key>`, where driver principals publish module state
 *   (`<key>` escaped as in state topics). It has five levels, metadata topics four and state topics at
 *   least eight, so no org id can make one look like another.
 * @module
 */

import { type EventEnvelope, parseIsoTimestamp } from "../../envelope/index.js";
import type { Driver, Module, StateValue, System, Zone } from "../../registry/model.js";
import type { RegistryView } from "../../registry/registry-view.js";
import type { PlaceosHierarchy } from "./placeos-hierarchy.js";
import { escapeLevel } from "./level-escape.js";

export const PLACEOS = "placeos";
/** The level of a zone no zone fills. */
export const MISSING_LEVEL = "_";

export type ValueEncoding = "raw" | "string";

/** The topic patterns of the table (parameters named after the hierarchy's levels). */
export function statePattern(hierarchy: PlaceosHierarchy): string {
  const [org, ...zones] = hierarchy.levels;
  const zoneLevels = zones.map((level) => `{${level}}/`).join("");
  return `placeos/{${org!}}/state/${zoneLevels}{system}/{driver}/{module}/{index}/{state}`;
}
export const METADATA_PATTERN = "placeos/{org}/metadata/{id}";
export const INGEST_PATTERN = "placeos/ingest/{module}/state/{key}";

/** The ingest topic of a module's state key. */
export function ingestTopic(moduleId: string, key: string): string {
  return `placeos/ingest/${moduleId}/state/${escapeLevel(key)}`;
}

export function metadataTopic(orgId: string, entityId: string): string {
  return `placeos/${escapeLevel(orgId)}/metadata/${escapeLevel(entityId)}`;
}

/** Where a module's state topics go: the prefix (up to the state key), or why there are none. */
export type ModulePlacement =
  | {
      readonly kind: "placed";
      readonly prefix: string;
      readonly systemId: string;
      /** The org zone's id (unescaped). */
      readonly orgId: string;
    }
  | { readonly kind: "no-org"; readonly system: System }
  | { readonly kind: "unplaced" };

const UNPLACED: ModulePlacement = Object.freeze({ kind: "unplaced" });

/**
 * The placement of `module`'s state topics in `tenant`: none for a module of another tenant or whose
 * system or driver is missing (`unplaced`), or whose system has no org (`no-org`).
 */
export function placeModule(
  registry: RegistryView,
  hierarchy: PlaceosHierarchy,
  tenant: string,
  module: Module | undefined,
): ModulePlacement {
  if (module === undefined || module.tenant !== tenant) return UNPLACED;
  const system = registry.system(module.systemId);
  const driver = registry.driver(module.driverId);
  if (system === undefined || driver === undefined || system.tenant !== tenant) return UNPLACED;
  const zones = hierarchy.systemZones(registry, system);
  const org = zones[0];
  if (org === undefined) return { kind: "no-org", system };
  let prefix = `placeos/${escapeLevel(org.id)}/state/`;
  for (let i = 1; i < zones.length; i++) {
    const zone = zones[i];
    prefix += `${zone === undefined ? MISSING_LEVEL : escapeLevel(zone.id)}/`;
  }
  prefix += `${escapeLevel(system.id)}/${escapeLevel(driver.id)}/${escapeLevel(module.name)}/${module.index}/`;
  return { kind: "placed", prefix, systemId: system.id, orgId: org.id };
}

/** The state topic of `key` under a placement's prefix. */
export function stateTopic(prefix: string, key: string): string {
  return prefix + escapeLevel(key);
}

/** The `time` of a state payload: the source time when there is one, else the ingest time (unix ms). */
export function envelopeMillis(envelope: EventEnvelope): number {
  const micros = envelope.sourceTimeMicros;
  return micros === undefined ? envelope.ingestTime : Math.floor(micros / 1000);
}

/** The `time` of a stored state value (as {@link envelopeMillis}). */
export function stateMillis(value: StateValue): number {
  const micros = value.sourceTime === undefined ? undefined : parseIsoTimestamp(value.sourceTime);
  return micros === undefined ? value.time : Math.floor(micros / 1000);
}

/**
 * The state payload's JSON text, the value given as its JSON text (`stateValueJson`: the text the
 * driver gave, else the value serialized): embedded as it is (`raw`), as PlaceOS does, or as a JSON
 * string holding it (`string`).
 *
 * @example
 * ```ts
 * statePayload(5, "1.0", "raw"); // '{"time":5,"value":1.0}'
 * statePayload(5, "1.0", "string"); // '{"time":5,"value":"1.0"}'
 * ```
 */
export function statePayload(time: number, json: string, encoding: ValueEncoding): string {
  return `{"time":${time},"value":${encoding === "raw" ? json : JSON.stringify(json)}}`;
}

/** The metadata of a zone, system or driver (the `placeos/<org>/metadata/<id>` payload). */
export type Metadata = Readonly<Record<string, unknown>>;

/**
 * The model info published for an entity: `id`, `name`, `type` (the zone type, `system` or
 * `driver`), and per kind: a zone's `description`, `tags` and `parent_id`, a system's `description`
 * and `zones`, a driver's `role` (null for what is not set). Module data (for events; modules have no metadata topic):
 * `id`, `name`, `type` `module`, `index`, `system_id`, `driver_id`.
 */
export function zoneMetadata(zone: Zone): Metadata {
  return {
    id: zone.id,
    name: zone.name,
    type: zone.type,
    description: zone.description ?? null,
    tags: zone.tags,
    parent_id: zone.parentId ?? null,
  };
}

export function systemMetadata(system: System): Metadata {
  return {
    id: system.id,
    name: system.name,
    type: "system",
    description: system.description ?? null,
    zones: system.zoneIds,
  };
}

export function driverMetadata(driver: Driver): Metadata {
  return { id: driver.id, name: driver.name, type: "driver", role: driver.role ?? null };
}

export function moduleMetadata(module: Module): Metadata {
  return {
    id: module.id,
    name: module.name,
    type: "module",
    index: module.index,
    system_id: module.systemId,
    driver_id: module.driverId,
  };
}
