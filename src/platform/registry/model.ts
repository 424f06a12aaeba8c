/**
 * The platform model: who and what exists, where it is, and what its data looks like. Every entity
 * belongs to a tenant (except tenants themselves); ids are unique per entity kind across the whole
 * registry, so REST paths (`/api/v1/<kind>/<id>`) need no tenant. Names and ids that can end up in a
 * topic level are validated (no `/`, `+`, `#` or NUL; see `validate-name.ts`).
 * @module
 */

import type { BridgeConfigInput } from "../../bridges/index.js";

/** Zone types, from the widest to the narrowest. */
export const zoneTypes = ["region", "building", "level", "area", "space"] as const;
export type ZoneType = (typeof zoneTypes)[number];

/** The kinds of registry entities (also their REST collection names). */
export const entityKinds = [
  "tenants",
  "zones",
  "systems",
  "drivers",
  "modules",
  "devices",
  "applications",
  "users",
  "apiKeys",
  "schemas",
  "brokers",
] as const;
export type EntityKind = (typeof entityKinds)[number];

interface Timestamps {
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Tenant extends Timestamps {
  readonly id: string;
  readonly name: string;
  /** Dialects enabled for the tenant (e.g. "gooee", "placeos"), beyond those enabled in the configuration. */
  readonly dialects: readonly string[];
  /**
   * Privacy settings (docs/privacy.md): `{ hashKey?, ruleSets?, roles?: [{ role, ruleSets }] }`, rule
   * sets applied to every output of the tenant and to deliveries to clients holding a role. `hashKey`
   * is a secret, never shown by the admin API.
   */
  readonly privacy: Readonly<Record<string, unknown>> | undefined;
}

interface Owned extends Timestamps {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
}

export interface Zone extends Owned {
  readonly type: ZoneType;
  /** The enclosing zone (a level's building, an area's level...), undefined for a top-level zone. */
  readonly parentId: string | undefined;
  readonly description: string | undefined;
  readonly tags: readonly string[];
}

/** A control system (PlaceOS "system"): a room or function, placed in one or more zones. */
export interface System extends Owned {
  readonly zoneIds: readonly string[];
  readonly description: string | undefined;
}

export interface Driver extends Owned {
  /** e.g. "device", "service", "logic" (PlaceOS driver roles). */
  readonly role: string | undefined;
}

/** A driver instantiated in a system; `name` is the module name (e.g. "Display"), `index` is 1-based. */
export interface Module extends Owned {
  readonly driverId: string;
  readonly systemId: string;
  readonly index: number;
}

export interface Application extends Owned {
  readonly description: string | undefined;
}

/** How a device logs in: a user name with a password (stored as a scrypt hash) or a token (stored as a hash). */
export type DeviceCredential =
  | { readonly kind: "password"; readonly username: string; readonly passwordHash: string }
  | { readonly kind: "token"; readonly tokenHash: string };

export interface Device extends Owned {
  readonly applicationId: string | undefined;
  readonly zoneId: string | undefined;
  readonly enabled: boolean;
  /** The dialect the device speaks (e.g. "gooee"), if it is tied to one. */
  readonly dialect: string | undefined;
  readonly credentials: readonly DeviceCredential[];
}

export interface User extends Owned {
  /** The login name (unique across the registry); `name` is the display name. */
  readonly username: string;
  /** scrypt hash (see src/auth/password-hash.ts), or undefined for users who log in with API keys only. */
  readonly passwordHash: string | undefined;
  readonly roles: readonly string[];
  readonly enabled: boolean;
  /** The org (a PlaceOS org zone id) the user belongs to: the PlaceOS API limits the user to it. */
  readonly org: string | undefined;
}

export interface ApiKey extends Owned {
  /** The user the key acts for, if any. */
  readonly userId: string | undefined;
  /** Hash of the secret (see src/auth/api-key.ts); the secret itself is shown once, at creation. */
  readonly hash: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** The org of the key (a PlaceOS org zone id); undefined: its user's. */
  readonly org: string | undefined;
  /** Milliseconds since the epoch; a revoked key stops working and its sessions are disconnected. */
  readonly revokedAt: number | undefined;
}

/** A payload schema: the JSON Schema of one meta name (e.g. "temperature"), with its unit and description. */
export interface PayloadSchema extends Owned {
  /** `name` is the meta name the schema validates. */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly unit: string | undefined;
  readonly description: string | undefined;
}

/** The connection and forwarding fields of a broker: a bridge configuration's, each absent one at its default. */
type BridgeFields = Omit<BridgeConfigInput, "id" | "name" | "tenants">;

/**
 * An outbound broker (the PlaceOS "Cloud Brokers"): another MQTT broker the messages of `tenants` are
 * forwarded to by a bridge (docs/bridges.md). Its fields are a bridge configuration's
 * (`BridgeConfigInput`) as they were given, an absent one at its default (so `port` follows `tls`);
 * secrets (the password, the private key and its passphrase, `secret`) are kept as given, since the
 * bridge needs them, and never shown by the admin API.
 */
export type OutboundBroker = Owned & {
  /** The tenants whose messages are forwarded: the owner's own, or any for a broker of the default tenant. */
  readonly tenants: readonly string[];
  /** A privacy rule set (docs/privacy.md) applied to every payload the bridge forwards. */
  readonly privacy: Readonly<Record<string, unknown>> | undefined;
  /** The HMAC key of the privacy rules' `hash` actions that have no key of their own or of their set. */
  readonly secret: string;
} & { readonly [F in keyof BridgeFields]-?: BridgeFields[F] | undefined };

export interface EntityOf {
  readonly tenants: Tenant;
  readonly zones: Zone;
  readonly systems: System;
  readonly drivers: Driver;
  readonly modules: Module;
  readonly devices: Device;
  readonly applications: Application;
  readonly users: User;
  readonly apiKeys: ApiKey;
  readonly schemas: PayloadSchema;
  readonly brokers: OutboundBroker;
}

export type Entity = EntityOf[EntityKind];

/** What a state value or an event is about. */
export interface EntityRef {
  readonly kind: "devices" | "modules" | "zones" | "systems" | "drivers" | "applications";
  readonly id: string;
}

/** The current value of one channel of an entity (a device meta value, a module state key). */
export interface StateValue {
  readonly tenant: string;
  readonly entity: EntityRef;
  /** The meta name or state key. */
  readonly channel: string;
  /** Any JSON value. */
  readonly value: unknown;
  /**
   * The JSON text `value` was parsed from, as its source gave it, where the input keeps it (PlaceOS
   * module state: see `EventEnvelope.dataText`); what `stateValueJson` writes. It may be absent
   * when it is exactly `JSON.stringify(value)` (a store need not keep it then).
   */
  readonly valueText?: string | undefined;
  /** Milliseconds since the epoch when the value was ingested. */
  readonly time: number;
  /** The time the source gave, as it gave it (ISO 8601, microseconds preserved), if any. */
  readonly sourceTime: string | undefined;
}
