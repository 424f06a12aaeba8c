import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PayloadSchema } from "../../registry/model.js";
import { SchemaCache } from "./schema-cache.js";

function payloadSchema(schema: Record<string, unknown>): PayloadSchema {
  return {
    id: "s",
    tenant: "acme",
    name: "temperature",
    schema,
    unit: undefined,
    description: undefined,
    createdAt: 1,
    updatedAt: 1,
  };
}

describe("SchemaCache", () => {
  it("refuses to compile a stored schema beyond the size bounds, and says so for each value", () => {
    const properties = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`p${i}`, { type: "string", maxLength: 5 }]),
    );
    const oversized = payloadSchema({ type: "object", properties }); // stored before the bounds
    const cache = new SchemaCache();
    const started = performance.now();
    const validate = cache.validator(oversized);
    assert.ok(performance.now() - started < 100, "not compiled");
    assert.ok(validate instanceof Error);
    assert.match(validate.message, /too large to compile safely: 38922 bytes as JSON, at most 16384/);
    assert.equal(cache.compiled, 0);
    assert.equal(cache.passes(oversized, {}), false);
    assert.match(
      cache.check(oversized, {}, "[0]/value")?.message ?? "",
      /an unusable schema \(the schema is too/,
    );
  });

  it("compiles a definition referred to many times once (references are not inlined)", () => {
    const item = { type: "object", properties: { a: { type: "string" }, b: { type: "number" } } };
    const schema = payloadSchema({
      definitions: { item },
      type: "object",
      properties: Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`p${i}`, { $ref: "#/definitions/item" }]),
      ),
    });
    const validate = new SchemaCache().validator(schema);
    assert.equal(typeof validate, "function");
    if (typeof validate !== "function") return;
    assert.equal(validate({ p0: { a: "x", b: 1 }, p39: { a: "y" } }), true);
    assert.equal(validate({ p7: { a: 1 } }), false);
    // inlined, each reference would be a copy of the definition in the generated code
    assert.ok(validate.toString().length < 20_000, String(validate.toString().length));
  });
});
