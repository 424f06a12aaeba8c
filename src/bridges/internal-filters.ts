/**
 * A bridge's filters are written over each tenant's own topics (`plant/#`); the broker routes
 * tenant-mounted topics (`$t/acme/plant/1`). This mounts every filter in every tenant of the bridge,
 * as the broker mounts a client's subscription (`tenancy/tenant-mount.ts`), so a bridge of tenant
 * `acme` can only ever see `acme`'s messages.
 * @module
 */

import { mountOf, prefixFor } from "../tenancy/index.js";

/**
 * The internal filters of a bridge, without duplicates.
 * @example
 * ```ts
 * internalFilters(["acme", "default"], ["plant/#"]); // ["$t/acme/plant/#", "plant/#"]
 * ```
 */
export function internalFilters(tenants: readonly string[], filters: readonly string[]): string[] {
  const out = new Set<string>();
  for (const tenant of tenants) {
    const mount = mountOf(tenant);
    for (const filter of filters) out.add(prefixFor(mount, filter) + filter);
  }
  return [...out];
}
