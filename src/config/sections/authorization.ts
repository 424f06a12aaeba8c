/**
 * The `authorization` configuration section: its type and its JSON Schema. The rule semantics are in
 * `src/auth/authorization/rules-authorizer.ts` and docs/security.md.
 * @module
 */

import { type JsonSchema, type PropertiesOf, valuesOf, INT32_MAX } from "../schema-support.js";

export type RuleEffect = "allow" | "deny";
/** `read` is subscribe and receive; `all` is publish, subscribe and receive. */
export type RuleAction = "publish" | "subscribe" | "receive" | "read" | "all";
export type NoMatchPolicy = "deny" | "allow";
export type DeniedPublishPolicy = "drop" | "disconnect";

export interface AuthorizationRule {
  /** Names the rule in audit logs; `rule-<index>` when not given. */
  readonly id?: string;
  readonly effect: RuleEffect;
  readonly action: RuleAction;
  /** A topic filter, with `%c` (client id), `%u` (authenticated user name: the principal's id) and `%t` (tenant) placeholders. */
  readonly topic: string;
  /** Only for this principal id. */
  readonly principal?: string;
  /** Only for principals with this role. */
  readonly role?: string;
  /** Only for principals of this tenant. */
  readonly tenant?: string;
}

export interface AuthorizationConfig {
  readonly rules: readonly AuthorizationRule[];
  /** What a request no rule matches gets (once at least one rule is configured). */
  readonly noMatch: NoMatchPolicy;
  /** What happens to a denied PUBLISH that cannot carry a reason code (MQTT 3, and MQTT 5 QoS 0). */
  readonly deniedPublish: DeniedPublishPolicy;
  /** Decisions remembered per client and action. */
  readonly cacheSize: number;
  /** Most audit log lines per second (denied actions, exceeded limits); the rest are counted. */
  readonly auditLogRate: number;
}

/**
 * A valid MQTT topic filter: "+" and "#" only as whole levels, "#" only last, no U+0000, not empty
 * (spec 4.7.1). Placeholders (`%c`, `%u`, `%t`) are ordinary characters here.
 */
export const TOPIC_FILTER_PATTERN = "^(?:(?:[^+#/\\u0000]*|\\+)/)*(?:[^+#/\\u0000]*|\\+|#)$";
/** A tenant id: no "/", "+", "#" or U+0000. */
export const TENANT_ID_PATTERN = "^[^/+#\\u0000]+$";

const ruleProperties: PropertiesOf<AuthorizationRule> = {
  id: {
    type: "string",
    minLength: 1,
    "x-default": "`rule-<index>`",
    description: "Names the rule in audit logs. Defaults to `rule-<index>` (0-based).",
  },
  effect: {
    type: "string",
    enum: valuesOf<RuleEffect>({ allow: 0, deny: 0 }),
    description: "`allow` or `deny`. Any matching `deny` wins over every `allow`.",
  },
  action: {
    type: "string",
    enum: valuesOf<RuleAction>({ publish: 0, subscribe: 0, receive: 0, read: 0, all: 0 }),
    description:
      "`publish`, `subscribe`, `receive` (each message delivered, retained ones included), `read` (subscribe and receive) or `all`.",
  },
  topic: {
    type: "string",
    minLength: 1,
    maxLength: 65_535,
    pattern: TOPIC_FILTER_PATTERN,
    description:
      "A topic filter in the client's own namespace (without any tenant mount). `%c`, `%u` and `%t` stand for the client id, the authenticated user name (the principal's id; for an anonymous client, the user name it sent) and the tenant. A publish or receive matches when the topic matches the filter; a subscription matches when every topic its filter can match is matched by the rule's filter (`a/#` matches a subscription to `a/b/+`, not one to `#`). As in MQTT, a filter starting with a wildcard matches no topic starting with `$`.",
  },
  principal: {
    type: "string",
    minLength: 1,
    "x-default": "any principal",
    description: "Only for the principal with this id (what the authenticator named it).",
  },
  role: {
    type: "string",
    minLength: 1,
    "x-default": "any role",
    description: "Only for principals with this role.",
  },
  tenant: {
    type: "string",
    minLength: 1,
    pattern: TENANT_ID_PATTERN,
    "x-default": "any tenant",
    description: "Only for principals of this tenant.",
  },
};

const ruleSchema: JsonSchema = {
  type: "object",
  description: "One rule.",
  additionalProperties: false,
  required: ["effect", "action", "topic"],
  properties: ruleProperties,
};

export const authorizationProperties: PropertiesOf<AuthorizationConfig> = {
  rules: {
    type: "array",
    default: [],
    items: ruleSchema,
    description:
      "Authorization rules, evaluated deny-first: a request is denied when any matching rule denies it, else allowed when any matching rule allows it, else `noMatch` decides. Without rules every request is allowed. Rules can be replaced at run time (`broker.guard.rules.setRules`).",
  },
  noMatch: {
    type: "string",
    enum: valuesOf<NoMatchPolicy>({ deny: 0, allow: 0 }),
    default: "deny",
    description:
      "What a request that no rule matches gets once there are rules: `deny` (the rules are an allow-list) or `allow` (the rules are a deny-list).",
  },
  deniedPublish: {
    type: "string",
    enum: valuesOf<DeniedPublishPolicy>({ drop: 0, disconnect: 0 }),
    default: "drop",
    description:
      "What happens to a denied PUBLISH that has no way to carry a reason code (MQTT 3.1/3.1.1 at any QoS, MQTT 5 at QoS 0): `drop` (acknowledged as usual and not forwarded [MQTT-3.3.5-2]) or `disconnect` (MQTT 5: DISCONNECT 0x87). MQTT 5 QoS 1 and 2 get PUBACK or PUBREC 0x87 either way.",
  },
  cacheSize: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: 128,
    description:
      "Decisions remembered per client and action (publish, subscribe, receive), by topic; the oldest is forgotten first. Rule changes clear every cache.",
  },
  auditLogRate: {
    type: "integer",
    minimum: 1,
    maximum: INT32_MAX,
    default: 10,
    description:
      "Most audit log lines per second (denied actions, exceeded limits). Events over the budget are counted, and the next line logged says how many were left out (`suppressed`). Every event is also counted in `$SYS`.",
  },
};
