/**
 * The `tenants` configuration section: its type and its JSON Schema. Which tenant a client belongs to
 * is the authenticators' answer (the principal's tenant); this section says who is an administrator
 * and how `$SYS` is shared.
 * @module
 */

import { type PropertiesOf } from "../schema-support.js";

export interface TenantsConfig {
  /** Principals with one of these roles are administrators: they may read and write `$SYS`. */
  readonly adminRoles: readonly string[];
  /** Whether default-tenant clients connected from a loopback address to a loopback listener may read `$SYS` without an admin role. */
  readonly loopbackSysAccess: boolean;
}

export const tenantsProperties: PropertiesOf<TenantsConfig> = {
  adminRoles: {
    type: "array",
    items: { type: "string", minLength: 1, description: "A role name." },
    default: ["admin"],
    description:
      "Roles that make a principal an administrator. Administrators of the default tenant (the broker's operators) may subscribe to, receive and publish to `$SYS` (which is never mounted: it is the broker's, one for all tenants, and counts every tenant); nobody else may, another tenant's administrators included.",
  },
  loopbackSysAccess: {
    type: "boolean",
    default: false,
    description:
      "Whether clients of the default tenant connected from a loopback address to a listener bound to a loopback address may also read `$SYS` (not write it) without an admin role, as EMQX's default ACL allows `$SYS` to 127.0.0.1. Off by default: `$SYS` is for administrators only; on a development broker, give anonymous clients the admin role (`auth.anonymous.roles: [admin]`) or turn this on. Keep it off when a proxy on the same host forwards remote clients to a loopback listener.",
  },
};
