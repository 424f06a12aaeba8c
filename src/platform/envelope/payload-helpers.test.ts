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
import { payloadPart } from "./payload-writer.js";

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

  it("numbers: JSON.stringify's text in at most NUMBER_MAX_BYTES, also at a slab's very end", () => {
    const values = [-0.0000013364954730665688, -1.2345678901234567e-308, 21.4, -0, Number.NaN, 2 ** 53];
    const longest = Math.max(...values.map((v) => String(v).length));
    assert.equal(longest, NUMBER_MAX_BYTES);
    const writer = new PayloadWriter();
    const none = payloadPart("");
    for (let fill = 0; fill < 400; fill++) {
      const value = values[fill % values.length]!;
      const payload = writer.value(none, value, none)!;
      assert.equal(new TextDecoder().decode(payload), JSON.stringify(value), String(value));
      writer.value(none, "x".repeat(fill % 29), none); // moves the next number's start through a slab's last bytes
    }
  });
});

/** A small seeded generator of numbers in [0, 1), so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

describe("PayloadWriter.value", () => {
  /** Strings made of the characters at the edges of what `value` writes itself. */
  function randomString(random: () => number): string {
    const edges = [0x00, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7e, 0x7f, 0x80, 0xff, 0x2028, 0xd83d, 0xde00];
    let text = "";
    const length = Math.floor(random() * 40);
    for (let i = 0; i < length; i++)
      text += String.fromCharCode(
        random() < 0.9 ? 0x20 + Math.floor(random() * 0x5f) : edges[Math.floor(random() * edges.length)]!,
      );
    return text;
  }

  it("writes prefix, JSON.stringify of a number or a plain string, and suffix; undefined for the rest", () => {
    const writer = new PayloadWriter();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const random = seeded(7);
    const written: [string, Uint8Array][] = [];
    const plain = (value: unknown): boolean =>
      typeof value === "number" ||
      (typeof value === "string" &&
        JSON.stringify(value) === `"${value}"` &&
        encoder.encode(value).byteLength === value.length);
    for (let i = 0; i < 20_000; i++) {
      const prefix = payloadPart(`{"name":"n${i % 7}","value":`);
      const suffix = payloadPart(i % 3 === 0 ? "}" : `,"timestamp":"2016-08-09T20:00:47.${i}Z"}`);
      const value =
        i % 4 === 0
          ? randomString(random)
          : i % 4 === 1
            ? (random() - 0.5) * 10 ** Math.floor(random() * 30 - 10)
            : VALUES[i % VALUES.length];
      const payload = writer.value(prefix, value, suffix);
      const expected = `${decoder.decode(prefix.bytes)}${JSON.stringify(value)}${decoder.decode(suffix.bytes)}`;
      if (plain(value)) {
        assert.ok(payload !== undefined, String(value));
        written.push([expected, payload]);
      } else assert.equal(payload, undefined, String(value));
      if (i % 5 === 0) written.push([`°${i}`, writer.text(`°${i}`)]); // interleaved with other payloads
    }
    // every payload kept its bytes while the later ones were written (a refused string wrote none of its own)
    for (const [text, bytes] of written) assert.equal(decoder.decode(bytes), text);
  });

  it("writes parts of any length and characters byte for byte, whole words and the rest", () => {
    const writer = new PayloadWriter();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const random = seeded(11);
    const beyond = ["°", "✓", "漢", "\ud83d\ude00", "\ud83d", "\u007f", "\u0000", "\uffff"];
    const part = (): string => {
      let text = "";
      for (let length = Math.floor(random() * 40); length > 0; length--)
        text +=
          random() < 0.8
            ? String.fromCharCode(0x20 + Math.floor(random() * 0x5f))
            : beyond[Math.floor(random() * beyond.length)]!;
      return text;
    };
    for (let i = 0; i < 5_000; i++) {
      const before = part();
      const after = part();
      const payload = writer.value(payloadPart(before), i % 2 === 0 ? i : `v${i}`, payloadPart(after));
      const value = i % 2 === 0 ? String(i) : `"v${i}"`;
      // a lone surrogate is written as U+FFFD, as TextEncoder writes it
      assert.deepEqual(payload, encoder.encode(`${before}${value}${after}`), `${before}|${after}`);
      assert.equal(decoder.decode(payload), decoder.decode(encoder.encode(`${before}${value}${after}`)));
    }
  });

  it("parts keep their UTF-8 bytes and byte length", () => {
    const encoder = new TextEncoder();
    for (const text of ["", "}", '{"name":"als","value":', ',"unit":"°C ✓ 漢字 \ud83d\ude00"}']) {
      const part = payloadPart(text);
      assert.deepEqual(part.bytes, encoder.encode(text));
      assert.equal(part.length, part.bytes.byteLength);
    }
    // a multi-byte part around a value: the length in bytes, not in characters, places the value
    const writer = new PayloadWriter();
    const payload = writer.value(payloadPart('{"°":'), 21.4, payloadPart(',"✓":1}'))!;
    assert.equal(new TextDecoder().decode(payload), '{"°":21.4,"✓":1}');
  });

  it("leaves a payload longer than a shared one to the caller", () => {
    const writer = new PayloadWriter();
    const encoder = new TextEncoder();
    const prefix = payloadPart(`{"name":"${"n".repeat(990)}","value":`);
    const suffix = payloadPart("}");
    assert.equal(writer.value(prefix, 1, suffix), undefined); // 25 bytes counted for a number
    assert.equal(writer.value(prefix, "x".repeat(30), suffix), undefined);
    assert.deepEqual(
      writer.value(prefix, "x".repeat(10), suffix),
      encoder.encode(`{"name":"${"n".repeat(990)}","value":"xxxxxxxxxx"}`),
    );
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

  it("count in their last 12 hex digits, across the blocks the generator writes them in", () => {
    const ids = new EnvelopeIds();
    const first = ids.next();
    assert.equal(first.slice(24), "000000000001");
    for (let i = 2; i <= 70_000; i++) {
      const id = ids.next();
      assert.equal(id.slice(0, 24), first.slice(0, 24));
      if (id.slice(24) !== i.toString(16).padStart(12, "0")) assert.fail(`id ${i} is ${id}`);
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
