/**
 * What a rule set does to a sample payload, for `POST /api/v1/privacy/preview`: the route passes the
 * request's rule set and sample and returns this function's answer. Either every problem of the rule
 * set (each naming its field), or the output (or the drop) and which rules fired, where.
 * @module
 */

import { compileRuleSet } from "./compile-rule-set.js";
import type { Hmac } from "./hmac.js";
import { formatLocation, isRecord, MAX_DEPTH, type ValueLocation } from "./json-path.js";
import { nodeHmac } from "./node-hmac.js";
import { PrivacyEngine, type DropReason } from "./privacy-engine.js";
import { issue, type PrivacyIssue } from "./privacy-issue.js";
import type { PrivacyAction } from "./privacy-rule-set.js";

export interface PreviewOptions {
  /** Default: HMAC-SHA256 over node:crypto. */
  readonly hmac?: Hmac;
  /** The tenant's key, for hash rules with no key of their own or of the set. */
  readonly hashKey?: string;
}

/** A rule that acted on the sample. */
export interface PreviewFiring {
  readonly rule: string;
  readonly index: number;
  readonly action: PrivacyAction;
  /** Values or pieces of text it acted on. */
  readonly count: number;
  /** Where, as JSON paths. */
  readonly at: readonly string[];
}

export type PrivacyPreview =
  | { readonly ok: false; readonly errors: readonly PrivacyIssue[] }
  | {
      readonly ok: true;
      readonly outcome: "keep";
      readonly output: unknown;
      readonly changed: boolean;
      readonly fired: readonly PreviewFiring[];
    }
  | {
      readonly ok: true;
      readonly outcome: "drop";
      readonly reason: Exclude<DropReason, "no-hash-key">;
      /** The drop rule that matched; undefined when the sample is nested too deep to inspect. */
      readonly droppedBy: { readonly rule: string; readonly index: number } | undefined;
      readonly fired: readonly PreviewFiring[];
    };

/**
 * @param ruleSetJson a rule set, parsed or as JSON text
 * @param samplePayload a parsed JSON value (a string is a JSON string value, not JSON text)
 * @example
 * ```ts
 * previewPrivacy(
 *   { rules: [{ id: "emails", match: { detector: "email" }, action: "mask", keepLast: 4 }] },
 *   { organizer: "ada@example.com" },
 * );
 * // { ok: true, outcome: "keep", output: { organizer: "***********.com" }, changed: true,
 * //   fired: [{ rule: "emails", index: 0, action: "mask", count: 1, at: ["$.organizer"] }] }
 * ```
 */
export function previewPrivacy(
  ruleSetJson: unknown,
  samplePayload: unknown,
  options: PreviewOptions = {},
): PrivacyPreview {
  let input = ruleSetJson;
  if (typeof ruleSetJson === "string") {
    try {
      input = JSON.parse(ruleSetJson) as unknown;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, errors: [{ path: "", message: `the rule set is not valid JSON: ${detail}` }] };
    }
  }
  const compiled = compileRuleSet(input, { id: "preview" });
  const errors: PrivacyIssue[] = compiled.ok ? [] : [...compiled.issues];
  if (compiled.ok && compiled.ruleSet.keylessHash !== undefined && options.hashKey === undefined) {
    errors.push(
      issue(
        ["rules", compiled.ruleSet.keylessHash.ref.index, "key"],
        `is required: the rule hashes, and neither the rule set nor the preview request gives a key`,
      ),
    );
  }
  const problem = jsonProblem(samplePayload, []);
  if (problem !== undefined) errors.push({ path: "sample", message: `the sample ${problem}` });
  if (!compiled.ok || errors.length > 0) return { ok: false, errors };

  const engine = new PrivacyEngine({ hmac: options.hmac ?? nodeHmac });
  const outcome = engine.apply(samplePayload, compiled.ruleSet, { hashKey: options.hashKey, trace: true });
  const fired = outcome.fired.map((firing) => ({
    rule: firing.rule.rule,
    index: firing.rule.index,
    action: firing.rule.action,
    count: firing.count,
    at: firing.at ?? [],
  }));
  if (outcome.kind === "keep")
    return { ok: true, outcome: "keep", output: outcome.value, changed: outcome.changed, fired };
  return {
    ok: true,
    outcome: "drop",
    reason: outcome.reason === "too-deep" ? "too-deep" : "rule",
    droppedBy:
      outcome.rule === undefined ? undefined : { rule: outcome.rule.rule, index: outcome.rule.index },
    fired,
  };
}

/** Why `value` is not a JSON value (undefined, a function, NaN...), naming where; undefined if it is. */
function jsonProblem(value: unknown, location: (string | number)[]): string | undefined {
  if (location.length > MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels`;
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : notJson(location, String(value));
    case "object": {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = jsonProblem(value[i], [...location, i]);
          if (found !== undefined) return found;
        }
        return undefined;
      }
      if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype)
        return notJson(location, "an object that is not plain");
      for (const key of Object.keys(value)) {
        const found = jsonProblem(value[key], [...location, key]);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    default:
      return notJson(location, typeof value);
  }
}

function notJson(location: ValueLocation, what: string): string {
  return `holds a value JSON cannot represent at ${formatLocation(location)}: ${what}`;
}
