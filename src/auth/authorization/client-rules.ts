/**
 * One client's view of the rules: the rules that apply to it, with placeholders substituted, split by
 * action into deny and allow matchers, and a bounded cache of decisions per action.
 *
 * Built lazily on the client's first request and rebuilt when the rules change (a generation number)
 * or the client's principal does (re-authentication may change roles). A cache holds at most `size`
 * decisions by topic (or filter, for subscribe); when full, the oldest is forgotten (insertion order),
 * so a client cycling through many topics costs one map entry per topic up to the bound, no more.
 * @module
 */

import { ALLOW, type ClientIdentity, type Decision, type Principal } from "../../hooks/index.js";
import { filterCovers, filterMatches } from "./filter-match.js";
import {
  Action,
  concreteLevels,
  type Matcher,
  type PreparedRule,
  ruleApplies,
  type RuleDeny,
} from "./rule-set.js";

export class ClientRules {
  readonly generation: number;
  readonly principal: Principal;
  readonly #deny: Matcher[][] = [[], [], []];
  readonly #allow: Matcher[][] = [[], [], []];
  readonly #caches: Map<string, Decision>[] = [0, 1, 2].map(() => new Map<string, Decision>());
  readonly #cacheSize: number;
  readonly #noMatch: Decision;
  /** Per action, the last topic decided and its decision: runs of one topic skip the map. */
  readonly #lastTopic: (string | undefined)[] = [undefined, undefined, undefined];
  readonly #lastDecision: Decision[] = [ALLOW, ALLOW, ALLOW];

  constructor(options: {
    readonly rules: readonly PreparedRule[];
    readonly client: ClientIdentity;
    readonly generation: number;
    readonly cacheSize: number;
    readonly noMatch: Decision;
  }) {
    this.generation = options.generation;
    this.principal = options.client.principal;
    this.#cacheSize = options.cacheSize;
    this.#noMatch = options.noMatch;
    for (const rule of options.rules) {
      if (!ruleApplies(rule, options.client)) continue;
      const levels = concreteLevels(rule, options.client);
      // fail closed: an allow whose placeholders cannot be filled grants nothing, such a deny denies all
      if (levels === undefined && rule.allow) continue;
      const matcher: Matcher = { rule, levels };
      for (const action of rule.actions) (rule.allow ? this.#allow : this.#deny)[action]!.push(matcher);
    }
  }

  /** The decision for `action` on `topic` (a topic name, or the requested filter for subscribe). */
  decide(action: Action, topic: string): Decision {
    if (this.#lastTopic[action] === topic) return this.#lastDecision[action]!;
    const cache = this.#caches[action]!;
    let decision = cache.get(topic);
    if (decision === undefined) {
      decision = this.#evaluate(action, topic);
      if (cache.size >= this.#cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(topic, decision);
    }
    this.#lastTopic[action] = topic;
    this.#lastDecision[action] = decision;
    return decision;
  }

  #evaluate(action: Action, topic: string): Decision {
    const levels = topic.split("/");
    const match = action === Action.subscribe ? filterCovers : filterMatches;
    for (const matcher of this.#deny[action]!) {
      if (matcher.levels === undefined || match(matcher.levels, levels)) return matcher.rule.denial;
    }
    for (const matcher of this.#allow[action]!) {
      if (match(matcher.levels!, levels)) return ALLOW;
    }
    return this.#noMatch;
  }
}

/** Whether a decision came from a rule (or from `noMatch: deny`), with the rule's id. */
export function isRuleDeny(decision: Decision): decision is RuleDeny {
  return decision.kind === "deny" && "rule" in decision;
}
