/**
 * The privacy engine: applies compiled rule sets to one parsed value (never to JSON text, so the
 * output is always a JSON value) and says whether the event is published and with what value.
 *
 * Within a rule set:
 * 1. `drop` rules are evaluated first, on the value as it came: if any matches anything, the event is
 *    dropped. Nothing exempts a value from a drop, not even an allow rule.
 * 2. `allow` rules claim what they match, whatever their position in the set.
 * 3. `hash` and `mask` rules claim what they match, in the order written. Each part of the value is
 *    claimed by one rule at most: what an allow rule or an earlier rule claimed is left to it. A rule
 *    that selects a value something in which is already claimed acts on the unclaimed parts only.
 * 4. The output is built once: claimed parts transformed, everything else shared with the input.
 * 5. A value a hash or mask rule transformed whole (a key or path rule's, or a regex rule's with
 *    `target: value`) is hidden where it appears again, verbatim, inside another string of the event
 *    (an error message quoting it: Gooee's `rejected` reports), replaced there by its transformed text.
 *    So are the strings and numbers inside a transformed object or array. Texts shorter than
 *    {@link MIN_ECHO} characters are left: replacing them would garble the text around them for little.
 *
 * Rule sets given together are applied one after the other, each to the output of the one before
 * (see privacy-policy.ts for which sets an output gets, in which order). The engine fails closed: a set
 * with keyless hash rules and no tenant key, or a value nested deeper than `MAX_DEPTH`, drops the event.
 * @module
 */

import { textOf } from "./canonical-json.js";
import type { CompiledRule, CompiledRuleSet, RuleRef } from "./compiled-rule-set.js";
import type { Hmac } from "./hmac.js";
import {
  DepthExceeded,
  formatLocation,
  isRecord,
  MAX_DEPTH,
  selectPath,
  type ValueLocation,
} from "./json-path.js";
import { maskText } from "./mask-text.js";
import type { PrivacyCounters } from "./privacy-counters.js";
import type { PrivacyPlan } from "./privacy-policy.js";
import type { StringMatcher, TextSpan } from "./string-matcher.js";
import { claimNode, claimSpan, existingMark, type Mark, markAt, newMark, spanIsFree } from "./value-marks.js";

/** Why an event is not published: a drop rule, or the rules could not be applied. */
export type DropReason = "rule" | "no-hash-key" | "too-deep";

/** A rule that acted on an event. */
export interface RuleFiring {
  readonly rule: RuleRef;
  /** Values or pieces of text it acted on (1 for a drop). */
  readonly count: number;
  /** With `trace`: where, as JSON paths (`$.user.email`), each location once. */
  readonly at: readonly string[] | undefined;
}

export type PrivacyOutcome =
  | {
      readonly kind: "keep";
      /** The value to publish: the input itself when no rule changed anything. */
      readonly value: unknown;
      readonly changed: boolean;
      readonly fired: readonly RuleFiring[];
    }
  | {
      readonly kind: "drop";
      readonly reason: DropReason;
      /** The drop rule that matched, or the hash rule without a key; undefined for `too-deep`. */
      readonly rule: RuleRef | undefined;
      readonly fired: readonly RuleFiring[];
    };

export interface PrivacyEngineOptions {
  readonly hmac: Hmac;
  /** Counts every evaluation; none when omitted. */
  readonly counters?: PrivacyCounters;
}

export interface ApplyOptions {
  /** The tenant's HMAC key, for hash rules whose rule and set give none. */
  readonly hashKey?: string | undefined;
  /** Record where each rule acted (`RuleFiring.at`): for previews, not for the hot path. */
  readonly trace?: boolean;
}

const NO_FIRINGS: readonly RuleFiring[] = Object.freeze([]);

/** What ends an evaluation with a drop. */
class Dropped {
  constructor(
    readonly reason: DropReason,
    readonly rule: RuleRef | undefined,
  ) {}
}

/** Shortest text of a hidden value that is also hidden where it appears inside other strings. */
export const MIN_ECHO = 3;

/** The state of one `apply` call. */
class Evaluation {
  fired: RuleFiring[] | undefined;
  /** Texts of values transformed whole, and what they became (see the module comment, 5). */
  hidden: Map<string, string> | undefined;

  constructor(
    readonly hmac: Hmac,
    readonly hashKey: string | undefined,
    readonly trace: boolean,
    readonly counters: PrivacyCounters | undefined,
  ) {}

  fire(rule: CompiledRule, count: number, at: string[] | undefined): void {
    (this.fired ??= []).push({ rule: rule.ref, count, at });
    this.counters?.recordRule(rule.ref, count);
  }
}

export class PrivacyEngine {
  readonly #hmac: Hmac;
  readonly #counters: PrivacyCounters | undefined;

  constructor(options: PrivacyEngineOptions) {
    this.#hmac = options.hmac;
    this.#counters = options.counters;
  }

  /**
   * Applies `ruleSets` (one set, or several one after the other) to `value`, a parsed JSON value.
   * @example
   * ```ts
   * const engine = new PrivacyEngine({ hmac: nodeHmac, counters });
   * const outcome = engine.apply(JSON.parse(payload), ruleSet, { hashKey: tenantKey });
   * if (outcome.kind === "keep") publish(JSON.stringify(outcome.value));
   * ```
   */
  apply(
    value: unknown,
    ruleSets: CompiledRuleSet | readonly CompiledRuleSet[],
    options: ApplyOptions = {},
  ): PrivacyOutcome {
    const run = new Evaluation(this.#hmac, options.hashKey, options.trace === true, this.#counters);
    const sets: readonly CompiledRuleSet[] = isRuleSetList(ruleSets) ? ruleSets : [ruleSets];
    let current = value;
    try {
      for (const set of sets) {
        const next = applySet(current, set, run);
        if (next instanceof Dropped) return this.#dropped(run, next);
        current = next;
      }
    } catch (error) {
      if (error instanceof DepthExceeded) return this.#dropped(run, new Dropped("too-deep", undefined));
      throw error;
    }
    const changed = current !== value;
    this.#counters?.recordEvent(changed ? "modified" : "unchanged");
    return { kind: "keep", value: current, changed, fired: run.fired ?? NO_FIRINGS };
  }

  /** Applies the rule sets of one output with the tenant's key (see `PrivacyPolicy.planFor`). */
  applyPlan(value: unknown, plan: PrivacyPlan): PrivacyOutcome {
    return this.apply(value, plan.ruleSets, { hashKey: plan.hashKey });
  }

  #dropped(run: Evaluation, drop: Dropped): PrivacyOutcome {
    this.#counters?.recordEvent(drop.reason === "rule" ? "dropped" : "failed");
    return { kind: "drop", reason: drop.reason, rule: drop.rule, fired: run.fired ?? NO_FIRINGS };
  }
}

function isRuleSetList(
  ruleSets: CompiledRuleSet | readonly CompiledRuleSet[],
): ruleSets is readonly CompiledRuleSet[] {
  return Array.isArray(ruleSets);
}

function applySet(value: unknown, set: CompiledRuleSet, run: Evaluation): unknown {
  // Returns a Dropped to end the evaluation (a sentinel, not an exception: drops are ordinary).
  if (set.keylessHash !== undefined && run.hashKey === undefined)
    return new Dropped("no-hash-key", set.keylessHash.ref);
  for (const rule of set.drops) {
    const at = firstMatch(value, rule);
    if (at !== undefined) {
      run.fire(rule, 1, run.trace ? [formatLocation(at)] : undefined);
      return new Dropped("rule", rule.ref);
    }
  }
  if (set.allows.length === 0 && set.transforms.length === 0) return value;
  const root = newMark();
  for (const rule of set.allows) claimRule(root, value, rule, run);
  let transformed = false;
  for (const rule of set.transforms) if (claimRule(root, value, rule, run)) transformed = true;
  // Allow rules alone change nothing: the input is the output.
  if (!transformed) return value;
  const output = render(value, root, run);
  const hidden = run.hidden;
  if (hidden === undefined) return output;
  run.hidden = undefined; // what this set hid is hidden now; a later set records its own
  return hideEchoes(output, hidden, 0);
}

/** `value` with every text of `hidden` inside its strings replaced by what it became. */
function hideEchoes(value: unknown, hidden: ReadonlyMap<string, string>, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new DepthExceeded();
  if (typeof value === "string") {
    let out = value;
    for (const [text, replacement] of hidden) if (out.includes(text)) out = out.replaceAll(text, replacement);
    return out;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = hideEchoes(value[i], hidden, depth + 1);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  if (!isRecord(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const member = hideEchoes(value[key], hidden, depth + 1);
    if (member === value[key]) continue;
    copy ??= { ...value };
    setMember(copy, key, member);
  }
  return copy ?? value;
}

/** Records the texts inside `value` (transformed whole into `replacement`) as hidden. */
function recordHidden(value: unknown, replacement: string, run: Evaluation, depth: number): void {
  if (depth > MAX_DEPTH) throw new DepthExceeded();
  if (typeof value === "string" || typeof value === "number") {
    const text = typeof value === "string" ? value : String(value);
    if (text.length >= MIN_ECHO && text !== replacement) (run.hidden ??= new Map()).set(text, replacement);
    return;
  }
  if (Array.isArray(value)) for (const item of value) recordHidden(item, replacement, run, depth + 1);
  else if (isRecord(value))
    for (const key of Object.keys(value)) recordHidden(value[key], replacement, run, depth + 1);
}

const ROOT: ValueLocation = Object.freeze([]);

function scopesOf(value: unknown, rule: CompiledRule): readonly ValueLocation[] {
  return rule.selector === undefined ? [ROOT] : selectPath(value, rule.selector);
}

function valueAt(value: unknown, location: ValueLocation): unknown {
  let node = value;
  for (const key of location) node = (node as Record<string | number, unknown>)[key];
  return node;
}

/** Where a drop rule matches first (a selected value, or a string with a match), if anywhere. */
function firstMatch(value: unknown, rule: CompiledRule): ValueLocation | undefined {
  const scopes = scopesOf(value, rule);
  if (rule.matcher === undefined) return scopes[0];
  const span: TextSpan = { start: 0, end: 0 };
  for (const scope of scopes) {
    const found = firstString(valueAt(value, scope), [...scope], rule.matcher, span);
    if (found !== undefined) return found;
  }
  return undefined;
}

function firstString(
  node: unknown,
  location: (string | number)[],
  matcher: StringMatcher,
  span: TextSpan,
): ValueLocation | undefined {
  if (location.length > MAX_DEPTH) throw new DepthExceeded();
  if (typeof node === "string") return matcher.find(node, 0, span) ? location.slice() : undefined;
  const keys = Array.isArray(node) ? node.keys() : isRecord(node) ? Object.keys(node) : [];
  for (const key of keys) {
    location.push(key);
    const found = firstString((node as Record<string | number, unknown>)[key], location, matcher, span);
    location.pop();
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Claims what `rule` matches in `value` (see {@link applySet} for the order) and records the firing.
 * Returns whether it claimed anything.
 */
function claimRule(root: Mark, value: unknown, rule: CompiledRule, run: Evaluation): boolean {
  const at = run.trace ? ([] as string[]) : undefined;
  let count = 0;
  for (const scope of scopesOf(value, rule)) {
    const node = valueAt(value, scope);
    if (rule.matcher === undefined) {
      const mark = markAt(root, scope);
      if (mark !== undefined && claimNode(mark, node, rule)) {
        count += 1;
        at?.push(formatLocation(scope));
      }
    } else {
      const mark = existingMark(root, scope);
      if (mark === "claimed") continue;
      const scan = new TextScan(root, rule, rule.matcher, at);
      scan.node(node, [...scope], mark);
      count += scan.count;
    }
  }
  if (count === 0) return false;
  run.fire(rule, count, at === undefined ? undefined : [...new Set(at)]);
  return true;
}

/** One regex or detector rule looking through the strings of one scope. */
class TextScan {
  count = 0;
  readonly #span: TextSpan = { start: 0, end: 0 };

  constructor(
    readonly root: Mark,
    readonly rule: CompiledRule,
    readonly matcher: StringMatcher,
    readonly at: string[] | undefined,
  ) {}

  node(node: unknown, location: (string | number)[], mark: Mark | undefined): void {
    if (mark?.claim !== undefined) return;
    if (location.length > MAX_DEPTH) throw new DepthExceeded();
    if (typeof node === "string") {
      this.#string(node, location, mark);
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        location.push(i);
        this.node(node[i], location, mark?.children?.get(i));
        location.pop();
      }
    } else if (isRecord(node)) {
      for (const key of Object.keys(node)) {
        location.push(key);
        this.node(node[key], location, mark?.children?.get(key));
        location.pop();
      }
    }
  }

  #string(text: string, location: ValueLocation, existing: Mark | undefined): void {
    const span = this.#span;
    let mark = existing;
    let found = 0;
    if (this.rule.target === "value") {
      if (!this.matcher.find(text, 0, span)) return;
      mark ??= markAt(this.root, location);
      if (mark !== undefined && claimNode(mark, text, this.rule)) found = 1;
    } else {
      let from = 0;
      while (from < text.length && this.matcher.find(text, from, span)) {
        if (spanIsFree(mark, span.start, span.end)) {
          mark ??= markAt(this.root, location);
          if (mark === undefined) return;
          claimSpan(mark, span.start, span.end, this.rule);
          found += 1;
        }
        from = span.end;
      }
    }
    if (found === 0) return;
    this.count += found;
    this.at?.push(formatLocation(location));
  }
}

/** The output for `value`: claimed parts transformed, the rest shared with the input. */
function render(value: unknown, mark: Mark, run: Evaluation): unknown {
  if (mark.claim !== undefined) return act(mark.claim, value, run);
  if (typeof value === "string" && mark.spans !== undefined) {
    let out = "";
    let at = 0;
    for (const span of mark.spans) {
      out += value.slice(at, span.start) + actOnText(span.rule, value.slice(span.start, span.end), run);
      at = span.end;
    }
    return out + value.slice(at);
  }
  if (mark.children === undefined) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = value.slice();
    for (const [key, child] of mark.children) copy[key as number] = render(value[key as number], child, run);
    return copy;
  }
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...record };
  for (const [key, child] of mark.children)
    setMember(copy, key as string, render(record[key as string], child, run));
  return copy;
}

/** Sets a member of a copied record; `__proto__` as an own member, as JSON.parse made it. */
function setMember(copy: Record<string, unknown>, key: string, member: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(copy, key, { value: member, enumerable: true, writable: true, configurable: true });
  else copy[key] = member;
}

/** A claimed value transformed: hash and mask act on its text (see canonical-json.ts). */
function act(rule: CompiledRule, value: unknown, run: Evaluation): unknown {
  if (rule.action !== "hash" && rule.action !== "mask") return value;
  const replacement = actOnText(rule, textOf(value), run);
  recordHidden(value, replacement, run, 0);
  return replacement;
}

function actOnText(rule: CompiledRule, text: string, run: Evaluation): string {
  switch (rule.action) {
    case "hash":
      // applySet dropped the event if neither the rule, its set nor the tenant has a key.
      return run.hmac((rule.hashKey ?? run.hashKey)!, text);
    case "mask":
      return maskText(text, rule.mask);
    case "allow":
    case "drop":
      return text;
  }
}
