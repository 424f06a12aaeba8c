/**
 * The Gooee fast paths: a meta array read against its device's shape has the long way's outcome for JSON edge cases
 * (numbers, literals, strings, whitespace, keys), and Gooee's value payloads are JSON.stringify's bytes.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEnvelope, EnvelopeIds, formatIsoMillis, TimestampParser } from "../../envelope/index.js";
import { EMPTY_REGISTRY } from "../empty-registry.js";
import { GooeeRenderer } from "./gooee-render.js";
import { Registry } from "../../registry/index.js";
import { MemoryRegistryStore } from "../../../storage/index.js";
import type { DialectContext, IngestHandler, IngestOutcome, InboundPublish } from "../dialect.js";
import { ingestMeta } from "./gooee-ingest.js";
import { SchemaCache } from "./schema-cache.js";

const TENANT = "acme";

async function world(): Promise<Registry> {
  const registry = new Registry({ store: new MemoryRegistryStore() });
  await registry.load();
  assert.ok(registry.create("tenants", { id: TENANT, name: "Acme" }).ok);
  assert.ok(registry.create("devices", { id: "dev-1", tenant: TENANT, name: "d" }).ok);
  assert.ok(
    registry.create("schemas", {
      tenant: TENANT,
      name: "temperature",
      schema: { type: "number", maximum: 150 },
    }).ok,
  );
  return registry;
}

function publish(id: string, payload: Uint8Array): InboundPublish {
  return {
    tenant: TENANT,
    client: {
      clientId: "c",
      username: undefined,
      principal: {
        id: "c",
        anonymous: true,
        tenant: TENANT,
        roles: [],
        scopes: [],
        expiresAt: undefined,
        attributes: {},
      },
    },
    topic: `devices/${id}/meta`,
    params: { id },
    payload,
    qos: 0,
    retain: false,
    properties: undefined,
  };
}

function comparable(outcome: IngestOutcome): unknown {
  if (outcome.kind !== "accept") return outcome;
  return { ...outcome, envelopes: outcome.envelopes.map(({ id: _id, ...rest }) => rest) };
}

const T1 = "2016-08-09T20:00:47.539000Z";
const VALUE_TOKENS = [
  "0",
  "-0",
  "-0.0",
  "1E400",
  "-1E400",
  "1e-7",
  "1.5e3",
  "123456789012345678",
  "999999999999999",
  "9999999999999999",
  "0.30000000000000004",
  "0.1",
  "0.000000000000001",
  "12.340",
  "1.",
  "01",
  ".5",
  "+1",
  "-",
  "1e",
  "1e+",
  "true",
  "false",
  "null",
  "nul",
  "tru",
  "truex",
  '"abc"',
  '"a\\"b"',
  '"\u2028"',
  '"\u0001"',
  '"é\ud83d"',
  "{}",
  "[]",
  '"',
  '"x',
  "Infinity",
  "NaN",
  " 1",
  "1 ",
  '""',
  "21.4",
  "150",
  "150.0000000000001",
  "-1",
  "1e2",
  "0x10",
  "1_0",
];
const TIME_TOKENS = [
  `"${T1}"`,
  '"2016-08-09T20:00:48Z"',
  '"bad"',
  "1",
  "null",
  '"2016-08-09T20:00:48\u0001Z"',
  '""',
];

const layout = (value: string, temp: string, time: string, ws = ""): string =>
  `[{"name":"stamp",${ws}"value":${value},"timestamp":${time}},` +
  `{"name":"temperature","display_name":"T","value":${temp},"unit_of_measure":"C","timestamp":${time}}]`;

describe("review: shaped meta reads against the long way", () => {
  it("gives the long way's outcome for JSON edge cases in every slot", async () => {
    const registry = await world();
    const schemas = new SchemaCache();
    const encoder = new TextEncoder();
    let step = 0;
    const texts: string[] = [];
    for (const v of VALUE_TOKENS) for (const t of TIME_TOKENS) texts.push(layout(v, "20", t));
    for (const v of VALUE_TOKENS) texts.push(layout('"x"', v, `"${T1}"`));
    texts.push(layout("1", "2", `"${T1}"`, " "), ` ${layout("1", "2", `"${T1}"`)} `);
    for (const text of texts) {
      // each text after the base layout was learned
      const shaped = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 + step++ };
      assert.equal(
        shaped(publish("dev-1", encoder.encode(layout('"x"', "20", `"${T1}"`))), context).kind,
        "accept",
      );
      shaped(publish("dev-1", encoder.encode(layout('"y"', "21", `"${T1}"`))), context);
      const longWay: IngestHandler = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const expected = comparable(longWay(publish("dev-1", encoder.encode(text)), context));
      const actual = comparable(shaped(publish("dev-1", encoder.encode(text)), context));
      assert.deepStrictEqual(actual, expected, text);
    }
  });

  it("gives the long way's outcome for a payload that is not valid UTF-8", async () => {
    const registry = await world();
    const schemas = new SchemaCache();
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    const shaped = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
    const encoder = new TextEncoder();
    shaped(publish("dev-1", encoder.encode(layout('"x"', "20", `"${T1}"`))), context);
    const bad = encoder.encode(layout('"xy"', "20", `"${T1}"`));
    bad[bad.indexOf(0x79)] = 0xff; // "y" as a byte no UTF-8 text holds
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(layout('"x"', "20", `"${T1}"`))]);
    for (const payload of [bad, withBom]) {
      const longWay = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      assert.deepStrictEqual(
        comparable(shaped(publish("dev-1", payload), context)),
        comparable(longWay(publish("dev-1", payload), context)),
      );
    }
  });
});

describe("review: rendered value payloads stay JSON.stringify's bytes", () => {
  it("every payload, kept while many more are rendered (slab reuse), near the shared payload limit", () => {
    const renderer = new GooeeRenderer();
    const decoder = new TextDecoder();
    const kept: [Uint8Array, string][] = [];
    const values: unknown[] = [
      "a".repeat(960),
      "a".repeat(990),
      "a".repeat(1000),
      "a".repeat(1100),
      `${"a".repeat(980)}é`,
      `${"b".repeat(500)}\u007f`,
      "\u007f",
      "é",
      'x"',
      1.5,
      -0,
      1e21,
      5e-7,
      123456789.123,
      2 ** 31,
      2 ** 31 - 1,
      4503599627370495.5,
      9007199254740991,
      0.1 + 0.2,
      true,
      null,
      { a: 1 },
      undefined,
    ];
    for (let i = 0; i < 3000; i++) {
      const data = values[i % values.length];
      const sourceTime = i % 3 === 0 ? undefined : `2016-08-09T20:00:${10 + (i % 40)}.539000Z`;
      const envelope = createEnvelope(
        {
          tenant: "t",
          source: { kind: "devices", id: `d${i % 7}` },
          channel: i % 2 ? "co2" : "temperature",
          type: "meta",
          data,
          dialect: "gooee",
          sourceTime,
        },
        1_700_000_000_000 + (i % 5),
      );
      const context = { registry: EMPTY_REGISTRY, tenant: "t", now: 0 };
      for (const r of renderer.render(envelope, context)) {
        const timestamp = sourceTime ?? formatIsoMillis(envelope.ingestTime);
        const expected = r.topic.endsWith("/meta")
          ? JSON.stringify([{ name: envelope.channel, value: data, timestamp }])
          : JSON.stringify({ name: envelope.channel, value: data, timestamp });
        assert.equal(decoder.decode(r.payload), expected);
        kept.push([r.payload, expected]);
      }
    }
    for (const [payload, expected] of kept) assert.equal(decoder.decode(payload), expected);
  });

  it("envelope ids count as before across blocks of 256", () => {
    const ids = new EnvelopeIds();
    const first = ids.next();
    const prefix = first.slice(0, -12);
    assert.equal(first.slice(-12), "000000000001");
    for (let count = 2; count < 70_000; count++) {
      const id = ids.next();
      assert.equal(id, prefix + count.toString(16).padStart(12, "0"));
    }
  });
});

describe("review: random edits of learned arrays", () => {
  it("a shaped read has the long way's outcome whatever one edit does to the text", async () => {
    const registry = await world();
    const schemas = new SchemaCache();
    const encoder = new TextEncoder();
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const bases = [
      layout('"x"', "20", `"${T1}"`),
      ` [ { "name" : "stamp" , "value" : -0.5e1 , "timestamp" : "${T1}" , "__proto__" : {"value": [1, "]}"]} } ,` +
        `{"timestamp":"${T1}","value":12,"name":"temperature","extra":[{"timestamp":1}]}]\n`,
      `[{"name":"a","value":1,"timestamp":"${T1}"},{"name":"a","value":"\u2028é","timestamp":"2016-08-09T20:00:48Z"}]`,
    ];
    const pieces = [
      '"',
      "\\",
      " ",
      ",",
      ":",
      "{",
      "}",
      "[",
      "]",
      "0",
      "1",
      "-",
      ".",
      "e",
      "E",
      "+",
      "t",
      "n",
      "\u0001",
      "é",
      "\u2028",
      "value",
      "timestamp",
      '"value":2,',
      "true",
      "null",
      "9999999999999999",
    ];
    let shapedReads = 0;
    for (let n = 0; n < 20_000; n++) {
      const base = bases[n % bases.length]!;
      const shaped = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
      shaped(publish("dev-1", encoder.encode(base)), context);
      let text = base;
      for (let edits = 1 + random(2); edits > 0; edits--) {
        const at = random(text.length + 1);
        const cut = random(3);
        text =
          text.slice(0, at) + (random(4) === 0 ? "" : pieces[random(pieces.length)]!) + text.slice(at + cut);
      }
      const longWay = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const parse = JSON.parse;
      let parses = 0;
      let actual: IngestOutcome;
      try {
        JSON.parse = (t: string, reviver?: Parameters<typeof parse>[1]) => {
          parses++;
          return parse(t, reviver) as unknown;
        };
        actual = shaped(publish("dev-1", encoder.encode(text)), context);
      } finally {
        JSON.parse = parse;
      }
      if (parses === 0) shapedReads++;
      assert.deepStrictEqual(
        comparable(actual),
        comparable(longWay(publish("dev-1", encoder.encode(text)), context)),
        text,
      );
    }
    assert.ok(shapedReads > 100, `read against the shape: ${shapedReads}`);
  });
});
