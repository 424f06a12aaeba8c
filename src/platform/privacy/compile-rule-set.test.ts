import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileRuleSet } from "./compile-rule-set.js";
import type { PrivacyIssue } from "./privacy-issue.js";
import { nestedQuantifierProblem } from "./regex-safety.js";

const KEY = "k".repeat(16);

function issues(input: unknown): readonly PrivacyIssue[] {
  const result = compileRuleSet(input);
  if (result.ok) assert.fail("the rule set should be refused");
  return result.issues;
}

/** The one issue of `input`: its path and a pattern its message must match. */
function only(input: unknown, path: string, message: RegExp): void {
  const found = issues(input);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0]!.path, path);
  assert.match(found[0]!.message, message);
}

function rule(fields: Record<string, unknown>) {
  return { rules: [fields] };
}

describe("compileRuleSet", () => {
  it("compiles a valid set, sorting rules by how they are evaluated and filling the defaults", () => {
    const result = compileRuleSet(
      {
        id: "crm",
        key: KEY,
        rules: [
          { id: "emails", match: { detector: "email" }, action: "hash" },
          { match: { path: "$.user.phone" }, action: "mask", keepLast: 4 },
          { match: { key: "password" }, action: "drop" },
          { match: { regex: "@corp\\.example$", flags: "i" }, action: "allow", target: "value" },
          { match: { key: "ssn" }, action: "hash", key: "r".repeat(16) },
        ],
      },
      {},
    );
    if (!result.ok) assert.fail(JSON.stringify(result.issues));
    const set = result.ruleSet;
    assert.equal(set.id, "crm");
    assert.deepEqual(
      set.rules.map((r) => r.ref),
      [
        { ruleSet: "crm", rule: "emails", index: 0, action: "hash" },
        { ruleSet: "crm", rule: "rules[1]", index: 1, action: "mask" },
        { ruleSet: "crm", rule: "rules[2]", index: 2, action: "drop" },
        { ruleSet: "crm", rule: "rules[3]", index: 3, action: "allow" },
        { ruleSet: "crm", rule: "rules[4]", index: 4, action: "hash" },
      ],
    );
    assert.deepEqual(
      set.drops.map((r) => r.ref.index),
      [2],
    );
    assert.deepEqual(
      set.allows.map((r) => r.ref.index),
      [3],
    );
    assert.deepEqual(
      set.transforms.map((r) => r.ref.index),
      [0, 1, 4],
    );
    assert.equal(set.keylessHash, undefined);
    assert.equal(set.rules[0]!.hashKey, KEY, "the set's key");
    assert.equal(set.rules[4]!.hashKey, "r".repeat(16), "the rule's own key");
    assert.deepEqual(set.rules[1]!.mask, { mask: "*", keepLast: 4, preserveLength: true });
    assert.equal(set.rules[2]!.selector?.text, "$..password");
    assert.equal(set.rules[3]!.target, "value");
    assert.equal(set.rules[0]!.target, "match");
  });

  it("names the set by the caller's id, its own, or `rules`; notes the first keyless hash rule", () => {
    const input = { id: "own", rules: [{ match: { key: "a" }, action: "hash" }] };
    const named = compileRuleSet(input, { id: "bridge:aws" });
    assert.equal(named.ok && named.ruleSet.id, "bridge:aws");
    assert.equal(named.ok && named.ruleSet.keylessHash?.ref.rule, "rules[0]");
    const own = compileRuleSet(input);
    assert.equal(own.ok && own.ruleSet.id, "own");
    const anonymous = compileRuleSet({ rules: [] });
    assert.equal(anonymous.ok && anonymous.ruleSet.id, "rules");
    assert.equal(anonymous.ok && anonymous.ruleSet.rules.length, 0);
  });

  it("refuses what is not a rule set", () => {
    only(null, "", /^the rule set must be an object, not null$/);
    only([], "", /must be an object/);
    only("rules", "", /must be an object, not "rules"/);
    only({}, "rules", /^"rules" is required$/);
    only({ rules: {} }, "rules", /^"rules" must be a list/);
    only(
      { rules: [], extra: 1 },
      "extra",
      /^unknown field "extra" \(allowed: id, description, key, rules\)$/,
    );
    only({ rules: [null] }, "rules[0]", /^"rules\[0\]" must be an object, not null$/);
    only(
      { rules: new Array(257).fill({ match: { key: "a" }, action: "drop" }) },
      "rules",
      /at most 256 items/,
    );
  });

  it("refuses an unknown action, naming the rule and the allowed actions", () => {
    only(
      rule({ match: { key: "email" }, action: "redact" }),
      "rules[0].action",
      /^"rules\[0\]\.action" must be one of "hash", "mask", "drop", "allow", not "redact"$/,
    );
    only(rule({ match: { key: "email" } }), "rules[0].action", /^"rules\[0\]\.action" is required$/);
  });

  it("refuses a bad regular expression with the engine's reason", () => {
    only(
      rule({ match: { regex: "(ada" }, action: "hash" }),
      "rules[0].match.regex",
      /^"rules\[0\]\.match\.regex" is not a valid regular expression: Unterminated group$/,
    );
    only(rule({ match: { regex: "[z-a]" }, action: "hash" }), "rules[0].match.regex", /Range out of order/);
    only(rule({ match: { regex: "" }, action: "hash" }), "rules[0].match.regex", /must not be empty/);
    only(
      rule({ match: { regex: "a", flags: "g" }, action: "hash" }),
      "rules[0].match.flags",
      /may only contain the flags i, m, s and u/,
    );
    only(
      rule({ match: { regex: "a", flags: "ii" }, action: "hash" }),
      "rules[0].match.flags",
      /repeats a flag: "ii"/,
    );
    only(
      rule({ match: { key: "a", flags: "i" }, action: "hash" }),
      "rules[0].match.flags",
      /applies only to "regex"/,
    );
  });

  it("refuses a regular expression that can take exponential time", () => {
    only(
      rule({ match: { regex: "^(\\w+\\s?)*$" }, action: "mask" }),
      "rules[0].match.regex",
      /^"rules\[0\]\.match\.regex" is refused: a group repeated without bound contains a repetition without bound/,
    );
  });

  it("refuses a bad path, naming the character at fault", () => {
    only(
      rule({ match: { path: "$.user[" }, action: "mask" }),
      "rules[0].match.path",
      /^"rules\[0\]\.match\.path" is not a valid path: expected an index .* at character 8 of "\$\.user\["$/,
    );
    only(
      rule({ match: { path: "user.email" }, action: "mask" }),
      "rules[0].match.path",
      /must start with "\$"/,
    );
    only(rule({ match: { path: "$[?(@.x)]" }, action: "mask" }), "rules[0].match.path", /not a valid path/);
  });

  it("refuses an unknown detector and unknown or missing match kinds", () => {
    only(
      rule({ match: { detector: "ssn" }, action: "hash" }),
      "rules[0].match.detector",
      /must be one of "email", "phone", not "ssn"/,
    );
    only(
      rule({ match: { regexp: "a" }, action: "hash" }),
      "rules[0].match.regexp",
      /^unknown field "rules\[0\]\.match\.regexp" \(allowed: regex, flags, detector, path, key\)$/,
    );
    only(
      rule({ match: {}, action: "hash" }),
      "rules[0].match",
      /must say what to match: "regex", "detector", "path" or "key"/,
    );
    assert.deepEqual(
      issues(rule({ match: { flags: "i" }, action: "hash" })).map((f) => f.path),
      ["rules[0].match", "rules[0].match.flags"],
    );
    only(
      rule({ match: { path: "$.a", key: "a" }, action: "hash" }),
      "rules[0].match",
      /has both "path" and "key"/,
    );
    only(
      rule({ match: { regex: "a", detector: "email" }, action: "hash" }),
      "rules[0].match",
      /has both "regex" and "detector"/,
    );
  });

  it("refuses options that do not belong to the rule's action or match", () => {
    only(
      rule({ match: { key: "a" }, action: "mask", key: KEY }),
      "rules[0].key",
      /applies only to the "hash" action/,
    );
    only(
      rule({ match: { key: "a" }, action: "hash", keepLast: 2 }),
      "rules[0].keepLast",
      /applies only to the "mask" action/,
    );
    only(
      rule({ match: { key: "a" }, action: "drop", mask: "#" }),
      "rules[0].mask",
      /applies only to the "mask" action/,
    );
    only(
      rule({ match: { key: "a" }, action: "hash", target: "value" }),
      "rules[0].target",
      /applies only to "regex" and "detector"/,
    );
    only(
      rule({ match: { detector: "email" }, action: "drop", target: "value" }),
      "rules[0].target",
      /no meaning for "drop"/,
    );
    only(
      rule({ match: { key: "a" }, action: "mask", mask: "[hidden]" }),
      "rules[0].mask",
      /must be one character when "preserveLength" is true/,
    );
    assert.ok(
      compileRuleSet(rule({ match: { key: "a" }, action: "mask", mask: "[hidden]", preserveLength: false }))
        .ok,
      "a mask string put once",
    );
    assert.ok(compileRuleSet(rule({ match: { key: "a" }, action: "mask", mask: "🙈" })).ok, "one code point");
    only(
      rule({ match: { key: "a" }, action: "mask", keepLast: 65 }),
      "rules[0].keepLast",
      /must be <= 64, not 65/,
    );
    only(
      rule({ match: { key: "a" }, action: "mask", keepLast: "4" }),
      "rules[0].keepLast",
      /must be an integer, not "4"/,
    );
    only(
      rule({ match: { key: "a" }, action: "hash", key: "short" }),
      "rules[0].key",
      /at least 16 characters/,
    );
  });

  it("refuses bad and repeated ids", () => {
    only(
      rule({ id: "has space", match: { key: "a" }, action: "drop" }),
      "rules[0].id",
      /"has space" must be 1 to 64 letters/,
    );
    only(
      {
        rules: [
          { id: "x", match: { key: "a" }, action: "drop" },
          { id: "y", match: { key: "b" }, action: "drop" },
          { id: "x", match: { key: "c" }, action: "drop" },
        ],
      },
      "rules[2].id",
      /^"rules\[2\]\.id" repeats the id of rules\[0\]$/,
    );
  });

  it("reports every problem at once, in rule order", () => {
    const found = issues({
      key: "short",
      rules: [
        { match: { key: "ok" }, action: "drop" },
        { match: { regex: "(", path: "$.a[" }, action: "redact" },
        { match: { path: "$.b" }, action: "hash", mask: "*" },
        { match: { detectr: "email" }, action: "mask" },
      ],
    });
    assert.deepEqual(
      found.map((f) => f.path),
      [
        "key",
        "rules[1].action",
        "rules[1].match.path",
        "rules[1].match.regex",
        "rules[2].mask",
        "rules[3].match.detectr",
      ],
    );
  });
});

describe("nestedQuantifierProblem", () => {
  it("refuses a group repeated without bound around a repetition without bound", () => {
    for (const source of [
      "(a+)+",
      "^(\\w+\\s?)*$",
      "(?:a*)*",
      "(a+){2,}",
      "((ab)+c)*",
      "(x(?:y+))+",
      "(?<n>[a-z]+)+",
    ])
      assert.ok(nestedQuantifierProblem(source) !== undefined, source);
  });

  it("accepts bounded, flat and escaped forms", () => {
    for (const source of [
      "(\\d{1,9}-)+",
      "a+b+",
      "(ab)+",
      "[a+]+",
      "\\(a+\\)+",
      "(a|b)*",
      "(?<n>x+)?",
      "(a+){2,5}",
      "(a+)?",
      "[(]a+[)]+",
      "\\d{3}-\\d{4}",
    ])
      assert.equal(nestedQuantifierProblem(source), undefined, source);
  });
});
