/**
 * Turns ajv's errors on a rule set into {@link PrivacyIssue}s that name the field and say what is
 * wrong with it, e.g. `"rules[0].action" must be one of "hash", "mask", "drop", "allow", not
 * "redact"`. One issue per field, in ajv's order.
 * @module
 */

import type { ErrorObject } from "ajv";
import { type FieldSegment, formatFieldPath, issue, type PrivacyIssue } from "./privacy-issue.js";

/** Words for the patterns of the schema, where "must match ^...$" would not help. */
const patternWords: Readonly<Record<string, string>> = {
  id: "must be 1 to 64 letters, digits or . _ : - and start with a letter or digit",
  flags: "may only contain the flags i, m, s and u",
};

const typeNames: Readonly<Record<string, string>> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  array: "a list",
};

/** ajv must be created with `allErrors` and `verbose` (for `data` and `parentSchema`). */
export function schemaIssues(errors: readonly ErrorObject[]): PrivacyIssue[] {
  const issues = new Map<string, PrivacyIssue>();
  for (const error of errors) {
    const found = toIssue(error);
    if (!issues.has(found.path)) issues.set(found.path, found);
  }
  return [...issues.values()];
}

function toIssue(error: ErrorObject): PrivacyIssue {
  const at = parsePointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const allowed = Object.keys((error.parentSchema?.["properties"] ?? {}) as object);
      return {
        path: formatFieldPath([...at, String(params["additionalProperty"])]),
        message: `unknown field "${formatFieldPath([...at, String(params["additionalProperty"])])}" (allowed: ${allowed.join(", ")})`,
      };
    }
    case "required":
      return issue([...at, String(params["missingProperty"])], "is required");
    case "minProperties":
      return issue(at, `must say what to match: "regex", "detector", "path" or "key"`);
    default:
      return issue(at, describe(error, params, at));
  }
}

function describe(error: ErrorObject, params: Record<string, unknown>, at: readonly FieldSegment[]): string {
  const not = `, not ${show(error.data)}`;
  switch (error.keyword) {
    case "type":
      return `must be ${typeNames[String(params["type"])] ?? String(params["type"])}${not}`;
    case "enum":
      return `must be one of ${(params["allowedValues"] as unknown[]).map(show).join(", ")}${not}`;
    case "minimum":
      return `must be >= ${String(params["limit"])}${not}`;
    case "maximum":
      return `must be <= ${String(params["limit"])}${not}`;
    case "minLength":
      return params["limit"] === 1
        ? "must not be empty"
        : `must be at least ${String(params["limit"])} characters long`;
    case "maxLength":
      return `must be at most ${String(params["limit"])} characters long`;
    case "maxItems":
      return `must have at most ${String(params["limit"])} items`;
    case "pattern": {
      const words = patternWords[String(at.at(-1))];
      return `${show(error.data)} ${words ?? `must match ${String(params["pattern"])}`}`;
    }
    default:
      return error.message ?? `fails the "${error.keyword}" rule`;
  }
}

function show(value: unknown): string {
  const text = (JSON.stringify(value) as string | undefined) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `/rules/0/match` → `["rules", 0, "match"]`. */
function parsePointer(pointer: string): FieldSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((raw) => raw.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}
