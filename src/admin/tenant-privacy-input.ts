/**
 * A tenant's `privacy` settings (docs/privacy.md) as the admin API shows and takes them. Keys are
 * secrets: the `hashKey` and every rule set's and rule's `key` are shown as `***`, never in clear. A
 * PATCH replaces the whole `privacy` object (`null` removes it); a key given as `***` keeps the stored
 * one: the `hashKey`; a set's `key` (the set matched by its `id`, else its position in the same list);
 * a rule's `key` (the rule matched by its `id`, else its position in that set).
 * @module
 */

import type { Tenant } from "../platform/registry/index.js";
import { ApiError } from "./api-error.js";
import { REDACTED } from "./broker-schemas.js";

type Body = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Body =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The settings with every key shown as `***`. */
export function privacyView(privacy: Body): Body {
  const shown: Record<string, unknown> = { ...privacy };
  if (shown["hashKey"] !== undefined) shown["hashKey"] = REDACTED;
  if (Array.isArray(privacy["ruleSets"])) shown["ruleSets"] = redactSets(privacy["ruleSets"]);
  if (Array.isArray(privacy["roles"]))
    shown["roles"] = (privacy["roles"] as unknown[]).map((role) =>
      isObject(role) && Array.isArray(role["ruleSets"])
        ? { ...role, ruleSets: redactSets(role["ruleSets"]) }
        : role,
    );
  return shown;
}

/** The tenant as the API shows it. */
export function tenantView(tenant: Tenant): Record<string, unknown> {
  const { privacy, ...view } = tenant;
  return privacy === undefined ? view : { ...view, privacy: privacyView(privacy) };
}

function redactSets(sets: readonly unknown[]): unknown[] {
  return sets.map((set) => {
    if (!isObject(set)) return set;
    const shown: Record<string, unknown> = { ...set };
    if (shown["key"] !== undefined) shown["key"] = REDACTED;
    if (Array.isArray(set["rules"]))
      shown["rules"] = (set["rules"] as unknown[]).map((rule) =>
        isObject(rule) && rule["key"] !== undefined ? { ...rule, key: REDACTED } : rule,
      );
    return shown;
  });
}

/** The `privacy` of a PATCH body with every `***` key replaced by the stored one. */
export function keepPrivacyKeys(next: Body, stored: Tenant["privacy"]): Body {
  const kept: Record<string, unknown> = { ...next };
  if (next["hashKey"] === REDACTED) kept["hashKey"] = storedKey(stored?.["hashKey"], "privacy.hashKey");
  if (Array.isArray(next["ruleSets"]))
    kept["ruleSets"] = keepSets(next["ruleSets"], list(stored?.["ruleSets"]), "privacy.ruleSets");
  if (Array.isArray(next["roles"])) {
    const storedRoles = list(stored?.["roles"]);
    kept["roles"] = (next["roles"] as unknown[]).map((role, index) => {
      if (!isObject(role) || !Array.isArray(role["ruleSets"])) return role;
      const counterpart = storedRoles.find((r) => isObject(r) && r["role"] === role["role"]);
      const sets = isObject(counterpart) ? list(counterpart["ruleSets"]) : [];
      return { ...role, ruleSets: keepSets(role["ruleSets"], sets, `privacy.roles[${index}].ruleSets`) };
    });
  }
  return kept;
}

function keepSets(sets: readonly unknown[], stored: readonly unknown[], at: string): unknown[] {
  return sets.map((set, index) => {
    if (!isObject(set)) return set;
    const found = matching(stored, set, index);
    const counterpart = isObject(found) ? found : undefined;
    const kept: Record<string, unknown> = { ...set };
    if (set["key"] === REDACTED) kept["key"] = storedKey(counterpart?.["key"], `${at}[${index}].key`);
    if (Array.isArray(set["rules"])) {
      const storedRules = list(counterpart?.["rules"]);
      kept["rules"] = (set["rules"] as unknown[]).map((rule, r) => {
        if (!isObject(rule) || rule["key"] !== REDACTED) return rule;
        const stored = matching(storedRules, rule, r);
        const key = isObject(stored) ? stored["key"] : undefined;
        return { ...rule, key: storedKey(key, `${at}[${index}].rules[${r}].key`) };
      });
    }
    return kept;
  });
}

/** The stored counterpart of `item`: the one with its `id`, else the one at its position. */
function matching(stored: readonly unknown[], item: Body, index: number): unknown {
  return typeof item["id"] === "string"
    ? stored.find((s) => isObject(s) && s["id"] === item["id"])
    : stored[index];
}

const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

function storedKey(key: unknown, field: string): string {
  if (typeof key !== "string")
    throw new ApiError(
      "BAD_REQUEST",
      `Invalid body: "${field}" is "${REDACTED}" but no key is stored for it: give the key`,
    );
  return key;
}
