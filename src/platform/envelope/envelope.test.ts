/**
 * The event envelope: every field the platform's events carry, the source time kept as given and
 * parsed to microseconds, ISO 8601 parsing and formatting, and the rendering helpers.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createEnvelope,
  envelopeTime,
  formatIsoMicros,
  formatIsoMillis,
  jsonBytes,
  type JsonObject,
  parseIsoTimestamp,
  withDefault,
  withoutKey,
} from "./index.js";

const SEED_TIME = "2016-08-09T20:00:47.539000Z";
const SEED_MICROS = 1_470_772_847_539_000;

describe("createEnvelope", () => {
  it("carries tenant, source, channel, type, source and ingest time, data, content type, attributes", () => {
    const envelope = createEnvelope(
      {
        tenant: "acme",
        source: { kind: "devices", id: "d1" },
        channel: "temperature",
        type: "meta",
        data: { reading: 21.5 },
        dialect: "gooee",
        sourceTime: "2016-08-09T20:00:47.539123Z",
        contentType: "application/vnd.example+json",
        attributes: { unit_of_measure: "C" },
        id: "e1",
      },
      1_700_000_000_123,
    );
    assert.deepEqual(envelope, {
      id: "e1",
      tenant: "acme",
      source: { kind: "devices", id: "d1" },
      channel: "temperature",
      type: "meta",
      sourceTime: "2016-08-09T20:00:47.539123Z",
      sourceTimeMicros: 1_470_772_847_539_123,
      ingestTime: 1_700_000_000_123,
      data: { reading: 21.5 },
      contentType: "application/vnd.example+json",
      attributes: { unit_of_measure: "C" },
      dialect: "gooee",
    });
  });

  it("defaults: a random id, JSON content, no attributes, no source time", () => {
    const fields = {
      tenant: "acme",
      source: { kind: "zones", id: "z1" },
      channel: "head_count",
      type: "head_count",
      data: 3,
      dialect: "rest",
    } as const;
    const a = createEnvelope(fields, 5);
    const b = createEnvelope(fields, 5);
    assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.id, b.id);
    assert.equal(a.contentType, "application/json");
    assert.deepEqual(a.attributes, {});
    assert.equal(a.sourceTime, undefined);
    assert.equal(a.sourceTimeMicros, undefined);
  });

  it("keeps a parse the caller already made, and refuses a source time that is not ISO 8601", () => {
    const base = {
      tenant: "t",
      source: { kind: "devices", id: "d" },
      channel: "c",
      type: "meta",
      data: null,
      dialect: "x",
    } as const;
    assert.equal(
      createEnvelope({ ...base, sourceTime: SEED_TIME, sourceTimeMicros: 7 }, 0).sourceTimeMicros,
      7,
    );
    assert.throws(() => createEnvelope({ ...base, sourceTime: "yesterday" }, 0), RangeError);
  });
});

describe("ISO 8601 timestamps", () => {
  it("parses to microseconds: fraction digits, offsets, Z", () => {
    const cases: [string, number | undefined][] = [
      [SEED_TIME, SEED_MICROS],
      ["2016-08-09T20:00:47.539Z", SEED_MICROS],
      ["2016-08-09T20:00:47.5390001Z", SEED_MICROS], // beyond microseconds: truncated
      ["2016-08-09T20:00:47.000001Z", SEED_MICROS - 538_999],
      ["2016-08-09T20:00:47Z", SEED_MICROS - 539_000],
      ["2016-08-09T22:00:47.539+02:00", SEED_MICROS],
      ["2016-08-09T15:30:47.539-0430", SEED_MICROS],
      ["2016-08-09t20:00:47,539000z", SEED_MICROS],
      ["2016-08-09", undefined],
      ["2016-08-09T20:00:47", undefined], // no time zone
      ["2016-02-30T00:00:00Z", undefined],
      ["2016-13-01T00:00:00Z", undefined],
      ["2016-08-09T24:00:00Z", undefined],
      ["2016-08-09T20:00:47.Z", undefined],
      ["2016-08-09T20:00:47+24:00", undefined],
    ];
    for (const [text, micros] of cases) assert.equal(parseIsoTimestamp(text), micros, text);
    assert.equal(parseIsoTimestamp("2016-02-29T00:00:00Z"), Date.UTC(2016, 1, 29) * 1000, "a leap day");
    assert.equal(parseIsoTimestamp("2100-02-29T00:00:00Z"), undefined, "not a leap year");
  });

  it("agrees with a regular-expression reference on random and mutated date-times", () => {
    // The shape the parser implements, written as a regular expression, with Date.UTC for the date.
    const shape =
      /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;
    const reference = (text: string): number | undefined => {
      const m = shape.exec(text);
      if (m === null) return undefined;
      const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, ...number[]];
      const ms = Date.UTC(year, month! - 1, day, hour, minute, second);
      const check = new Date(ms);
      if (check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day) return undefined;
      if (hour! > 23 || minute! > 59 || second! > 59) return undefined;
      let offset = 0;
      if (m[8] === undefined) {
        if (Number(m[10]) > 23 || Number(m[11]) > 59) return undefined;
        offset = (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
      }
      const micros = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, "0"));
      return ms * 1000 + micros - offset * 60_000_000;
    };
    let seed = 42;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const two = (n: number): string => String(n).padStart(2, "0");
    const pick = <T>(list: readonly T[]): T => list[random(list.length)]!;
    const noise = [
      "",
      "0",
      "1",
      "9",
      "a",
      ":",
      "-",
      "+",
      ".",
      ",",
      "Z",
      "z",
      "T",
      " ",
      "\u0660",
      "\u{1d7ce}",
    ];
    for (let i = 0; i < 20_000; i++) {
      const fraction = pick(["", "", `.${"1234567890".slice(0, 1 + random(10))}`, `,${random(1000)}`, "."]);
      const zone = pick([
        "Z",
        "z",
        `+${two(random(26))}:${two(random(62))}`,
        `-${two(random(24))}${two(random(60))}`,
        "",
        "+1:00",
      ]);
      let text = `${String(100 + random(9900)).padStart(4, "0")}-${two(random(14))}-${two(random(33))}${pick(["T", "t", " "])}${two(random(25))}:${two(random(61))}:${two(random(61))}${fraction}${zone}`;
      if (random(3) === 0) {
        // replace, insert or delete one character
        const at = random(text.length + 1);
        const op = random(3);
        text = text.slice(0, at) + (op === 2 ? "" : pick(noise)) + text.slice(op === 0 ? at : at + 1);
      }
      assert.equal(parseIsoTimestamp(text), reference(text), text);
    }
  });

  it("counts years before 100 as they are written (Date.UTC would add 1900)", () => {
    assert.equal(
      parseIsoTimestamp("0050-03-01T00:00:00Z"),
      new Date("0050-03-01T00:00:00Z").getTime() * 1000,
    );
    assert.equal(parseIsoTimestamp("0000-01-01T00:00:00Z"), -62_167_219_200_000_000);
    assert.equal(parseIsoTimestamp("0000-02-29T00:00:00Z"), -62_167_219_200_000_000 + 59 * 86_400_000_000);
    assert.equal(parseIsoTimestamp("9999-12-31T23:59:59Z"), Date.UTC(9999, 11, 31, 23, 59, 59) * 1000);
  });

  it("formats with six fraction digits, round-tripping microseconds", () => {
    assert.equal(formatIsoMicros(SEED_MICROS), SEED_TIME);
    assert.equal(formatIsoMicros(SEED_MICROS + 42), "2016-08-09T20:00:47.539042Z");
    assert.equal(formatIsoMillis(1_470_772_847_539), SEED_TIME);
    for (const text of ["2021-03-04T05:06:07.123456Z", "1970-01-01T00:00:00.000001Z"])
      assert.equal(formatIsoMicros(parseIsoTimestamp(text)!), text);
  });
});

describe("rendering helpers", () => {
  it("envelopeTime: the source time as given, else the ingest time with microseconds", () => {
    const fields = {
      tenant: "t",
      source: { kind: "devices", id: "d" },
      channel: "c",
      type: "meta",
      data: 1,
      dialect: "x",
    } as const;
    const offset = "2016-08-09T22:00:47.539+02:00";
    assert.equal(envelopeTime(createEnvelope({ ...fields, sourceTime: offset }, 0)), offset);
    assert.equal(envelopeTime(createEnvelope(fields, 1_470_772_847_539)), SEED_TIME);
  });

  it("withoutKey and withDefault keep the other keys in their order", () => {
    const action = { name: "Dim", type: "dim", value: { level: 1 } };
    assert.deepEqual(Object.keys(withoutKey(action, "type")), ["name", "value"]);
    assert.equal(withDefault(action, "name", "x"), action);
    assert.deepEqual(Object.keys(withDefault(action, "created", "t")), ["name", "type", "value", "created"]);
  });

  it("withoutKey and withDefault keep a __proto__ key (JSON.parse makes it an own key)", () => {
    const action = JSON.parse('{"name":"Dim","type":"dim","__proto__":{"level":1},"value":2}') as JsonObject;
    const copy = withoutKey(action, "type");
    assert.equal(JSON.stringify(copy), '{"name":"Dim","__proto__":{"level":1},"value":2}');
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.equal(
      JSON.stringify(withDefault(action, "created", "t")),
      '{"name":"Dim","type":"dim","__proto__":{"level":1},"value":2,"created":"t"}',
    );
  });

  it("jsonBytes: UTF-8 JSON", () => {
    assert.equal(new TextDecoder().decode(jsonBytes({ d: "90°F" })), '{"d":"90°F"}');
  });
});
