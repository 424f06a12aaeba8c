import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { BridgePrivacy } from "./bridge-privacy.js";
import type { BridgeConfig } from "./bridge-config.js";
import type { OutboxMessage } from "./outbox.js";

const SECRET = "a-broker-secret-of-32-characters";
const encode = (value: string): Uint8Array => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const hmac = (key: string, value: string): string => createHmac("sha256", key).update(value).digest("hex");
const config = (id: string) => ({ id }) as BridgeConfig;

function message(payload: Uint8Array | string): OutboxMessage {
  return {
    topic: "$t/acme/plant/1",
    payload: typeof payload === "string" ? encode(payload) : payload,
    retain: true,
    properties: { contentType: "application/json" },
    expiresAt: undefined,
  };
}

const RULES = {
  id: "pii",
  rules: [
    { id: "emails", match: { detector: "email" }, action: "hash" },
    { id: "secrets", match: { key: "password" }, action: "drop" },
  ],
};

describe("BridgePrivacy", () => {
  it("passes every message of a bridge without rules unchanged (the same object)", () => {
    const privacy = new BridgePrivacy();
    privacy.set("other", RULES, SECRET);
    const m = message('{"organizer":"ada@example.com"}');
    assert.equal(privacy.transform(m, config("plain")), m);
    assert.equal(privacy.counters("plain"), undefined);
  });

  it("hashes in parsed JSON with the broker's secret and serialises the result again", () => {
    const privacy = new BridgePrivacy();
    assert.equal(privacy.set("b", RULES, SECRET), undefined);
    const out = privacy.transform(message('{ "organizer": "ada@example.com", "n": 1 }'), config("b"))!;
    assert.deepEqual(JSON.parse(decode(out.payload)), { organizer: hmac(SECRET, "ada@example.com"), n: 1 });
    assert.equal(out.topic, "$t/acme/plant/1");
    assert.equal(out.retain, true);
    assert.deepEqual(out.properties, { contentType: "application/json" });
  });

  it("uses the rule set's own key before the secret", () => {
    const privacy = new BridgePrivacy();
    const key = "the-rule-set-key-0123456789";
    privacy.set("b", { ...RULES, key }, SECRET);
    const out = privacy.transform(message('["ada@example.com"]'), config("b"))!;
    assert.deepEqual(JSON.parse(decode(out.payload)), [hmac(key, "ada@example.com")]);
  });

  it("keeps the exact bytes of an event no rule changed", () => {
    const privacy = new BridgePrivacy();
    privacy.set("b", RULES, SECRET);
    const m = message('{ "room" :  "Boardroom" }');
    assert.equal(privacy.transform(m, config("b")), m);
  });

  it("applies the rules to text that is not JSON, as one string, and sends the new text", () => {
    const privacy = new BridgePrivacy();
    privacy.set("b", RULES, SECRET);
    const out = privacy.transform(message("write to ada@example.com today"), config("b"))!;
    assert.equal(decode(out.payload), `write to ${hmac(SECRET, "ada@example.com")} today`);
  });

  it("withholds dropped events and binary payloads, passes empty ones, and counts", () => {
    const privacy = new BridgePrivacy();
    privacy.set("b", RULES, SECRET);
    assert.equal(privacy.transform(message('{"user":{"password":"x"}}'), config("b")), undefined);
    assert.equal(
      privacy.transform(message(new Uint8Array([0xff, 0xfe, 0x00, 0x41])), config("b")),
      undefined,
    );
    const empty = message(new Uint8Array(0));
    assert.equal(privacy.transform(empty, config("b")), empty);
    privacy.transform(message('"ada@example.com"'), config("b"));
    privacy.transform(message("42"), config("b"));
    const counts = privacy.counters("b")!;
    assert.deepEqual(counts.events, { evaluated: 4, unchanged: 1, modified: 1, dropped: 1, failed: 1 });
    assert.deepEqual(counts.actions.hash, { fired: 1, values: 1 });
    assert.deepEqual(counts.actions.drop, { fired: 1, values: 1 });
  });

  it("withholds everything when the rules do not compile (fail closed), and reports why", () => {
    const privacy = new BridgePrivacy();
    const issues = privacy.set("b", { rules: [{ match: { key: "x" }, action: "redact" }] }, SECRET);
    assert.match(issues![0]!.message, /"rules\[0\]\.action"/);
    assert.equal(privacy.transform(message('{"a":1}'), config("b")), undefined);
    assert.equal(privacy.counters("b")!.events.failed, 1);
  });

  it("starts counting again when the rules change, and stops applying them when removed", () => {
    const privacy = new BridgePrivacy();
    privacy.set("b", RULES, SECRET);
    privacy.transform(message('"ada@example.com"'), config("b"));
    privacy.set("b", RULES, "another-secret-of-16-chars");
    assert.equal(privacy.counters("b")!.events.evaluated, 0);
    const out = privacy.transform(message('"ada@example.com"'), config("b"))!;
    assert.equal(JSON.parse(decode(out.payload)), hmac("another-secret-of-16-chars", "ada@example.com"));
    privacy.set("b", undefined, SECRET);
    const m = message('"ada@example.com"');
    assert.equal(privacy.transform(m, config("b")), m);
  });
});
