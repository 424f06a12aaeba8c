/**
 * Building the principals the built-in authenticators return.
 * @module
 */

import type { Principal } from "../hooks/index.js";

/** What a credential establishes; `scopes`, `expiresAt` and `attributes` default to none. */
export interface PrincipalFields {
  readonly id: string;
  readonly tenant: string;
  readonly roles: readonly string[];
  readonly scopes?: readonly string[];
  readonly expiresAt?: number | undefined;
  /** How the principal authenticated: `credential` names the authenticator kind. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A frozen, non-anonymous principal. */
export function makePrincipal(fields: PrincipalFields): Principal {
  return Object.freeze({
    id: fields.id,
    anonymous: false,
    tenant: fields.tenant,
    roles: Object.freeze([...new Set(fields.roles)]),
    scopes: Object.freeze([...(fields.scopes ?? [])]),
    expiresAt: fields.expiresAt,
    attributes: Object.freeze({ ...fields.attributes }),
  });
}
