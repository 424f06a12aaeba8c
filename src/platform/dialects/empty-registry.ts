/**
 * A registry with nothing in it, for a broker started without one: every device and zone is unknown
 * (so dialect publishes naming one are rejected), no tenant enables a dialect beyond the configuration,
 * and state values are not kept.
 * @module
 */

import type { RegistryView } from "../registry/registry-view.js";

const NOTHING: readonly never[] = Object.freeze([]);

export const EMPTY_REGISTRY: RegistryView = Object.freeze({
  generation: 0,
  device: () => undefined,
  zone: () => undefined,
  system: () => undefined,
  driver: () => undefined,
  module: () => undefined,
  application: () => undefined,
  zoneAncestors: () => NOTHING,
  payloadSchema: () => undefined,
  tenantDialects: () => NOTHING,
  setState: () => undefined,
  state: () => NOTHING,
});
