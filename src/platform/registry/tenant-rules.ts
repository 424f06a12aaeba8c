/**
 * The rules of a tenant's `privacy` settings (docs/privacy.md): every rule set compiles and the
 * settings make a valid policy (`compileTenantPrivacy`: a hash rule has a key, the hash key has 16 to
 * 1024 characters, no role is listed twice). Every problem is reported, each naming its field as the
 * admin API's body has it (`"privacy.ruleSets[0].rules[1].action" must be one of ...`); the first
 * one's path is the violation's field.
 * @module
 */

import { compileTenantPrivacy, type PrivacyIssue } from "../privacy/index.js";
import type { Tenant } from "./model.js";
import { violation, type RuleViolation } from "./registry-problem.js";

const q = (value: string): string => JSON.stringify(value);

export function checkTenantPrivacy(tenant: Tenant): RuleViolation | undefined {
  if (tenant.privacy === undefined) return undefined;
  const result = compileTenantPrivacy(tenant.id, tenant.privacy);
  if (result.ok) return undefined;
  const issues = result.issues.map(privacyField);
  return violation("invalid", issues[0]?.path ?? "privacy", issues.map((i) => i.message).join("; "));
}

/** A problem of the settings, named as the tenant's field: `ruleSets[0].key` -> `privacy.ruleSets[0].key`. */
function privacyField(issue: PrivacyIssue): PrivacyIssue {
  if (issue.path === "")
    return { path: "privacy", message: issue.message.replace(/^the rule set/, `"privacy"`) };
  const path = `privacy.${issue.path}`;
  const quoted = q(issue.path);
  return {
    path,
    message: issue.message.includes(quoted)
      ? issue.message.replace(quoted, q(path))
      : `${q(path)}: ${issue.message}`,
  };
}
