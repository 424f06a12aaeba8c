/**
 * The JSON Schema (draft-07) of a privacy rule set: the shape of every field. What a schema cannot say
 * (a regular expression that compiles, a valid path, options that belong to another action) is checked
 * by `compileRuleSet` afterwards.
 * @module
 */

import {
  detectorNames,
  matchTargets,
  PRIVACY_ID_PATTERN,
  privacyActions,
  privacyLimits as limits,
} from "./privacy-rule-set.js";

const idSchema = { type: "string", pattern: PRIVACY_ID_PATTERN } as const;
const descriptionSchema = { type: "string", maxLength: limits.descriptionLength } as const;
const hashKeySchema = {
  type: "string",
  minLength: limits.hashKeyMinLength,
  maxLength: limits.hashKeyMaxLength,
} as const;

const matchSchema = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: {
    regex: { type: "string", minLength: 1, maxLength: limits.regexLength },
    flags: { type: "string", pattern: "^[imsu]*$", maxLength: 4 },
    detector: { type: "string", enum: detectorNames },
    path: { type: "string", minLength: 1, maxLength: limits.pathLength },
    key: { type: "string", minLength: 1, maxLength: limits.keyNameLength },
  },
} as const;

const ruleSchema = {
  type: "object",
  additionalProperties: false,
  required: ["match", "action"],
  properties: {
    id: idSchema,
    description: descriptionSchema,
    match: matchSchema,
    action: { type: "string", enum: privacyActions },
    target: { type: "string", enum: matchTargets },
    key: hashKeySchema,
    mask: { type: "string", minLength: 1, maxLength: limits.maskLength },
    keepLast: { type: "integer", minimum: 0, maximum: limits.keepLast },
    preserveLength: { type: "boolean" },
  },
} as const;

/** The schema of a {@link PrivacyRuleSetInput}; usable in OpenAPI documents as is. */
export const privacyRuleSetSchema = {
  title: "Privacy rule set",
  type: "object",
  additionalProperties: false,
  required: ["rules"],
  properties: {
    id: idSchema,
    description: descriptionSchema,
    key: hashKeySchema,
    rules: { type: "array", maxItems: limits.rules, items: ruleSchema },
  },
} as const;
