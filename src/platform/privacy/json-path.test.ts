import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DepthExceeded, formatLocation, MAX_DEPTH, parseJsonPath, selectPath } from "./json-path.js";

function select(value: unknown, text: string) {
  const parsed = parseJsonPath(text);
  if (!parsed.ok) assert.fail(parsed.error);
  return selectPath(value, parsed.path);
}

function parseError(text: string): string {
  const parsed = parseJsonPath(text);
  if (parsed.ok) assert.fail(`${text} should not parse`);
  return parsed.error;
}

const doc = {
  user: { name: "Ada", email: "ada@example.com", "e mail": "x", "it's": 1 },
  attendees: [
    { name: "Bob", email: "bob@example.com" },
    { name: "Eve", contact: { email: "eve@example.com" } },
  ],
  email: "top@example.com",
};

describe("JSON path subset", () => {
  it("parses each form of the subset", () => {
    const parsed = parseJsonPath(`$.a[0]['b c'].*[*]..d..["e\\"f"]`);
    if (!parsed.ok) assert.fail(parsed.error);
    assert.deepEqual(parsed.path.segments, [
      { kind: "child", name: "a" },
      { kind: "index", index: 0 },
      { kind: "child", name: "b c" },
      { kind: "wildcard" },
      { kind: "wildcard" },
      { kind: "descendant", name: "d" },
      { kind: "descendant", name: 'e"f' },
    ]);
    assert.deepEqual(parseJsonPath("$").ok && parseJsonPath("$"), {
      ok: true,
      path: { text: "$", segments: [] },
    });
  });

  it("selects members, indexes, wildcards and descendants", () => {
    assert.deepEqual(select(doc, "$"), [[]]);
    assert.deepEqual(select(doc, "$.user.email"), [["user", "email"]]);
    assert.deepEqual(select(doc, "$['user']['e mail']"), [["user", "e mail"]]);
    assert.deepEqual(select(doc, `$.user['it\\'s']`), [["user", "it's"]]);
    assert.deepEqual(select(doc, "$.attendees[1].name"), [["attendees", 1, "name"]]);
    assert.deepEqual(select(doc, "$.attendees[*].name"), [
      ["attendees", 0, "name"],
      ["attendees", 1, "name"],
    ]);
    assert.deepEqual(select(doc, "$.user.*"), [
      ["user", "name"],
      ["user", "email"],
      ["user", "e mail"],
      ["user", "it's"],
    ]);
    // A node before its descendants: the root's own member first.
    assert.deepEqual(select(doc, "$..email"), [
      ["email"],
      ["user", "email"],
      ["attendees", 0, "email"],
      ["attendees", 1, "contact", "email"],
    ]);
    assert.deepEqual(select(doc, "$.attendees..email"), [
      ["attendees", 0, "email"],
      ["attendees", 1, "contact", "email"],
    ]);
  });

  it("selects nothing where the value has no such member or index", () => {
    assert.deepEqual(select(doc, "$.user.phone"), []);
    assert.deepEqual(select(doc, "$.attendees[2]"), []);
    assert.deepEqual(select(doc, "$.user[0]"), []);
    assert.deepEqual(select(doc, "$.attendees.name"), []);
    assert.deepEqual(select("text", "$.a"), []);
    assert.deepEqual(select({ a: null }, "$.a.b"), []);
    // Only own members: nothing from Object.prototype.
    assert.deepEqual(select({}, "$.constructor"), []);
    assert.deepEqual(select({}, "$..toString"), []);
  });

  it("finds a member named __proto__ as parsed JSON holds it", () => {
    const value = JSON.parse('{"__proto__": {"email": "x@example.com"}}');
    assert.deepEqual(select(value, "$..email"), [["__proto__", "email"]]);
    assert.deepEqual(select(value, "$['__proto__'].email"), [["__proto__", "email"]]);
  });

  it("refuses what is outside the subset, naming the character", () => {
    assert.match(parseError("a.b"), /must start with "\$" at character 1 of "a\.b"/);
    assert.match(parseError("$.a["), /expected an index .* at character 5 of "\$\.a\["/);
    assert.match(parseError("$.a[-1]"), /expected an index/);
    assert.match(parseError("$.a[01]"), /expected an index/);
    assert.match(parseError("$.a[*"), /expected "\]" at character 6/);
    assert.match(parseError("$."), /expected a key name or "\*" after "\." at character 3/);
    assert.match(parseError("$..*"), /expected a key name after "\.\." at character 4/);
    assert.match(parseError("$a"), /unexpected "a": expected "\.", "\.\." or "\[" at character 2/);
    assert.match(parseError("$['a"), /unterminated name/);
    assert.match(parseError("$['a'"), /expected "\]"/);
    assert.match(parseError("$['a\\n']"), /unknown escape "\\n"/);
    assert.match(parseError("$[?(@.a)]"), /expected an index/);
    assert.match(parseError("$.a b"), /unexpected " "/);
  });

  it("formats locations back as paths of the subset", () => {
    assert.equal(formatLocation([]), "$");
    assert.equal(formatLocation(["user", "emails", 0]), "$.user.emails[0]");
    assert.equal(formatLocation(["e mail", "it's", ""]), `$['e mail']['it\\'s']['']`);
    for (const location of [["a", 3, "b c"], ["x.y"], ["*"], ["a'b\\c"]]) {
      assert.deepEqual(select(nest(location, 1), formatLocation(location)), [location]);
    }
  });

  it(`stops at ${MAX_DEPTH} levels when walking descendants`, () => {
    let deep: unknown = { email: "x" };
    for (let i = 0; i < MAX_DEPTH + 10; i++) deep = { a: deep };
    assert.throws(() => select(deep, "$..email"), DepthExceeded);
  });
});

/** A value holding `leaf` at `location`. */
function nest(location: readonly (string | number)[], leaf: unknown): unknown {
  let value = leaf;
  for (const key of [...location].reverse()) {
    if (typeof key === "number") {
      const array: unknown[] = new Array<unknown>(key + 1).fill(null);
      array[key] = value;
      value = array;
    } else {
      value = { [key]: value };
    }
  }
  return value;
}
