/**
 * A privacy rule set as users write it (JSON: attached to a tenant, a subscriber role or an outbound
 * broker, or sent to the preview endpoint). `compileRuleSet` validates it against
 * `privacyRuleSetSchema` and compiles it once; the engine then applies the compiled form to every
 * event. docs/privacy.md describes every field.
 * @module
 */

/** What a rule does to what it matches. */
export const privacyActions = ["hash", "mask", "drop", "allow"] as const;
export type PrivacyAction = (typeof privacyActions)[number];

/** The built-in detectors, usable as `{"match": {"detector": "email"}}`. */
export const detectorNames = ["email", "phone"] as const;
export type DetectorName = (typeof detectorNames)[number];

/**
 * What a regex or detector rule acts on: the matched text only (`match`, the default: `"Call
 * ada@example.com"` becomes `"Call <hash>"`) or the whole string value that contains a match.
 */
export const matchTargets = ["match", "value"] as const;
export type MatchTarget = (typeof matchTargets)[number];

/**
 * What a rule matches. At least one field; `path` and `key` select values (at most one of them),
 * `regex` and `detector` find text in string values (at most one of them). A selector and a text
 * matcher together find text only inside the selected values.
 */
export interface PrivacyMatchInput {
  /** A JavaScript regular expression, run on every string value in scope. */
  readonly regex?: string;
  /** Flags of `regex`: any of `i`, `m`, `s`, `u`. */
  readonly flags?: string;
  readonly detector?: DetectorName;
  /** A JSON path in the documented subset: `$.a.b`, `$.a[0]`, `$.a[*].b`, `$..key`, `$['a b']`. */
  readonly path?: string;
  /** A key name: every member of that name, at any depth (as the path `$..<key>`). */
  readonly key?: string;
}

export interface PrivacyRuleInput {
  /** Names the rule in counters, metrics and previews; defaults to `rules[<index>]`. Unique in its set. */
  readonly id?: string;
  readonly description?: string;
  readonly match: PrivacyMatchInput;
  readonly action: PrivacyAction;
  /** Regex and detector rules only; default `match`. */
  readonly target?: MatchTarget;
  /** `hash` only: the HMAC key of this rule (else the rule set's, else the tenant's). */
  readonly key?: string;
  /** `mask` only: the mask (default `*`). */
  readonly mask?: string;
  /** `mask` only: how many trailing characters stay visible (default 0). */
  readonly keepLast?: number;
  /**
   * `mask` only: repeat `mask` (then one character) once per hidden character (true, the default), or
   * put `mask` once in place of all hidden characters (false).
   */
  readonly preserveLength?: boolean;
}

export interface PrivacyRuleSetInput {
  /** Names the set in counters and metrics. */
  readonly id?: string;
  readonly description?: string;
  /** The HMAC key of the set's `hash` rules that have none of their own. */
  readonly key?: string;
  readonly rules: readonly PrivacyRuleInput[];
}

/** Bounds of a rule set (enforced by the schema). */
export const privacyLimits = {
  rules: 256,
  regexLength: 1024,
  pathLength: 512,
  keyNameLength: 256,
  maskLength: 64,
  keepLast: 64,
  hashKeyMinLength: 16,
  hashKeyMaxLength: 1024,
  descriptionLength: 1024,
} as const;

/** Ids of rule sets and rules: as role names (letters, digits, `. _ : -`, at most 64). */
export const PRIVACY_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";
