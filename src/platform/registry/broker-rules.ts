/**
 * The rules of an outbound broker entity (the `brokers` kind): its bridge configuration is valid as the
 * bridges module validates it (`validateBridgeConfig`: topic filters, template, TLS, readable PEM...),
 * its privacy rule set compiles (`compileRuleSet`), its forwarded tenants exist, and a broker of a
 * tenant other than the default one forwards only its own tenant's messages. Problems name their field
 * as the admin API's body has it (`"auth.password" is required`, `"privacy.rules[0].action" must be
 * one of ...`); the bridge configuration's problems are reported together.
 * @module
 */

import { bridgeInputOf, compileBridgeValidator, validateBridgeConfig } from "../../bridges/index.js";
import { ConfigError } from "../../errors.js";
import { DEFAULT_TENANT } from "../../hooks/index.js";
import { compileRuleSet, type PrivacyIssue } from "../privacy/index.js";
import type { OutboundBroker } from "./model.js";
import { violation, type RuleViolation } from "./registry-problem.js";

/** What the broker rules need of the registry. */
export interface BrokerRuleContext {
  hasTenant(tenant: string): boolean;
}

/** Compiled once: the schema of a bridge configuration (ajv keeps no state between validations). */
const bridgeValidator = compileBridgeValidator();

const SECRET_MIN = 16;
const SECRET_MAX = 1024;

const q = (value: string): string => JSON.stringify(value);

export function checkBroker(broker: OutboundBroker, ctx: BrokerRuleContext): RuleViolation | undefined {
  if (broker.tenants.length === 0)
    return violation("invalid", "tenants", `"tenants" must name at least one tenant`);
  for (const tenant of broker.tenants) {
    if (broker.tenant !== DEFAULT_TENANT && tenant !== broker.tenant)
      return violation(
        "unprocessable",
        "tenants",
        `"tenants": a broker of tenant ${q(broker.tenant)} forwards only its own tenant's messages, not ${q(tenant)}'s`,
      );
    if (!ctx.hasTenant(tenant))
      return violation("unprocessable", "tenants", `"tenants": no tenant ${q(tenant)}`);
  }
  if (broker.secret.length < SECRET_MIN || broker.secret.length > SECRET_MAX)
    return violation("invalid", "secret", `"secret" must be ${SECRET_MIN} to ${SECRET_MAX} characters`);
  try {
    validateBridgeConfig(bridgeValidator, bridgeInputOf(broker));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const issues = error.issues.length > 0 ? error.issues : [{ path: "", message: error.message }];
    return violation("invalid", issues[0]!.path || undefined, issues.map((i) => i.message).join("; "));
  }
  if (broker.privacy !== undefined) {
    const compiled = compileRuleSet(broker.privacy);
    if (!compiled.ok) {
      const issues = compiled.issues.map(privacyField);
      return violation("invalid", issues[0]?.path ?? "privacy", issues.map((i) => i.message).join("; "));
    }
  }
  return undefined;
}

/** A rule set problem, named as the broker's field: `"rules[0].action"` -> `"privacy.rules[0].action"`. */
function privacyField(issue: PrivacyIssue): PrivacyIssue {
  if (issue.path === "")
    return { path: "privacy", message: issue.message.replace(/^the rule set/, `"privacy"`) };
  const path = `privacy.${issue.path}`;
  return { path, message: issue.message.replace(q(issue.path), q(path)) };
}
