/**
 * JWT / OAuth2 access tokens (`auth.jwt`). A token is taken from, in this order:
 *
 * - the Authentication Data of an MQTT 5 Authentication Method listed in `auth.jwt.methods` (CONNECT,
 *   or AUTH 0x19 to re-authenticate). Without data the broker asks for it with AUTH 0x18 and takes the
 *   token from the client's answer (a two-step exchange);
 * - the password, with any user name;
 * - the user name, when the password is absent or empty (MQTT 3.1.1 clients cannot send a password
 *   without a user name, and some tools can only set a user name).
 *
 * A password or user name that is not shaped like a JWS (three base64url parts, a JSON header with
 * `alg`) is not a token: `defer`. A token goes to the provider whose `issuer` it names, else the
 * provider without one (the configuration refuses two providers of one issuer, or two without one). `alg: none`, a bad signature, a wrong issuer or audience, an expired token, a
 * token without `exp` (unless `requireExpiry: false`): `deny` 0x86 (0x87 for an Authentication
 * Method). Claims without a principal or tenant: `deny` 0x87. Keys that cannot be fetched: `deny`
 * 0x88 Server unavailable. Otherwise `allow`, with `expiresAt` = `exp` (+ `clockTolerance`): the
 * broker closes the connection then unless the client re-authenticated.
 * @module
 */

import { decodeJwt, decodeProtectedHeader } from "jose";
import type { JwtConfig } from "../config/index.js";
import {
  type AuthenticationResult,
  type Authenticator,
  type AuthStep,
  type ConnectAttempt,
  type ContinueResult,
  DEFER,
  deny,
  type Deny,
} from "../hooks/index.js";
import { ReasonCode } from "../protocol/index.js";
import { principalFromClaims } from "./claims.js";
import { JwtProvider } from "./jwt-provider.js";

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const decoder = new TextDecoder();

/** Whether `text` looks like a JWS compact token (three base64url parts, a header naming `alg`). */
export function looksLikeJwt(text: string): boolean {
  if (!JWS_SHAPE.test(text)) return false;
  try {
    return typeof decodeProtectedHeader(text).alg === "string";
  } catch {
    return false;
  }
}

export interface JwtAuthenticatorOptions {
  readonly config: JwtConfig;
  /** Milliseconds since the epoch (the broker's clock). */
  readonly now?: () => number;
}

export class JwtAuthenticator implements Authenticator {
  readonly name = "jwt";
  readonly methods: readonly string[];
  readonly #providers: readonly JwtProvider[];
  readonly #clockTolerance: number;
  readonly #now: () => number;

  /** Loads every provider's key; throws a ConfigError when a key file is missing or invalid. */
  constructor(options: JwtAuthenticatorOptions) {
    const { config } = options;
    this.methods = config.methods;
    this.#providers = config.providers.map((p, i) => new JwtProvider(p, `auth.jwt.providers[${i}]`));
    this.#clockTolerance = config.clockTolerance;
    this.#now = options.now ?? Date.now;
  }

  authenticate(attempt: ConnectAttempt): AuthenticationResult | Promise<AuthenticationResult> {
    const method = attempt.authenticationMethod;
    if (method !== undefined) {
      if (!this.methods.includes(method)) return DEFER;
      const data = attempt.authenticationData;
      // Two-step: ask for the token with AUTH 0x18 [MQTT-4.12.0-2]
      if (data === undefined || data.byteLength === 0) return { kind: "continue" };
      return this.#check(decoder.decode(data), ReasonCode.NotAuthorized);
    }
    const token = tokenFromCredentials(attempt.username, attempt.password);
    if (token === undefined) return DEFER;
    return this.#check(token, ReasonCode.BadUserNameOrPassword);
  }

  authenticateContinue(step: AuthStep): ContinueResult | Promise<ContinueResult> {
    const data = step.data;
    if (data === undefined || data.byteLength === 0)
      return deny(ReasonCode.NotAuthorized, "No token in the Authentication Data");
    return this.#check(decoder.decode(data), ReasonCode.NotAuthorized);
  }

  async #check(token: string, badCredentials: number): Promise<ContinueResult> {
    const refuse = (reason: string): Deny => deny(badCredentials, reason);
    let header: { alg?: unknown };
    let iss: unknown;
    try {
      header = decodeProtectedHeader(token);
      iss = decodeJwt(token).iss;
    } catch {
      return refuse("Token invalid");
    }
    if (header.alg === "none") return refuse("Unsecured tokens (alg none) are not accepted");
    const provider =
      this.#providers.find((p) => p.config.issuer !== undefined && p.config.issuer === iss) ??
      this.#providers.find((p) => p.config.issuer === undefined);
    if (provider === undefined) return refuse("Token issuer not accepted");
    const outcome = await provider.verify(token, this.#now(), this.#clockTolerance);
    if (!outcome.ok)
      return outcome.unavailable
        ? deny(ReasonCode.ServerUnavailable, outcome.reason)
        : refuse(outcome.reason);
    const { exp } = outcome.payload;
    const expiresAt = typeof exp === "number" ? (exp + this.#clockTolerance) * 1000 : undefined;
    const mapped = principalFromClaims(outcome.payload, provider.config, expiresAt);
    if (!mapped.ok) return deny(ReasonCode.NotAuthorized, mapped.reason);
    return { kind: "allow", principal: mapped.principal };
  }
}

/** The token in a password (any user name), or in a user name sent with no or an empty password. */
function tokenFromCredentials(
  username: string | undefined,
  password: Uint8Array | undefined,
): string | undefined {
  if (password !== undefined && password.byteLength > 0) {
    const text = decoder.decode(password);
    return looksLikeJwt(text) ? text : undefined;
  }
  return username !== undefined && looksLikeJwt(username) ? username : undefined;
}
