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
import { brokerCreateInput, brokerPatchInput } from "./broker-input.js";
import { keepPrivacyKeys } from "./tenant-privacy-input.js";

type Body = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Body =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A registry input and, for an API key, the key itself (shown once). */
export interface CreateInput {
  readonly input: Record<string, unknown>;
  readonly key?: string;
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

async function credentials(list: readonly Body[]): Promise<DeviceCredential[]> {
  const out: DeviceCredential[] = [];
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
      const tokenHash = await secretHash(credential, "token", "tokenHash", hashApiKeySecret, where);
      if (tokenHash === undefined) throw invalid(`missing field "${where}token" (or "${where}tokenHash")`);
      out.push({ kind, tokenHash });
    }
  }
  return out;
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
    case "devices":
      if (Array.isArray(body["credentials"]))
        fields["credentials"] = await credentials(body["credentials"] as Body[]);
      return { input: fields };
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
    case "devices":
      if (Array.isArray(body["credentials"]))
        patch["credentials"] = await credentials(body["credentials"] as Body[]);
      return patch;
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
