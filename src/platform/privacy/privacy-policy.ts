/**
 * Which rule sets apply to one output of a tenant's events. Rule sets attach to three scopes:
 *
 * - the tenant: every output of the tenant (subscribers of every role, every outbound broker);
 * - a subscriber role: deliveries to clients whose principal holds the role;
 * - an outbound broker (bridge): what that bridge publishes.
 *
 * An output gets the tenant's sets first, then its own: a subscriber the sets of each of its roles, in
 * the order the policy lists the roles (not the order of the principal's roles, so two principals with
 * the same roles get the same result); a bridge the bridge's sets. Each set is applied to the output of
 * the one before, so a later scope can only remove or hide more: a role's or a bridge's allow rule
 * cannot undo the tenant's hashing. A set attached to two scopes of one output is applied once.
 * @module
 */

import type { CompiledRuleSet } from "./compiled-rule-set.js";
import type { FieldSegment, PrivacyIssue } from "./privacy-issue.js";
import { formatFieldPath } from "./privacy-issue.js";
import { privacyLimits } from "./privacy-rule-set.js";

export interface RoleRuleSets {
  readonly role: string;
  readonly ruleSets: readonly CompiledRuleSet[];
}

export interface BridgeRuleSets {
  readonly bridge: string;
  readonly ruleSets: readonly CompiledRuleSet[];
}

export interface PrivacyAttachments {
  readonly tenant: string;
  /** The tenant's HMAC key, for hash rules with no key of their own or of their set. */
  readonly hashKey?: string;
  readonly tenantRuleSets?: readonly CompiledRuleSet[];
  readonly roles?: readonly RoleRuleSets[];
  readonly bridges?: readonly BridgeRuleSets[];
}

/** One output of a tenant's events. */
export type PrivacyOutput =
  | { readonly kind: "subscriber"; readonly roles: readonly string[] }
  | { readonly kind: "bridge"; readonly bridge: string };

/** What to apply for one output: give it to `PrivacyEngine.applyPlan`. */
export interface PrivacyPlan {
  readonly ruleSets: readonly CompiledRuleSet[];
  readonly hashKey: string | undefined;
}

export type PolicyResult =
  | { readonly ok: true; readonly policy: PrivacyPolicy }
  | { readonly ok: false; readonly issues: readonly PrivacyIssue[] };

export class PrivacyPolicy {
  readonly tenant: string;
  readonly #hashKey: string | undefined;
  readonly #tenantPlan: PrivacyPlan;
  readonly #roles: readonly RoleRuleSets[];
  readonly #bridges: ReadonlyMap<string, PrivacyPlan>;

  private constructor(attachments: PrivacyAttachments) {
    this.tenant = attachments.tenant;
    this.#hashKey = attachments.hashKey;
    this.#tenantPlan = this.#plan(attachments.tenantRuleSets ?? [], []);
    this.#roles = attachments.roles ?? [];
    this.#bridges = new Map(
      (attachments.bridges ?? []).map((entry) => [
        entry.bridge,
        this.#plan(this.#tenantPlan.ruleSets, entry.ruleSets),
      ]),
    );
  }

  /**
   * Checks the attachments and builds the policy. Refused: a hash rule that would have no key (none
   * on the rule, its set or the tenant), a tenant key shorter than 16 characters, a role or bridge
   * listed twice.
   */
  static create(attachments: PrivacyAttachments): PolicyResult {
    const issues: PrivacyIssue[] = [];
    const { hashKey } = attachments;
    if (hashKey !== undefined && hashKey.length < privacyLimits.hashKeyMinLength)
      issues.push({
        path: "hashKey",
        message: `the hash key of tenant "${attachments.tenant}" must be at least ${privacyLimits.hashKeyMinLength} characters long`,
      });
    const checkSets = (at: FieldSegment[], sets: readonly CompiledRuleSet[]) => {
      sets.forEach((set, index) => {
        const keyless = set.keylessHash;
        if (keyless === undefined || hashKey !== undefined) return;
        issues.push({
          path: formatFieldPath([...at, index]),
          message: `rule "${keyless.ref.rule}" of rule set "${set.id}" hashes without a key: give the rule or its set a "key", or tenant "${attachments.tenant}" a hash key`,
        });
      });
    };
    checkSets(["tenantRuleSets"], attachments.tenantRuleSets ?? []);
    const seen = new Set<string>();
    (attachments.roles ?? []).forEach((entry, index) => {
      if (seen.has(entry.role))
        issues.push({ path: `roles[${index}].role`, message: `role "${entry.role}" is listed twice` });
      seen.add(entry.role);
      checkSets(["roles", index, "ruleSets"], entry.ruleSets);
    });
    seen.clear();
    (attachments.bridges ?? []).forEach((entry, index) => {
      if (seen.has(entry.bridge))
        issues.push({
          path: `bridges[${index}].bridge`,
          message: `bridge "${entry.bridge}" is listed twice`,
        });
      seen.add(entry.bridge);
      checkSets(["bridges", index, "ruleSets"], entry.ruleSets);
    });
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, policy: new PrivacyPolicy(attachments) };
  }

  /** The plan for one output (the same object each time for a bridge, and for a subscriber with no role sets). */
  planFor(output: PrivacyOutput): PrivacyPlan {
    if (output.kind === "bridge") return this.#bridges.get(output.bridge) ?? this.#tenantPlan;
    let extra: CompiledRuleSet[] | undefined;
    for (const entry of this.#roles) {
      if (entry.ruleSets.length > 0 && output.roles.includes(entry.role))
        (extra ??= []).push(...entry.ruleSets);
    }
    return extra === undefined ? this.#tenantPlan : this.#plan(this.#tenantPlan.ruleSets, extra);
  }

  #plan(first: readonly CompiledRuleSet[], then: readonly CompiledRuleSet[]): PrivacyPlan {
    const ruleSets: CompiledRuleSet[] = [];
    for (const set of [...first, ...then]) if (!ruleSets.includes(set)) ruleSets.push(set);
    return { ruleSets, hashKey: this.#hashKey };
  }
}
