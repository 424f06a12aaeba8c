/**
 * What the registry accepts: the input of `create` (per kind: required fields, optional ones with their
 * defaults) and the patch of `update` (every mutable field optional; `null` clears an optional one).
 * Secrets arrive hashed: the registry never sees a password, token or API key secret (the admin API
 * hashes them first, see src/auth/password-hash.ts and src/auth/api-key.ts).
 * @module
 */

import type { DeviceCredential, EntityKind, EntityOf, OutboundBroker, ZoneType } from "./model.js";

interface OwnedInput {
  /** Generated (a UUID) when not given. */
  readonly id?: string;
  readonly tenant: string;
  readonly name: string;
}

export interface EntityInputOf {
  readonly tenants: {
    readonly id?: string;
    readonly name: string;
    readonly dialects?: readonly string[];
    readonly privacy?: Readonly<Record<string, unknown>>;
  };
  readonly zones: OwnedInput & {
    readonly type: ZoneType;
    readonly parentId?: string;
    readonly description?: string;
    readonly tags?: readonly string[];
  };
  readonly systems: OwnedInput & { readonly zoneIds?: readonly string[]; readonly description?: string };
  readonly drivers: OwnedInput & { readonly role?: string };
  readonly modules: OwnedInput & {
    readonly driverId: string;
    readonly systemId: string;
    /** 1-based; defaults to the next free index for (system, name). */
    readonly index?: number;
  };
  readonly devices: OwnedInput & {
    readonly applicationId?: string;
    readonly zoneId?: string;
    /** Default true. */
    readonly enabled?: boolean;
    readonly dialect?: string;
    readonly credentials?: readonly DeviceCredential[];
  };
  readonly applications: OwnedInput & { readonly description?: string };
  readonly users: OwnedInput & {
    readonly username: string;
    readonly passwordHash?: string;
    readonly roles?: readonly string[];
    /** Default true. */
    readonly enabled?: boolean;
    readonly org?: string;
  };
  readonly apiKeys: OwnedInput & {
    readonly userId?: string;
    readonly hash: string;
    readonly roles?: readonly string[];
    readonly scopes?: readonly string[];
    readonly org?: string;
    readonly revokedAt?: number;
  };
  readonly schemas: OwnedInput & {
    readonly schema: Readonly<Record<string, unknown>>;
    readonly unit?: string;
    readonly description?: string;
  };
  readonly brokers: OwnedInput & {
    readonly tenants: readonly string[];
    readonly host: string;
    /** The privacy rules' HMAC key (the admin API generates one when none is given). */
    readonly secret: string;
  } & { readonly [F in BrokerOptionalField]?: Exclude<OutboundBroker[F], undefined> };
}

/** A broker's optional fields (the bridge configuration's, `privacy`). */
type BrokerOptionalField = Exclude<
  keyof OutboundBroker,
  "id" | "tenant" | "name" | "tenants" | "host" | "secret" | "createdAt" | "updatedAt"
>;

export type EntityInput = EntityInputOf[EntityKind];

/** Fields `update` may change, per kind; `id`, `tenant` and the timestamps never change. */
export const mutableFields = {
  tenants: ["name", "dialects", "privacy"],
  zones: ["name", "type", "parentId", "description", "tags"],
  systems: ["name", "zoneIds", "description"],
  drivers: ["name", "role"],
  modules: ["name", "driverId", "systemId", "index"],
  devices: ["name", "applicationId", "zoneId", "enabled", "dialect", "credentials"],
  applications: ["name", "description"],
  users: ["name", "username", "passwordHash", "roles", "enabled", "org"],
  apiKeys: ["name", "roles", "scopes", "org", "revokedAt"],
  schemas: ["name", "schema", "unit", "description"],
  brokers: [
    "name",
    "tenants",
    "host",
    "port",
    "tls",
    "ca",
    "servername",
    "insecureSkipVerify",
    "auth",
    "filters",
    "topicTemplate",
    "qos",
    "retain",
    "protocolVersion",
    "clientId",
    "keepAlive",
    "connectTimeout",
    "maxInflight",
    "maxHops",
    "outbox",
    "reconnect",
    "privacy",
    "secret",
  ],
} as const satisfies { readonly [K in EntityKind]: readonly string[] };

type Nullable<T> = undefined extends T ? Exclude<T, undefined> | null : T;

/** The patch of `update` for a kind: any mutable field; `null` clears an optional field. */
export type EntityPatchOf = {
  readonly [K in EntityKind]: {
    readonly [F in (typeof mutableFields)[K][number]]?: Nullable<
      F extends keyof EntityOf[K] ? EntityOf[K][F] : never
    >;
  };
};

/** Defaults of optional fields at creation (fields absent here default to `undefined`). */
export const createDefaults: { readonly [K in EntityKind]?: Readonly<Record<string, unknown>> } = {
  tenants: { dialects: [] },
  zones: { tags: [] },
  systems: { zoneIds: [] },
  devices: { enabled: true, credentials: [] },
  users: { roles: [], enabled: true },
  apiKeys: { roles: [], scopes: [] },
};
