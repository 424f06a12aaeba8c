/**
 * Authorization: the rules authorizer (deny-first rules with placeholders, cached per client) and the
 * audit log of denied actions.
 * @module
 */

export { AuditLog, type AuditEvent } from "./audit-log.js";
export { filterCovers, filterMatches } from "./filter-match.js";
export { ruleProblems, type RuleDeny } from "./rule-set.js";
export { RulesAuthorizer, type DenialSource, type RulesAuthorizerOptions } from "./rules-authorizer.js";
