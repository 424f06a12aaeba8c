/**
 * The pure parts of the PlaceOS dialect: the escaping of topic levels (reversible, one spelling per
 * name, never a wildcard, a separator, an empty level or the `_` of a missing level), the hierarchy
 * (which zone fills which level; what a hierarchy may be), the state payload's two value encodings
 * (with a value's text embedded as it came), and the Redis status channels.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import {
  escapeLevel,
  PlaceosHierarchy,
  statePayload,
  unescapeLevel,
} from "../../src/platform/dialects/placeos/index.js";
import { parseStatusChannel, parseStatusValue, patternPrefix } from "../../src/platform/inputs/index.js";
import { stateValueJson, type Zone } from "../../src/platform/registry/index.js";

describe("PlaceOS level escaping", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["Display", "Display"],
    ["dep-123", "dep-123"],
    ["M'Odule", "M'Odule"],
    ["a b", "a b"],
    ["in/out", "in%2Fout"],
    ["+", "%2B"],
    ["#", "%23"],
    ["100%", "100%25"],
    ["%2F", "%252F"],
    ["\u0000", "%00"],
    ["tab\there", "tab%09here"],
    ["\u007f", "%7F"],
    ["a\u0085b", "a%85b"], // C1 controls: libmosquitto drops a connection that receives one in a topic
    ["\u009f", "%9F"],
    ["\u00a0", "\u00a0"], // the first character after C1 is kept
    ["_", "%5F"],
    ["__", "__"],
    ["_a", "_a"],
    ["", "%"],
    ["Ünïcødé ✓", "Ünïcødé ✓"],
    ["a/+/#/%/_", "a%2F%2B%2F%23%2F%25%2F_"],
  ];

  it("escapes `%`, `/`, `+`, `#` and control characters, a lone `_` and the empty string", () => {
    for (const [name, level] of cases) assert.equal(escapeLevel(name), level, JSON.stringify(name));
  });

  it("an escaped level is one non-empty topic level without wildcards, never `_`", () => {
    for (const [name] of cases) {
      const level = escapeLevel(name);
      assert.ok(level.length > 0);
      // eslint-disable-next-line no-control-regex -- NUL is one of the characters checked for
      assert.ok(!/[/+#\u0000]/.test(level), level);
      assert.notEqual(level, "_");
    }
  });

  it("is reversed by unescapeLevel", () => {
    for (const [name, level] of cases) assert.equal(unescapeLevel(level), name, level);
    for (let code = 0; code < 0x180; code++) {
      const name = `x${String.fromCharCode(code)}y`;
      assert.equal(unescapeLevel(escapeLevel(name)), name);
    }
  });

  it("unescapeLevel accepts only the one spelling escapeLevel makes", () => {
    for (const level of ["%2f", "%41", "%%", "%2", "a%zz", "a/b", "%5f", "a%", "a+b", "#"])
      assert.equal(unescapeLevel(level), undefined, level);
    assert.equal(unescapeLevel("_"), undefined, "a lone `_` is a missing level, not a name");
    assert.equal(unescapeLevel("%"), "", "a lone `%` is the empty name");
  });
});

describe("PlaceOS hierarchy", () => {
  const zone = (type: Zone["type"], tags: string[] = []): Zone => ({
    id: `z-${type}`,
    tenant: "t",
    name: type,
    type,
    parentId: undefined,
    description: undefined,
    tags,
    createdAt: 0,
    updatedAt: 0,
  });

  it("a zone fills the level its tags name (the first in hierarchy order), else the level of its type", () => {
    const hierarchy = new PlaceosHierarchy(["org", "region", "building", "level", "area"]);
    assert.equal(hierarchy.levelOf(zone("region", ["org"])), 0);
    assert.equal(hierarchy.levelOf(zone("region")), 1);
    assert.equal(hierarchy.levelOf(zone("building")), 2);
    assert.equal(hierarchy.levelOf(zone("area", ["level"])), 3, "a tag wins over the type");
    assert.equal(hierarchy.levelOf(zone("area", ["area", "org"])), 0, "hierarchy order among tags");
    assert.equal(hierarchy.levelOf(zone("space")), undefined);
    assert.equal(hierarchy.levelOf(zone("space", ["floor"])), undefined);
    assert.equal(new PlaceosHierarchy(["org", "building"]).levelOf(zone("region")), undefined);
  });

  it("refuses an empty hierarchy, repeats, the fixed levels and names that are not parameters", () => {
    for (const levels of [[], ["org", "org"], ["org", "state"], ["org", "index"], ["Org"], ["org", "a-b"]])
      assert.throws(
        () => new PlaceosHierarchy(levels),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.code === "SB_ERR_CONFIG_INVALID" &&
          error.message.includes("dialects.placeos.hierarchy"),
        JSON.stringify(levels),
      );
  });
});

describe("PlaceOS state payload", () => {
  it("raw embeds the JSON value; string embeds it serialized, as the document words it", () => {
    const json = stateValueJson({ a: [1, "x"] }, undefined);
    assert.equal(statePayload(1700000000123, json, "raw"), '{"time":1700000000123,"value":{"a":[1,"x"]}}');
    assert.equal(
      statePayload(1700000000123, json, "string"),
      '{"time":1700000000123,"value":"{\\"a\\":[1,\\"x\\"]}"}',
    );
    assert.equal(statePayload(5, stateValueJson(null, undefined), "raw"), '{"time":5,"value":null}');
    assert.equal(statePayload(5, stateValueJson(undefined, undefined), "raw"), '{"time":5,"value":null}');
    assert.equal(statePayload(5, stateValueJson("on", undefined), "string"), '{"time":5,"value":"\\"on\\""}');
  });

  it("a value's text as its source gave it is embedded byte for byte, in both encodings", () => {
    const big = "12345678901234567890";
    assert.equal(statePayload(5, stateValueJson(Number(big), big), "raw"), `{"time":5,"value":${big}}`);
    assert.equal(statePayload(5, stateValueJson(1, "1.0"), "raw"), '{"time":5,"value":1.0}');
    assert.equal(statePayload(5, stateValueJson(100, "1e2"), "string"), '{"time":5,"value":"1e2"}');
    const repeated = '{"a":1, "a":2}';
    assert.equal(
      statePayload(5, stateValueJson({ a: 2 }, repeated), "raw"),
      `{"time":5,"value":${repeated}}`,
    );
    for (const encoding of ["raw", "string"] as const)
      assert.doesNotThrow(() => JSON.parse(statePayload(5, repeated, encoding)), "still one JSON text");
  });
});

describe("Redis status channels", () => {
  it("the pattern is a literal prefix and `*`", () => {
    assert.equal(patternPrefix("status/*"), "status/");
    assert.equal(patternPrefix("run-1:status/*"), "run-1:status/");
    for (const bad of ["status/", "status/*/x", "st?tus/*", "s[ab]/*", "a\\*"])
      assert.equal(patternPrefix(bad), undefined, bad);
  });

  it("a channel is the prefix, the module id up to the next `/`, then the key (which may have `/`)", () => {
    assert.deepEqual(parseStatusChannel("status/", "status/mod-1/power"), {
      moduleId: "mod-1",
      key: "power",
    });
    assert.deepEqual(parseStatusChannel("status/", "status/mod-1/a/b"), { moduleId: "mod-1", key: "a/b" });
    assert.deepEqual(parseStatusChannel("status/", "status/mod-1/"), { moduleId: "mod-1", key: "" });
    for (const bad of ["status/mod-1", "status//power", "other/mod-1/power"])
      assert.equal(typeof parseStatusChannel("status/", bad), "string", bad);
  });

  it("a message is JSON, or empty for null", () => {
    assert.deepEqual(parseStatusValue('{"a":1}'), { value: { a: 1 }, text: '{"a":1}' });
    assert.deepEqual(parseStatusValue(" 1.0 "), { value: 1, text: " 1.0 " }, "the text kept as it came");
    assert.deepEqual(parseStatusValue(""), { value: null });
    assert.ok("error" in parseStatusValue("on"));
    // as deep as the state store could not write back: refused like a message that is not JSON
    assert.deepEqual(parseStatusValue('{"a":1e400}'), {
      error: "the value is a number too large for JSON (it reads as Infinity)",
    });
    assert.deepEqual(parseStatusValue(`${"[".repeat(300)}${"]".repeat(300)}`), {
      error: "the value is nested deeper than 256 levels",
    });
  });
});
