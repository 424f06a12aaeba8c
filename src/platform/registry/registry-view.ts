/**
 * What the dialects and the publish pipeline read from (and write to) the registry. The registry
 * implements it; dialect tests may use any implementation.
 * @module
 */

import type {
  Application,
  Device,
  Driver,
  EntityRef,
  Module,
  PayloadSchema,
  StateValue,
  System,
  Zone,
} from "./model.js";

export interface StateWrite {
  readonly tenant: string;
  readonly entity: EntityRef;
  readonly channel: string;
  readonly value: unknown;
  /** The JSON text `value` was parsed from, as its source gave it (see `StateValue.valueText`). */
  readonly valueText?: string | undefined;
  readonly time: number;
  readonly sourceTime: string | undefined;
}

export interface RegistryView {
  /**
   * Grows with every change of an entity (created, updated, deleted, loaded): what was derived from
   * entities stays valid while it is the same (a dialect's checks of a device's publishes).
   */
  readonly generation: number;
  device(id: string): Device | undefined;
  zone(id: string): Zone | undefined;
  system(id: string): System | undefined;
  driver(id: string): Driver | undefined;
  module(id: string): Module | undefined;
  application(id: string): Application | undefined;
  /** The zone's ancestors, nearest first (a space's area, level, building, region). */
  zoneAncestors(zoneId: string): readonly Zone[];
  /** The payload schema for a meta name in a tenant. */
  payloadSchema(tenant: string, name: string): PayloadSchema | undefined;
  /** Dialects enabled for a tenant (configuration and registry together). */
  tenantDialects(tenant: string): readonly string[];
  /**
   * Records the current value of a channel (kept in the store, readable over REST). The write itself
   * may be kept as the value: the caller hands it over and does not change it.
   */
  setState(write: StateWrite): void;
  /** The current values of an entity's channels. */
  state(entity: EntityRef): readonly StateValue[];
}
