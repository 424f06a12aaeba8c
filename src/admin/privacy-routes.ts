/**
 * The privacy routes (docs/privacy.md):
 *
 * - `POST /api/v1/privacy/preview`: what a privacy rule set does to a sample payload, without
 *   attaching it anywhere. The answer is the output (or the drop) and which rules fired, where; a rule
 *   set with problems is a 400 whose message lists every problem with its field. Hash rules without a
 *   key use the request's `hashKey`, else the hash key of the request's `tenant` (default: the
 *   caller's own), when it has one.
 * - `GET /api/v1/privacy/counters`: what the rules did, per tenant with rule sets and per bridge
 *   (outbound broker) with a rule set, for the tenants the caller administers;
 * - `GET /api/v1/tenants/:id/privacy/counters`: the same for one tenant.
 * @module
 */

import { PrivacyCounters, type PrivacyCountersSnapshot, previewPrivacy } from "../platform/privacy/index.js";
import { kindNames, type Registry, TENANT_ID_PATTERN } from "../platform/registry/index.js";
import { actingTenant, administers, type AdminCaller } from "./admin-caller.js";
import type { AdminRoute } from "./admin-route.js";
import { ApiError } from "./api-error.js";
import { privacyCountersSchema } from "./privacy-counters-schema.js";
import { boolean, idSchema, object, string, type Schema } from "./schema-parts.js";

/** Where the counters come from: the tenants' rules and the bridges' rules. */
export interface PrivacyCountersSource {
  tenantCounters(tenant: string): PrivacyCountersSnapshot | undefined;
  allTenantCounters(): readonly { readonly tenant: string; readonly counters: PrivacyCountersSnapshot }[];
  bridgeCounters(): readonly { readonly bridge: string; readonly counters: PrivacyCountersSnapshot }[];
}

export interface PrivacyRoutesOptions {
  /** For tenants' hash keys (preview) and brokers' tenants (counters). */
  readonly registry?: Pick<Registry, "get">;
  readonly counters?: PrivacyCountersSource;
}

const countersSchema = privacyCountersSchema("What privacy rules did (docs/privacy.md, Counters).");

const tenantCounters = object(
  {
    tenant: string("The tenant's id."),
    attached: boolean("Whether the tenant has rule sets (counters start when they are set)."),
    counters: countersSchema,
  },
  ["tenant", "attached", "counters"],
  "What a tenant's rule sets did.",
);

const bridgeCounters = object(
  { bridge: string("The outbound broker's id."), counters: countersSchema },
  ["bridge", "counters"],
  "What a bridge's rule set did.",
);

const anyJson: Schema = { description: "Any JSON value." };

const firing = object(
  {
    rule: string("The rule's id."),
    index: { type: "integer", description: "The rule's position in the set (0-based)." },
    action: string("What it did.", { enum: ["hash", "mask", "drop", "allow"] }),
    count: { type: "integer", description: "How many values or pieces of text it acted on." },
    at: { type: "array", items: string("A JSON path."), description: "Where, as JSON paths." },
  },
  ["rule", "index", "action", "count", "at"],
  "A rule that acted on the sample.",
);

export function privacyRoutes(options: PrivacyRoutesOptions = {}): AdminRoute[] {
  const { registry, counters } = options;
  /** The stored hash key of the tenant a preview acts for, if any. */
  const tenantKey = (caller: AdminCaller | undefined, requested: string | undefined): string | undefined => {
    if (caller === undefined || registry === undefined) return undefined;
    const tenant = actingTenant(caller, requested);
    const key = registry.get("tenants", tenant)?.privacy?.["hashKey"];
    return typeof key === "string" ? key : undefined;
  };
  const empty = (): PrivacyCountersSnapshot => new PrivacyCounters().snapshot();
  return [
    {
      method: "POST",
      url: "/api/v1/privacy/preview",
      operationId: "previewPrivacy",
      summary: "Applies a privacy rule set to a sample payload and shows the result (nothing is stored).",
      tag: "privacy",
      status: 200,
      body: object(
        {
          // Checked by compileRuleSet, whose messages name the field at fault (docs/privacy.md has the shape)
          ruleSet: { type: "object", description: 'The rule set (docs/privacy.md, "Rule sets").' },
          sample: { ...anyJson, description: "The sample payload, as parsed JSON." },
          hashKey: string(
            "The key for hash rules that have none of their own (at least 16 characters). Default: the tenant's hash key, if it has one.",
            { minLength: 16 },
          ),
          tenant: idSchema(TENANT_ID_PATTERN, "The tenant whose hash key applies (default: the caller's)."),
        },
        ["ruleSet", "sample"],
        "A preview request.",
      ),
      response: object(
        {
          outcome: string("`keep`: the event goes out as `output`; `drop`: it is not published.", {
            enum: ["keep", "drop"],
          }),
          output: { ...anyJson, description: "The payload as it would leave (for `keep`)." },
          changed: boolean("Whether any rule changed the payload (for `keep`)."),
          droppedBy: object(
            { rule: string("The rule's id."), index: { type: "integer", description: "Its position." } },
            ["rule", "index"],
            "The drop rule that matched (for `drop`).",
          ),
          fired: { type: "array", items: firing, description: "The rules that acted, in order." },
        },
        ["outcome", "fired"],
        "What the rule set does to the sample.",
      ),
      handle: (call) => {
        const body = call.body as { ruleSet: unknown; sample: unknown; hashKey?: string; tenant?: string };
        const hashKey = body.hashKey ?? tenantKey(call.caller, body.tenant);
        const preview = previewPrivacy(body.ruleSet, body.sample, hashKey === undefined ? {} : { hashKey });
        if (!preview.ok)
          throw new ApiError(
            "BAD_REQUEST",
            `Invalid preview request: ${preview.errors.map((e) => e.message).join("; ")}`,
          );
        if (preview.outcome === "keep")
          return { outcome: "keep", output: preview.output, changed: preview.changed, fired: preview.fired };
        return {
          outcome: "drop",
          ...(preview.droppedBy === undefined ? {} : { droppedBy: preview.droppedBy }),
          fired: preview.fired,
        };
      },
    },
    {
      method: "GET",
      url: "/api/v1/privacy/counters",
      operationId: "listPrivacyCounters",
      summary:
        "What privacy rules did: per tenant with rule sets and per bridge with a rule set (the caller's tenants only).",
      tag: "privacy",
      status: 200,
      response: object(
        {
          tenants: { type: "array", items: tenantCounters, description: "Tenants with rule sets." },
          bridges: { type: "array", items: bridgeCounters, description: "Bridges with a rule set." },
        },
        ["tenants", "bridges"],
        "Privacy counters.",
      ),
      handle: (call) => {
        const caller = call.caller!;
        const tenants = (counters?.allTenantCounters() ?? [])
          .filter((entry) => administers(caller, entry.tenant))
          .map((entry) => ({ tenant: entry.tenant, attached: true, counters: entry.counters }));
        const bridges = (counters?.bridgeCounters() ?? []).filter((entry) => {
          const owner = registry?.get("brokers", entry.bridge)?.tenant;
          return owner === undefined ? caller.allTenants : administers(caller, owner);
        });
        return { tenants, bridges };
      },
    },
    {
      method: "GET",
      url: "/api/v1/tenants/:id/privacy/counters",
      operationId: "getTenantPrivacyCounters",
      summary: "What a tenant's privacy rule sets did (deliveries to its clients, its part of its bridges).",
      tag: "privacy",
      params: object({ id: idSchema(TENANT_ID_PATTERN, "The tenant's id.") }, ["id"]),
      status: 200,
      response: tenantCounters,
      errors: [404],
      handle: (call) => {
        const id = call.params["id"]!;
        if (
          !administers(call.caller!, id) ||
          (registry !== undefined && registry.get("tenants", id) === undefined)
        )
          throw new ApiError("NOT_FOUND", `No ${kindNames.tenants} "${id}"`);
        const snapshot = counters?.tenantCounters(id);
        return { tenant: id, attached: snapshot !== undefined, counters: snapshot ?? empty() };
      },
    },
  ];
}
