/**
 * The hand-written meta name check against Gooee's pattern, on listed names and on random strings over
 * the characters that matter.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NAME_PATTERN } from "./gooee-errors.js";
import { isMetaName, matchesNamePattern } from "./meta-name.js";

describe("meta names", () => {
  it("match exactly what the pattern matches", () => {
    const listed = [
      "",
      "a",
      "ab",
      "a1",
      "a_",
      "a__b",
      "a_b_c",
      "~a",
      "~ab",
      "~~ab",
      "~_ab",
      "_ab",
      "1ab",
      "Ab",
      "aB",
      "temperature",
      "co2",
      "meta_new",
      "Meta_New",
      "a b",
      "ab\n",
      "ab\n__",
      "a\u00e9",
      "~",
      "~1",
      "a~b",
    ];
    for (const name of listed)
      assert.equal(matchesNamePattern(name), NAME_PATTERN.test(name), JSON.stringify(name));
    const alphabet = ["a", "z", "b", "0", "9", "_", "~", "A", "-", " ", "\n", "\u00e9", "`", "{", "/", ":"];
    let seed = 7;
    for (let i = 0; i < 50_000; i++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      const length = (seed >>> 8) % 7;
      let name = "";
      for (let j = 0; j < length; j++) {
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
        name += alphabet[(seed >>> 8) % (j === 0 ? alphabet.length : 8)]!; // mostly name characters
      }
      assert.equal(matchesNamePattern(name), NAME_PATTERN.test(name), JSON.stringify(name));
    }
  });

  it("are at most 100 characters and never `rejected`", () => {
    assert.equal(isMetaName(`a${"b".repeat(99)}`), true);
    assert.equal(isMetaName(`a${"b".repeat(100)}`), false);
    assert.equal(isMetaName("rejected"), false);
    assert.equal(isMetaName("rejected_2"), true);
    assert.equal(isMetaName("Temperature"), false);
  });
});
