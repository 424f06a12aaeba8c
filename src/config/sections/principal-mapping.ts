/**
 * Schema pieces shared by the authentication sections: the tenant and roles a credential maps to.
 * @module
 */

import type { JsonSchema } from "../schema-support.js";

/** Tenant names and role names: short, printable, no topic separators or wildcards. */
export const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";

/** The tenant a credential's principal belongs to. */
export function tenantSchema(description: string): JsonSchema {
  return { type: "string", pattern: NAME_PATTERN, default: "default", description };
}

/** The roles a credential's principal has. */
export function rolesSchema(description: string): JsonSchema {
  return {
    type: "array",
    default: [],
    description,
    items: { type: "string", pattern: NAME_PATTERN, description: "A role name." },
  };
}
