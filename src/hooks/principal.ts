/**
 * Who a connected client is, as established by the authentication chain.
 * @module
 */

export interface Principal {
  /** A stable identity: a user name, key id, certificate subject... For anonymous clients, "anonymous". */
  readonly id: string;
  readonly anonymous: boolean;
  /** Role names, for authorizers (e.g. "admin" may read `$SYS`). */
  readonly roles: readonly string[];
  /** Free-form attributes an authenticator wants authorizers to see. */
  readonly attributes: Readonly<Record<string, string>>;
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  id: "anonymous",
  anonymous: true,
  roles: Object.freeze([]),
  attributes: Object.freeze({}),
});
