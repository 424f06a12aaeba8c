import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyToPayload } from "./apply-to-payload.js";
import { nodeHmac } from "./node-hmac.js";
import { PrivacyCounters } from "./privacy-counters.js";
import { PrivacyEngine } from "./privacy-engine.js";
import { compileTenantPrivacy } from "./tenant-privacy.js";

const KEY = "a-tenant-hash-key-0123456789";
const hashEmails = { rules: [{ match: { detector: "email" }, action: "hash" }] };

describe("compileTenantPrivacy", () => {
  it("builds a policy whose plans are the tenant's sets, then each held role's", () => {
    const result = compileTenantPrivacy("acme", {
      hashKey: KEY,
      ruleSets: [{ id: "pii", ...hashEmails }],
      roles: [{ role: "guest", ruleSets: [{ rules: [{ match: { key: "name" }, action: "mask" }] }] }],
    });
    assert.ok(result.ok);
    const staff = result.policy.planFor({ kind: "subscriber", roles: ["staff"] });
    const guest = result.policy.planFor({ kind: "subscriber", roles: ["guest"] });
    assert.deepEqual(
      staff.ruleSets.map((s) => s.id),
      ["pii"],
    );
    assert.deepEqual(
      guest.ruleSets.map((s) => s.id),
      ["pii", "roles[0].ruleSets[0]"],
    );
    assert.equal(guest.hashKey, KEY);
  });

  it("reports every problem with its path in the settings", () => {
    const result = compileTenantPrivacy("acme", {
      hashKey: 42,
      extra: true,
      ruleSets: [{ rules: [{ match: { detector: "email" }, action: "redact" }] }],
      roles: [
        { role: "", ruleSets: [{ rules: [{ match: { regex: "(" }, action: "mask" }] }] },
        { role: "x" },
      ],
    });
    assert.ok(!result.ok);
    const paths = result.issues.map((i) => i.path);
    for (const path of [
      "extra",
      "hashKey",
      "ruleSets[0].rules[0].action",
      "roles[0].role",
      "roles[0].ruleSets[0].rules[0].match.regex",
      "roles[1].ruleSets",
    ])
      assert.ok(paths.includes(path), `${path} in ${paths.join(", ")}`);
    const action = result.issues.find((i) => i.path === "ruleSets[0].rules[0].action")!;
    assert.match(action.message, /^"ruleSets\[0\]\.rules\[0\]\.action"/);
  });

  it("refuses a hash rule without a key when the tenant has none, and a short key, naming the field", () => {
    const keyless = compileTenantPrivacy("acme", { ruleSets: [hashEmails] });
    assert.ok(!keyless.ok);
    assert.equal(keyless.issues[0]!.path, "ruleSets[0]");
    const short = compileTenantPrivacy("acme", { hashKey: "short", ruleSets: [hashEmails] });
    assert.ok(!short.ok);
    assert.equal(short.issues[0]!.path, "hashKey");
    const twice = compileTenantPrivacy("acme", {
      roles: [
        { role: "a", ruleSets: [] },
        { role: "a", ruleSets: [] },
      ],
    });
    assert.ok(!twice.ok);
    assert.equal(twice.issues[0]!.path, "roles[1].role");
  });
});

describe("applyToPayload", () => {
  const counters = new PrivacyCounters();
  const engine = new PrivacyEngine({ hmac: nodeHmac, counters });
  const compiled = compileTenantPrivacy("t", { hashKey: KEY, ruleSets: [hashEmails] });
  assert.ok(compiled.ok);
  const plan = compiled.policy.planFor({ kind: "subscriber", roles: [] });
  const rules = { engine, counters, ruleSets: plan.ruleSets, hashKey: plan.hashKey };
  const bytes = (text: string) => new TextEncoder().encode(text);

  it("keeps the same bytes when nothing changed, and passes an empty payload", () => {
    const payload = bytes('{ "n": 1 }');
    assert.equal(applyToPayload(payload, rules), payload);
    const empty = new Uint8Array(0);
    assert.equal(applyToPayload(empty, { ...rules, withhold: true }), empty);
  });

  it("withholds a binary payload and counts it as failed", () => {
    const before = counters.snapshot().events.failed;
    assert.equal(applyToPayload(new Uint8Array([0xff, 0x00, 0xfe]), rules), undefined);
    assert.equal(counters.snapshot().events.failed, before + 1);
  });

  it("keeps the bytes of JSON a parse would change, when no rule changed it (a PlaceOS raw value)", () => {
    const payload = bytes('{"time":1,"value":{"level":1.0,"max":12345678901234567890,"e":1e2}}');
    assert.equal(applyToPayload(payload, rules), payload);
  });

  it("sends JSON that repeats a key as what the rules checked: no value of it goes out unchecked", () => {
    const hidden = '{"time":1,"value":{"to":"ada@example.com","to":"-"}}';
    const out = new TextDecoder().decode(applyToPayload(bytes(hidden), rules));
    assert.equal(out, '{"time":1,"value":{"to":"-"}}');
  });

  it("sends changed text as text and changed JSON as compact JSON", () => {
    const text = new TextDecoder().decode(applyToPayload(bytes("to ada@example.com"), rules));
    assert.match(text, /^to [0-9a-f]{64}$/);
    const json = new TextDecoder().decode(applyToPayload(bytes('{ "to": "ada@example.com" }'), rules));
    assert.match(json, /^\{"to":"[0-9a-f]{64}"\}$/);
  });
});
