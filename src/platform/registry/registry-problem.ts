/**
 * Why the registry refused a change: returned, never thrown (an expected outcome, as an authorization
 * refusal is). The admin API turns each code into an HTTP status (see docs/admin-api.md).
 * @module
 */

import type { EntityKind } from "./model.js";

export type RegistryProblemCode =
  /** A value is malformed: a bad name or id, a wrong type, an unknown dialect name... (HTTP 400). */
  | "invalid"
  /** Well-formed, but breaks a rule involving other entities: a missing or foreign reference, a zone parent of the wrong type, an invalid JSON Schema (HTTP 422). */
  | "unprocessable"
  /** The entity does not exist (HTTP 404). */
  | "not-found"
  /** The id, a login name, a module slot or a schema name is taken, or the entity is still referenced (HTTP 409). */
  | "conflict";

export interface RegistryProblem {
  readonly code: RegistryProblemCode;
  /** Names the action, the field and the value, e.g. `Cannot create zone: "parentId": ...`. */
  readonly message: string;
  /** The field at fault, when there is one. */
  readonly field?: string;
}

export type RegistryResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: RegistryProblem };

/** The singular name of a kind in messages ("zone", "API key"). */
export const kindNames: { readonly [K in EntityKind]: string } = {
  tenants: "tenant",
  zones: "zone",
  systems: "system",
  drivers: "driver",
  modules: "module",
  devices: "device",
  applications: "application",
  users: "user",
  apiKeys: "API key",
  schemas: "payload schema",
  brokers: "broker",
};

/** A problem found by a rule, before the registry names the action. */
export interface RuleViolation {
  readonly code: Exclude<RegistryProblemCode, "not-found">;
  readonly field: string | undefined;
  /** What is wrong, e.g. `"parentId" "lvl-1" is a level: a building's parent must be a region`. */
  readonly detail: string;
}

export function violation(
  code: RuleViolation["code"],
  field: string | undefined,
  detail: string,
): RuleViolation {
  return { code, field, detail };
}
