import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { compileRuleSet } from "./compile-rule-set.js";
import type { CompiledRuleSet } from "./compiled-rule-set.js";
import { nodeHmac } from "./node-hmac.js";
import { PrivacyEngine } from "./privacy-engine.js";
import { type PrivacyAttachments, PrivacyPolicy } from "./privacy-policy.js";

const TENANT_KEY = "acme-tenant-key-0001";

function compile(id: string, rules: unknown[], key?: string): CompiledRuleSet {
  const result = compileRuleSet(key === undefined ? { rules } : { key, rules }, { id });
  if (!result.ok) assert.fail(result.issues.map((i) => i.message).join("\n"));
  return result.ruleSet;
}

function policy(attachments: PrivacyAttachments): PrivacyPolicy {
  const result = PrivacyPolicy.create(attachments);
  if (!result.ok) assert.fail(result.issues.map((i) => i.message).join("\n"));
  return result.policy;
}

const tenantSet = compile("tenant", [{ match: { detector: "email" }, action: "hash" }]);
const staffSet = compile("staff", [{ match: { key: "name" }, action: "mask", keepLast: 1 }]);
const guestSet = compile("guests", [{ match: { key: "room" }, action: "drop" }]);
const awsSet = compile("aws", [
  { match: { path: "$.phone" }, action: "mask", mask: "#", preserveLength: false },
]);

const attachments: PrivacyAttachments = {
  tenant: "acme",
  hashKey: TENANT_KEY,
  tenantRuleSets: [tenantSet],
  roles: [
    { role: "staff", ruleSets: [staffSet] },
    { role: "guest", ruleSets: [guestSet] },
  ],
  bridges: [{ bridge: "aws", ruleSets: [awsSet] }],
};

describe("PrivacyPolicy", () => {
  it("gives every output the tenant's sets first, then its own", () => {
    const p = policy(attachments);
    const ids = (plan: { ruleSets: readonly CompiledRuleSet[] }) => plan.ruleSets.map((set) => set.id);
    assert.deepEqual(ids(p.planFor({ kind: "subscriber", roles: [] })), ["tenant"]);
    assert.deepEqual(ids(p.planFor({ kind: "subscriber", roles: ["staff"] })), ["tenant", "staff"]);
    assert.deepEqual(ids(p.planFor({ kind: "subscriber", roles: ["guest", "staff"] })), [
      "tenant",
      "staff",
      "guests",
    ]);
    assert.deepEqual(ids(p.planFor({ kind: "subscriber", roles: ["viewer"] })), ["tenant"]);
    assert.deepEqual(ids(p.planFor({ kind: "bridge", bridge: "aws" })), ["tenant", "aws"]);
    assert.deepEqual(ids(p.planFor({ kind: "bridge", bridge: "azure" })), ["tenant"]);
    assert.equal(p.planFor({ kind: "bridge", bridge: "aws" }).hashKey, TENANT_KEY);
    assert.equal(p.planFor({ kind: "bridge", bridge: "aws" }), p.planFor({ kind: "bridge", bridge: "aws" }));
  });

  it("applies a set attached to two scopes of one output once", () => {
    const p = policy({
      tenant: "acme",
      hashKey: TENANT_KEY,
      tenantRuleSets: [tenantSet],
      roles: [{ role: "staff", ruleSets: [tenantSet, staffSet] }],
    });
    const plan = p.planFor({ kind: "subscriber", roles: ["staff"] });
    assert.deepEqual(
      plan.ruleSets.map((set) => set.id),
      ["tenant", "staff"],
    );
    const outcome = new PrivacyEngine({ hmac: nodeHmac }).applyPlan({ email: "ada@example.com" }, plan);
    const expected = createHmac("sha256", TENANT_KEY).update("ada@example.com").digest("hex");
    assert.deepEqual(
      outcome.kind === "keep" ? outcome.value : outcome,
      { email: expected },
      "hashed once, not twice",
    );
  });

  it("produces, through the engine, what each output may see", () => {
    const p = policy(attachments);
    const engine = new PrivacyEngine({ hmac: nodeHmac });
    const event = { name: "Ada", email: "ada@example.com", phone: "+44 20 7946 0958", room: "B-12" };
    const hashed = createHmac("sha256", TENANT_KEY).update("ada@example.com").digest("hex");
    const publish = (output: Parameters<PrivacyPolicy["planFor"]>[0]) => {
      const outcome = engine.applyPlan(event, p.planFor(output));
      return outcome.kind === "keep" ? outcome.value : `dropped by ${outcome.rule?.ruleSet ?? ""}`;
    };
    assert.deepEqual(publish({ kind: "subscriber", roles: [] }), { ...event, email: hashed });
    assert.deepEqual(publish({ kind: "subscriber", roles: ["staff"] }), {
      ...event,
      name: "**a",
      email: hashed,
    });
    assert.equal(publish({ kind: "subscriber", roles: ["staff", "guest"] }), "dropped by guests");
    assert.deepEqual(publish({ kind: "bridge", bridge: "aws" }), { ...event, email: hashed, phone: "#" });
  });

  it("refuses a hash rule that would have no key, a short tenant key, and repeated scopes", () => {
    const keyless = compile("crm", [{ id: "ids", match: { key: "id" }, action: "hash" }]);
    const keyed = compile("keyed", [{ match: { key: "id" }, action: "hash" }], "set-key-0123456789");
    const result = PrivacyPolicy.create({
      tenant: "acme",
      tenantRuleSets: [keyed],
      roles: [
        { role: "staff", ruleSets: [keyless] },
        { role: "staff", ruleSets: [] },
      ],
      bridges: [
        { bridge: "aws", ruleSets: [keyed, keyless] },
        { bridge: "aws", ruleSets: [] },
      ],
    });
    if (result.ok) assert.fail("the policy should be refused");
    assert.deepEqual(result.issues, [
      {
        path: "roles[0].ruleSets[0]",
        message: `rule "ids" of rule set "crm" hashes without a key: give the rule or its set a "key", or tenant "acme" a hash key`,
      },
      { path: "roles[1].role", message: `role "staff" is listed twice` },
      {
        path: "bridges[0].ruleSets[1]",
        message: `rule "ids" of rule set "crm" hashes without a key: give the rule or its set a "key", or tenant "acme" a hash key`,
      },
      { path: "bridges[1].bridge", message: `bridge "aws" is listed twice` },
    ]);
    const short = PrivacyPolicy.create({ tenant: "acme", hashKey: "short" });
    assert.deepEqual(short.ok ? [] : short.issues.map((i) => i.path), ["hashKey"]);
    assert.equal(
      PrivacyPolicy.create({
        tenant: "acme",
        hashKey: TENANT_KEY,
        roles: [{ role: "staff", ruleSets: [keyless] }],
      }).ok,
      true,
    );
  });
});
