/**
 * The JSON type of every field of every kind, checked before any rule: the registry may be called from
 * code that did not go through the admin API's schemas (dialects, tests, tools), and a rule must be able
 * to trust that a name is a string.
 * @module
 */

import type { EntityKind } from "./model.js";
import { violation, type RuleViolation } from "./registry-problem.js";

type FieldType =
  | "string"
  | "string?"
  | "strings"
  | "strings?"
  | "boolean"
  | "boolean?"
  | "integer"
  | "integer?"
  | "object"
  | "object?"
  | "credentials";

const OWNED = { id: "string", tenant: "string", name: "string" } as const;
const TIMES = { createdAt: "integer", updatedAt: "integer" } as const;

export const fieldTypes: { readonly [K in EntityKind]: Readonly<Record<string, FieldType>> } = {
  tenants: { id: "string", name: "string", dialects: "strings", privacy: "object?", ...TIMES },
  zones: { ...OWNED, type: "string", parentId: "string?", description: "string?", tags: "strings", ...TIMES },
  systems: { ...OWNED, zoneIds: "strings", description: "string?", ...TIMES },
  drivers: { ...OWNED, role: "string?", ...TIMES },
  modules: { ...OWNED, driverId: "string", systemId: "string", index: "integer", ...TIMES },
  devices: {
    ...OWNED,
    applicationId: "string?",
    zoneId: "string?",
    enabled: "boolean",
    dialect: "string?",
    credentials: "credentials",
    ...TIMES,
  },
  applications: { ...OWNED, description: "string?", ...TIMES },
  users: {
    ...OWNED,
    username: "string",
    passwordHash: "string?",
    roles: "strings",
    enabled: "boolean",
    org: "string?",
    ...TIMES,
  },
  apiKeys: {
    ...OWNED,
    userId: "string?",
    hash: "string",
    roles: "strings",
    scopes: "strings",
    org: "string?",
    revokedAt: "integer?",
    ...TIMES,
  },
  schemas: { ...OWNED, schema: "object", unit: "string?", description: "string?", ...TIMES },
  // the bridge configuration's own rules check the values (broker-rules.ts)
  brokers: {
    ...OWNED,
    tenants: "strings",
    host: "string",
    port: "integer?",
    tls: "boolean?",
    ca: "string?",
    servername: "string?",
    insecureSkipVerify: "boolean?",
    auth: "object?",
    filters: "strings?",
    topicTemplate: "string?",
    qos: "integer?",
    retain: "string?",
    protocolVersion: "integer?",
    clientId: "string?",
    keepAlive: "integer?",
    connectTimeout: "integer?",
    maxInflight: "integer?",
    maxHops: "integer?",
    outbox: "object?",
    reconnect: "object?",
    privacy: "object?",
    secret: "string",
    ...TIMES,
  },
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function credentialsError(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "must be an array of credentials";
  for (const [i, credential] of (value as unknown[]).entries()) {
    if (!isObject(credential)) return `[${i}] must be an object`;
    const fields = Object.keys(credential).sort().join(",");
    if (credential["kind"] === "password") {
      if (fields !== "kind,passwordHash,username")
        return `[${i}] must have exactly "kind", "username" and "passwordHash"`;
      if (typeof credential["username"] !== "string" || typeof credential["passwordHash"] !== "string")
        return `[${i}] "username" and "passwordHash" must be strings`;
    } else if (credential["kind"] === "token") {
      if (fields !== "kind,tokenHash") return `[${i}] must have exactly "kind" and "tokenHash"`;
      if (typeof credential["tokenHash"] !== "string") return `[${i}] "tokenHash" must be a string`;
    } else return `[${i}] "kind" must be "password" or "token"`;
  }
  return undefined;
}

function typeError(type: FieldType, value: unknown): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "must be a string";
    case "string?":
      return value === undefined || typeof value === "string" ? undefined : "must be a string";
    case "strings":
      return Array.isArray(value) && value.every((item) => typeof item === "string")
        ? undefined
        : "must be an array of strings";
    case "strings?":
      return value === undefined ? undefined : typeError("strings", value);
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be a boolean";
    case "boolean?":
      return value === undefined || typeof value === "boolean" ? undefined : "must be a boolean";
    case "integer":
      return Number.isSafeInteger(value) ? undefined : "must be an integer";
    case "integer?":
      return value === undefined || Number.isSafeInteger(value) ? undefined : "must be an integer";
    case "object":
      return isObject(value) ? undefined : "must be an object";
    case "object?":
      return value === undefined || isObject(value) ? undefined : "must be an object";
    case "credentials":
      return credentialsError(value);
  }
}

/** The first field of `candidate` (a whole entity of `kind`) whose value has the wrong type. */
export function checkFieldTypes(
  kind: EntityKind,
  candidate: Readonly<Record<string, unknown>>,
): RuleViolation | undefined {
  for (const [field, type] of Object.entries(fieldTypes[kind])) {
    const error = typeError(type, candidate[field]);
    if (error !== undefined) return violation("invalid", field, `"${field}" ${error}`);
  }
  return undefined;
}
