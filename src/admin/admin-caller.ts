/**
 * Who is calling the admin API, and which tenants it administers: an administrator of the default
 * tenant administers every tenant; an administrator of another tenant only its own, and everything of
 * other tenants is answered as if it did not exist (404), so the API does not tell one tenant what
 * another has.
 * @module
 */

import { DEFAULT_TENANT, type Principal } from "../hooks/index.js";
import { ApiError } from "./api-error.js";

export interface AdminCaller {
  readonly principal: Principal;
  /** True for an administrator of the default tenant. */
  readonly allTenants: boolean;
}

export function adminCaller(principal: Principal): AdminCaller {
  return { principal, allTenants: principal.tenant === DEFAULT_TENANT };
}

/** Whether the caller administers `tenant`. */
export function administers(caller: AdminCaller, tenant: string): boolean {
  return caller.allTenants || caller.principal.tenant === tenant;
}

/**
 * The tenant a request acts on: `requested` (a `tenant` query parameter or body field) when the caller
 * administers it, else the caller's own. Throws 403 when a tenant administrator names another tenant.
 */
export function actingTenant(caller: AdminCaller, requested: string | undefined): string {
  if (requested === undefined) return caller.principal.tenant;
  if (!administers(caller, requested))
    throw new ApiError(
      "FORBIDDEN",
      `An administrator of tenant "${caller.principal.tenant}" cannot act on tenant "${requested}"`,
    );
  return requested;
}

/**
 * The tenant a list is restricted to: `requested` for an administrator of every tenant (undefined: all
 * of them), the caller's own tenant otherwise; `null` when a tenant administrator asked for another
 * tenant (an empty page).
 */
export function listTenant(caller: AdminCaller, requested: string | undefined): string | undefined | null {
  if (caller.allTenants) return requested;
  if (requested !== undefined && requested !== caller.principal.tenant) return null;
  return caller.principal.tenant;
}
