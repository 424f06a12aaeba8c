/**
 * `devices/<id>/meta` read against a device's learned shape (meta-shape.ts) has the outcome of the long
 * way, `JSON.parse` and every check, publish after publish: the same envelopes (but their ids), state
 * writes, forwarding, and the same rejections, reason codes and reports; and the shape is used (no
 * `JSON.parse`) for an array like the last one accepted. Also over JSON edge cases in every slot, a
 * payload that is not valid UTF-8, and random edits of learned arrays.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvelopeIds, TimestampParser } from "../../envelope/index.js";
import { type PayloadSchema, Registry } from "../../registry/index.js";
import { MemoryRegistryStore } from "../../../storage/index.js";
import type { DialectContext, IngestHandler, IngestOutcome, InboundPublish } from "../dialect.js";
import { ingestMeta } from "./gooee-ingest.js";
import { MetaShapeCache } from "./meta-shape-cache.js";
import { SchemaCache } from "./schema-cache.js";

const TENANT = "acme";

async function world(): Promise<Registry> {
  const registry = new Registry({ store: new MemoryRegistryStore() });
  await registry.load();
  const must = (result: { ok: boolean }): void => assert.ok(result.ok, JSON.stringify(result));
  must(registry.create("tenants", { id: TENANT, name: "Acme" }));
  for (const id of ["dev-1", "dev-2"]) must(registry.create("devices", { id, tenant: TENANT, name: id }));
  must(
    registry.create("schemas", {
      tenant: TENANT,
      name: "stamp",
      schema: { type: "string", pattern: "^[0-9a-f]{4}$" },
    }),
  );
  must(
    registry.create("schemas", {
      tenant: TENANT,
      name: "temperature",
      schema: { type: "number", maximum: 150 },
    }),
  );
  return registry;
}

function publish(id: string, text: string | Uint8Array): InboundPublish {
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
    payload: typeof text === "string" ? new TextEncoder().encode(text) : text,
    qos: 0,
    retain: false,
    properties: undefined,
  };
}

/** The outcome with envelope ids taken out (each handler draws its own). */
function comparable(outcome: IngestOutcome): unknown {
  if (outcome.kind !== "accept") return outcome;
  return { ...outcome, envelopes: outcome.envelopes.map(({ id: _id, ...rest }) => rest) };
}

/** What `run` returns, and how many times it called `JSON.parse` (counted by a wrapper while it runs). */
function parsesIn<T>(run: () => T): { readonly result: T; readonly parses: number } {
  const parse = JSON.parse;
  let parses = 0;
  try {
    JSON.parse = (text: string, reviver?: Parameters<typeof parse>[1]) => {
      parses++;
      return parse(text, reviver) as unknown;
    };
    return { result: run(), parses };
  } finally {
    JSON.parse = parse;
  }
}

const base = (stamp: string, temperature: string, time: string): string =>
  `[{"name":"stamp","value":"${stamp}","timestamp":"${time}"},` +
  `{"name":"temperature","display_name":"Temperature","value":${temperature},"unit_of_measure":"C","timestamp":"${time}"},` +
  `{"name":"on","value":true,"timestamp":"${time}"}]`;
const T1 = "2016-08-09T20:00:47.539000Z";
const T2 = "2016-08-09T20:00:48.000001Z";

describe("devices/<id>/meta read against its shape", () => {
  it("has the long way's outcome, publish after publish, and skips JSON.parse when the array reads", async () => {
    const registry = await world();
    const schemas = new SchemaCache();
    const learning = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
    const steps: [string, string, boolean][] = [
      // [device, payload, read against the shape (no JSON.parse)]
      ["dev-1", base("00ff", "21.4", T1), false], // learned
      ["dev-1", base("0a0b", "-3.25", T2), true],
      ["dev-1", base("0a0b", "1e2", T2), true],
      ["dev-1", base("0a0b", "500", T2), false], // above the schema's maximum: rejected the long way
      ["dev-1", base("0a0b", "20", "2016-13-45T00:00:00Z"), false], // a bad timestamp
      ["dev-1", base("0a0\u0001", "20", T1), false], // a control character: malformed JSON
      ["dev-1", base("zzzz", "20", T1), false], // the stamp's pattern
      ["dev-1", base("0a0b", '"hot"', T1), false], // a string where the schema wants a number
      ["dev-2", base("1111", "19", T1), false], // another device: its own shape
      ["dev-1", base("0c0d", "22", T1), true],
      ["dev-1", base("0c0d", "22", T1).replace(',"unit_of_measure":"C"', ""), false], // another layout: learned again
      ["dev-1", base("0c0e", "23", T2).replace(',"unit_of_measure":"C"', ""), true],
      ["dev-1", base("0c0e", "23", T2).replace(`,"timestamp":"${T2}"}]`, "}]"), false], // a time to fill in
      ["dev-1", base("0c0f", "24", T2).replace(',"unit_of_measure":"C"', ""), true],
    ];
    for (const [i, [device, text, shaped]] of steps.entries()) {
      const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 + i };
      const longWay: IngestHandler = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const expected = comparable(longWay(publish(device, text), context));
      const { result, parses } = parsesIn(() => learning(publish(device, text), context));
      assert.deepEqual(comparable(result), expected, `step ${i}: ${text}`);
      assert.equal(parses === 0, shaped, `step ${i}: read against the shape: ${String(parses === 0)}`);
    }
  });

  it("follows registry changes after the shape's checks were made: a schema changed or deleted, a device disabled", async () => {
    const registry = await world();
    const ingest = ingestMeta(new SchemaCache(), new EnvelopeIds(), new TimestampParser());
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    const outcome = (temperature: string): IngestOutcome =>
      ingest(publish("dev-1", base("00ff", temperature, T1)), context);
    assert.equal(outcome("21").kind, "accept"); // learned
    assert.equal(outcome("22").kind, "accept"); // read against the shape: its checks made
    const schema = registry.schemaNamed(TENANT, "temperature")!;
    assert.ok(registry.update("schemas", schema.id, { schema: { type: "number", maximum: 10 } }).ok);
    const tooWarm = outcome("22");
    assert.ok(tooWarm.kind === "reject");
    assert.equal(tooWarm.reasonCode, 0x99);
    assert.equal(outcome("9").kind, "accept");
    assert.ok(registry.delete("schemas", schema.id).ok);
    assert.equal(outcome("500").kind, "accept"); // no schema: any value
    assert.ok(registry.update("devices", "dev-1", { enabled: false }).ok);
    const disabled = outcome("20");
    assert.ok(disabled.kind === "reject");
    assert.equal(disabled.reasonCode, 0x83);
    assert.ok(registry.update("devices", "dev-1", { enabled: true }).ok);
    assert.equal(outcome("20").kind, "accept");
  });

  it("shares a shape between the devices of a layout, and checks each device on its own", async () => {
    const registry = await world();
    const ingest = ingestMeta(new SchemaCache(), new EnvelopeIds(), new TimestampParser());
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    assert.equal(ingest(publish("dev-1", base("00ff", "21", T1)), context).kind, "accept"); // learned
    assert.equal(ingest(publish("dev-2", base("00ff", "21", T1)), context).kind, "accept"); // the same layout
    for (const device of ["dev-1", "dev-2"]) {
      const { result, parses } = parsesIn(() => ingest(publish(device, base("0a0b", "22", T2)), context));
      assert.equal(result.kind, "accept");
      assert.equal(parses, 0); // read against the shared shape
    }
    assert.ok(registry.update("devices", "dev-2", { enabled: false }).ok);
    const refused = ingest(publish("dev-2", base("0a0b", "23", T2)), context);
    assert.ok(refused.kind === "reject");
    assert.equal(refused.reasonCode, 0x83);
    const { result, parses } = parsesIn(() => ingest(publish("dev-1", base("0a0b", "23", T2)), context));
    assert.equal(result.kind, "accept");
    assert.equal(parses, 0);
  });

  it("refuses a device disabled or moved to another tenant after its shape was learned", async () => {
    const registry = await world();
    assert.ok(registry.create("tenants", { id: "other", name: "Other" }).ok);
    const ingest = ingestMeta(new SchemaCache(), new EnvelopeIds(), new TimestampParser());
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    assert.equal(ingest(publish("dev-1", base("00ff", "21", T1)), context).kind, "accept");
    assert.ok(registry.update("devices", "dev-1", { enabled: false }).ok);
    const disabled = ingest(publish("dev-1", base("00fe", "21", T1)), context);
    assert.ok(disabled.kind === "reject");
    assert.equal(disabled.reasonCode, 0x83);
    assert.equal(
      ingest(publish("dev-1", base("00fe", "21", T1)), { ...context, tenant: "other" }).kind,
      "reject",
    );
  });
});

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
  `[{"name":"label",${ws}"value":${value},"timestamp":${time}},` +
  `{"name":"temperature","display_name":"T","value":${temp},"unit_of_measure":"C","timestamp":${time}}]`;

/**
 * `bytes` as the broker hands a payload over: a view into a larger buffer (a read chunk), with the
 * bytes of an array's end after it, which a read must not take for the payload's.
 */
function inChunk(bytes: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(bytes.length + 16).fill(0x5d);
  chunk.set(bytes, 5);
  return chunk.subarray(5, 5 + bytes.length);
}

describe("shaped meta reads against the long way", () => {
  it("gives the long way's outcome for JSON edge cases in every slot", async () => {
    const registry = await world();
    const schemas = new SchemaCache();
    const encoder = new TextEncoder();
    let step = 0;
    const texts: string[] = [];
    for (const v of VALUE_TOKENS) for (const t of TIME_TOKENS) texts.push(layout(v, "20", t));
    for (const v of VALUE_TOKENS) texts.push(layout('"x"', v, `"${T1}"`));
    texts.push(layout("1", "2", `"${T1}"`, " "), ` ${layout("1", "2", `"${T1}"`)} `);
    // tokens of a few hundred thousand characters (a spread of their codes overflowed the stack)
    const long = 200_000;
    texts.push(
      layout(`"${"a".repeat(long)}"`, "20", `"${T1}"`),
      layout('"x"', `1.${"0".repeat(long)}`, `"${T1}"`),
    );
    texts.push(layout('"x"', "9".repeat(long), `"${T1}"`), layout('"x"', "20", `"${"2".repeat(long)}"`));
    for (const text of texts) {
      // each text after the base layout was learned and read once
      const shaped = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser(), new MetaShapeCache());
      const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 + step++ };
      assert.equal(
        shaped(publish("dev-1", encoder.encode(layout('"x"', "20", `"${T1}"`))), context).kind,
        "accept",
      );
      shaped(publish("dev-1", encoder.encode(layout('"y"', "21", `"${T1}"`))), context);
      const longWay: IngestHandler = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const expected = comparable(longWay(publish("dev-1", encoder.encode(text)), context));
      const actual = comparable(shaped(publish("dev-1", inChunk(encoder.encode(text))), context));
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

describe("random edits of learned arrays", () => {
  const rounds = 20_000;
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
      ` [ { "name" : "label" , "value" : -0.5e1 , "timestamp" : "${T1}" , "__proto__" : {"value": [1, "]}"]} } ,` +
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
    for (let n = 0; n < rounds; n++) {
      const base = bases[n % bases.length]!;
      const shaped = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser(), new MetaShapeCache());
      const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
      shaped(publish("dev-1", encoder.encode(base)), context); // learned
      shaped(publish("dev-1", inChunk(encoder.encode(base))), context); // fitted
      let text = base;
      for (let edits = 1 + random(2); edits > 0; edits--) {
        const at = random(text.length + 1);
        const cut = random(3);
        text =
          text.slice(0, at) + (random(4) === 0 ? "" : pieces[random(pieces.length)]!) + text.slice(at + cut);
      }
      const longWay = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
      const { result: actual, parses } = parsesIn(() =>
        shaped(publish("dev-1", inChunk(encoder.encode(text))), context),
      );
      if (parses === 0) shapedReads++;
      assert.deepStrictEqual(
        comparable(actual),
        comparable(longWay(publish("dev-1", encoder.encode(text)), context)),
        text,
      );
    }
    assert.ok(shapedReads > rounds / 200, `read against the shape: ${shapedReads}`);
  });
});

/** A payload schema entity named after its id. */
const schema = (id: string, body: Record<string, unknown>, updatedAt = 1): PayloadSchema => ({
  id,
  tenant: TENANT,
  name: id,
  schema: body,
  unit: undefined,
  description: undefined,
  createdAt: 1,
  updatedAt,
});

describe("hostile meta payloads and payload schemas", () => {
  it("refuses a value nested deeper than 256 levels with 0x99, reporting the payload as published", async () => {
    const registry = await world();
    const handle = ingestMeta(new SchemaCache(), new EnvelopeIds(), new TimestampParser());
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    const deep = `${"[".repeat(300)}${"]".repeat(300)}`;
    const text = `[{"name":"blob","value":${deep},"timestamp":"${T1}"}]`;
    const outcome = handle(publish("dev-1", text), context);
    assert.equal(outcome.kind, "reject");
    assert.equal(outcome.reasonCode, 0x99);
    assert.match(outcome.reason, /^Invalid payload due to nested deeper than 256 levels\. /);
    const reportText = new TextDecoder().decode(outcome.publish![0]!.payload);
    const report = JSON.parse(reportText) as { error: { message: string }; data: unknown };
    assert.equal(outcome.publish![0]!.topic, "devices/dev-1/meta/rejected");
    assert.equal(report.error.message, outcome.reason);
    // the JSON as published, not a string: privacy rules see it (and refuse it as too deep: fail closed)
    assert.ok(reportText.endsWith(`,"data":${text}}`), "the payload as published");
    // 256 levels in all (the array, the item, 254 in the value) are fine
    const fine = `[{"name":"blob","value":${"[".repeat(254)}${"]".repeat(254)},"timestamp":"${T1}"}]`;
    assert.equal(handle(publish("dev-1", fine), context).kind, "accept");
  });

  it("refuses ill-formed UTF-8 and numbers that read as Infinity with 0x99, learned shape or not", async () => {
    const registry = await world();
    const handle = ingestMeta(new SchemaCache(), new EnvelopeIds(), new TimestampParser());
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    const encoder = new TextEncoder();
    const notUtf8 = encoder.encode(layout('"xy"', "20", `"${T1}"`));
    notUtf8[notUtf8.indexOf(0x79)] = 0xff;
    const infinite = layout('"x"', "1e400", `"${T1}"`);
    for (const learned of [false, true]) {
      if (learned)
        assert.equal(handle(publish("dev-1", layout('"x"', "20", `"${T1}"`)), context).kind, "accept");
      const bytes = handle(publish("dev-1", notUtf8), context);
      assert.equal(bytes.kind, "reject");
      assert.equal(bytes.reasonCode, 0x99);
      assert.match(bytes.reason, /not UTF-8/);
      const number = handle(publish("dev-1", infinite), context);
      assert.equal(number.kind, "reject");
      assert.equal(number.reasonCode, 0x99);
      assert.match(number.reason, /a number too large for JSON/);
      // the report carries the published JSON itself (privacy rules see its members), not a string
      const report = new TextDecoder().decode(number.publish![0]!.payload);
      assert.ok(report.endsWith(`,"data":${infinite}}`), report);
    }
  });

  it("reports the data of a rejected array as it was published, not as its parse writes it again", async () => {
    const registry = await world();
    const handle = ingestMeta(new SchemaCache(), new EnvelopeIds(), new TimestampParser());
    const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 };
    const text = '[ {"name": "Meta_New", "value": 12345678901234567890, "other": 1e400, "other": 2} ]';
    const outcome = handle(publish("dev-1", text), context);
    assert.equal(outcome.kind, "reject");
    const report = new TextDecoder().decode(outcome.publish![0]!.payload);
    assert.ok(report.endsWith(`,"data":${text}}`), report);
    assert.match(report, /^\{"error":\{"message":"Invalid payload due to regex pattern not matching\./);
    assert.deepEqual(Object.keys(JSON.parse(report) as object), ["error", "data"]);
  });

  it("keeps compiling schemas after one whose $id is draft-07's meta-schema id is replaced", () => {
    const schemas = new SchemaCache();
    const hostile = schema("s-1", { $id: "http://json-schema.org/draft-07/schema#", type: "string" });
    assert.equal(schemas.passes(hostile, "x"), true);
    assert.equal(schemas.passes(schema("s-1", { type: "number" }, 2), 5), true); // replaced: the first one is dropped
    // dropping it once deleted the meta-schema, and no schema compiled any more
    assert.equal(schemas.passes(schema("s-2", { type: "integer", minimum: 3 }), 4), true);
    assert.equal(schemas.passes(schema("s-2", { type: "integer", minimum: 3 }), 2), false);
  });

  it("treats an asynchronous schema as unusable: its Promise is no pass", () => {
    const schemas = new SchemaCache();
    const later = schema("s-async", { $async: true, type: "number", maximum: 150 });
    assert.equal(schemas.passes(later, "hot"), false);
    assert.equal(schemas.passes(later, 20), false);
    assert.match(
      schemas.check(later, 20, "[0]/value")!.message,
      /an unusable schema \(an asynchronous schema/,
    );
  });

  it("treats a schema with a pattern that can take exponential time as unusable", () => {
    const schemas = new SchemaCache();
    const slow = schema("s-slow", { type: "string", pattern: "^(a|aa)+$" });
    // asked on a short value first: were the pattern compiled, the long one below would take minutes
    assert.match(
      schemas.check(slow, "aaa", "[0]/value")!.message,
      /an unusable schema \(the pattern .* exponential time/,
    );
    assert.equal(schemas.passes(slow, `${"a".repeat(40)}!`), false);
  });
});
