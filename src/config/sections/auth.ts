/**
 * The `auth` configuration section: its type and its JSON Schema. The authenticators' own settings
 * are in `auth-*.ts`; the checks that span keys (unique names, one key source per token provider...)
 * in `auth-checks.ts`.
 * @module
 */

import { type JsonSchema, type PropertiesOf, section, valuesOf } from "../schema-support.js";
import { type BackoffConfig, backoffSchema } from "./auth-backoff.js";
import { type CertificateAuthConfig, certificatesSchema } from "./auth-certificates.js";
import { type JwtConfig, jwtSchema } from "./auth-jwt.js";
import { type PasswordChecksConfig, passwordChecksSchema } from "./auth-password-checks.js";
import { type ApiKeyConfig, apiKeysSchema, type UserConfig, usersSchema } from "./auth-users.js";
import { rolesSchema, tenantSchema } from "./principal-mapping.js";

/** The built-in authenticators, as named in `auth.chain`. */
export type AuthenticatorKind =
  "certificate" | "jwt" | "apiKey" | "password" | "registry" | "anonymous" | "gooee";

export const authenticatorKinds = valuesOf<AuthenticatorKind>({
  certificate: 0,
  jwt: 0,
  apiKey: 0,
  password: 0,
  registry: 0,
  anonymous: 0,
  gooee: 0,
});

export interface AnonymousConfig {
  readonly tenant: string;
  readonly roles: readonly string[];
}

export interface AuthConfig {
  /** Whether clients without credentials are accepted. Defaults to true only when every listener is on a loopback address. */
  readonly allowAnonymous: boolean;
  /** The order in which the authenticators are asked. */
  readonly chain: readonly AuthenticatorKind[];
  readonly anonymous: AnonymousConfig;
  readonly users: readonly UserConfig[];
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly jwt: JwtConfig;
  readonly certificates: CertificateAuthConfig;
  readonly backoff: BackoffConfig;
  readonly passwordChecks: PasswordChecksConfig;
}

const anonymousSchema: JsonSchema = section("The principal of anonymous clients.", {
  tenant: tenantSchema("The tenant anonymous clients belong to."),
  roles: rolesSchema("The roles of anonymous clients."),
} satisfies PropertiesOf<AnonymousConfig>);

export const authProperties: PropertiesOf<AuthConfig> = {
  allowAnonymous: {
    type: "boolean",
    "x-default": "`true` if every listener is on a loopback address, else `false`",
    description:
      "Whether clients that send no credentials are accepted. When not set, it is true only if every listener's host is a loopback address (127.0.0.0/8, ::1 or localhost), as in Mosquitto 2: a broker reachable from the network needs this set explicitly to accept anonymous clients. When users, API keys or token providers are configured, a client that sends credentials is never let in anonymously.",
  },
  chain: {
    type: "array",
    default: ["certificate", "jwt", "apiKey", "password", "registry", "anonymous"],
    description:
      "The authenticators, in the order they are asked; each accepts, refuses or passes the client on, and a client every one passes on is refused. Leave one out to turn it off. An authenticator with nothing configured passes every client on. `registry` checks the registry's users, devices and API keys (see docs/admin-api.md). Right after the last of `password` and `registry`, the broker adds a link that pays the scrypt check of a user name neither knows, so a refusal takes as long for an unknown name as for a known one (docs/security.md). `gooee` (not in the default chain) is the Gooee login: user name `authorization` with a user API token (an API key or a JWT) as the password; put it before `apiKey` (see docs/dialects/gooee.md).",
    items: { type: "string", enum: authenticatorKinds, description: "An authenticator." },
  },
  anonymous: anonymousSchema,
  users: usersSchema,
  apiKeys: apiKeysSchema,
  jwt: jwtSchema,
  certificates: certificatesSchema,
  backoff: backoffSchema,
  passwordChecks: passwordChecksSchema,
};
