/**
 * Who may do what on PlaceOS's MQTT API for users (`/api/mqtt`, seed 001 "MQTT Integration"): the
 * principals that logged in there carry the attribute `endpoint: placeos-api` and the `org` they are
 * limited to. They subscribe only within `placeos/<their org>/...`; they publish only with one of the
 * write roles and the write scope (PlaceOS: a support user with `mqtt:write`), and only module state of
 * their org's modules on the ingest topic. A principal that carries an `org` on another listener (a
 * token with the org claim, a key or user with an org) is limited to its org in the same way, so the
 * plain MQTT path is no way around the API's limits; there, publishing stays the drivers'.
 * @module
 */

import type { ClientIdentity, Principal } from "../../../hooks/index.js";
import type { Zone } from "../../registry/model.js";
import { escapeLevel } from "./level-escape.js";

/** The endpoint name of `/api/mqtt` connections (`ListenerInfo.endpoint`, `ConnectAttempt.endpoint`). */
export const PLACEOS_API_ENDPOINT = "placeos-api";

/** Who may publish on the API: one of `roles` and `scope`. */
export interface PlaceosApiWriters {
  readonly roles: readonly string[];
  readonly scope: string;
}

export const DEFAULT_API_WRITERS: PlaceosApiWriters = Object.freeze({
  roles: Object.freeze(["support", "admin"]),
  scope: "mqtt:write",
});

/** Whether the principal logged in on the PlaceOS API. */
export function isApiPrincipal(principal: Principal): boolean {
  return principal.attributes["endpoint"] === PLACEOS_API_ENDPOINT;
}

/** Whether an API principal may publish. */
export function isApiWriter(principal: Principal, writers: PlaceosApiWriters): boolean {
  return principal.scopes.includes(writers.scope) && writers.roles.some((r) => principal.roles.includes(r));
}

/**
 * Whether `client` may subscribe where the org level of the filter is `orgLevel` (escaped, as in
 * topics; undefined when the filter has a wildcard there). A principal with an `org` (every user of the
 * API, and any credential that names one, on whatever listener) only in its own org; others anywhere.
 */
export function mayReadOrg(client: ClientIdentity, orgLevel: string | undefined): boolean {
  const org = client.principal.attributes["org"];
  if (org === undefined) return !isApiPrincipal(client.principal);
  return orgLevel !== undefined && orgLevel === escapeLevel(org);
}

export type OrgResolution =
  { readonly ok: true; readonly org: string } | { readonly ok: false; readonly reason: string };

/**
 * The org an API principal is limited to: its `org` attribute (a token claim, the key's or user's
 * `org`), which must be one of `orgs`; without one, the tenant's only org.
 */
export function resolveApiOrg(principal: Principal, orgs: readonly Zone[]): OrgResolution {
  const claimed = principal.attributes["org"];
  if (claimed !== undefined)
    return orgs.some((zone) => zone.id === claimed)
      ? { ok: true, org: claimed }
      : { ok: false, reason: `"${claimed}" is not an org of tenant "${principal.tenant}"` };
  if (orgs.length === 1) return { ok: true, org: orgs[0]!.id };
  return {
    ok: false,
    reason:
      orgs.length === 0
        ? `Tenant "${principal.tenant}" has no org`
        : `The credential names no org, and tenant "${principal.tenant}" has ${orgs.length}`,
  };
}
