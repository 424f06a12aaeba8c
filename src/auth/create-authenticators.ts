/**
 * Builds the authentication chain the configuration describes (`auth.chain` order). Authenticators
 * with nothing configured are left out (they would defer every client), except `anonymous`, which
 * decides by `auth.allowAnonymous`. Right after the last password link (`password`, `registry`) comes
 * the `unknown-login` link, which pays the scrypt check of a user name no password link knows
 * (`unknown-login-authenticator.ts`). All of them check passwords through one {@link PasswordChecks},
 * so `auth.passwordChecks` bounds their checks together (`password-checks.ts`).
 * @module
 */

import type { AuthConfig, AuthenticatorKind } from "../config/index.js";
import type { Authenticator } from "../hooks/index.js";
import {
  GooeeAuthenticator,
  type TokenVerifier,
  tokenVerifier,
} from "../platform/dialects/gooee/gooee-authenticator.js";
import { AnonymousAuthenticator } from "./anonymous-authenticator.js";
import { ApiKeyAuthenticator } from "./api-key-authenticator.js";
import { CertificateAuthenticator } from "./certificate-authenticator.js";
import { JwtAuthenticator } from "./jwt-authenticator.js";
import { PasswordAuthenticator } from "./password-authenticator.js";
import { passwordCheckLimits, PasswordChecks, threadPoolSize } from "./password-checks.js";
import { UnknownLoginAuthenticator } from "./unknown-login-authenticator.js";

/** An authenticator made outside src/auth (the registry's), placed where `auth.chain` names its kind. */
export interface ExternalAuthenticator extends Authenticator {
  /** Whether it holds credentials now (anonymous access then refuses clients that send credentials). */
  holdsCredentials(): boolean;
}

export interface ConfiguredAuthenticators {
  /** In chain order. */
  readonly chain: readonly Authenticator[];
  /** The API key authenticator (to add and revoke keys at run time), when `apiKey` or `gooee` is in the chain. */
  readonly apiKeys: ApiKeyAuthenticator | undefined;
  /** The JWT authenticator, when `auth.jwt.providers` has any (also checks the admin API's bearer tokens). */
  readonly jwt: JwtAuthenticator | undefined;
}

/**
 * The authenticators of `auth`, in `auth.chain` order. Throws a ConfigError when a token provider's
 * key cannot be read or used.
 * @example
 * ```ts
 * const { chain, apiKeys } = createAuthenticators(config.auth, { now: Date.now });
 * ```
 */
export function createAuthenticators(
  auth: AuthConfig,
  options: {
    readonly now?: () => number;
    /** More user API token checks for the Gooee login (e.g. the registry's API keys), after the configured ones. */
    readonly tokenVerifiers?: readonly TokenVerifier[];
    /** The registry's authenticator, for `registry` in the chain (src/platform/registry). */
    readonly registry?: ExternalAuthenticator;
    /**
     * Checks passwords (give the registry's authenticator the same, so one bound covers both). Default:
     * scrypt, bounded by `auth.passwordChecks`.
     */
    readonly checks?: PasswordChecks;
  } = {},
): ConfiguredAuthenticators {
  const keysInChain = auth.chain.includes("apiKey") || auth.chain.includes("gooee");
  // credentials the configuration checks; the API keys and the registry's are asked at each CONNECT
  const configuredCredentials =
    auth.users.length > 0 ||
    auth.jwt.providers.length > 0 ||
    (auth.chain.includes("certificate") && auth.certificates.mappings.length > 0);
  // The API key authenticator is kept even without configured keys: keys can be added at run time
  const apiKeys = keysInChain ? new ApiKeyAuthenticator(auth.apiKeys) : undefined;
  const registry = auth.chain.includes("registry") ? options.registry : undefined;
  const checks =
    options.checks ??
    new PasswordChecks({ limits: passwordCheckLimits(auth.passwordChecks, threadPoolSize(process.env)) });
  const password =
    auth.chain.includes("password") && auth.users.length > 0
      ? new PasswordAuthenticator(auth.users, { checks })
      : undefined;
  const jwt =
    auth.jwt.providers.length === 0
      ? undefined
      : new JwtAuthenticator({ config: auth.jwt, ...(options.now ? { now: options.now } : {}) });
  const build = (kind: AuthenticatorKind): Authenticator | undefined => {
    switch (kind) {
      case "certificate":
        return new CertificateAuthenticator(auth.certificates);
      case "jwt":
        return jwt;
      case "apiKey":
        return auth.chain.includes("apiKey") ? apiKeys : undefined;
      case "gooee":
        // the Gooee login's user API tokens: the API keys, then the JWT providers' tokens
        return new GooeeAuthenticator({
          verifiers: [
            ...[apiKeys, jwt].filter((a) => a !== undefined).map(tokenVerifier),
            ...(options.tokenVerifiers ?? []),
          ],
        });
      case "password":
        return password;
      case "registry":
        return registry;
      case "anonymous":
        return new AnonymousAuthenticator({
          allowAnonymous: auth.allowAnonymous,
          // once any credential is checked, one that fails must not fall through to anonymous (where
          // the user name sent would become the principal's id)
          acceptCredentials: configuredCredentials
            ? false
            : () => apiKeys?.holdsKeys !== true && registry?.holdsCredentials() !== true,
          tenant: auth.anonymous.tenant,
          roles: auth.anonymous.roles,
        });
    }
  };
  const chain = auth.chain.map(build).filter((a): a is Authenticator => a !== undefined);
  // the unknown-login link right after the last password link: a name none of them knows costs one check
  const at = (link: Authenticator | undefined): number => (link === undefined ? -1 : chain.indexOf(link));
  const last = Math.max(at(password), at(registry));
  if (last >= 0)
    chain.splice(
      last + 1,
      0,
      new UnknownLoginAuthenticator({
        active: () => password !== undefined || registry?.holdsCredentials() === true,
        checks,
      }),
    );
  return { chain, apiKeys, jwt };
}
