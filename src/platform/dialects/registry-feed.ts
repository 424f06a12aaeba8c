/**
 * What a dialect may need of the registry beyond the {@link RegistryView} it reads on the publish path:
 * the change feed (to publish metadata and clear old topics when entities change) and the lists (to
 * find every entity a change affects, and everything to publish in a full sync). The registry itself
 * (`Registry`) is one; a bare view (a test's, or the empty registry) is not, and the dialects then do
 * without (see {@link registryFeed}).
 * @module
 */

import type { EntityKind, EntityOf, ListPage, ListQuery, RegistryChange } from "../registry/index.js";
import type { RegistryView } from "../registry/registry-view.js";

export interface RegistryFeed {
  /** Calls `listener` after every change; returns a function that stops it. */
  onChange(listener: (change: RegistryChange) => void): () => void;
  list<K extends EntityKind>(kind: K, query?: ListQuery): ListPage<EntityOf[K]>;
}

/** The registry's feed when `registry` has one (the `Registry` does), else undefined. */
export function registryFeed(registry: RegistryView): RegistryFeed | undefined {
  const candidate = registry as RegistryView & Partial<RegistryFeed>;
  return typeof candidate.onChange === "function" && typeof candidate.list === "function"
    ? (candidate as RegistryView & RegistryFeed)
    : undefined;
}
