import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { compileUserSchema, slowPattern } from "./user-schema.js";

const ajv = (): Ajv => new Ajv({ strict: false, addUsedSchema: false });

describe("compileUserSchema", () => {
  it("refuses patterns that can backtrack exponentially, alternations and repeated repetitions included", () => {
    for (const pattern of [
      "^(a+)+$",
      "^(a|a)+$",
      "^(a|aa)+$",
      "^(\\w|\\d)+$",
      "^(a{1,2})+b$",
      "^(\\d{1,9}-)*$",
    ])
      assert.match(slowPattern({ type: "string", pattern }) ?? "", /exponential time/, pattern);
    assert.match(slowPattern({ patternProperties: { "^(x|xy)*$": {} } }) ?? "", /exponential time/);
    assert.match(
      slowPattern({ items: [{ properties: { a: { pattern: "(b|bb)+" } } }] }) ?? "",
      /exponential/,
    );
    for (const pattern of [
      "^[0-9a-f]{32}$",
      "^(ab)+$",
      "^(?:\\.[a-z])*$",
      "^[ab]+$",
      "^(a|b){1,8}$",
      "^(?:on|off)$",
    ])
      assert.equal(slowPattern({ type: "string", pattern }), undefined, pattern);
  });

  it("refuses an asynchronous schema and a $id below the root; keeps a root $id and its relative refs", () => {
    assert.throws(() => compileUserSchema(ajv(), { $async: true, type: "number" }), /asynchronous/);
    assert.throws(
      () => compileUserSchema(ajv(), { properties: { p: { $id: "http://shared/a", type: "number" } } }),
      /below the schema's root/,
    );
    const compiled = compileUserSchema(ajv(), {
      $id: "http://x/s.json",
      definitions: { a: { type: "integer", minimum: 3 } },
      $ref: "#/definitions/a",
    });
    assert.equal(compiled.validate(4), true);
    assert.equal(compiled.validate(2), false);
  });

  it("drops a schema without dropping the schema its $id names (draft-07's meta-schema)", () => {
    const instance = ajv();
    compileUserSchema(instance, { $id: "http://json-schema.org/draft-07/schema#", type: "string" }).release();
    assert.equal(compileUserSchema(instance, { type: "number" }).validate(1), true);
    assert.throws(() => compileUserSchema(instance, { type: "no-such-type" }), /schema is invalid/);
  });
});
