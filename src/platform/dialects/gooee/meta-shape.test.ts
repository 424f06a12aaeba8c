/**
 * A meta array read against a learned shape gives what `JSON.parse` gives, or does not read: checked
 * on arrays of every layout the generator below makes (whitespace, key orders, extra keys with nested
 * values, values of every JSON type, characters beyond ASCII), on new values in the same layout, and on
 * payloads with a byte changed, inserted or removed anywhere (invalid UTF-8 included), each a view at
 * some offset of a larger buffer. The property held: whenever a payload reads, `JSON.parse` of its
 * decoded text is the learned array with the read values and timestamps put in; and slots that have
 * read other payloads before (a timestamp kept) read exactly what fresh ones read.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetaShape, MetaSlots, numberAt, numberEnd } from "./meta-shape.js";

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

const NUMBERS = [
  "0",
  "-0",
  "21.4",
  "-41.5",
  "612",
  "0.05",
  "1e21",
  "1E-7",
  "2.5e+3",
  "-0.0",
  "9007199254740993",
  "123456789012345",
  "1234567890123456",
  "0.1234567890123456789",
  "3.141592653589793",
];
const STRINGS = ['"on"', '"0123456789abcdef"', '""', '"°C ✓"', '"a\\"b"', '"\\u0041"', '"tab\\there"'];
const TIMES = ['"2016-08-09T20:00:47.539000Z"', '"2026-11-22T10:00:00Z"', '"x"', '"\\u0032016"'];

function randomNumber(rng: Rng): string {
  if (rng() < 0.5) return pick(rng, NUMBERS);
  const whole = String(Math.floor(rng() * 10 ** Math.floor(rng() * 18)));
  const fraction =
    rng() < 0.5 ? "" : `.${String(Math.floor(rng() * 1e6)).padStart(Math.floor(rng() * 8), "0")}`;
  const exponent = rng() < 0.8 ? "" : `e${pick(rng, ["", "+", "-"])}${Math.floor(rng() * 30)}`;
  return `${rng() < 0.3 ? "-" : ""}${whole}${fraction}${exponent}`;
}

function randomValue(rng: Rng): string {
  const kind = rng();
  if (kind < 0.5) return randomNumber(rng);
  if (kind < 0.75) return pick(rng, STRINGS);
  if (kind < 0.9) return pick(rng, ["true", "false", "null"]);
  return pick(rng, ['{"a":1}', "[1,2]", "[]"]);
}

const space = (rng: Rng): string => (rng() < 0.7 ? "" : pick(rng, [" ", "\n", "\t ", "\r\n  "]));

interface Layout {
  /** Per item: its keys in order, with the text of every value but `value` and `timestamp`. */
  readonly items: readonly (readonly (readonly [string, string])[])[];
  readonly spaces: readonly string[];
}

function randomLayout(rng: Rng): Layout {
  const count = 1 + Math.floor(rng() * 5);
  const items: (readonly [string, string])[][] = [];
  for (let i = 0; i < count; i++) {
    const keys: [string, string][] = [
      ["name", `"${pick(rng, ["temperature", "co2", "stamp", "als", "~hidden"])}"`],
      ["value", ""],
      ["timestamp", ""],
    ];
    if (rng() < 0.5) keys.push(["display_name", pick(rng, ['"Temperature"', '"CO\\u2082"'])]);
    if (rng() < 0.5) keys.push(["unit_of_measure", '"C"']);
    if (rng() < 0.2) keys.push(["extra", pick(rng, ['{"nested":[1,{"value":2}]}', '"a]}"', "12", "null"])]);
    for (let k = keys.length - 1; k > 0; k--) {
      const j = Math.floor(rng() * (k + 1));
      [keys[k], keys[j]] = [keys[j]!, keys[k]!];
    }
    items.push(keys);
  }
  return { items, spaces: Array.from({ length: 64 }, () => space(rng)) };
}

/** The text of `layout` with the given value and timestamp texts per item. */
function write(layout: Layout, values: readonly string[], times: readonly string[]): string {
  let s = 0;
  const sp = (): string => layout.spaces[s++ % layout.spaces.length]!;
  const items = layout.items.map((keys, i) => {
    const fields = keys.map(([key, text]) => {
      const value = key === "value" ? values[i]! : key === "timestamp" ? times[i]! : text;
      return `${sp()}"${key}"${sp()}:${sp()}${value}${sp()}`;
    });
    return `${sp()}{${fields.join(",")}}${sp()}`;
  });
  return `${sp()}[${items.join(",")}]${sp()}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const constants = (item: Readonly<Record<string, unknown>>): unknown => item["unit_of_measure"] ?? null;

/** `text` as UTF-8, or `bytes` as they are, at `offset` of a larger buffer filled with `fill` around it. */
function payload(text: string | Uint8Array, offset = 3, fill = 0x22): Uint8Array {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  const buffer = new Uint8Array(offset + bytes.length + 16).fill(fill);
  buffer.set(bytes, offset);
  return buffer.subarray(offset, offset + bytes.length);
}

function learn(text: string): MetaShape | undefined {
  return MetaShape.learn(payload(text), JSON.parse(text) as unknown[], constants);
}

/**
 * Asserts the property: `bytes` read against the shape (with `kept`, slots that have read before, and
 * with fresh ones alike) only if the parse of their text is the learned array with the read slots.
 */
function assertSound(
  shape: MetaShape,
  kept: MetaSlots,
  learned: readonly Record<string, unknown>[],
  bytes: Uint8Array,
): boolean {
  const fresh = new MetaSlots();
  const ok = shape.read(bytes, fresh);
  const text = decoder.decode(bytes);
  assert.equal(
    shape.read(bytes, kept),
    ok,
    `a reader that has read before disagrees on ${JSON.stringify(text)}`,
  );
  if (!ok) return false;
  assert.deepEqual(
    [kept.values.slice(0, shape.size), kept.times.slice(0, shape.size)],
    [fresh.values.slice(0, shape.size), fresh.times.slice(0, shape.size)],
    `the two readers read differently: ${JSON.stringify(text)}`,
  );
  let parsed: unknown;
  assert.doesNotThrow(
    () => (parsed = JSON.parse(text)),
    `read, but JSON.parse refused: ${JSON.stringify(text)}`,
  );
  const expected = learned.map((item, i) => ({ ...item, value: fresh.values[i], timestamp: fresh.times[i] }));
  assert.deepEqual(parsed, expected, `read differently from JSON.parse: ${JSON.stringify(text)}`);
  return true;
}

describe("MetaShape", () => {
  it("reads the values and timestamps of an array in the learned layout", () => {
    const first =
      '[{"name":"stamp","value":"00ff","timestamp":"2016-08-09T20:00:47.539000Z"},{"name":"temperature","display_name":"Temperature","value":21.4,"unit_of_measure":"C","timestamp":"2016-08-09T20:00:47.539000Z"}]';
    const shape = learn(first)!;
    assert.deepEqual(shape.names, ["stamp", "temperature"]);
    assert.deepEqual(shape.constants, [null, "C"]);
    const read = new MetaSlots();
    const next = first.replace('"00ff"', '"0a0b"').replace("21.4", "-3e2").replaceAll("47.539", "48.001");
    assert.equal(shape.read(payload(next), read), true);
    assert.deepEqual(read.values, ["0a0b", -300]);
    assert.deepEqual(read.times, ["2016-08-09T20:00:48.001000Z", "2016-08-09T20:00:48.001000Z"]);
    assert.equal(read.times[0], read.times[1]); // one string
    // timestamps that differ, and a value beyond ASCII
    const apart = next.replace("48.001", "49.5").replace('"0a0b"', '"°C ✓"');
    assert.equal(shape.read(payload(apart, 5), read), true);
    assert.deepEqual(read.values, ["°C ✓", -300]);
    assert.deepEqual(read.times, ["2016-08-09T20:00:49.5000Z", "2016-08-09T20:00:48.001000Z"]);
  });

  it("keeps a string value's leading U+FEFF, as the parse of the whole payload does", () => {
    const shape = learn('[{"name":"a","value":"hello","timestamp":"2024-01-01T00:00:00Z"}]')!;
    const marked = encoder.encode('[{"name":"a","value":"\ufeffx","timestamp":"2024-01-01T00:00:00Z"}]');
    const read = new MetaSlots();
    assert.equal(shape.read(payload(marked), read), true);
    assert.deepEqual(read.values, ["\ufeffx"]);
    assert.deepEqual(read.values, [(JSON.parse(decoder.decode(marked)) as { value: string }[])[0]!.value]);
  });

  it("reads a payload in a buffer larger than a read chunk (its view is not kept)", () => {
    const text = '[{"name":"co2","value":612,"timestamp":"2016-08-09T20:00:47Z"}]';
    const shape = learn(text)!;
    const read = new MetaSlots();
    const large = new Uint8Array(256 * 1024);
    const bytes = encoder.encode(text.replace("612", "613"));
    large.set(bytes, 100_000);
    for (let i = 0; i < 2; i++) {
      assert.equal(shape.read(large.subarray(100_000, 100_000 + bytes.length), read), true);
      assert.deepEqual(read.values, [613]);
      assert.equal(shape.read(payload(text), read), true); // then a small one, and back
      assert.deepEqual(read.values, [612]);
    }
  });

  it("is shared by layout: texts alike but for their slots have one layout", () => {
    const a = '[{"name":"co2","value":612,"timestamp":"2016-08-09T20:00:47Z"}]';
    const b = '[{"name":"co2","value":"x","timestamp":"2026-11-22T10:00:00Z"}]';
    const c = '[{"name":"co2", "value":612,"timestamp":"2016-08-09T20:00:47Z"}]';
    const layout = (text: string): string => learn(text)!.layout;
    assert.equal(layout(a), layout(b));
    assert.notEqual(layout(a), layout(c));
    // bytes that decode alike (both invalid UTF-8, U+FFFD once decoded) are different layouts
    const withByte = (byte: number): string => {
      const bytes = encoder.encode('[{"name":"co2","display_name":"x","value":1,"timestamp":"t"}]');
      bytes[bytes.indexOf(0x78)] = byte; // the "x"
      const parsed = JSON.parse(decoder.decode(bytes)) as unknown[];
      return MetaShape.learn(payload(bytes), parsed, constants)!.layout;
    };
    assert.notEqual(withByte(0xff), withByte(0xfe));
  });

  it("does not read a payload with an escape, a control character, another layout or more items", () => {
    const first = '[{"name":"co2","value":612,"timestamp":"2016-08-09T20:00:47Z"}]';
    const shape = learn(first)!;
    for (const text of [
      first.replace("612", '"a\\"b"'),
      first.replace("612", '"a\u0001b"'),
      first.replace("612", '{"a":1}'),
      first.replace("612", "0612"),
      first.replace("612", "6."),
      first.replace("612", "tru"),
      first.replace(":612", ": 612"),
      first.replace("]", ',{"name":"co2","value":1,"timestamp":"2016-08-09T20:00:47Z"}]'),
      first.replace('"2016-08-09T20:00:47Z"', "12"),
      first.replace("47Z", "47Z✓"), // a timestamp beyond ASCII
      `${first} `,
      `\ufeff${first}`, // a byte order mark
      first.slice(0, -1),
    ])
      assert.equal(shape.read(payload(text), new MetaSlots()), false, text);
    // the bytes after the payload's end are not read (the buffer goes on with the end of the array)
    assert.equal(shape.read(payload(first).subarray(0, -1), new MetaSlots()), false);
  });

  it("learns nothing it could not read soundly", () => {
    for (const text of [
      '[{"name":"co2","\\u0076alue":1,"timestamp":"t"}]', // an escaped key
      '[{"name":"co2","value":1,"value":2,"timestamp":"t"}]', // a key twice
      '[{"name":"co2","value":1}]', // no timestamp
      '[{"name":"co2","value":{"a":1},"timestamp":"t"}]', // a nested value
      '[{"name":"co2","value":[1],"timestamp":"t"}]',
      '[{"name":"co2","value":1,"timestamp":5}]', // a timestamp that is not a string
      '[{"name":"co2","value":"a\\nb","timestamp":"t"}]', // an escaped value
      "[]",
    ])
      assert.equal(learn(text), undefined, text);
    // a byte order mark: the decoded text parses, but no payload with it could read
    const marked = '\ufeff[{"name":"co2","value":1,"timestamp":"t"}]';
    assert.equal(
      MetaShape.learn(encoder.encode(marked), [{ name: "co2", value: 1, timestamp: "t" }], constants),
      undefined,
    );
  });

  it("reads exactly what JSON.parse reads, over random layouts, values and damaged payloads", () => {
    const rng = random(20261122);
    let learned = 0;
    let reads = 0;
    let damagedReads = 0;
    for (let round = 0; round < 1500; round++) {
      const layout = randomLayout(rng);
      const count = layout.items.length;
      const values = Array.from({ length: count }, () => randomValue(rng));
      const times = Array.from({ length: count }, () => pick(rng, TIMES));
      const text = write(layout, values, times);
      const parsed = JSON.parse(text) as Record<string, unknown>[];
      const shape = learn(text);
      if (shape === undefined) continue;
      learned++;
      const kept = new MetaSlots();
      assert.equal(
        assertSound(shape, kept, parsed, payload(text)),
        true,
        `does not read the text it learned: ${text}`,
      );
      for (let k = 0; k < 20; k++) {
        const next = encoder.encode(
          write(
            layout,
            Array.from({ length: count }, () => randomValue(rng)),
            Array.from({ length: count }, () => pick(rng, TIMES)),
          ),
        );
        const offset = Math.floor(rng() * 9);
        const fill = pick(rng, [0x22, 0x30, 0x5d, 0x7d, 0x20]);
        if (assertSound(shape, kept, parsed, payload(next, offset, fill))) reads++;
        // damage: a byte changed, inserted or removed
        const at = Math.floor(rng() * next.length);
        const byte = pick(
          rng,
          [
            0x22, 0x5c, 0x2c, 0x7d, 0x5d, 0x5b, 0x7b, 0x30, 0x39, 0x2d, 0x2e, 0x65, 0x20, 0x01, 0x61, 0x7f,
            0xc3, 0xff,
          ],
        );
        const op = rng();
        const damaged = new Uint8Array(next.length + 1);
        damaged.set(next.subarray(0, at));
        let length = at;
        if (op < 0.7) damaged[length++] = byte; // changed or inserted
        damaged.set(next.subarray(op < 0.4 || op >= 0.7 ? at + 1 : at), length);
        length += next.length - (op < 0.4 || op >= 0.7 ? at + 1 : at);
        if (assertSound(shape, kept, parsed, payload(damaged.subarray(0, length), offset, fill)))
          damagedReads++;
      }
    }
    // the generator must exercise both sides
    assert.ok(learned > 100, `only ${learned} shapes learned`);
    assert.ok(reads > 1000, `only ${reads} payloads read`);
    assert.ok(damagedReads > 50, `only ${damagedReads} damaged payloads read`);
  });
});

describe("numberAt", () => {
  it("gives JSON.parse's double for every JSON number", () => {
    const rng = random(7);
    const texts = [...NUMBERS, "-9007199254740993", "0.000001", "1.7976931348623157e308", "5e-324"];
    for (let i = 0; i < 200_000; i++) texts.push(randomNumber(rng));
    for (let i = 0; i < 100_000; i++) texts.push(String((rng() - 0.5) * 10 ** Math.floor(rng() * 40 - 20)));
    for (const text of texts) {
      const padded = encoder.encode(`[${text},`);
      const end = numberEnd(padded, 1);
      assert.equal(end, 1 + text.length, text);
      assert.ok(Object.is(numberAt(padded, 1, end), JSON.parse(text)), text);
    }
  });

  it("finds no number where JSON has none", () => {
    for (const text of ["-", "01", ".5", "1.", "1e", "1e+", "+1", "-x", "Infinity", "NaN"]) {
      const end = numberEnd(encoder.encode(`${text},`), 0);
      assert.ok(end < 0 || end < text.length, text);
    }
  });
});
