/**
 * The privacy engine: rule sets that hash, mask, drop or allow what they match (by regular expression,
 * JSON path, key name or built-in detector) in events before they leave the broker, scoped to a
 * tenant, a subscriber role or an outbound broker (docs/privacy.md).
 * @module
 */

export { applyToPayload, type PayloadRules } from "./apply-to-payload.js";
export { compileRuleSet, type CompileOptions, type CompileResult } from "./compile-rule-set.js";
export type { CompiledRule, CompiledRuleSet, RuleRef } from "./compiled-rule-set.js";
export { createDetector, isPhoneLike } from "./detectors.js";
export type { Hmac } from "./hmac.js";
export {
  formatLocation,
  type JsonPath,
  type JsonPathParse,
  type JsonPathSegment,
  MAX_DEPTH,
  parseJsonPath,
  selectPath,
  type ValueLocation,
} from "./json-path.js";
export { type MaskOptions, maskText } from "./mask-text.js";
export { nodeHmac } from "./node-hmac.js";
export {
  type ActionCount,
  type EventOutcome,
  PrivacyCounters,
  type PrivacyCountersSnapshot,
  type RuleCount,
} from "./privacy-counters.js";
export {
  type ApplyOptions,
  type DropReason,
  PrivacyEngine,
  type PrivacyEngineOptions,
  type PrivacyOutcome,
  type RuleFiring,
} from "./privacy-engine.js";
export type { PrivacyIssue } from "./privacy-issue.js";
export {
  type BridgeRuleSets,
  type PolicyResult,
  type PrivacyAttachments,
  type PrivacyOutput,
  type PrivacyPlan,
  PrivacyPolicy,
  type RoleRuleSets,
} from "./privacy-policy.js";
export {
  detectorNames,
  type DetectorName,
  matchTargets,
  type MatchTarget,
  privacyActions,
  type PrivacyAction,
  privacyLimits,
  type PrivacyMatchInput,
  type PrivacyRuleInput,
  type PrivacyRuleSetInput,
} from "./privacy-rule-set.js";
export {
  type PreviewFiring,
  type PreviewOptions,
  type PrivacyPreview,
  previewPrivacy,
} from "./preview-privacy.js";
export { privacyRuleSetSchema } from "./rule-set-schema.js";
export type { StringMatcher, TextSpan } from "./string-matcher.js";
export {
  compileTenantPrivacy,
  type TenantPrivacyInput,
  tenantPrivacyLimits,
  type TenantPrivacyResult,
} from "./tenant-privacy.js";
