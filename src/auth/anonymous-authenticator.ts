/**
 * Anonymous access (`auth.allowAnonymous`): when allowed, a client without credentials gets the
 * anonymous principal, in the configured tenant with the configured roles. A client that sent a user
 * name or password is let in only when no authenticator checks credentials (`acceptCredentials`: with
 * users, API keys or token providers configured, a wrong or unknown credential must not fall through
 * to anonymous access); its user name is then taken as given, as Mosquitto does with
 * `allow_anonymous true` and no password file. Otherwise, and when anonymous access is off: `defer`.
 * @module
 */

import {
  type AuthenticationResult,
  type Authenticator,
  type ConnectAttempt,
  DEFER,
  ANONYMOUS_PRINCIPAL,
  type Principal,
  DEFAULT_TENANT,
} from "../hooks/index.js";

export interface AnonymousAuthenticatorOptions {
  readonly allowAnonymous: boolean;
  /**
   * Whether clients that sent credentials are let in too (default true); a function is asked at each
   * CONNECT (the registry's credentials change at run time).
   */
  readonly acceptCredentials?: boolean | (() => boolean);
  /** Default "default". */
  readonly tenant?: string;
  readonly roles?: readonly string[];
}

export class AnonymousAuthenticator implements Authenticator {
  readonly name = "anonymous";
  readonly #allow: boolean;
  readonly #acceptCredentials: boolean | (() => boolean);
  readonly #principal: Principal;

  constructor(options: AnonymousAuthenticatorOptions) {
    this.#allow = options.allowAnonymous;
    this.#acceptCredentials = options.acceptCredentials ?? true;
    const tenant = options.tenant ?? DEFAULT_TENANT;
    const roles = options.roles ?? [];
    this.#principal =
      tenant === DEFAULT_TENANT && roles.length === 0
        ? ANONYMOUS_PRINCIPAL
        : Object.freeze({ ...ANONYMOUS_PRINCIPAL, tenant, roles: Object.freeze([...roles]) });
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult {
    if (!this.#allow) return DEFER;
    const credentials = attempt.username !== undefined || attempt.password !== undefined;
    if (!credentials) return { kind: "allow", principal: this.#principal };
    const accept = this.#acceptCredentials;
    if (!(typeof accept === "boolean" ? accept : accept())) return DEFER;
    if (attempt.username === undefined) return { kind: "allow", principal: this.#principal };
    return { kind: "allow", principal: { ...this.#principal, id: attempt.username } };
  }
}
