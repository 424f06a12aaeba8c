/**
 * Gooee's renderings of meta and head count envelopes hold the payloads JSON.stringify would make of
 * `[{name, display_name?, value, unit_of_measure?, timestamp}]` and `{name, value, timestamp}`, byte
 * for byte, whatever the value and whatever the envelope's source time (the renderer puts value payloads
 * together from kept bytes and a number's digits, and reuses topics and the last timestamp's JSON),
 * and stay so while later payloads fill the slab; envelope ids keep their counter across blocks of 256.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEnvelope, EnvelopeIds, type EventEnvelope, formatIsoMillis } from "../../envelope/index.js";
import type { Zone } from "../../registry/model.js";
import type { RegistryView } from "../../registry/registry-view.js";
import { EMPTY_REGISTRY } from "../empty-registry.js";
import type { DialectContext, Rendered } from "../dialect.js";
import { GooeeRenderer } from "./gooee-render.js";

const VALUES: unknown[] = [
  21.4,
  -0,
  1e21,
  612,
  -41.5,
  0.1 + 0.2,
  0.05,
  -0.0000013364954730665688, // the longest String() of a double: 25 characters
  -1.2345678901234567e-308,
  1e-7,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  "0123456789abcdef",
  'say "hi" \\ \n',
  "°C ✓ \ud83d\ude00 lone \ud83d",
  true,
  null,
  [1, { a: "b" }],
  { level: 3, on: false },
  undefined,
];
const TIMES = [
  undefined,
  "2016-08-09T20:00:47.539000Z",
  "2016-08-09T22:00:47,5+02:00",
  "2016-08-09t20:00:47z",
];

const decoder = new TextDecoder();
const INGEST_TIME = 1_700_000_000_123;

function registry(zones: Record<string, Zone["type"]>): RegistryView {
  return {
    ...EMPTY_REGISTRY,
    zone: (id) => (zones[id] === undefined ? undefined : ({ id, type: zones[id] } as Zone)),
  };
}

function rendered(
  renderer: GooeeRenderer,
  envelope: EventEnvelope,
  context: DialectContext,
): [string, string][] {
  return renderAll(renderer, envelope, context).map((r) => [r.topic, decoder.decode(r.payload)]);
}

/** What `renderer` adds for `envelope` to an empty list, after a rendering already in it (left as it is). */
function renderAll(renderer: GooeeRenderer, envelope: EventEnvelope, context: DialectContext): Rendered[] {
  const before: Rendered = { topic: "before", payload: new Uint8Array(0) };
  const out = [before];
  renderer.render(envelope, context, out);
  assert.equal(out[0], before);
  return out.slice(1);
}

describe("Gooee rendering", () => {
  it("meta values: the array item and the value topic, as JSON.stringify writes them", () => {
    const renderer = new GooeeRenderer();
    const context: DialectContext = { registry: EMPTY_REGISTRY, tenant: "t", now: INGEST_TIME };
    for (const device of ["d1", "d1", "d2"])
      for (const sourceTime of TIMES)
        for (const data of VALUES)
          for (const attributes of [
            {},
            { display_name: 'T "1"', unit_of_measure: "°C" },
            { unit_of_measure: "%" },
          ]) {
            const envelope = createEnvelope(
              {
                tenant: "t",
                source: { kind: "devices", id: device },
                channel: "temperature",
                type: "meta",
                data,
                dialect: "gooee",
                sourceTime,
                attributes,
              },
              INGEST_TIME,
            );
            const timestamp = sourceTime ?? formatIsoMillis(INGEST_TIME);
            const item: Record<string, unknown> = { name: "temperature" };
            if ("display_name" in attributes) item["display_name"] = attributes.display_name;
            item["value"] = data;
            if ("unit_of_measure" in attributes) item["unit_of_measure"] = attributes.unit_of_measure;
            item["timestamp"] = timestamp;
            assert.deepEqual(rendered(renderer, envelope, context), [
              [`devices/${device}/meta`, JSON.stringify([item])],
              [
                `devices/${device}/meta/temperature`,
                JSON.stringify({ name: "temperature", value: data, timestamp }),
              ],
            ]);
            // the publish's own topic is left out
            assert.deepEqual(
              rendered(renderer, envelope, { ...context, inboundTopic: `devices/${device}/meta` }).map(
                ([t]) => t,
              ),
              [`devices/${device}/meta/temperature`],
            );
          }
  });

  it("value payloads of many devices, names and times, as JSON.stringify writes them (beyond what is kept)", () => {
    const renderer = new GooeeRenderer();
    let seed = 11;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    const names = ["temperature", "co2", "~hidden", "a_b", "Bad", "rejected", "x"];
    const strings = ["plain", "°C", 'q"', "b\\", "tab\t", "", "0123456789abcdef0123456789abcdef"];
    for (let i = 0; i < 40_000; i++) {
      // new devices beyond the renderer's 16,384 kept topics, and the same few again
      const device = i % 2 === 0 ? `dev-${i}` : `dev-${random(5)}`;
      const name = names[random(names.length)]!;
      const data = [random(2000) / 10 - 100, strings[random(strings.length)], random(3) === 0 ? null : true][
        random(3)
      ];
      const sourceTime = random(4) === 0 ? undefined : `2016-08-09T20:00:${10 + random(50)}.539000Z`;
      const envelope = createEnvelope(
        {
          tenant: "t",
          source: { kind: "devices", id: device },
          channel: name,
          type: "meta",
          data,
          dialect: "x",
          sourceTime,
        },
        INGEST_TIME + random(3),
      );
      const context: DialectContext = {
        registry: EMPTY_REGISTRY,
        tenant: "t",
        now: 0,
        inboundTopic: `devices/${device}/meta`,
      };
      const timestamp = sourceTime ?? formatIsoMillis(envelope.ingestTime);
      const expected =
        name === "Bad" || name === "rejected" || name === "x"
          ? []
          : [[`devices/${device}/meta/${name}`, JSON.stringify({ name, value: data, timestamp })]];
      assert.deepEqual(rendered(renderer, envelope, context), expected, `${device} ${name}`);
    }
  });

  it("a source time made by hand that needs escapes is still valid JSON", () => {
    const renderer = new GooeeRenderer();
    const envelope: EventEnvelope = {
      ...createEnvelope(
        {
          tenant: "t",
          source: { kind: "devices", id: "d" },
          channel: "co2",
          type: "meta",
          data: 1,
          dialect: "x",
        },
        0,
      ),
      sourceTime: 'a "quoted"\ntime',
    };
    const context: DialectContext = { registry: EMPTY_REGISTRY, tenant: "t", now: 0 };
    const [, payload] = rendered(renderer, envelope, context)[1]!;
    assert.deepEqual(JSON.parse(payload), { name: "co2", value: 1, timestamp: 'a "quoted"\ntime' });
  });

  it("head counts of areas, spaces and buildings, `head_count` written `headcount`", () => {
    const renderer = new GooeeRenderer();
    const context: DialectContext = {
      registry: registry({ a1: "area", s1: "space", b1: "building" }),
      tenant: "t",
      now: INGEST_TIME,
    };
    const topics = { a1: "areas", s1: "spaces", b1: "buildings" } as const;
    for (const zone of ["a1", "s1", "b1"] as const)
      for (const name of ["head_count", "headcount_in", "headcount_out"])
        for (const sourceTime of TIMES)
          for (const data of [0, 17, null, "x"]) {
            const envelope = createEnvelope(
              {
                tenant: "t",
                source: { kind: "zones", id: zone },
                channel: name,
                type: "head_count",
                data,
                dialect: "gooee",
                sourceTime,
              },
              INGEST_TIME,
            );
            const timestamp = sourceTime ?? formatIsoMillis(INGEST_TIME);
            const shown = name === "head_count" ? "headcount" : name;
            assert.deepEqual(rendered(renderer, envelope, context), [
              [
                `${topics[zone]}/${zone}/meta/${name}`,
                JSON.stringify({ name: shown, value: data, timestamp }),
              ],
            ]);
          }
  });

  it("nothing for an id that is not one topic level or a channel that is not a meta name", () => {
    const renderer = new GooeeRenderer();
    const context: DialectContext = { registry: EMPTY_REGISTRY, tenant: "t", now: 0 };
    for (const [id, channel] of [
      ["a/b", "co2"],
      ["a+", "co2"],
      ["#", "co2"],
      ["", "co2"],
      ["a\u0000", "co2"],
      ["d", "Co2"],
      ["d", "rejected"],
      ["d", "a__b"],
    ] as const) {
      const envelope = createEnvelope(
        { tenant: "t", source: { kind: "devices", id }, channel, type: "meta", data: 1, dialect: "x" },
        0,
      );
      assert.deepEqual(renderAll(renderer, envelope, context), [], `${id} ${channel}`);
    }
  });
});

describe("rendered value payloads stay JSON.stringify's bytes", () => {
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
      for (const r of renderAll(renderer, envelope, context)) {
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
