/**
 * The fields of every entity kind, in the model's order. Stores keep entities as JSON, which cannot
 * hold `undefined`; {@link shapeEntity} gives a parsed record back its exact shape (every field
 * present, absent optional ones as `undefined`), so what a store loads equals what was put.
 * @module
 */

import type { EntityKind, EntityOf } from "./model.js";
import { mutableFields } from "./registry-input.js";

type FieldsOf<K extends EntityKind> = readonly (keyof EntityOf[K] & string)[];

const TIMES = ["createdAt", "updatedAt"] as const;

/** Every field of each kind. */
export const entityFields: { readonly [K in EntityKind]: FieldsOf<K> } = {
  tenants: ["id", "name", "dialects", "privacy", ...TIMES],
  zones: ["id", "tenant", "name", "type", "parentId", "description", "tags", ...TIMES],
  systems: ["id", "tenant", "name", "zoneIds", "description", ...TIMES],
  drivers: ["id", "tenant", "name", "role", ...TIMES],
  modules: ["id", "tenant", "name", "driverId", "systemId", "index", ...TIMES],
  devices: ["id", "tenant", "name", "applicationId", "zoneId", "enabled", "dialect", "credentials", ...TIMES],
  applications: ["id", "tenant", "name", "description", ...TIMES],
  users: ["id", "tenant", "name", "username", "passwordHash", "roles", "enabled", "org", ...TIMES],
  apiKeys: ["id", "tenant", "name", "userId", "hash", "roles", "scopes", "org", "revokedAt", ...TIMES],
  schemas: ["id", "tenant", "name", "schema", "unit", "description", ...TIMES],
  brokers: ["id", "tenant", ...mutableFields.brokers, ...TIMES],
};

/**
 * The entity of `kind` with exactly the kind's fields, in order: missing ones become `undefined`,
 * unknown ones are dropped. The result is frozen (entities are immutable values), and so is a copy of
 * each list field (a tenant's dialects, a user's roles): a caller that changes the list it passed in
 * afterwards does not change the entity behind the registry's back (what is derived from entities is
 * kept while the registry's generation stays the same).
 */
export function shapeEntity<K extends EntityKind>(
  kind: K,
  record: Readonly<Record<string, unknown>>,
): EntityOf[K] {
  const shaped: Record<string, unknown> = {};
  for (const field of entityFields[kind]) {
    const value = record[field];
    shaped[field] =
      Array.isArray(value) && !Object.isFrozen(value) ? Object.freeze([...(value as unknown[])]) : value;
  }
  return Object.freeze(shaped) as unknown as EntityOf[K];
}

/** The tenant an entity belongs to (a tenant belongs to itself). */
export function tenantOf(
  kind: EntityKind,
  entity: { readonly id: string; readonly tenant?: string },
): string {
  return kind === "tenants" ? entity.id : (entity.tenant ?? "");
}
