/**
 * Mapping a verified token's claims to a principal, as `auth.jwt.providers[].claims` says.
 * @module
 */

import type { JwtProviderConfig } from "../config/index.js";
import type { Principal } from "../hooks/index.js";
import { makePrincipal } from "./principals.js";

/** Tenant names: as in the configuration (no `/`, `+`, `#`: they become topic levels). */
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The claim at `path`: the key itself when the payload has it (claim names may hold dots, as
 * `https://example.com/roles` does), else the dotted path into nested objects (`realm_access.roles`).
 */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const segment of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** A list of names from a list of strings, or a string of names separated by spaces or commas. */
export function nameList(value: unknown): string[] {
  if (typeof value === "string") return value.split(/[\s,]+/).filter((name) => name !== "");
  if (Array.isArray(value))
    return value.filter((name): name is string => typeof name === "string" && name !== "");
  return [];
}

export type ClaimsMapping =
  { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: string };

/** The principal of a verified token, or why its claims do not give one. */
export function principalFromClaims(
  payload: Readonly<Record<string, unknown>>,
  provider: JwtProviderConfig,
  expiresAt: number | undefined,
): ClaimsMapping {
  const { claims } = provider;
  const rawId = claimAt(payload, claims.principal);
  const id = typeof rawId === "number" ? String(rawId) : rawId;
  if (typeof id !== "string" || id === "")
    return { ok: false, reason: `Token has no "${claims.principal}" claim for the principal` };
  let tenant = provider.tenant;
  if (claims.tenant !== "") {
    const claimed = claimAt(payload, claims.tenant);
    if (typeof claimed !== "string" || !TENANT_PATTERN.test(claimed))
      return { ok: false, reason: `Token has no valid "${claims.tenant}" claim for the tenant` };
    tenant = claimed;
  }
  const roles = [...provider.roles, ...(claims.roles === "" ? [] : nameList(claimAt(payload, claims.roles)))];
  const scopes = claims.scopes === "" ? [] : nameList(claimAt(payload, claims.scopes));
  const issuer = typeof payload["iss"] === "string" ? { issuer: payload["iss"] } : {};
  const orgClaim = claims.org === "" ? undefined : claimAt(payload, claims.org);
  const org = typeof orgClaim === "string" && orgClaim !== "" ? { org: orgClaim } : {};
  return {
    ok: true,
    principal: makePrincipal({
      id,
      tenant,
      roles,
      scopes,
      expiresAt,
      attributes: { credential: "jwt", provider: provider.name, ...issuer, ...org },
    }),
  };
}
