/**
 * Request bodies turned into what the registry accepts. The registry never sees a secret: passwords
 * are hashed here (scrypt), device tokens digested (SHA-256), and an API key is generated here, its
 * secret returned once in the create response and only its hash stored. The schemas have checked
 * every field's type; the rules between fields of one object (a password credential needs a user
 * name...) are checked here, with messages in the schema failures' style. Outbound brokers are the
 * exception: the bridge needs its secrets, which are kept as given (`broker-input.ts`).
 * @module
 */

import { randomUUID } from "node:crypto";
import { generateApiKey, hashApiKeySecret, hashPassword } from "../auth/index.js";
import type { DeviceCredential, EntityKind, EntityOf } from "../platform/registry/index.js";
import { ApiError } from "./api-error.js";
import { brokerCreateInput, brokerPatchInput, generateSecret } from "./broker-input.js";
import { keepPrivacyKeys } from "./tenant-privacy-input.js";

type Body = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Body =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A registry input and, for an API key, the key itself (shown once). */
export interface CreateInput {
  readonly input: Record<string, unknown>;
  readonly key?: string;
  /** Device tokens the broker generated for credentials given without one, in their order (shown once). */
  readonly tokens?: readonly string[];
}

/** A registry patch, and the device tokens generated for it (see {@link CreateInput.tokens}). */
export interface PatchInput {
  readonly patch: Record<string, unknown>;
  readonly tokens?: readonly string[];
}

/**
 * A new device token: `sbt_` and 32 random bytes in base64url (256 bits: no administrator of another
 * tenant can guess it, which matters because token logins need tokens to be unique broker-wide).
 */
function generateToken(): string {
  return `sbt_${generateSecret()}`;
}

function invalid(message: string): ApiError {
  return new ApiError("BAD_REQUEST", `Invalid body: ${message}`);
}

async function secretHash(
  body: Body,
  plain: string,
  hashed: string,
  hash: (secret: string) => Promise<string> | string,
  where = "",
): Promise<string | undefined> {
  const secret = body[plain];
  const digest = body[hashed];
  if (secret !== undefined && digest !== undefined)
    throw invalid(`give "${where}${plain}" or "${where}${hashed}", not both`);
  if (typeof secret === "string") return hash(secret);
  return typeof digest === "string" ? digest : undefined;
}

const CREDENTIAL_FIELDS = {
  password: ["username", "password", "passwordHash"],
  token: ["token", "tokenHash"],
} as const;

/** Device credentials from a body's list; a token credential without `token` or `tokenHash` gets one generated. */
async function credentials(
  list: readonly Body[],
): Promise<{ readonly credentials: DeviceCredential[]; readonly tokens: string[] }> {
  const out: DeviceCredential[] = [];
  const tokens: string[] = [];
  for (const [i, credential] of list.entries()) {
    const where = `credentials[${i}].`;
    const kind = credential["kind"] as keyof typeof CREDENTIAL_FIELDS;
    const allowed: readonly string[] = CREDENTIAL_FIELDS[kind];
    const stray = Object.keys(credential).find((field) => field !== "kind" && !allowed.includes(field));
    if (stray !== undefined) throw invalid(`"${where}${stray}" is not a field of a "${kind}" credential`);
    if (kind === "password") {
      const username = credential["username"];
      if (typeof username !== "string") throw invalid(`missing field "${where}username"`);
      const passwordHash = await secretHash(credential, "password", "passwordHash", hashPassword, where);
      if (passwordHash === undefined)
        throw invalid(`missing field "${where}password" (or "${where}passwordHash")`);
      out.push({ kind, username, passwordHash });
    } else {
      let tokenHash = await secretHash(credential, "token", "tokenHash", hashApiKeySecret, where);
      if (tokenHash === undefined) {
        const token = generateToken();
        tokens.push(token);
        tokenHash = hashApiKeySecret(token);
      }
      out.push({ kind, tokenHash });
    }
  }
  return { credentials: out, tokens };
}

/** The registry input of a create (POST) body; `tenant` is the tenant the entity is created in. */
export async function createInput(kind: EntityKind, body: Body, tenant: string): Promise<CreateInput> {
  const fields: Record<string, unknown> = kind === "tenants" ? { ...body } : { ...body, tenant };
  switch (kind) {
    case "users": {
      delete fields["password"];
      const passwordHash = await secretHash(body, "password", "passwordHash", hashPassword);
      if (passwordHash !== undefined) fields["passwordHash"] = passwordHash;
      return { input: fields };
    }
    case "devices": {
      if (!Array.isArray(body["credentials"])) return { input: fields };
      const given = await credentials(body["credentials"] as Body[]);
      fields["credentials"] = given.credentials;
      return given.tokens.length === 0 ? { input: fields } : { input: fields, tokens: given.tokens };
    }
    case "apiKeys": {
      const id = typeof body["id"] === "string" ? body["id"] : randomUUID();
      const { key, hash } = generateApiKey(id);
      return { input: { ...fields, id, hash }, key };
    }
    case "brokers":
      return { input: brokerCreateInput(body, tenant) };
    default:
      return { input: fields };
  }
}

/** The registry patch of an update (PATCH) body of `current`. */
export async function patchInput<K extends EntityKind>(
  kind: K,
  body: Body,
  current: EntityOf[K],
  now: number,
): Promise<PatchInput> {
  if (kind === "devices" && Array.isArray(body["credentials"])) {
    const given = await credentials(body["credentials"] as Body[]);
    const patch = { ...body, credentials: given.credentials };
    return given.tokens.length === 0 ? { patch } : { patch, tokens: given.tokens };
  }
  return { patch: await plainPatch(kind, body, current, now) };
}

async function plainPatch<K extends EntityKind>(
  kind: K,
  body: Body,
  current: EntityOf[K],
  now: number,
): Promise<Record<string, unknown>> {
  const patch: Record<string, unknown> = { ...body };
  switch (kind) {
    case "users": {
      delete patch["password"];
      if (body["password"] === null) {
        if (body["passwordHash"] !== undefined) throw invalid('give "password" or "passwordHash", not both');
        patch["passwordHash"] = null;
      } else {
        const passwordHash = await secretHash(body, "password", "passwordHash", hashPassword);
        if (passwordHash !== undefined) patch["passwordHash"] = passwordHash;
      }
      return patch;
    }
    case "apiKeys":
      delete patch["revoked"];
      if (body["revoked"] === true) patch["revokedAt"] = (current as EntityOf["apiKeys"]).revokedAt ?? now;
      return patch;
    case "brokers":
      return brokerPatchInput(body, current as EntityOf["brokers"]);
    case "tenants":
      if (isObject(body["privacy"]))
        patch["privacy"] = keepPrivacyKeys(body["privacy"], (current as EntityOf["tenants"]).privacy);
      return patch;
    default:
      return patch;
  }
}
