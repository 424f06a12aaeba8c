import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonValueProblem, NON_FINITE_NUMBER } from "./json-value-problem.js";

describe("jsonValueProblem", () => {
  it("takes what JSON can hold, at any depth up to the limit", () => {
    for (const text of ['{"a":[1,2.5,-0,"x",null,true]}', "1.7976931348623157e308", '"1e400"', "[]"])
      assert.equal(jsonValueProblem(JSON.parse(text)), undefined, text);
    assert.equal(jsonValueProblem(JSON.parse("[".repeat(256) + "]".repeat(256))), undefined);
  });

  it("refuses a number that reads as Infinity, wherever it is", () => {
    for (const text of ["1e400", "-1e400", '[1,{"a":[1e999]}]', `{"big":1${"0".repeat(400)}}`])
      assert.equal(jsonValueProblem(JSON.parse(text)), NON_FINITE_NUMBER, text);
  });

  it("refuses nesting beyond the limit", () => {
    assert.equal(
      jsonValueProblem(JSON.parse("[".repeat(257) + "]".repeat(257))),
      "nested deeper than 256 levels",
    );
    assert.equal(jsonValueProblem([[1]], 1), "nested deeper than 1 levels");
  });
});
