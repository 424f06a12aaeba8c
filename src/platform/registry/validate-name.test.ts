import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hasNoncharacter, nameError } from "./validate-name.js";

/** The definition, code point by code point (Unicode: 66 noncharacters). */
function noncharacterReference(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if ((code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe) return true;
  }
  return false;
}

describe("hasNoncharacter", () => {
  it("agrees with the definition for every code point, alone and between other characters", () => {
    let found = 0;
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const text = `a${String.fromCodePoint(code)}b`;
      const expected = noncharacterReference(text);
      if (expected) found++;
      if (hasNoncharacter(text) !== expected) assert.fail(`U+${code.toString(16).toUpperCase()}`);
    }
    assert.equal(found, 66);
  });

  it("does not take a lone low surrogate for a noncharacter", () => {
    assert.equal(hasNoncharacter("\uDFFE"), false);
    assert.equal(hasNoncharacter("x\uDFFF"), false);
  });
});

describe("nameError", () => {
  it("refuses noncharacters, which MQTT says a topic should not hold", () => {
    assert.match(nameError("Display\uFFFF") ?? "", /must not contain a Unicode noncharacter/);
    assert.match(nameError("\u{1FFFE}") ?? "", /noncharacter/);
    assert.equal(nameError("Ünïcødé ✓ \u{1F600}"), undefined);
  });
});
