/**
 * Authorization rules, checked and prepared once when they are set, then specialised per client.
 *
 * A rule applies to a client when its `principal`, `role` and `tenant` conditions (those present) all
 * hold. Its topic filter is then made concrete: `%c` becomes the client id, `%u` the authenticated user
 * name (the principal's id; the CONNECT's user name only for an anonymous client) and `%t` the tenant. A value that would change the filter's shape (it contains "/", "+" or "#", is empty, or
 * is missing, such as `%u` without a user name) cannot be substituted safely, so the rule fails closed
 * for that client: an `allow` rule does not apply, and a `deny` rule applies to every topic. (Mosquitto
 * likewise refuses pattern ACLs for ids containing "+" or "#".)
 * @module
 */

import type { AuthorizationRule, RuleAction } from "../../config/index.js";
import type { ClientIdentity, Deny } from "../../hooks/index.js";
import { ReasonCode, topicFilterError } from "../../protocol/index.js";
import { tenantIdError } from "../../tenancy/index.js";

/** Actions as indexes into per-action arrays. */
export const Action = { publish: 0, subscribe: 1, receive: 2 } as const;
export type Action = (typeof Action)[keyof typeof Action];

/** The actions each rule `action` value stands for. */
const ACTIONS: Readonly<Record<RuleAction, readonly Action[]>> = {
  publish: [Action.publish],
  subscribe: [Action.subscribe],
  receive: [Action.receive],
  read: [Action.subscribe, Action.receive],
  all: [Action.publish, Action.subscribe, Action.receive],
};

/** A denial by a rule: the `Deny` the chain sees, plus the rule's id for the audit log. */
export interface RuleDeny extends Deny {
  /** The id of the deny rule, or undefined when no rule allowed the request (`noMatch: deny`). */
  readonly rule: string | undefined;
}

/** A rule ready to be specialised per client. */
export interface PreparedRule {
  readonly id: string;
  readonly allow: boolean;
  readonly actions: readonly Action[];
  /** The filter with placeholders, or its levels when it has none (shared by every client). */
  readonly template: string;
  readonly levels: readonly string[] | undefined;
  readonly principal: string | undefined;
  readonly role: string | undefined;
  readonly tenant: string | undefined;
  /** The decision this rule gives when it denies (one object per rule). */
  readonly denial: RuleDeny;
}

/** A rule's filter made concrete for one client; `levels` undefined means "every topic". */
export interface Matcher {
  readonly rule: PreparedRule;
  readonly levels: readonly string[] | undefined;
}

const PLACEHOLDER = /%[cut]/g;

/**
 * Problems with `rules`, one message per problem (`rules[2].topic ...`); empty when they can be set.
 * The configuration schema checks the same for the configuration file.
 */
export function ruleProblems(rules: readonly AuthorizationRule[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    const id = rule.id ?? `rule-${i}`;
    if (ids.has(id)) problems.push(`${at}.id repeats "${id}"`);
    ids.add(id);
    // rules may come from outside the type system (an admin API): check what the schema would
    const effect: unknown = rule.effect;
    if (effect !== "allow" && effect !== "deny") problems.push(`${at}.effect must be "allow" or "deny"`);
    if (!Object.hasOwn(ACTIONS, rule.action))
      problems.push(`${at}.action must be one of ${Object.keys(ACTIONS).join(", ")}`);
    const topicError = topicFilterError(rule.topic);
    if (topicError !== undefined) problems.push(`${at}.topic: ${topicError}`);
    if (rule.tenant !== undefined) {
      const tenantError = tenantIdError(rule.tenant);
      if (tenantError !== undefined) problems.push(`${at}.tenant: ${tenantError}`);
    }
  });
  return problems;
}

/** Prepares valid rules (see {@link ruleProblems}). */
export function prepareRules(rules: readonly AuthorizationRule[]): PreparedRule[] {
  return rules.map((rule, i) => {
    const id = rule.id ?? `rule-${i}`;
    const hasPlaceholder = rule.topic.search(PLACEHOLDER) !== -1;
    return {
      id,
      allow: rule.effect === "allow",
      actions: ACTIONS[rule.action],
      template: rule.topic,
      levels: hasPlaceholder ? undefined : rule.topic.split("/"),
      principal: rule.principal,
      role: rule.role,
      tenant: rule.tenant,
      denial: {
        kind: "deny",
        reasonCode: ReasonCode.NotAuthorized,
        reason: `Denied by rule "${id}"`,
        rule: id,
      },
    };
  });
}

/** Whether `rule`'s principal, role and tenant conditions hold for `client`. */
export function ruleApplies(rule: PreparedRule, client: ClientIdentity): boolean {
  const principal = client.principal;
  if (rule.principal !== undefined && rule.principal !== principal.id) return false;
  if (rule.tenant !== undefined && rule.tenant !== principal.tenant) return false;
  if (rule.role !== undefined && !principal.roles.includes(rule.role)) return false;
  return true;
}

/**
 * `rule`'s filter for `client` as levels; undefined when a placeholder cannot be substituted safely
 * (see the module comment).
 */
export function concreteLevels(rule: PreparedRule, client: ClientIdentity): readonly string[] | undefined {
  if (rule.levels !== undefined) return rule.levels;
  let safe = true as boolean; // cleared by the replacer
  const filter = rule.template.replace(PLACEHOLDER, (placeholder) => {
    const value =
      placeholder === "%c"
        ? client.clientId
        : placeholder === "%u"
          ? authenticatedName(client)
          : client.principal.tenant;
    if (value === undefined || value.length === 0 || /[/+#]/.test(value)) {
      safe = false;
      return "";
    }
    return value;
  });
  return safe ? filter.split("/") : undefined;
}

/**
 * What `%u` stands for: the name the client's authentication established, which is the principal's id
 * (a password login's user name, an API key's user, a token's subject, a certificate's identity). The
 * user name of the CONNECT only for an anonymous client, whose principal is nothing else: a credential
 * that was checked does not bind the user name sent beside it (a token is checked whatever the user
 * name), so that name could be anyone's.
 */
function authenticatedName(client: ClientIdentity): string | undefined {
  const principal = client.principal;
  return principal.anonymous ? client.username : principal.id;
}
