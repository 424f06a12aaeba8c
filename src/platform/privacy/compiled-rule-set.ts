/**
 * The compiled form of a rule set: regular expressions built, paths parsed, defaults filled and the
 * rules sorted by how the engine evaluates them. Immutable; built once by `compileRuleSet` and applied
 * to any number of events.
 * @module
 */

import type { JsonPath } from "./json-path.js";
import type { MaskOptions } from "./mask-text.js";
import type { MatchTarget, PrivacyAction } from "./privacy-rule-set.js";
import type { StringMatcher } from "./string-matcher.js";

/** Names one rule in results, counters and metrics. */
export interface RuleRef {
  /** The rule set's id. */
  readonly ruleSet: string;
  /** The rule's id, `rules[<index>]` when it has none. */
  readonly rule: string;
  /** The rule's position in its set. */
  readonly index: number;
  readonly action: PrivacyAction;
}

export interface CompiledRule {
  readonly ref: RuleRef;
  readonly action: PrivacyAction;
  /** The values the rule looks at (`path`, or `key` as `$..key`); undefined for the whole value. */
  readonly selector: JsonPath | undefined;
  /** What it finds inside string values (`regex` or `detector`); undefined to act on the selected values. */
  readonly matcher: StringMatcher | undefined;
  readonly target: MatchTarget;
  /** The rule's key, else its set's; undefined to use the tenant's. */
  readonly hashKey: string | undefined;
  readonly mask: MaskOptions;
}

export interface CompiledRuleSet {
  readonly id: string;
  /** Every rule, in the order written. */
  readonly rules: readonly CompiledRule[];
  readonly drops: readonly CompiledRule[];
  readonly allows: readonly CompiledRule[];
  /** `hash` and `mask` rules, in the order written. */
  readonly transforms: readonly CompiledRule[];
  /** The first `hash` rule with no key of its own or of its set: the set needs the tenant's key. */
  readonly keylessHash: CompiledRule | undefined;
}
