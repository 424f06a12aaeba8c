/**
 * A problem found in a privacy rule set (or in how rule sets are attached): returned as a value, never
 * thrown, so the preview endpoint and the registry can show every problem at once.
 * @module
 */

export interface PrivacyIssue {
  /** The field at fault as a dotted path, e.g. `rules[1].match.regex`; "" for the rule set itself. */
  readonly path: string;
  /** What is wrong, naming the field, e.g. `"rules[1].match.regex" is not a valid regular expression: ...`. */
  readonly message: string;
}

/** One segment of a field path: a key or an array index. */
export type FieldSegment = string | number;

/** `["rules", 1, "match", "regex"]` → `rules[1].match.regex`. */
export function formatFieldPath(segments: readonly FieldSegment[]): string {
  let text = "";
  for (const segment of segments) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

/** How a field is named at the start of a message: `"rules[1].action"`, or `the rule set` for "". */
export function fieldSubject(path: string): string {
  return path === "" ? "the rule set" : `"${path}"`;
}

export function issue(segments: readonly FieldSegment[], detail: string): PrivacyIssue {
  const path = formatFieldPath(segments);
  return { path, message: `${fieldSubject(path)} ${detail}` };
}
