/**
 * A will's publisher (`StoredWill.publisher`) as JSON text: the `wills.publisher` column and the
 * publisher field of a `putWill` change in the change log. The fields are written by name, so a
 * principal carrying more than the `Principal` interface says stores only what the interface names;
 * reading checks every field's type, so a damaged value is a {@link StoreError}, never a principal with
 * the wrong shape.
 *
 * `{"clientId": "...", "principal": {"id", "anonymous", "tenant", "roles", "scopes", "expiresAt"?,
 * "attributes"}}`; `expiresAt` is absent when the credential does not expire.
 * @module
 */

import { StoreError } from "../../errors.js";
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
      expiresAt: p.expiresAt,
      attributes: p.attributes,
    },
  });
}

/** The publisher `text` holds; throws a StoreError when it is not one. */
export function publisherFromJson(text: string): StoredPublisher {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged(error);
  }
  if (!isRecord(value) || typeof value["clientId"] !== "string" || !isRecord(value["principal"]))
    throw damaged();
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
    throw damaged();
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function damaged(cause?: unknown): StoreError {
  return new StoreError("a stored will's publisher is damaged", cause === undefined ? {} : { cause });
}
