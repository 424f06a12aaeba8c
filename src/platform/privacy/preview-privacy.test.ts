import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { previewPrivacy } from "./preview-privacy.js";

const KEY = "preview-key-0123456789";

describe("previewPrivacy", () => {
  it("shows the output and which rules fired, where", () => {
    const preview = previewPrivacy(
      {
        rules: [
          { id: "emails", match: { detector: "email" }, action: "hash" },
          { id: "phones", match: { detector: "phone" }, action: "mask", keepLast: 4 },
          { id: "nothing", match: { key: "ssn" }, action: "drop" },
        ],
      },
      { organizer: "ada@example.com", notes: "Call +1 415 555 2671 or bob@example.com", seats: 4 },
      { hashKey: KEY },
    );
    const h = (data: string) => createHmac("sha256", KEY).update(data).digest("hex");
    assert.deepEqual(preview, {
      ok: true,
      outcome: "keep",
      output: {
        organizer: h("ada@example.com"),
        notes: `Call ***********2671 or ${h("bob@example.com")}`,
        seats: 4,
      },
      changed: true,
      fired: [
        { rule: "emails", index: 0, action: "hash", count: 2, at: ["$.organizer", "$.notes"] },
        { rule: "phones", index: 1, action: "mask", count: 1, at: ["$.notes"] },
      ],
    });
    assert.deepEqual(JSON.parse(JSON.stringify(preview)), preview, "the answer is JSON as it is");
  });

  it("shows a drop and the rule that caused it", () => {
    const preview = previewPrivacy(
      JSON.stringify({ rules: [{ id: "secrets", match: { path: "$.auth.password" }, action: "drop" }] }),
      { auth: { user: "ada", password: "hunter2" } },
    );
    assert.deepEqual(preview, {
      ok: true,
      outcome: "drop",
      reason: "rule",
      droppedBy: { rule: "secrets", index: 0 },
      fired: [{ rule: "secrets", index: 0, action: "drop", count: 1, at: ["$.auth.password"] }],
    });
  });

  it("shows an unchanged sample as unchanged", () => {
    assert.deepEqual(
      previewPrivacy({ rules: [{ match: { detector: "phone" }, action: "mask" }] }, ["no phone"]),
      {
        ok: true,
        outcome: "keep",
        output: ["no phone"],
        changed: false,
        fired: [],
      },
    );
  });

  it("returns every problem of the rule set, each naming its field", () => {
    const preview = previewPrivacy(
      {
        rules: [
          { match: { regex: "(unclosed" }, action: "hash", key: KEY },
          { match: { path: "$.a[x]" }, action: "mask" },
          { match: { key: "a" }, action: "scramble" },
          { match: { key: "b" }, action: "hash" },
        ],
      },
      {},
    );
    assert.deepEqual(preview, {
      ok: false,
      errors: [
        {
          path: "rules[0].match.regex",
          message: `"rules[0].match.regex" is not a valid regular expression: Unterminated group`,
        },
        {
          path: "rules[1].match.path",
          message: `"rules[1].match.path" is not a valid path: expected an index (0, 1, ...), "*" or a quoted name after "[" at character 5 of "$.a[x]"`,
        },
        {
          path: "rules[2].action",
          message: `"rules[2].action" must be one of "hash", "mask", "drop", "allow", not "scramble"`,
        },
      ],
    });
  });

  it("needs a key for hash rules that have none, and a JSON sample", () => {
    const keyless = previewPrivacy({ rules: [{ match: { key: "b" }, action: "hash" }] }, { b: 1 });
    assert.deepEqual(keyless, {
      ok: false,
      errors: [
        {
          path: "rules[0].key",
          message: `"rules[0].key" is required: the rule hashes, and neither the rule set nor the preview request gives a key`,
        },
      ],
    });
    assert.equal(
      previewPrivacy({ rules: [{ match: { key: "b" }, action: "hash" }] }, { b: 1 }, { hashKey: KEY }).ok,
      true,
    );
    const notJson = previewPrivacy({ rules: [] }, { a: [1, Number.NaN] });
    assert.deepEqual(notJson, {
      ok: false,
      errors: [{ path: "sample", message: "the sample holds a value JSON cannot represent at $.a[1]: NaN" }],
    });
    const badText = previewPrivacy("{rules: []}", {});
    if (badText.ok) assert.fail("JSON text that does not parse should be refused");
    assert.match(badText.errors[0]?.message ?? "", /^the rule set is not valid JSON: /);
  });

  it("uses the HMAC port it is given", () => {
    const preview = previewPrivacy(
      { rules: [{ match: { key: "a" }, action: "hash" }] },
      { a: "x" },
      {
        hashKey: KEY,
        hmac: (key, data) => `${key}|${data}`,
      },
    );
    assert.deepEqual(preview.ok && preview.outcome === "keep" ? preview.output : preview, { a: `${KEY}|x` });
  });
});
