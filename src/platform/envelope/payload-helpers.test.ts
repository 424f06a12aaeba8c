/**
 * The helpers dialects build payloads with on the hot path: JSON text of one value, the payload slab,
 * envelope ids, and the timestamp parser that remembers the last text. Each against the plain way of
 * doing the same (JSON.stringify, TextEncoder, crypto.randomUUID's shape, parseIsoTimestamp).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  EnvelopeIds,
  jsonString,
  jsonText,
  parseIsoTimestamp,
  NUMBER_MAX_BYTES,
  PayloadWriter,
  TimestampParser,
} from "./index.js";

const VALUES: unknown[] = [
  0,
  -0,
  21.4,
  -1e-7,
  1e21,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "",
  "plain",
  'quote " and backslash \\',
  "control \u0000 \u001f \n \t",
  "unicode °C ✓ 漢字",
  "pair \ud83d\ude00 and lone \ud83d and \ude00",
  "\u2028\u2029",
  true,
  false,
  null,
  undefined,
  [1, "two", { three: 3 }],
  { nested: { value: [null, true] } },
  { toJSON: () => "custom" },
  () => 1,
  Symbol("s"),
];

describe("jsonText and jsonString", () => {
  it("write what JSON.stringify writes", () => {
    for (const value of VALUES) assert.equal(jsonText(value), JSON.stringify(value), String(value));
    for (const value of VALUES)
      if (typeof value === "string") assert.equal(jsonString(value), JSON.stringify(value), value);
  });
});

describe("PayloadWriter", () => {
  it("gives the UTF-8 bytes of each text, unchanged by the writes after it, across many slabs", () => {
    const writer = new PayloadWriter();
    const encoder = new TextEncoder();
    const written: [string, Uint8Array][] = [];
    for (let i = 0; i < 3000; i++) {
      const text =
        i % 97 === 0
          ? "x".repeat(1500 + i)
          : `{"name":"v${i}","value":${i * 1.5},"unit":"${"°✓漢".repeat(i % 5)}"}`;
      written.push([text, writer.text(text)]);
    }
    for (const [text, bytes] of written) assert.deepEqual(bytes, encoder.encode(text), text.slice(0, 40));
    assert.deepEqual(writer.json({ a: [1, "b"] }), encoder.encode('{"a":[1,"b"]}'));
    assert.deepEqual(writer.text(""), new Uint8Array(0));
  });

  it("puts payloads together from ASCII parts, interleaved with texts, across slabs and beyond one", () => {
    const writer = new PayloadWriter();
    const encoder = new TextEncoder();
    const written: [string, Uint8Array][] = [];
    for (let i = 0; i < 3000; i++) {
      const parts = ['{"name":"', `v${i}`, '","value":', String(i * 1.5), "}"];
      if (i % 211 === 0) parts.splice(1, 0, "y".repeat(1100)); // longer than a shared payload
      writer.begin(parts.reduce((sum, part) => sum + part.length, 0));
      for (const part of parts) writer.ascii(part);
      written.push([parts.join(""), writer.end()]);
      const text = `°${i}`;
      written.push([text, writer.text(text)]);
    }
    for (const [text, bytes] of written) assert.deepEqual(bytes, encoder.encode(text), text.slice(0, 40));
    writer.begin(0);
    assert.deepEqual(writer.end(), new Uint8Array(0));
  });

  it("numbers: JSON.stringify's text in at most NUMBER_MAX_BYTES, also at a slab's very end", () => {
    const values = [-0.0000013364954730665688, -1.2345678901234567e-308, 21.4, -0, Number.NaN, 2 ** 53];
    const longest = Math.max(...values.map((v) => String(v).length));
    assert.equal(longest, NUMBER_MAX_BYTES);
    const writer = new PayloadWriter();
    for (let fill = 0; fill < 400; fill++) {
      const value = values[fill % values.length]!;
      writer.begin(NUMBER_MAX_BYTES);
      writer.number(value);
      assert.equal(new TextDecoder().decode(writer.end()), JSON.stringify(value), String(value));
      writer.begin(fill % 29); // moves the next number's start through a slab's last bytes
      writer.ascii("x".repeat(fill % 29));
      writer.end();
    }
  });
});

describe("EnvelopeIds", () => {
  it("are version 4 UUIDs, all different, and differ between generators", () => {
    const a = new EnvelopeIds();
    const b = new EnvelopeIds();
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      for (const id of [a.next(), b.next()]) {
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.ok(!seen.has(id), id);
        seen.add(id);
      }
    }
  });
});

describe("TimestampParser", () => {
  it("parses as parseIsoTimestamp does, the same text again or a new one", () => {
    const parser = new TimestampParser();
    for (const text of [
      "2016-08-09T20:00:47.539000Z",
      "2016-08-09T20:00:47.539000Z",
      "",
      "2016-08-09T22:00:47.539+02:00",
      "not a time",
      "not a time",
      "2016-08-09T20:00:47.539000Z",
    ])
      assert.equal(parser.parse(text), parseIsoTimestamp(text), text);
  });
});
