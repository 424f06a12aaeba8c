/**
 * What the rules have claimed in one value, built while a rule set is evaluated and then rendered
 * into the output. A mark mirrors one node of the value: claimed whole by one rule, or holding claimed
 * children (containers) or claimed character spans (strings). Each part of a value is claimed by at
 * most one rule, the first that reaches it; nothing is marked that no rule touches, so untouched
 * parts of the value are shared with the input, not copied.
 * @module
 */

import type { CompiledRule } from "./compiled-rule-set.js";
import { isRecord, type ValueLocation } from "./json-path.js";

export interface SpanClaim {
  readonly start: number;
  readonly end: number;
  readonly rule: CompiledRule;
}

export interface Mark {
  claim: CompiledRule | undefined;
  children: Map<string | number, Mark> | undefined;
  /** Strings only: claimed spans, sorted by start, never overlapping. */
  spans: SpanClaim[] | undefined;
}

export function newMark(claim?: CompiledRule): Mark {
  return { claim, children: undefined, spans: undefined };
}

/**
 * The existing mark at `location`: `"claimed"` when the location or one of its ancestors is claimed
 * whole, undefined when nothing is marked there yet. Creates nothing.
 */
export function existingMark(root: Mark, location: ValueLocation): Mark | "claimed" | undefined {
  let mark: Mark | undefined = root;
  for (const key of location) {
    if (mark.claim !== undefined) return "claimed";
    mark = mark.children?.get(key);
    if (mark === undefined) return undefined;
  }
  return mark.claim === undefined ? mark : "claimed";
}

/**
 * The mark at `location`, created (with its ancestors) when missing; undefined when an ancestor is
 * claimed whole. Only marks below the last existing one are created, and those are fresh, so a call
 * that returns undefined has created nothing.
 */
export function markAt(root: Mark, location: ValueLocation): Mark | undefined {
  let mark = root;
  for (const key of location) {
    if (mark.claim !== undefined) return undefined;
    mark.children ??= new Map();
    let child = mark.children.get(key);
    if (child === undefined) {
      child = newMark();
      mark.children.set(key, child);
    }
    mark = child;
  }
  return mark;
}

/**
 * Claims `node` for `rule`: whole when nothing in it is claimed yet, otherwise every part not yet
 * claimed (each unclaimed child, each unclaimed stretch of a string), so a part claimed earlier, by an
 * allow rule in particular, keeps its claim. Returns whether anything was claimed.
 */
export function claimNode(mark: Mark, node: unknown, rule: CompiledRule): boolean {
  if (mark.claim !== undefined) return false;
  if (mark.children === undefined && mark.spans === undefined) {
    mark.claim = rule;
    return true;
  }
  if (typeof node === "string") return claimGaps(mark, node.length, rule);
  const children = (mark.children ??= new Map<string | number, Mark>());
  let claimed = false;
  const claimChild = (key: string | number, child: unknown) => {
    const existing = children.get(key);
    if (existing === undefined) {
      children.set(key, newMark(rule));
      claimed = true;
    } else if (claimNode(existing, child, rule)) {
      claimed = true;
    }
  };
  if (Array.isArray(node)) node.forEach((child, index) => claimChild(index, child));
  else if (isRecord(node)) for (const key of Object.keys(node)) claimChild(key, node[key]);
  return claimed;
}

/** Claims every stretch of a string of `length` that no span covers. */
function claimGaps(mark: Mark, length: number, rule: CompiledRule): boolean {
  const spans = mark.spans ?? [];
  const result: SpanClaim[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start > at) result.push({ start: at, end: span.start, rule });
    result.push(span);
    at = span.end;
  }
  if (length > at) result.push({ start: at, end: length, rule });
  const claimed = result.length > spans.length;
  mark.spans = result;
  return claimed;
}

/** True when `[start, end)` overlaps no claimed span of `mark` (which may not exist yet). */
export function spanIsFree(mark: Mark | undefined, start: number, end: number): boolean {
  if (mark === undefined) return true;
  if (mark.claim !== undefined) return false;
  for (const span of mark.spans ?? []) {
    if (span.start < end && start < span.end) return false;
  }
  return true;
}

/** Claims `[start, end)`, which must be free (see {@link spanIsFree}). */
export function claimSpan(mark: Mark, start: number, end: number, rule: CompiledRule): void {
  const spans = (mark.spans ??= []);
  let i = spans.length;
  while (i > 0 && spans[i - 1]!.start > start) i -= 1;
  spans.splice(i, 0, { start, end, rule });
}
