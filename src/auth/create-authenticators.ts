/**
 * Builds the authentication chain the configuration describes (`auth.chain` order). Authenticators
 * with nothing configured are left out (they would defer every client), except `anonymous`, which
 * decides by `auth.allowAnonymous`.
 * @module
 */

import type { AuthConfig, AuthenticatorKind } from "../config/index.js";
import type { Authenticator } from "../hooks/index.js";
import { AnonymousAuthenticator } from "./anonymous-authenticator.js";
import { ApiKeyAuthenticator } from "./api-key-authenticator.js";
import { CertificateAuthenticator } from "./certificate-authenticator.js";
import { JwtAuthenticator } from "./jwt-authenticator.js";
import { PasswordAuthenticator } from "./password-authenticator.js";

export interface ConfiguredAuthenticators {
  /** In chain order. */
  readonly chain: readonly Authenticator[];
  /** The API key authenticator (to add and revoke keys at run time), when `apiKey` is in the chain. */
  readonly apiKeys: ApiKeyAuthenticator | undefined;
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
  options: { readonly now?: () => number } = {},
): ConfiguredAuthenticators {
  const checksCredentials =
    auth.users.length > 0 ||
    auth.jwt.providers.length > 0 ||
    (auth.chain.includes("apiKey") && auth.apiKeys.length > 0);
  // The API key authenticator is kept even without configured keys: keys can be added at run time
  const apiKeys = auth.chain.includes("apiKey") ? new ApiKeyAuthenticator(auth.apiKeys) : undefined;
  const build = (kind: AuthenticatorKind): Authenticator | undefined => {
    switch (kind) {
      case "certificate":
        return new CertificateAuthenticator(auth.certificates);
      case "jwt":
        return auth.jwt.providers.length === 0
          ? undefined
          : new JwtAuthenticator({ config: auth.jwt, ...(options.now ? { now: options.now } : {}) });
      case "apiKey":
        return apiKeys;
      case "password":
        return auth.users.length === 0 ? undefined : new PasswordAuthenticator(auth.users);
      case "anonymous":
        return new AnonymousAuthenticator({
          allowAnonymous: auth.allowAnonymous,
          acceptCredentials: !checksCredentials,
          tenant: auth.anonymous.tenant,
          roles: auth.anonymous.roles,
        });
    }
  };
  const chain = auth.chain.map(build).filter((a): a is Authenticator => a !== undefined);
  return { chain, apiKeys };
}
