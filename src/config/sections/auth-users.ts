/**
 * `auth.users` and `auth.apiKeys`: the password users and API keys of the configuration file, stored
 * only as hashes (see docs/security.md for the formats and `switchboard hash-password` /
 * `switchboard generate-api-key` to make them).
 * @module
 */

import type { JsonSchema } from "../schema-support.js";
import { rolesSchema, tenantSchema } from "./principal-mapping.js";

export interface UserConfig {
  readonly username: string;
  /** `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url salt and hash). */
  readonly password: string;
  readonly tenant: string;
  readonly roles: readonly string[];
}

export interface ApiKeyConfig {
  /** The key's public identifier (the part of the key between `sbk_` and the next `_`). */
  readonly id: string;
  /** `sha256$<base64url of the SHA-256 of the key's secret part>`. */
  readonly hash: string;
  /** The user the key belongs to: clients may send it, or the key id, as user name. */
  readonly user?: string;
  readonly tenant: string;
  readonly roles: readonly string[];
  /** Scopes the key grants (e.g. `mqtt:write`). */
  readonly scopes?: readonly string[];
  /** The org (a PlaceOS org zone id) the key's user belongs to, for the PlaceOS API. */
  readonly org?: string;
}

/** API key ids: letters, digits and dashes (no `_`, which ends the id inside a key). */
export const API_KEY_ID_PATTERN = "^[A-Za-z0-9-]{1,64}$";

export const usersSchema: JsonSchema = {
  type: "array",
  default: [],
  description:
    "Users that authenticate with a user name and password. Passwords are stored as scrypt hashes only; make one with `switchboard hash-password` (see docs/security.md).",
  items: {
    type: "object",
    description: "One user.",
    additionalProperties: false,
    required: ["username", "password"],
    properties: {
      username: {
        type: "string",
        minLength: 1,
        maxLength: 256,
        description: "The MQTT user name; unique among the users.",
      },
      password: {
        type: "string",
        pattern: "^scrypt\\$",
        description:
          "The password's scrypt hash, `scrypt$<N>$<r>$<p>$<salt>$<hash>` with the salt and hash in base64url, as printed by `switchboard hash-password`. Never the password itself. Its parameters must be within the bounds of docs/security.md (N a power of two from 1024 to 1048576 and below 2^(16·r), r 1 to 32, p 1 to 16, 128·N·r at most 256 MiB, N·r·p at most 2^22), as the registry's hashes.",
      },
      tenant: tenantSchema("The tenant of the user's principal."),
      roles: rolesSchema("The roles of the user's principal."),
    },
  },
};

export const apiKeysSchema: JsonSchema = {
  type: "array",
  default: [],
  description:
    "API keys, accepted as the password with the key id or the key's user as user name. Only the hash of each key is configured; make a key with `switchboard generate-api-key <id>`. Keys can also be added and revoked at run time (revoking disconnects the clients using the key).",
  items: {
    type: "object",
    description: "One API key.",
    additionalProperties: false,
    required: ["id", "hash"],
    properties: {
      id: {
        type: "string",
        pattern: API_KEY_ID_PATTERN,
        description: "The key's public id (letters, digits and dashes), unique among the keys.",
      },
      hash: {
        type: "string",
        pattern: "^sha256\\$[A-Za-z0-9_-]{43}$",
        description:
          "`sha256$` followed by the base64url SHA-256 of the key's secret, as printed by `switchboard generate-api-key`.",
      },
      user: {
        type: "string",
        minLength: 1,
        maxLength: 256,
        "x-default": "none",
        description:
          "The user the key belongs to: clients may send it instead of the key id as user name, and it becomes the principal's id (else the key id does).",
      },
      tenant: tenantSchema("The tenant of the key's principal."),
      roles: rolesSchema("The roles of the key's principal."),
      scopes: {
        type: "array",
        default: [],
        description: "Scopes the key grants, as a token's `scope` would (e.g. `mqtt:write`).",
        items: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$", description: "A scope." },
      },
      org: {
        type: "string",
        pattern: "^[^/+#\\u0000]{1,128}$",
        "x-default": "none: the tenant's only org",
        description:
          "The org of the key's user: the id of a PlaceOS org zone, which the PlaceOS API (`/api/mqtt`) limits the key to. Absent: the tenant's only org, if it has exactly one.",
      },
    },
  },
};
