/**
 * Counts what the privacy engine did, for the caller to read and export to metrics: events evaluated
 * and their outcome, and per rule (and per action) in how many events it fired and how many values
 * or pieces of text it acted on. One instance per output (bridge, subscriber class) or one shared:
 * the caller decides what the counts are of.
 * @module
 */

import type { RuleRef } from "./compiled-rule-set.js";
import { privacyActions, type PrivacyAction } from "./privacy-rule-set.js";

/** How an evaluated event ended. `failed`: dropped because the rules could not be applied. */
export type EventOutcome = "unchanged" | "modified" | "dropped" | "failed";

export interface ActionCount {
  /** Events in which the rule fired; for an action, the sum over its rules. */
  readonly fired: number;
  /** Values, or pieces of text, acted on. */
  readonly values: number;
}

export interface RuleCount extends ActionCount {
  readonly ruleSet: string;
  readonly rule: string;
  readonly action: PrivacyAction;
}

export interface PrivacyCountersSnapshot {
  readonly events: {
    readonly evaluated: number;
    /** Published as they came. */
    readonly unchanged: number;
    /** Published with values hashed or masked. */
    readonly modified: number;
    /** Not published: a drop rule matched. */
    readonly dropped: number;
    /** Not published: the rules could not be applied (no hash key, value nested too deep). */
    readonly failed: number;
  };
  readonly actions: { readonly [A in PrivacyAction]: ActionCount };
  /** Every rule that fired at least once, in the order they first fired. */
  readonly rules: readonly RuleCount[];
}

interface MutableCount {
  ruleSet: string;
  rule: string;
  action: PrivacyAction;
  fired: number;
  values: number;
}

export class PrivacyCounters {
  readonly #events: Record<EventOutcome, number> = { unchanged: 0, modified: 0, dropped: 0, failed: 0 };
  readonly #rules = new Map<string, MutableCount>();

  recordEvent(outcome: EventOutcome): void {
    this.#events[outcome] += 1;
  }

  /** One event in which `rule` acted on `values` values. */
  recordRule(rule: RuleRef, values: number): void {
    const key = `${rule.ruleSet}\u0000${rule.rule}\u0000${rule.action}`;
    let count = this.#rules.get(key);
    if (count === undefined) {
      count = { ruleSet: rule.ruleSet, rule: rule.rule, action: rule.action, fired: 0, values: 0 };
      this.#rules.set(key, count);
    }
    count.fired += 1;
    count.values += values;
  }

  /** A copy of the counts (later changes do not show in it). */
  snapshot(): PrivacyCountersSnapshot {
    const e = this.#events;
    const actions = Object.fromEntries(privacyActions.map((a) => [a, { fired: 0, values: 0 }])) as {
      [A in PrivacyAction]: { fired: number; values: number };
    };
    const rules: RuleCount[] = [];
    for (const count of this.#rules.values()) {
      actions[count.action].fired += count.fired;
      actions[count.action].values += count.values;
      rules.push({ ...count });
    }
    return {
      events: {
        evaluated: e.unchanged + e.modified + e.dropped + e.failed,
        unchanged: e.unchanged,
        modified: e.modified,
        dropped: e.dropped,
        failed: e.failed,
      },
      actions,
      rules,
    };
  }
}
