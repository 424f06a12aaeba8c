/**
 * A tenant's privacy settings as the registry keeps them (the tenant entity's `privacy` field), checked
 * and compiled into a {@link PrivacyPolicy}:
 *
 * ```json
 * {
 *   "hashKey": "a-secret-of-16-characters-or-more",
 *   "ruleSets": [{ "id": "pii", "rules": [...] }],
 *   "roles": [{ "role": "guest", "ruleSets": [{ "rules": [...] }] }]
 * }
 * ```
 *
 * `ruleSets` apply to every output of the tenant, each role's to deliveries to clients whose principal
 * holds the role. Every problem is reported at once, each with its field's path inside the settings
 * (`ruleSets[0].rules[1].action`, `roles[1].role`, `hashKey`).
 * @module
 */

import { compileRuleSet } from "./compile-rule-set.js";
import type { CompiledRuleSet } from "./compiled-rule-set.js";
import { isRecord } from "./json-path.js";
import { type FieldSegment, formatFieldPath, issue, type PrivacyIssue } from "./privacy-issue.js";
import { PrivacyPolicy, type RoleRuleSets } from "./privacy-policy.js";
import { privacyLimits } from "./privacy-rule-set.js";

/** The settings as written (validated by {@link compileTenantPrivacy}). */
export interface TenantPrivacyInput {
  readonly hashKey?: string;
  readonly ruleSets?: readonly unknown[];
  readonly roles?: readonly { readonly role: string; readonly ruleSets: readonly unknown[] }[];
}

export type TenantPrivacyResult =
  | { readonly ok: true; readonly policy: PrivacyPolicy }
  | { readonly ok: false; readonly issues: readonly PrivacyIssue[] };

/** Most rule sets in one list (the tenant's, or one role's); most roles. */
export const tenantPrivacyLimits = { ruleSets: 16, roles: 64, roleLength: 128 } as const;

const FIELDS = ["hashKey", "ruleSets", "roles"];
const q = (value: string): string => JSON.stringify(value);

/**
 * @example
 * ```ts
 * const result = compileTenantPrivacy("acme", tenant.privacy);
 * if (result.ok) deliveries.use(result.policy.planFor({ kind: "subscriber", roles }));
 * ```
 */
export function compileTenantPrivacy(tenant: string, input: unknown): TenantPrivacyResult {
  if (!isRecord(input)) return { ok: false, issues: [issue([], "must be an object")] };
  const issues: PrivacyIssue[] = [];
  for (const field of Object.keys(input))
    if (!FIELDS.includes(field))
      issues.push(issue([field], `is not a field (allowed: ${FIELDS.join(", ")})`));
  const hashKey = input["hashKey"];
  if (
    hashKey !== undefined &&
    (typeof hashKey !== "string" || hashKey.length > privacyLimits.hashKeyMaxLength)
  )
    issues.push(
      issue(["hashKey"], `must be a string of at most ${privacyLimits.hashKeyMaxLength} characters`),
    );
  const tenantRuleSets = compileList(input["ruleSets"], ["ruleSets"], issues);
  const roles: RoleRuleSets[] = [];
  const rolesInput = input["roles"];
  if (rolesInput !== undefined) {
    if (!Array.isArray(rolesInput) || rolesInput.length > tenantPrivacyLimits.roles)
      issues.push(issue(["roles"], `must be an array of at most ${tenantPrivacyLimits.roles} roles`));
    else
      rolesInput.forEach((entry: unknown, index) => {
        const at: FieldSegment[] = ["roles", index];
        if (!isRecord(entry)) return issues.push(issue(at, "must be an object"));
        for (const field of Object.keys(entry))
          if (field !== "role" && field !== "ruleSets")
            issues.push(issue([...at, field], "is not a field (allowed: role, ruleSets)"));
        const role = entry["role"];
        if (typeof role !== "string" || role.length === 0 || role.length > tenantPrivacyLimits.roleLength)
          issues.push(
            issue(
              [...at, "role"],
              `must be a role name of 1 to ${tenantPrivacyLimits.roleLength} characters`,
            ),
          );
        if (entry["ruleSets"] === undefined) issues.push(issue([...at, "ruleSets"], "is required"));
        const ruleSets = compileList(entry["ruleSets"], [...at, "ruleSets"], issues);
        if (typeof role === "string") roles.push({ role, ruleSets });
        return undefined;
      });
  }
  if (issues.length > 0) return { ok: false, issues };
  const policy = PrivacyPolicy.create({
    tenant,
    ...(typeof hashKey === "string" ? { hashKey } : {}),
    tenantRuleSets,
    roles,
  });
  if (!policy.ok) return { ok: false, issues: policy.issues.map(tenantPath) };
  return policy;
}

function compileList(value: unknown, at: readonly FieldSegment[], issues: PrivacyIssue[]): CompiledRuleSet[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > tenantPrivacyLimits.ruleSets) {
    issues.push(issue(at, `must be an array of at most ${tenantPrivacyLimits.ruleSets} rule sets`));
    return [];
  }
  const compiled: CompiledRuleSet[] = [];
  value.forEach((set: unknown, index) => {
    const where = [...at, index];
    const path = formatFieldPath(where);
    const named = isRecord(set) && typeof set["id"] === "string";
    const result = compileRuleSet(set, named ? {} : { id: path });
    if (result.ok) compiled.push(result.ruleSet);
    else for (const found of result.issues) issues.push(within(path, found));
  });
  return compiled;
}

/** A rule set's problem named as a field of the settings: `rules[0].action` -> `ruleSets[2].rules[0].action`. */
function within(prefix: string, found: PrivacyIssue): PrivacyIssue {
  if (found.path === "") return { path: prefix, message: found.message.replace(/^the rule set/, q(prefix)) };
  const path = `${prefix}.${found.path}`;
  return { path, message: found.message.replace(q(found.path), q(path)) };
}

/** The policy's paths (`tenantRuleSets[0]`) as the settings name them (`ruleSets[0]`). */
function tenantPath(found: PrivacyIssue): PrivacyIssue {
  if (!found.path.startsWith("tenantRuleSets")) return found;
  return { ...found, path: found.path.replace(/^tenantRuleSets/, "ruleSets") };
}
