/**
 * `devices/<id>/meta` read against a device's learned shape (meta-shape.ts) has the outcome of the long
 * way, `JSON.parse` and every check, publish after publish: the same envelopes (but their ids), state
 * writes, forwarding, and the same rejections, reason codes and reports; and the shape is used (no
 * `JSON.parse`) for an array like the last one accepted.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvelopeIds, TimestampParser } from "../../envelope/index.js";
import { Registry } from "../../registry/index.js";
import { MemoryRegistryStore } from "../../../storage/index.js";
import type { DialectContext, IngestHandler, IngestOutcome, InboundPublish } from "../dialect.js";
import { ingestMeta } from "./gooee-ingest.js";
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

function publish(id: string, text: string): InboundPublish {
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
    payload: new TextEncoder().encode(text),
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
    const parse = JSON.parse;
    let parses = 0;
    try {
      JSON.parse = (text: string, reviver?: Parameters<typeof parse>[1]) => {
        parses++;
        return parse(text, reviver) as unknown;
      };
      for (const [i, [device, text, shaped]] of steps.entries()) {
        const context: DialectContext = { registry, tenant: TENANT, now: 1_700_000_000_000 + i };
        const longWay: IngestHandler = ingestMeta(schemas, new EnvelopeIds(), new TimestampParser());
        const expected = comparable(longWay(publish(device, text), context));
        parses = 0;
        const actual = comparable(learning(publish(device, text), context));
        assert.deepEqual(actual, expected, `step ${i}: ${text}`);
        assert.equal(parses === 0, shaped, `step ${i}: read against the shape: ${String(parses === 0)}`);
      }
    } finally {
      JSON.parse = parse;
    }
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
