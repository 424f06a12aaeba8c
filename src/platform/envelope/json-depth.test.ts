import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "./json-depth.js";

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

describe("exceedsJsonDepth", () => {
  it("counts arrays and objects, not scalars", () => {
    for (const scalar of [1, "s", true, null, undefined]) assert.equal(exceedsJsonDepth(scalar, 0), false);
    assert.equal(exceedsJsonDepth([], 0), true);
    assert.equal(exceedsJsonDepth([], 1), false);
    assert.equal(exceedsJsonDepth({ a: [1, { b: 2 }] }, 3), false);
    assert.equal(exceedsJsonDepth({ a: [1, { b: 2 }] }, 2), true);
  });

  it("finds the deepest branch whatever its place", () => {
    const wide = { a: 1, b: [2, 3], c: { d: { e: nested(10) } } };
    assert.equal(exceedsJsonDepth(wide, 13), false);
    assert.equal(exceedsJsonDepth(wide, 12), true);
  });

  it(`stops at ${MAX_JSON_DEPTH} levels by default, and walks 100,000 levels without recursion`, () => {
    assert.equal(exceedsJsonDepth(nested(MAX_JSON_DEPTH)), false);
    assert.equal(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1)), true);
    assert.equal(exceedsJsonDepth(JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)), true);
  });
});
