/**
 * Authentication of admin API requests. A request carries one credential:
 *
 * - `Authorization: Bearer <token>`: a JWT, checked by the configured JWT authenticator
 *   (`auth.jwt.providers`); a bearer token shaped like an API key (`sbk_...`) is taken as one;
 * - `X-API-Key: <key>`: an API key of the configuration (`auth.apiKeys`) or of the registry.
 *
 * The authenticators are the broker's own (the same instances MQTT logins use, so a key revoked at run
 * time stops working here at once); each request is authenticated anew, nothing is cached. No
 * credential, or one no authenticator accepts: 401. An accepted principal without one of `admin.roles`:
 * 403.
 * @module
 */

import { looksLikeJwt, parseApiKey } from "../auth/index.js";
import type { Authenticator, ConnectAttempt, Principal } from "../hooks/index.js";
import { type AdminCaller, adminCaller } from "./admin-caller.js";
import { ApiError } from "./api-error.js";

export interface AdminAuthenticatorOptions {
  /** Checks bearer JWTs; undefined when no JWT provider is configured. */
  readonly jwt: Authenticator | undefined;
  /** Check API keys, in order (the first answer that is not `defer` wins). */
  readonly apiKeys: readonly Authenticator[];
  /** `admin.roles`. */
  readonly roles: readonly string[];
  /** The listener serving the API (authenticators may look at it). */
  readonly listener: { readonly name: string; readonly loopback: boolean };
}

/** The request headers the authenticator reads (Node lower-cases names). */
export interface AdminRequestHeaders {
  readonly authorization?: string | undefined;
  readonly "x-api-key"?: string | string[] | undefined;
}

const encoder = new TextEncoder();
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export class AdminAuthenticator {
  readonly #options: AdminAuthenticatorOptions;
  readonly #roles: ReadonlySet<string>;

  constructor(options: AdminAuthenticatorOptions) {
    this.#options = options;
    this.#roles = new Set(options.roles);
  }

  /** The administrator making the request; throws an ApiError (401 or 403) otherwise. */
  async authenticate(headers: AdminRequestHeaders, remoteAddress: string): Promise<AdminCaller> {
    const principal = await this.#principal(headers, remoteAddress);
    if (!principal.roles.some((role) => this.#roles.has(role)))
      throw new ApiError(
        "FORBIDDEN",
        `"${principal.id}" (tenant "${principal.tenant}") is not an administrator: it has none of the roles ${[...this.#roles].map((r) => `"${r}"`).join(", ")}`,
      );
    return adminCaller(principal);
  }

  async #principal(headers: AdminRequestHeaders, remoteAddress: string): Promise<Principal> {
    const authorization = headers.authorization;
    const apiKey = headers["x-api-key"];
    if (Array.isArray(apiKey)) throw new ApiError("UNAUTHORIZED", "Send one X-API-Key header, not several");
    if (authorization !== undefined && apiKey !== undefined)
      throw new ApiError("UNAUTHORIZED", "Send either an Authorization or an X-API-Key header, not both");
    if (apiKey !== undefined) return this.#apiKey(apiKey.trim(), remoteAddress);
    if (authorization === undefined)
      throw new ApiError(
        "UNAUTHORIZED",
        'No credentials: send "Authorization: Bearer <token>" or "X-API-Key: <key>"',
      );
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined)
      throw new ApiError("UNAUTHORIZED", 'The Authorization header must be "Bearer <token>"');
    if (parseApiKey(token) !== undefined) return this.#apiKey(token, remoteAddress);
    const jwt = this.#options.jwt;
    if (jwt === undefined || !looksLikeJwt(token))
      throw new ApiError(
        "UNAUTHORIZED",
        "The bearer token is neither a JWT the broker checks nor an API key",
      );
    return this.#ask([jwt], token, remoteAddress, "token");
  }

  #apiKey(key: string, remoteAddress: string): Promise<Principal> {
    if (parseApiKey(key) === undefined)
      throw new ApiError("UNAUTHORIZED", 'The API key is malformed (expected "sbk_<id>_<secret>")');
    return this.#ask(this.#options.apiKeys, key, remoteAddress, "API key");
  }

  async #ask(
    authenticators: readonly Authenticator[],
    secret: string,
    remoteAddress: string,
    what: string,
  ): Promise<Principal> {
    const attempt: ConnectAttempt = {
      clientId: "admin-api",
      clientIdAssigned: false,
      username: undefined,
      password: encoder.encode(secret),
      protocolVersion: 5,
      remoteAddress,
      listener: this.#options.listener.name,
      loopbackListener: this.#options.listener.loopback,
      authenticationMethod: undefined,
      authenticationData: undefined,
      userProperties: [],
    };
    for (const authenticator of authenticators) {
      const result = await authenticator.authenticate(attempt);
      switch (result.kind) {
        case "defer":
          continue;
        case "allow":
          return result.principal;
        case "deny":
          throw new ApiError(
            "UNAUTHORIZED",
            `The ${what} was refused${result.reason === undefined ? "" : `: ${result.reason}`}`,
          );
        case "continue":
          throw new ApiError("UNAUTHORIZED", `The ${what} was refused`);
      }
    }
    throw new ApiError("UNAUTHORIZED", `Unknown ${what}`);
  }
}
