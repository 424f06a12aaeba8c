/**
 * The JSON Schemas of the registry routes, per entity kind: the entity as the API shows it (secrets
 * never: users show `hasPassword`, devices their credentials without hashes, API keys no hash), the
 * body of a create (POST) and of an update (PATCH: every mutable field optional, `null` clears an
 * optional one), and the list filters (query parameters). Outbound brokers' are in `broker-schemas.ts`.
 * @module
 */

import {
  API_KEY_ID_PATTERN,
  DIALECT_PATTERN,
  type EntityKind,
  ID_PATTERN,
  ROLE_PATTERN,
  SCOPE_PATTERN,
  TENANT_ID_PATTERN,
  zoneTypes,
} from "../platform/registry/index.js";
import { outboundBrokerSchemas } from "./broker-schemas.js";
import {
  boolean,
  idSchema,
  integer,
  list,
  nameSchema,
  nullable,
  object,
  reference,
  type Schema,
  string,
  timestamps,
} from "./schema-parts.js";

export interface KindSchemas {
  /** What GET returns for one entity. */
  readonly entity: Schema;
  readonly create: Schema;
  readonly update: Schema;
  /** List filters: query parameter -> schema. */
  readonly filters: Readonly<Record<string, Schema>>;
  /** The pattern of the kind's ids (path parameter `id`). */
  readonly idPattern: string;
  readonly description: string;
}

const text = (description: string): Schema => string(description, { maxLength: 4096 });
const tenantId = idSchema(TENANT_ID_PATTERN, "The tenant's id.");
const ownerTenant = idSchema(TENANT_ID_PATTERN, "The tenant the entity belongs to (default: the caller's).");
const roles = list(idSchema(ROLE_PATTERN, "A role name."), "Role names.");
const dialect = idSchema(DIALECT_PATTERN, "A dialect name (e.g. `gooee`).");
const zoneType = string("The zone type.", { enum: zoneTypes });
const tags = list(nameSchema("A tag."), "Free-form tags.");
const loginName = string("A login name (unique among users and devices).", {
  minLength: 1,
  maxLength: 256,
  pattern: "^(?!\\s)[^\\u0000-\\u001f\\u007f]+(?<!\\s)$",
  "x-pattern-description": "must not contain control characters, nor begin or end with white space",
});
const orgField = idSchema(
  ID_PATTERN,
  "The PlaceOS org (the id of an org zone of the tenant) the PlaceOS API (`/api/mqtt`) limits the principal to; an API key without one takes its user's.",
);
const password = string("A password (stored as a scrypt hash only).", { minLength: 8, maxLength: 1024 });
const passwordHash = string(
  "A scrypt hash, `scrypt$<N>$<r>$<p>$<salt>$<hash>` (`switchboard hash-password`).",
  {
    pattern: "^scrypt\\$",
    "x-pattern-description": 'must be a scrypt hash ("scrypt$...")',
  },
);

/** Owned entities: id (generated when absent), tenant, name, and the timestamps in responses. */
function owned(kind: string, idPattern = ID_PATTERN) {
  return {
    id: idSchema(idPattern, `The ${kind}'s id (a UUID is generated when not given).`),
    tenant: ownerTenant,
    name: nameSchema(`The ${kind}'s name.`),
  };
}

function entity(
  properties: Readonly<Record<string, Schema>>,
  required: readonly string[],
  description: string,
): Schema {
  return object({ ...properties, ...timestamps }, [...required, "createdAt", "updatedAt"], description);
}

function update(properties: Readonly<Record<string, Schema>>): Schema {
  return { ...object(properties), minProperties: 1 };
}

const credentialView = object(
  {
    kind: string("`password` or `token`.", { enum: ["password", "token"] }),
    username: loginName,
  },
  ["kind"],
  "A device credential (its secret is never shown).",
);

const credentialInput = object(
  {
    kind: string(
      "`password` (with `username` and `password` or `passwordHash`) or `token` (with `token` or `tokenHash`, or neither: the broker generates a token and answers it once, in `tokens`).",
      {
        enum: ["password", "token"],
      },
    ),
    username: loginName,
    password,
    passwordHash,
    token: string("A token the device sends as its password (stored as a SHA-256 hash only).", {
      minLength: 16,
      maxLength: 1024,
    }),
    tokenHash: string("`sha256$` and the base64url SHA-256 of the token.", {
      pattern: "^sha256\\$[A-Za-z0-9_-]{43}$",
      "x-pattern-description": 'must be "sha256$" and 43 base64url characters',
    }),
  },
  ["kind"],
  "A device credential.",
);
const credentialsInput = {
  type: "array",
  items: credentialInput,
  maxItems: 16,
  description: "How the device logs in (replaces every credential).",
};

/** Checked by the registry (`compileTenantPrivacy`), whose messages name the field at fault. */
const tenantPrivacy: Schema = {
  type: "object",
  additionalProperties: true,
  description:
    "Privacy settings (docs/privacy.md): `hashKey` (the key of hash rules that have none, 16 to 1024 characters), `ruleSets` (applied to every output of the tenant) and `roles` (`[{role, ruleSets}]`, applied to deliveries to clients holding the role). Keys are write only: shown as `***`; in an update `***` keeps the stored key.",
};

const jsonSchema: Schema = {
  type: "object",
  additionalProperties: true,
  description: "A JSON Schema (draft-07) for the meta's values.",
};

export const entitySchemas: { readonly [K in EntityKind]: KindSchemas } = {
  tenants: {
    description: "Tenants: the namespaces principals and entities belong to.",
    idPattern: TENANT_ID_PATTERN,
    entity: entity(
      {
        id: tenantId,
        name: nameSchema("The tenant's name."),
        dialects: list(dialect, "Dialects enabled for the tenant."),
        privacy: tenantPrivacy,
      },
      ["id", "name", "dialects"],
      "A tenant.",
    ),
    create: object(
      {
        id: idSchema(TENANT_ID_PATTERN, "The tenant's id (a UUID is generated when not given)."),
        name: nameSchema("The tenant's name."),
        dialects: list(dialect, "Dialects enabled for the tenant."),
        privacy: tenantPrivacy,
      },
      ["name"],
    ),
    update: update({
      name: nameSchema("The tenant's name."),
      dialects: list(dialect, "Dialects enabled for the tenant."),
      privacy: nullable(tenantPrivacy),
    }),
    filters: { name: nameSchema("Only tenants of this name.") },
  },
  zones: {
    description: "Zones: regions, buildings, levels, areas and spaces.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("zone"),
        type: zoneType,
        parentId: reference("the enclosing zone"),
        description: text("A description."),
        tags,
      },
      ["id", "tenant", "name", "type", "tags"],
      "A zone.",
    ),
    create: object(
      {
        ...owned("zone"),
        type: zoneType,
        parentId: reference("the enclosing zone"),
        description: text("A description."),
        tags,
      },
      ["name", "type"],
    ),
    update: update({
      name: nameSchema("The zone's name."),
      type: zoneType,
      parentId: nullable(reference("the enclosing zone")),
      description: nullable(text("A description.")),
      tags,
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only zones of this name."),
      type: zoneType,
      parentId: reference("a parent zone"),
      tag: nameSchema("Only zones with this tag."),
    },
  },
  systems: {
    description: "Systems: rooms or functions, placed in zones.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("system"),
        zoneIds: list(reference("a zone"), "The zones the system is in."),
        description: text("A description."),
      },
      ["id", "tenant", "name", "zoneIds"],
      "A system.",
    ),
    create: object(
      {
        ...owned("system"),
        zoneIds: list(reference("a zone"), "The zones the system is in."),
        description: text("A description."),
      },
      ["name"],
    ),
    update: update({
      name: nameSchema("The system's name."),
      zoneIds: list(reference("a zone"), "The zones the system is in."),
      description: nullable(text("A description.")),
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only systems of this name."),
      zoneId: reference("a zone the system is in"),
    },
  },
  drivers: {
    description: "Drivers: what modules instantiate.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("driver"),
        role: idSchema(ROLE_PATTERN, "The driver's role (e.g. `device`, `service`, `logic`)."),
      },
      ["id", "tenant", "name"],
      "A driver.",
    ),
    create: object({ ...owned("driver"), role: idSchema(ROLE_PATTERN, "The driver's role.") }, ["name"]),
    update: update({
      name: nameSchema("The driver's name."),
      role: nullable(idSchema(ROLE_PATTERN, "The driver's role.")),
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only drivers of this name."),
      role: idSchema(ROLE_PATTERN, "Only drivers of this role."),
    },
  },
  modules: {
    description: "Modules: a driver in a system, under a module name and a 1-based index.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("module"),
        driverId: reference("a driver"),
        systemId: reference("a system"),
        index: integer("The 1-based index among the system's modules of this name.", { minimum: 1 }),
      },
      ["id", "tenant", "name", "driverId", "systemId", "index"],
      "A module.",
    ),
    create: object(
      {
        ...owned("module"),
        driverId: reference("a driver"),
        systemId: reference("a system"),
        index: integer("The 1-based index (default: the next free one for the system and name).", {
          minimum: 1,
          maximum: 65535,
        }),
      },
      ["name", "driverId", "systemId"],
    ),
    update: update({
      name: nameSchema("The module name."),
      driverId: reference("a driver"),
      systemId: reference("a system"),
      index: integer("The 1-based index.", { minimum: 1, maximum: 65535 }),
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only modules of this name."),
      systemId: reference("a system"),
      driverId: reference("a driver"),
    },
  },
  devices: {
    description: "Devices: what publishes, with its credentials and dialect.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("device"),
        applicationId: reference("an application"),
        zoneId: reference("the zone the device is in"),
        enabled: boolean("Whether the device may connect (disabling it disconnects it)."),
        dialect,
        credentials: { type: "array", items: credentialView, description: "How the device logs in." },
      },
      ["id", "tenant", "name", "enabled", "credentials"],
      "A device.",
    ),
    create: object(
      {
        ...owned("device"),
        applicationId: reference("an application"),
        zoneId: reference("the zone the device is in"),
        enabled: boolean("Whether the device may connect (default true)."),
        dialect,
        credentials: credentialsInput,
      },
      ["name"],
    ),
    update: update({
      name: nameSchema("The device's name."),
      applicationId: nullable(reference("an application")),
      zoneId: nullable(reference("the zone the device is in")),
      enabled: boolean("Whether the device may connect (disabling it disconnects it)."),
      dialect: nullable(dialect),
      credentials: credentialsInput,
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only devices of this name."),
      applicationId: reference("an application"),
      zoneId: reference("a zone"),
      enabled: boolean("Only enabled (true) or disabled (false) devices."),
      dialect,
    },
  },
  applications: {
    description: "Applications: groups of devices.",
    idPattern: ID_PATTERN,
    entity: entity(
      { ...owned("application"), description: text("A description.") },
      ["id", "tenant", "name"],
      "An application.",
    ),
    create: object({ ...owned("application"), description: text("A description.") }, ["name"]),
    update: update({
      name: nameSchema("The application's name."),
      description: nullable(text("A description.")),
    }),
    filters: { tenant: tenantId, name: nameSchema("Only applications of this name.") },
  },
  users: {
    description: "Users: people (and programs) that log in with a password or API keys.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("user"),
        username: loginName,
        hasPassword: boolean("Whether the user has a password (it is never shown)."),
        roles,
        enabled: boolean("Whether the user may log in."),
        org: orgField,
      },
      ["id", "tenant", "name", "username", "hasPassword", "roles", "enabled"],
      "A user.",
    ),
    create: object(
      {
        ...owned("user"),
        username: loginName,
        password,
        passwordHash,
        roles,
        enabled: boolean("Whether the user may log in (default true)."),
        org: orgField,
      },
      ["name", "username"],
    ),
    update: update({
      name: nameSchema("The user's name."),
      username: loginName,
      password: nullable(password),
      passwordHash,
      roles,
      enabled: boolean("Whether the user may log in (disabling it disconnects it)."),
      org: nullable(orgField),
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only users of this name."),
      username: loginName,
      role: idSchema(ROLE_PATTERN, "Only users with this role."),
      enabled: boolean("Only enabled (true) or disabled (false) users."),
    },
  },
  apiKeys: {
    description: "API keys: `sbk_<id>_<secret>`, shown once when created; only a hash is kept.",
    idPattern: API_KEY_ID_PATTERN,
    entity: entity(
      {
        ...owned("API key", API_KEY_ID_PATTERN),
        userId: reference("the user the key acts for"),
        roles,
        scopes: list(idSchema(SCOPE_PATTERN, "A scope (e.g. `mqtt:write`)."), "Scopes."),
        org: orgField,
        revokedAt: integer("When the key was revoked, in milliseconds since the epoch."),
      },
      ["id", "tenant", "name", "roles", "scopes"],
      "An API key (without its secret).",
    ),
    create: object(
      {
        ...owned("API key", API_KEY_ID_PATTERN),
        userId: reference("the user the key acts for"),
        roles,
        scopes: list(idSchema(SCOPE_PATTERN, "A scope (e.g. `mqtt:write`)."), "Scopes."),
        org: orgField,
      },
      ["name"],
    ),
    update: update({
      name: nameSchema("The key's name."),
      roles,
      scopes: list(idSchema(SCOPE_PATTERN, "A scope."), "Scopes."),
      org: nullable(orgField),
      revoked: {
        type: "boolean",
        enum: [true],
        description:
          "`true` revokes the key: it stops working and its clients are disconnected. A revoked key cannot be restored.",
      },
    }),
    filters: {
      tenant: tenantId,
      name: nameSchema("Only keys of this name."),
      userId: reference("a user"),
      revoked: boolean("Only revoked (true) or usable (false) keys."),
    },
  },
  schemas: {
    description: "Payload schemas: the JSON Schema of a meta name, with its unit.",
    idPattern: ID_PATTERN,
    entity: entity(
      {
        ...owned("payload schema"),
        schema: jsonSchema,
        unit: string("The unit of measure.", { maxLength: 64 }),
        description: text("A description."),
      },
      ["id", "tenant", "name", "schema"],
      "A payload schema; `name` is the meta name it validates.",
    ),
    create: object(
      {
        ...owned("payload schema"),
        schema: jsonSchema,
        unit: string("The unit of measure.", { maxLength: 64 }),
        description: text("A description."),
      },
      ["name", "schema"],
    ),
    update: update({
      name: nameSchema("The meta name."),
      schema: jsonSchema,
      unit: nullable(string("The unit of measure.", { maxLength: 64 })),
      description: nullable(text("A description.")),
    }),
    filters: { tenant: tenantId, name: nameSchema("Only the schema of this meta name.") },
  },
  brokers: outboundBrokerSchemas,
};
