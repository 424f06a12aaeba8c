/**
 * Validates a rule set (JSON Schema with ajv, then what a schema cannot check) and compiles it. Every
 * problem is reported at once, each naming its field: `"rules[1].match.regex" is not a valid regular
 * expression: Unterminated group`, `"rules[0].action" must be one of "hash", "mask", "drop", "allow",
 * not "redact"`, `"rules[2].match.path" is not a valid path: expected "]" at character 5 of "$.a[0"`.
 * @module
 */

import { Ajv } from "ajv";
import type { CompiledRule, CompiledRuleSet } from "./compiled-rule-set.js";
import { createDetector } from "./detectors.js";
import { isRecord, type JsonPath, parseJsonPath } from "./json-path.js";
import { type FieldSegment, formatFieldPath, issue, type PrivacyIssue } from "./privacy-issue.js";
import type { PrivacyMatchInput, PrivacyRuleInput, PrivacyRuleSetInput } from "./privacy-rule-set.js";
import { nestedQuantifierProblem } from "./regex-safety.js";
import { privacyRuleSetSchema } from "./rule-set-schema.js";
import { schemaIssues } from "./schema-issues.js";
import { RegexMatcher, type StringMatcher } from "./string-matcher.js";

export type CompileResult =
  | { readonly ok: true; readonly ruleSet: CompiledRuleSet }
  | { readonly ok: false; readonly issues: readonly PrivacyIssue[] };

export interface CompileOptions {
  /** The set's id in counters and results; overrides the set's own `id`. Default: its `id`, else `rules`. */
  readonly id?: string;
}

const validateShape = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(privacyRuleSetSchema);

/**
 * @example
 * ```ts
 * const result = compileRuleSet({ rules: [{ match: { detector: "email" }, action: "hash" }] }, { id: "crm" });
 * if (!result.ok) console.log(result.issues.map((i) => i.message));
 * ```
 */
export function compileRuleSet(input: unknown, options: CompileOptions = {}): CompileResult {
  const shapeIssues = validateShape(input) ? [] : schemaIssues(validateShape.errors ?? []);
  const issues: PrivacyIssue[] = [...shapeIssues];
  if (!isRecord(input) || !Array.isArray(input["rules"])) return { ok: false, issues };
  const rules: readonly unknown[] = input["rules"];
  const set = input as Partial<PrivacyRuleSetInput>;
  const setId = options.id ?? (typeof set.id === "string" ? set.id : "rules");
  const setKey = typeof set.key === "string" ? set.key : undefined;
  const flagged = (at: readonly FieldSegment[]) => {
    const parent = formatFieldPath(at);
    return shapeIssues.some((found) => isWithin(found.path, parent));
  };

  const compiled: CompiledRule[] = [];
  const ids = new Map<string, number>();
  rules.forEach((rule, index) => {
    const at: FieldSegment[] = ["rules", index];
    if (!isRecord(rule)) return;
    if (typeof rule["id"] === "string" && !flagged([...at, "id"])) {
      const first = ids.get(rule["id"]);
      if (first !== undefined) issues.push(issue([...at, "id"], `repeats the id of rules[${first}]`));
      else ids.set(rule["id"], index);
    }
    // Each check runs on fields the schema accepted, so one bad field does not hide the others' problems.
    const ruleIssues: PrivacyIssue[] = [];
    const match = isRecord(rule["match"]) && !flagged([...at, "match"]) ? rule["match"] : undefined;
    const finding = match === undefined ? undefined : compileMatch(match, [...at, "match"], ruleIssues);
    if (flagged(at)) {
      issues.push(...ruleIssues);
      return;
    }
    const written = rule as unknown as PrivacyRuleInput;
    checkOptions(written, at, ruleIssues);
    issues.push(...ruleIssues);
    if (ruleIssues.length > 0 || finding === undefined) return;
    compiled.push({
      ref: { ruleSet: setId, rule: written.id ?? `rules[${index}]`, index, action: written.action },
      action: written.action,
      selector: finding.selector,
      matcher: finding.matcher,
      target: written.target ?? "match",
      hashKey: written.key ?? setKey,
      mask: {
        mask: written.mask ?? "*",
        keepLast: written.keepLast ?? 0,
        preserveLength: written.preserveLength ?? true,
      },
    });
  });
  if (issues.length > 0) return { ok: false, issues: inRuleOrder(issues) };

  return {
    ok: true,
    ruleSet: {
      id: setId,
      rules: compiled,
      drops: compiled.filter((rule) => rule.action === "drop"),
      allows: compiled.filter((rule) => rule.action === "allow"),
      transforms: compiled.filter((rule) => rule.action === "hash" || rule.action === "mask"),
      keylessHash: compiled.find((rule) => rule.action === "hash" && rule.hashKey === undefined),
    },
  };
}

/** Whether the field `path` is `parent` or inside it. */
function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

/** The set's own fields first, then rule by rule (stable within a rule). */
function inRuleOrder(issues: readonly PrivacyIssue[]): PrivacyIssue[] {
  const ruleOf = (found: PrivacyIssue) => Number(/^rules\[(\d+)\]/.exec(found.path)?.[1] ?? -1);
  return [...issues].sort((a, b) => ruleOf(a) - ruleOf(b));
}

interface Finding {
  readonly selector: JsonPath | undefined;
  readonly matcher: StringMatcher | undefined;
}

/** Checks a `match` the schema accepted and builds its selector and matcher. */
function compileMatch(
  match: PrivacyMatchInput,
  at: readonly FieldSegment[],
  issues: PrivacyIssue[],
): Finding | undefined {
  const before = issues.length;
  if (
    match.regex === undefined &&
    match.detector === undefined &&
    match.path === undefined &&
    match.key === undefined
  )
    issues.push(issue(at, `must say what to match: "regex", "detector", "path" or "key"`));
  if (match.path !== undefined && match.key !== undefined)
    issues.push(issue(at, `has both "path" and "key": a rule selects values with one of them`));
  if (match.regex !== undefined && match.detector !== undefined)
    issues.push(issue(at, `has both "regex" and "detector": a rule finds text with one of them`));
  if (match.flags !== undefined && match.regex === undefined)
    issues.push(issue([...at, "flags"], `applies only to "regex"`));

  let selector: JsonPath | undefined;
  if (match.path !== undefined) {
    const parsed = parseJsonPath(match.path);
    if (parsed.ok) selector = parsed.path;
    else issues.push(issue([...at, "path"], `is not a valid path: ${parsed.error}`));
  } else if (match.key !== undefined) {
    selector = { text: `$..${match.key}`, segments: [{ kind: "descendant", name: match.key }] };
  }

  let matcher: StringMatcher | undefined;
  if (match.regex !== undefined) {
    const regex = compileRegex(match.regex, match.flags ?? "", at, issues);
    if (regex !== undefined) matcher = new RegexMatcher(regex);
  } else if (match.detector !== undefined) {
    matcher = createDetector(match.detector);
  }
  return issues.length > before ? undefined : { selector, matcher };
}

/** Checks that a rule's options fit its action and its match. */
function checkOptions(rule: PrivacyRuleInput, at: readonly FieldSegment[], issues: PrivacyIssue[]): void {
  const { match, action } = rule;
  const findsText = match.regex !== undefined || match.detector !== undefined;
  if (rule.target !== undefined && !findsText)
    issues.push(issue([...at, "target"], `applies only to "regex" and "detector" matches`));
  else if (rule.target !== undefined && action === "drop")
    issues.push(issue([...at, "target"], `has no meaning for "drop": any match drops the event`));
  if (rule.key !== undefined && action !== "hash")
    issues.push(issue([...at, "key"], `applies only to the "hash" action`));
  for (const option of ["mask", "keepLast", "preserveLength"] as const) {
    if (rule[option] !== undefined && action !== "mask")
      issues.push(issue([...at, option], `applies only to the "mask" action`));
  }
  const mask = rule.mask ?? "*";
  if (action === "mask" && (rule.preserveLength ?? true) && Array.from(mask).length !== 1) {
    issues.push(
      issue(
        [...at, "mask"],
        `must be one character when "preserveLength" is true (set "preserveLength": false to put ${JSON.stringify(mask)} once in place of the hidden characters)`,
      ),
    );
  }
}

function compileRegex(
  source: string,
  flags: string,
  matchAt: readonly FieldSegment[],
  issues: PrivacyIssue[],
): RegExp | undefined {
  if (new Set(flags).size !== flags.length) {
    issues.push(issue([...matchAt, "flags"], `repeats a flag: ${JSON.stringify(flags)}`));
    return undefined;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, `${flags}g`);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(
      /^Invalid regular expression: \/.*\/[a-z]*: /su,
      "",
    );
    issues.push(issue([...matchAt, "regex"], `is not a valid regular expression: ${detail}`));
    return undefined;
  }
  const slow = nestedQuantifierProblem(source);
  if (slow !== undefined) {
    issues.push(issue([...matchAt, "regex"], `is refused: ${slow}`));
    return undefined;
  }
  return regex;
}
