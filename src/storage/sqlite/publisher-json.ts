/**
 * A will's publisher (`StoredWill.publisher`) as JSON text: the `wills.publisher` column and the
 * publisher field of a `putWill` change in the change log. The fields are written by name, so a
 * principal carrying more than the `Principal` interface says stores only what the interface names;
 * reading checks every field's type. A value that is not a publisher reads as none: the will is then
 * restored as one stored by an earlier version (with a publisher holding only its tenant), which is
 * far better than a store that cannot be opened for the sake of one advisory field.
 *
 * `{"clientId": "...", "principal": {"id", "anonymous", "tenant", "roles", "scopes", "expiresAt"?,
 * "attributes"}}`; `expiresAt` is absent when the credential does not expire (an infinite or NaN
 * expiry, which JSON cannot hold, is written as none).
 * @module
 */

import type { Principal, StoredPublisher } from "../../hooks/index.js";

export function publisherToJson(publisher: StoredPublisher): string {
  const p = publisher.principal;
  return JSON.stringify({
    clientId: publisher.clientId,
    principal: {
      id: p.id,
      anonymous: p.anonymous,
      tenant: p.tenant,
      roles: p.roles,
      scopes: p.scopes,
      expiresAt: Number.isFinite(p.expiresAt) ? p.expiresAt : undefined,
      attributes: p.attributes,
    },
  });
}

/** The publisher `text` holds; undefined when it is not one (see the module notes). */
export function publisherFromJson(text: string): StoredPublisher | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value["clientId"] !== "string" || !isRecord(value["principal"]))
    return undefined;
  const p = value["principal"];
  const { id, anonymous, tenant, roles, scopes, expiresAt, attributes } = p;
  if (
    typeof id !== "string" ||
    typeof anonymous !== "boolean" ||
    typeof tenant !== "string" ||
    !isStrings(roles) ||
    !isStrings(scopes) ||
    (expiresAt !== undefined && typeof expiresAt !== "number") ||
    !isRecord(attributes) ||
    !Object.values(attributes).every((v) => typeof v === "string")
  )
    return undefined;
  const principal: Principal = {
    id,
    anonymous,
    tenant,
    roles,
    scopes,
    expiresAt,
    attributes: attributes as Record<string, string>,
  };
  return { clientId: value["clientId"], principal };
}

/** `will` with the publisher `text` holds, or as it is when `text` holds none. */
export function withPublisher<W extends object>(will: W, text: string): W & { publisher?: StoredPublisher } {
  const publisher = publisherFromJson(text);
  return publisher === undefined ? will : { ...will, publisher };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
