import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasRepeatedKeys } from "./repeated-keys.js";

const check = (text: string): boolean =>
  hasRepeatedKeys(new TextEncoder().encode(text), JSON.parse(text) as unknown);

describe("hasRepeatedKeys()", () => {
  it("finds a name repeated in any object, at any depth", () => {
    for (const text of [
      '{"a":1,"a":1}',
      '{"a":1,"b":{"c":[{"d":1,"d":2}]}}',
      '[1,{"x":{"y":null,"y":null}}]',
      '{ "a" : 1 , "a" : 2 }',
      '{"a":1,"\\u0061":2}',
      '{"__proto__":1,"__proto__":2}',
      '{"é":1,"\\u00e9":2}',
    ])
      assert.equal(check(text), true, text);
  });

  it("counts no colon of a string, escaped quotes and backslashes included", () => {
    for (const text of [
      "1",
      '"a:b"',
      "[]",
      "{}",
      '{"a:b":"c:d","e":"\\":\\\\","f\\\\":":"}',
      '["::",{"a":"\\\\\\":"}]',
      '{"a":{"a":{"a":1}}}',
      '{"__proto__":{"x":1}}',
      '{"😀:":"é:"}',
    ])
      assert.equal(check(text), false, text);
  });
});
