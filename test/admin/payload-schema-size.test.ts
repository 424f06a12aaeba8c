/**
 * The size bounds of payload schemas (src/platform/registry/schema-size.ts), over the admin API: a
 * schema beyond one of them is refused with a 400 naming it, before ajv compiles it (which blocked every
 * client for seconds); one stored before the bounds (an older database) does not stop the broker from
 * starting, is logged, and can still be edited or replaced.
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { SqliteRegistryStore } from "../../src/storage/sqlite/sqlite-registry-store.js";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

/** An object with `count` string properties: 3 keywords and property names each, 2 more at the root. */
function schemaOfProperties(count: number): Record<string, unknown> {
  const properties = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`p${i}`, { type: "string", maxLength: 5 }]),
  );
  return { type: "object", properties };
}

const TOO_LARGE = 'Cannot create payload schema: "schema" is too large to compile safely:';

describe("admin API: payload schema size bounds", () => {
  let broker: AdminBroker;
  before(async () => {
    broker = await startAdminBroker();
    const tenant = await broker.call("POST", "/api/v1/tenants", { body: { id: "acme", name: "Acme" } });
    assert.equal(tenant.status, 201);
  });
  after(() => broker.stop());

  for (const [name, schema, problem] of [
    // the review's 39 KB schema of 1,000 properties: its compile blocked every client for over a second
    ["over 16 KiB", schemaOfProperties(1000), "38922 bytes as JSON, at most 16384 (16 KiB)"],
    [
      "over 128 keywords and property names",
      schemaOfProperties(43),
      "131 keywords and property names, at most 128",
    ],
    [
      "over 1024 array items",
      { enum: Array.from({ length: 1025 }, (_, i) => i) },
      "1025 array items, at most 1024",
    ],
    [
      "nested over 32 levels",
      { const: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) as unknown },
      "41 levels of objects and arrays, at most 32",
    ],
  ] as const)
    it(`refuses a schema ${name} with a 400 naming the bound, from a tenant's administrator too`, async () => {
      const answer = await broker.call("POST", "/api/v1/schemas", {
        key: broker.keys.acme,
        body: { name: "s", schema },
      });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, "BAD_REQUEST");
      assert.ok(answer.body.error.message.startsWith(TOO_LARGE), answer.body.error.message);
      assert.ok(answer.body.error.message.includes(problem), answer.body.error.message);
    });

  it("accepts a schema at the bounds, and refuses an update beyond them", async () => {
    const at = await broker.call("POST", "/api/v1/schemas", {
      key: broker.keys.acme,
      body: { name: "wide", schema: schemaOfProperties(42) }, // 128 keywords and property names
    });
    assert.equal(at.status, 201, JSON.stringify(at.body));
    const update = await broker.call("PATCH", `/api/v1/schemas/${at.body.id as string}`, {
      key: broker.keys.acme,
      body: { schema: schemaOfProperties(500) },
    });
    assert.equal(update.status, 400);
    assert.match(update.body.error.message, /^Cannot update payload schema .*too large to compile safely/);
  });
});

describe("admin API: a payload schema stored before the size bounds", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "switchboard-schema-size-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const storage = (): Record<string, unknown> => ({ kind: "sqlite", path: dir, durability: "strict" });

  it("is logged at start-up, and kept editable; the broker starts", async () => {
    const first = await startAdminBroker({ config: { storage: storage() } });
    try {
      const created = await first.call("POST", "/api/v1/schemas", {
        body: { id: "temp", name: "temperature", schema: { type: "number" } },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    } finally {
      await first.stop();
    }
    // what an older version let in: 1,000 properties
    const sqlite = new SqliteStore({
      file: join(dir, "switchboard.db"),
      durability: "strict",
      commitInterval: 5,
      housekeepingInterval: 0,
      compactThreshold: 1024 * 1024,
    });
    const registryStore = new SqliteRegistryStore(sqlite);
    const stored = (await registryStore.load()).entities.find((e) => e.kind === "schemas")!;
    registryStore.putEntity({
      kind: "schemas",
      entity: { ...stored.entity, schema: schemaOfProperties(1000) },
    } as never);
    await sqlite.commit();
    await sqlite.close();

    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const second = await startAdminBroker({ config: { storage: storage() }, logger });
    try {
      const logged = lines.find((line) => line["schemaId"] === "temp");
      assert.ok(logged, JSON.stringify(lines));
      assert.equal(logged["problem"], "38922 bytes as JSON, at most 16384 (16 KiB)");
      assert.match(String(logged["msg"]), /too large to compile safely: values of its name are refused/);
      assert.equal((await second.call("GET", "/api/v1/schemas/temp")).status, 200);
      const described = await second.call("PATCH", "/api/v1/schemas/temp", {
        body: { description: "Too large" },
      });
      assert.equal(described.status, 200, JSON.stringify(described.body));
      const replaced = await second.call("PATCH", "/api/v1/schemas/temp", {
        body: { schema: { type: "number" } },
      });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    } finally {
      await second.stop();
    }
  });
});
