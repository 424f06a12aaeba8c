/**
 * Who a connected client is, as established by the authentication chain.
 * @module
 */

/** The tenant of principals that no authenticator placed elsewhere. */
export const DEFAULT_TENANT = "default";

export interface Principal {
  /** A stable identity: a user name, key id, certificate subject... For anonymous clients, "anonymous". */
  readonly id: string;
  readonly anonymous: boolean;
  /** The tenant (org, project, application) the principal belongs to; its plain topics live in that tenant's namespace. */
  readonly tenant: string;
  /** Role names, for authorizers (e.g. "admin" may read `$SYS`). */
  readonly roles: readonly string[];
  /** Scopes granted by the credential (e.g. OAuth2 scopes such as "mqtt:write"). */
  readonly scopes: readonly string[];
  /** Milliseconds since the epoch when the credential stops being valid (a token's `exp`); undefined when it does not expire. */
  readonly expiresAt: number | undefined;
  /** Free-form attributes an authenticator wants authorizers to see. */
  readonly attributes: Readonly<Record<string, string>>;
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  id: "anonymous",
  anonymous: true,
  tenant: DEFAULT_TENANT,
  roles: Object.freeze([]),
  scopes: Object.freeze([]),
  expiresAt: undefined,
  attributes: Object.freeze({}),
});
