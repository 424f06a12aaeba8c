/**
 * The rules every entity must satisfy, checked on the whole candidate entity (after a create's
 * defaults or an update's patch are applied), against the rest of the registry:
 *
 * - ids and names (see `validate-name.ts`), roles, scopes and dialect names;
 * - references exist and are of the same tenant (a tenant's entities never point into another);
 * - zone parents: see {@link zoneParents}; no cycles (regions may nest);
 * - uniqueness: login names (users' user names and devices' password user names share one namespace,
 *   and none may be a user name of the configuration's `auth.users`), device token hashes, a module's (system, name, index) slot, a payload schema's (tenant, name);
 * - secrets are hashes in the formats of src/auth (scrypt for passwords, SHA-256 for tokens and keys);
 * - a payload schema is within the size bounds (`schema-size.ts`) and a JSON Schema ajv compiles;
 * - an outbound broker's bridge configuration and privacy rules are valid (see `broker-rules.ts`);
 * - a tenant's privacy settings are valid (see `tenant-rules.ts`).
 * @module
 */

import { Ajv } from "ajv";
import { passwordHashProblem } from "../../auth/index.js";
import { checkBroker } from "./broker-rules.js";
import { checkFieldTypes } from "./field-types.js";
import { checkTenantPrivacy } from "./tenant-rules.js";
import { schemaSizeProblem } from "./schema-size.js";
import { compileUserSchema, USER_SCHEMA_OPTIONS } from "./user-schema.js";
import type {
  ApiKey,
  Device,
  EntityKind,
  EntityOf,
  Module,
  PayloadSchema,
  System,
  User,
  Zone,
  ZoneType,
} from "./model.js";
import { violation, type RuleViolation } from "./registry-problem.js";
import {
  apiKeyIdError,
  DIALECT_PATTERN,
  idError,
  nameError,
  patternError,
  ROLE_PATTERN,
  SCOPE_PATTERN,
  tenantIdError,
} from "./validate-name.js";

/** What a login name (a user's, or a device's password credential's) is used by. */
export interface LoginOwner {
  readonly kind: "users" | "devices";
  readonly id: string;
}

/** The registry as the rules see it. */
export interface RuleContext {
  get<K extends EntityKind>(kind: K, id: string): EntityOf[K] | undefined;
  loginOwner(username: string): LoginOwner | undefined;
  /** Whether `username` is a user of the configuration (`auth.users`). */
  isConfigUser(username: string): boolean;
  tokenOwner(tokenHash: string): string | undefined;
  schemaNamed(tenant: string, name: string): PayloadSchema | undefined;
  moduleAt(systemId: string, name: string, index: number): Module | undefined;
  childZones(zoneId: string): readonly Zone[];
}

/** Which zone types may enclose each type; `required` when a zone of the type must have a parent. */
export const zoneParents: {
  readonly [T in ZoneType]: { readonly required: boolean; readonly types: readonly ZoneType[] };
} = {
  region: { required: false, types: ["region"] },
  building: { required: false, types: ["region"] },
  level: { required: true, types: ["building"] },
  area: { required: true, types: ["level", "building"] },
  space: { required: true, types: ["area", "level", "building"] },
};

const SHA256_HASH = /^sha256\$[A-Za-z0-9_-]{43}$/;
const MAX_TEXT = 4096;
const MAX_LIST = 256;
const MAX_CREDENTIALS = 16;
const MAX_INDEX = 65_535;

const q = (value: string): string => JSON.stringify(value);
/** "a level", "an area". */
const a = (noun: string): string => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

function listError(
  field: string,
  items: readonly string[],
  check: (item: string) => string | undefined,
): RuleViolation | undefined {
  if (items.length > MAX_LIST)
    return violation("invalid", field, `"${field}" must have at most ${MAX_LIST} items`);
  const seen = new Set<string>();
  for (const item of items) {
    const error = check(item);
    if (error !== undefined) return violation("invalid", field, `"${field}": ${error}`);
    if (seen.has(item)) return violation("invalid", field, `"${field}" lists ${q(item)} twice`);
    seen.add(item);
  }
  return undefined;
}

function textError(field: string, value: string | undefined): RuleViolation | undefined {
  if (value === undefined || value.length <= MAX_TEXT) return undefined;
  return violation("invalid", field, `"${field}" must be at most ${MAX_TEXT} characters`);
}

/** Why `username` cannot be a login name: 1 to 256 characters, no control characters, no surrounding white space. */
export function loginError(username: string): string | undefined {
  if (
    username.length === 0 ||
    username.length > 256 ||
    // eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
    /[\u0000-\u001f\u007f]/.test(username) ||
    username.trim() !== username
  )
    return `${q(username)} is not a valid login name: 1 to 256 characters, no control characters, no surrounding white space`;
  return undefined;
}

/** A reference field: the entity must exist and be of `tenant`. */
function reference<K extends EntityKind>(
  ctx: RuleContext,
  field: string,
  kind: K,
  id: string | undefined,
  tenant: string,
): { readonly entity?: EntityOf[K]; readonly problem?: RuleViolation } {
  if (id === undefined) return {};
  const entity = ctx.get(kind, id);
  const what = kind === "zones" ? "zone" : kind.slice(0, -1);
  if (entity === undefined || !("tenant" in entity) || entity.tenant !== tenant)
    return {
      problem: violation("unprocessable", field, `"${field}": no ${what} ${q(id)} in tenant ${q(tenant)}`),
    };
  return { entity };
}

function checkZone(zone: Zone, ctx: RuleContext): RuleViolation | undefined {
  const rule = zoneParents[zone.type] as (typeof zoneParents)[ZoneType] | undefined;
  if (rule === undefined)
    return violation(
      "invalid",
      "type",
      `"type" must be one of ${Object.keys(zoneParents).join(", ")}, not ${q(zone.type)}`,
    );
  if (zone.parentId === undefined) {
    if (rule.required)
      return violation(
        "unprocessable",
        "parentId",
        `"parentId": ${a(zone.type)} must be in ${rule.types.map(a).join(" or ")}`,
      );
  } else {
    const { entity: parent, problem } = reference(ctx, "parentId", "zones", zone.parentId, zone.tenant);
    if (problem !== undefined) return problem;
    if (!rule.types.includes(parent!.type))
      return violation(
        "unprocessable",
        "parentId",
        `"parentId" ${q(zone.parentId)} is ${a(parent!.type)}: ${a(zone.type)}'s parent must be ${rule.types.map(a).join(" or ")}`,
      );
    for (
      let ancestor: Zone | undefined = parent;
      ancestor !== undefined;
      ancestor = ancestor.parentId === undefined ? undefined : ctx.get("zones", ancestor.parentId)
    ) {
      if (ancestor.id === zone.id)
        return violation(
          "unprocessable",
          "parentId",
          `"parentId" ${q(zone.parentId)} is inside this zone: zones cannot form a cycle`,
        );
    }
  }
  for (const child of ctx.childZones(zone.id)) {
    if (!zoneParents[child.type].types.includes(zone.type))
      return violation(
        "unprocessable",
        "type",
        `"type": child zone ${q(child.id)} is ${a(child.type)}, which cannot be in ${a(zone.type)}`,
      );
  }
  return listError("tags", zone.tags, nameError) ?? textError("description", zone.description);
}

function checkSystem(system: System, ctx: RuleContext): RuleViolation | undefined {
  const listed = listError("zoneIds", system.zoneIds, idError);
  if (listed !== undefined) return listed;
  for (const zoneId of system.zoneIds) {
    const { problem } = reference(ctx, "zoneIds", "zones", zoneId, system.tenant);
    if (problem !== undefined) return problem;
  }
  return textError("description", system.description);
}

function checkModule(module: Module, ctx: RuleContext): RuleViolation | undefined {
  if (module.index < 1 || module.index > MAX_INDEX)
    return violation(
      "invalid",
      "index",
      `"index" must be from 1 to ${MAX_INDEX} (indexes are 1-based), not ${module.index}`,
    );
  const problem =
    reference(ctx, "driverId", "drivers", module.driverId, module.tenant).problem ??
    reference(ctx, "systemId", "systems", module.systemId, module.tenant).problem;
  if (problem !== undefined) return problem;
  const taken = ctx.moduleAt(module.systemId, module.name, module.index);
  if (taken !== undefined && taken.id !== module.id)
    return violation(
      "conflict",
      "index",
      `module ${q(taken.id)} is already ${q(module.name)} ${module.index} of system ${q(module.systemId)}`,
    );
  return undefined;
}

/**
 * Whether another entity, or the configuration, has the login name. A configured user (`auth.users`)
 * and a registry login of the same name could not both log in: the link of `auth.chain` asked first
 * refuses the other's password. Only a name the entity did not have before is checked against the
 * configuration, so an entity stored before the user was configured can still be changed or disabled.
 */
function loginTaken(
  ctx: RuleContext,
  username: string,
  self: { kind: "users" | "devices"; id: string; had: boolean },
): RuleViolation | undefined {
  const field = self.kind === "users" ? "username" : "credentials";
  if (!self.had && ctx.isConfigUser(username))
    return violation(
      "conflict",
      field,
      `the login name ${q(username)} is a user of the configuration (auth.users): one of the two could never log in`,
    );
  const owner = ctx.loginOwner(username);
  if (owner === undefined || (owner.kind === self.kind && owner.id === self.id)) return undefined;
  return violation("conflict", field, `the login name ${q(username)} is taken`);
}

function checkDevice(
  device: Device,
  ctx: RuleContext,
  before: Device | undefined,
): RuleViolation | undefined {
  const problem =
    reference(ctx, "applicationId", "applications", device.applicationId, device.tenant).problem ??
    reference(ctx, "zoneId", "zones", device.zoneId, device.tenant).problem;
  if (problem !== undefined) return problem;
  if (device.dialect !== undefined) {
    const error = patternError(device.dialect, DIALECT_PATTERN, "dialect name");
    if (error !== undefined) return violation("invalid", "dialect", `"dialect": ${error}`);
  }
  if (device.credentials.length > MAX_CREDENTIALS)
    return violation("invalid", "credentials", `"credentials" must have at most ${MAX_CREDENTIALS} items`);
  const seen = new Set<string>();
  for (const credential of device.credentials) {
    const secret = credential.kind === "password" ? credential.username : credential.tokenHash;
    if (seen.has(secret))
      return violation("invalid", "credentials", `"credentials" lists ${q(secret)} twice`);
    seen.add(secret);
    if (credential.kind === "password") {
      const error =
        loginError(credential.username) ??
        (kept(before?.credentials, credential.passwordHash)
          ? undefined
          : hashError("a password hash", credential.passwordHash));
      if (error !== undefined) return violation("invalid", "credentials", `"credentials": ${error}`);
      const had = before?.credentials.some(
        (c) => c.kind === "password" && c.username === credential.username,
      );
      const taken = loginTaken(ctx, credential.username, {
        kind: "devices",
        id: device.id,
        had: had === true,
      });
      if (taken !== undefined) return taken;
    } else {
      if (!SHA256_HASH.test(credential.tokenHash))
        return violation(
          "invalid",
          "credentials",
          `"credentials": a token hash must be "sha256$" and 43 base64url characters`,
        );
      const owner = ctx.tokenOwner(credential.tokenHash);
      if (owner !== undefined && owner !== device.id)
        return violation(
          "conflict",
          "credentials",
          `"credentials": the token is already a credential of another device`,
        );
    }
  }
  return undefined;
}

/** Why `hash` (named `name`) is not a password hash the broker accepts (src/auth/password-hash.ts). */
function hashError(name: string, hash: string): string | undefined {
  const problem = passwordHashProblem(hash);
  return problem === undefined ? undefined : `${name} ${problem}`;
}

/**
 * Whether a device's password hash was among its credentials before the change: a stored hash is not
 * checked again (one stored before the bounds on scrypt's parameters would otherwise keep the entity
 * from any change, even being disabled; it fails its logins all the same).
 */
function kept(credentials: Device["credentials"] | undefined, hash: string): boolean {
  return credentials?.some((c) => c.kind === "password" && c.passwordHash === hash) === true;
}

function checkUser(user: User, ctx: RuleContext, before: User | undefined): RuleViolation | undefined {
  const error = loginError(user.username);
  if (error !== undefined) return violation("invalid", "username", `"username": ${error}`);
  if (user.passwordHash !== undefined && user.passwordHash !== before?.passwordHash) {
    const problem = hashError('"passwordHash"', user.passwordHash);
    if (problem !== undefined) return violation("invalid", "passwordHash", problem);
  }
  return (
    listError("roles", user.roles, (role) => patternError(role, ROLE_PATTERN, "role")) ??
    loginTaken(ctx, user.username, { kind: "users", id: user.id, had: user.username === before?.username })
  );
}

function checkApiKey(key: ApiKey, ctx: RuleContext): RuleViolation | undefined {
  if (!SHA256_HASH.test(key.hash))
    return violation("invalid", "hash", `"hash" must be "sha256$" and 43 base64url characters`);
  return (
    listError("roles", key.roles, (role) => patternError(role, ROLE_PATTERN, "role")) ??
    listError("scopes", key.scopes, (scope) => patternError(scope, SCOPE_PATTERN, "scope")) ??
    reference(ctx, "userId", "users", key.userId, key.tenant).problem
  );
}

/**
 * A new ajv instance per check (~10 ms, on an administrator's create or update of a schema): a
 * long-lived one keeps some of every schema it compiled, however each is dropped (user-schema.ts).
 * Silent: ajv would write a line to the console for each unknown format of the schema.
 */
function schemaChecker(): Ajv {
  return new Ajv({ ...USER_SCHEMA_OPTIONS, strict: false, allErrors: false, logger: false });
}

function checkSchema(
  schema: PayloadSchema,
  ctx: RuleContext,
  before: PayloadSchema | undefined,
): RuleViolation | undefined {
  const taken = ctx.schemaNamed(schema.tenant, schema.name);
  if (taken !== undefined && taken.id !== schema.id)
    return violation(
      "conflict",
      "name",
      `payload schema ${q(taken.id)} is already named ${q(schema.name)} in tenant ${q(schema.tenant)}`,
    );
  // an unchanged schema is not checked again (a change of its description, or of a schema stored
  // before the size bounds, which can then still be renamed, described or replaced)
  if (before === undefined || JSON.stringify(before.schema) !== JSON.stringify(schema.schema)) {
    const size = schemaSizeProblem(schema.schema);
    if (size !== undefined)
      return violation("invalid", "schema", `"schema" is too large to compile safely: ${size}`);
    try {
      compileUserSchema(schemaChecker(), schema.schema);
    } catch (error) {
      return violation(
        "unprocessable",
        "schema",
        `"schema" is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (schema.unit !== undefined && schema.unit.length > 64)
    return violation("invalid", "unit", `"unit" must be at most 64 characters`);
  return textError("description", schema.description);
}

function checkIdentity(
  kind: EntityKind,
  entity: Readonly<Record<string, unknown>>,
  ctx: RuleContext,
): RuleViolation | undefined {
  const id = entity["id"] as string;
  const idProblem =
    kind === "tenants" ? tenantIdError(id) : kind === "apiKeys" ? apiKeyIdError(id) : idError(id);
  if (idProblem !== undefined) return violation("invalid", "id", `"id": ${idProblem}`);
  const name = nameError(entity["name"] as string);
  if (name !== undefined) return violation("invalid", "name", `"name" ${name}`);
  if (kind === "tenants")
    return listError("dialects", entity["dialects"] as string[], (d) =>
      patternError(d, DIALECT_PATTERN, "dialect name"),
    );
  const tenant = entity["tenant"] as string;
  if (ctx.get("tenants", tenant) === undefined)
    return violation("unprocessable", "tenant", `"tenant": no tenant ${q(tenant)}`);
  return undefined;
}

/** The first rule `candidate` (a whole entity of `kind`) breaks, or undefined. */
export function checkEntity<K extends EntityKind>(
  kind: K,
  candidate: EntityOf[K],
  ctx: RuleContext,
  /** The entity before an update (undefined for a create): what it already held is not checked again. */
  before?: EntityOf[K],
): RuleViolation | undefined {
  const record = candidate as unknown as Readonly<Record<string, unknown>>;
  const problem = checkFieldTypes(kind, record) ?? checkIdentity(kind, record, ctx);
  if (problem !== undefined) return problem;
  const entity = candidate;
  switch (kind) {
    case "zones":
      return checkZone(entity as Zone, ctx);
    case "systems":
      return checkSystem(entity as System, ctx);
    case "drivers": {
      const role = (entity as EntityOf["drivers"]).role;
      const error = role === undefined ? undefined : patternError(role, ROLE_PATTERN, "driver role");
      return error === undefined ? undefined : violation("invalid", "role", `"role": ${error}`);
    }
    case "modules":
      return checkModule(entity as Module, ctx);
    case "devices":
      return checkDevice(entity as Device, ctx, before as Device | undefined);
    case "applications":
      return textError("description", (entity as EntityOf["applications"]).description);
    case "users":
      return checkUser(entity as User, ctx, before as User | undefined);
    case "apiKeys":
      return checkApiKey(entity as ApiKey, ctx);
    case "schemas":
      return checkSchema(entity as PayloadSchema, ctx, before as PayloadSchema | undefined);
    case "tenants":
      return checkTenantPrivacy(entity as EntityOf["tenants"]);
    case "brokers":
      return checkBroker(entity as EntityOf["brokers"], {
        hasTenant: (tenant) => ctx.get("tenants", tenant) !== undefined,
      });
    default:
      return undefined;
  }
}
