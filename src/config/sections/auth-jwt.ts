/**
 * `auth.jwt`: JWT / OAuth2 access tokens, verified with one of the configured providers (a shared
 * secret, a PEM public key, or a JWKS URL each).
 * @module
 */

import { type JsonSchema, type PropertiesOf, section, valuesOf } from "../schema-support.js";
import { rolesSchema, tenantSchema } from "./principal-mapping.js";

export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

export const jwtAlgorithms = valuesOf<JwtAlgorithm>({
  HS256: 0,
  HS384: 0,
  HS512: 0,
  RS256: 0,
  RS384: 0,
  RS512: 0,
  PS256: 0,
  PS384: 0,
  PS512: 0,
  ES256: 0,
  ES384: 0,
  ES512: 0,
  EdDSA: 0,
});

/** Where a token's claims put the principal's identity, tenant, roles and scopes. */
export interface JwtClaimsConfig {
  /** Claim holding the principal id. */
  readonly principal: string;
  /** Claim holding the tenant; "" takes the provider's `tenant`. */
  readonly tenant: string;
  /** Claim holding roles (a list, or a string of names separated by spaces or commas); "" for none. */
  readonly roles: string;
  /** Claim holding scopes (OAuth2 `scope`: names separated by spaces, or a list); "" for none. */
  readonly scopes: string;
  /** Claim holding the user's org (the principal's `org` attribute, for the PlaceOS API); "" for none. */
  readonly org: string;
}

export interface JwtProviderConfig {
  readonly name: string;
  /** Required `iss`; tokens of other issuers go to other providers. */
  readonly issuer?: string;
  /** Accepted `aud` values (one must match); empty: not checked. */
  readonly audience: readonly string[];
  /** Accepted `alg` values; empty: every algorithm of the key's type. */
  readonly algorithms: readonly JwtAlgorithm[];
  readonly secret?: string;
  readonly secretFile?: string;
  readonly publicKey?: string;
  readonly publicKeyFile?: string;
  readonly jwksUrl?: string;
  /** Seconds a fetched JWKS is used before it is fetched again. */
  readonly jwksCacheMaxAge: number;
  /** Seconds after a fetch during which a token with an unknown `kid` does not trigger another. */
  readonly jwksCooldown: number;
  /** Milliseconds a JWKS request may take. */
  readonly jwksTimeout: number;
  /** Whether tokens without `exp` are refused. */
  readonly requireExpiry: boolean;
  readonly claims: JwtClaimsConfig;
  readonly tenant: string;
  readonly roles: readonly string[];
}

export interface JwtConfig {
  /** MQTT 5 Authentication Methods whose Authentication Data is a token. */
  readonly methods: readonly string[];
  /** Seconds of clock skew allowed for `exp`, `nbf` and `iat`. */
  readonly clockTolerance: number;
  readonly providers: readonly JwtProviderConfig[];
}

const claimsProperties: PropertiesOf<JwtClaimsConfig> = {
  principal: {
    type: "string",
    minLength: 1,
    default: "sub",
    description:
      "Claim holding the principal id. A name with dots is first looked up as is (`https://example.com/id`), then as a path into nested objects (`user.id`).",
  },
  tenant: {
    type: "string",
    default: "",
    description:
      "Claim holding the tenant (looked up as `principal` is). Empty: every principal of this provider is in the provider's `tenant`. When set, a token without this claim is refused (0x87).",
  },
  roles: {
    type: "string",
    default: "",
    description:
      "Claim holding role names: a list of strings, or one string of names separated by spaces or commas (e.g. `realm_access.roles` for Keycloak). Added to the provider's `roles`. Empty: none.",
  },
  scopes: {
    type: "string",
    default: "scope",
    description:
      "Claim holding scopes: OAuth2's space-separated `scope` string, or a list (`scp`). Empty: none.",
  },
  org: {
    type: "string",
    default: "",
    description:
      "Claim holding the user's org: the id of a PlaceOS org zone, which the PlaceOS API (`/api/mqtt`) limits the user to. Empty, or a token without it: the tenant's only org, if it has exactly one.",
  },
};

const providerProperties: PropertiesOf<JwtProviderConfig> = {
  name: {
    type: "string",
    minLength: 1,
    maxLength: 64,
    description: "Name of the provider in logs; unique among the providers.",
  },
  issuer: {
    type: "string",
    minLength: 1,
    "x-default": "none: any issuer",
    description:
      "The `iss` value this provider's tokens must carry. A token goes to the provider whose issuer it names, else to the provider without one; a token no provider takes is refused. Unique among the providers, and at most one provider has none: a second provider of an issuer would never see a token, so the configuration is refused (several keys of one issuer: one provider with a `jwksUrl`).",
  },
  audience: {
    type: "array",
    default: [],
    description:
      "Accepted `aud` values: a token must name one of them. Empty: the audience is not checked (set it whenever the issuer also issues tokens for other services).",
    items: { type: "string", minLength: 1, description: "An accepted audience." },
  },
  algorithms: {
    type: "array",
    default: [],
    description:
      "Accepted signature algorithms. Empty: those of the key's type (HS256/384/512 for a secret; RS*/PS* for an RSA key, ES256/384/512 for the EC curve, EdDSA for Ed25519; every asymmetric one for a JWKS). `none` is never accepted.",
    items: { type: "string", enum: jwtAlgorithms, description: "A JWS algorithm." },
  },
  secret: {
    type: "string",
    minLength: 32,
    "x-default": "none",
    description:
      "Shared secret for HS256/384/512 (at least 32 bytes). Prefer `secretFile` or `SWITCHBOARD_AUTH__JWT__PROVIDERS` from a secret store over writing it in the file. Exactly one of `secret`, `secretFile`, `publicKey`, `publicKeyFile` and `jwksUrl` is required.",
  },
  secretFile: {
    type: "string",
    minLength: 1,
    "x-default": "none",
    description: "File holding the shared secret (trailing newlines are ignored), read at start.",
  },
  publicKey: {
    type: "string",
    minLength: 1,
    "x-default": "none",
    description: "PEM public key (`-----BEGIN PUBLIC KEY-----`) of an RSA, EC or Ed25519 key pair.",
  },
  publicKeyFile: {
    type: "string",
    minLength: 1,
    "x-default": "none",
    description: "File holding a PEM public key, read at start.",
  },
  jwksUrl: {
    type: "string",
    pattern: "^https?://",
    "x-default": "none",
    description:
      "URL of the issuer's JSON Web Key Set (e.g. `https://idp.example.com/.well-known/jwks.json`). Keys are cached, fetched again after `jwksCacheMaxAge`, and at once (after `jwksCooldown`) when a token names a key id not in the cache, so key rotation needs no restart.",
  },
  jwksCacheMaxAge: {
    type: "integer",
    minimum: 1,
    maximum: 86_400,
    default: 600,
    description: "Seconds a fetched JWKS is used before it is fetched again.",
  },
  jwksCooldown: {
    type: "integer",
    minimum: 0,
    maximum: 3600,
    default: 30,
    description:
      "Seconds after a JWKS fetch during which a token with an unknown key id does not trigger another fetch (so unknown key ids cannot make the broker hammer the issuer).",
  },
  jwksTimeout: {
    type: "integer",
    minimum: 100,
    maximum: 60_000,
    default: 5000,
    description:
      "Milliseconds a JWKS request may take; a client whose token cannot be checked meanwhile is refused with 0x88 Server unavailable (v3: return code 3).",
  },
  requireExpiry: {
    type: "boolean",
    default: true,
    description:
      "Whether tokens without an `exp` claim are refused. A token without one would stay valid for as long as the connection lasts.",
  },
  claims: {
    type: "object",
    description: "Which claims give the principal's id, tenant, roles and scopes.",
    additionalProperties: false,
    default: {},
    properties: claimsProperties,
  },
  tenant: tenantSchema("The tenant of this provider's principals when `claims.tenant` is empty."),
  roles: rolesSchema("Roles every principal of this provider has (besides those of `claims.roles`)."),
};

export const jwtProperties: PropertiesOf<JwtConfig> = {
  methods: {
    type: "array",
    default: ["jwt", "bearer"],
    description:
      "MQTT 5 Authentication Methods (enhanced authentication) whose Authentication Data carries a token. A client may also re-authenticate with AUTH 0x19 and a fresh token to stay connected past its token's expiry.",
    items: { type: "string", minLength: 1, description: "An authentication method name." },
  },
  clockTolerance: {
    type: "integer",
    minimum: 0,
    maximum: 300,
    default: 0,
    description:
      "Seconds of clock skew allowed between the issuer and the broker for `exp`, `nbf` and `iat`; a connection is closed at `exp` plus this.",
  },
  providers: {
    type: "array",
    default: [],
    description: "Token issuers. Without any, tokens are not accepted.",
    items: {
      type: "object",
      description: "One token issuer.",
      additionalProperties: false,
      required: ["name"],
      properties: providerProperties,
    },
  },
};

export const jwtSchema: JsonSchema = section(
  "JWT / OAuth2 access tokens, sent as the password (any user name), as the user name (empty password), or as Authentication Data of an MQTT 5 authentication method.",
  jwtProperties,
);
