import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryRegistryStore } from "../../storage/memory/memory-registry-store.js";
import type { EntityKind, ZoneType } from "./model.js";
import { Registry, type RegistryChange } from "./registry.js";
import type { RegistryResult } from "./registry-problem.js";

const HASH = `sha256$${"A".repeat(43)}`;
const HASH2 = `sha256$${"B".repeat(43)}`;
const PW = "scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

async function newRegistry(options: { clock?: () => number; store?: MemoryRegistryStore } = {}) {
  let time = 1_000;
  let ids = 0;
  const registry = new Registry({
    store: options.store ?? new MemoryRegistryStore(),
    clock: options.clock ?? (() => ++time),
    newId: () => `gen-${++ids}`,
    configDialects: (tenant) => (tenant === "acme" ? ["placeos"] : []),
  });
  await registry.load();
  return registry;
}

function value<T>(result: RegistryResult<T>): T {
  if (!result.ok) assert.fail(result.problem.message);
  return result.value;
}

function problem<T>(result: RegistryResult<T>, code: string, pattern?: RegExp, field?: string) {
  assert.equal(result.ok, false, "expected a refusal");
  assert.equal(result.problem.code, code, result.problem.message);
  if (pattern !== undefined) assert.match(result.problem.message, pattern);
  if (field !== undefined) assert.equal(result.problem.field, field);
}

/** A registry with tenants acme and other, a building, a level, an application and a user in acme. */
async function populated() {
  const registry = await newRegistry();
  value(registry.create("tenants", { id: "acme", name: "Acme" }));
  value(registry.create("tenants", { id: "other", name: "Other" }));
  value(registry.create("zones", { id: "bld", tenant: "acme", name: "HQ", type: "building" }));
  value(registry.create("zones", { id: "lvl", tenant: "acme", name: "L1", type: "level", parentId: "bld" }));
  value(registry.create("zones", { id: "obld", tenant: "other", name: "Other HQ", type: "building" }));
  value(registry.create("applications", { id: "app", tenant: "acme", name: "Fleet" }));
  value(
    registry.create("users", { id: "ada", tenant: "acme", name: "Ada", username: "ada", roles: ["admin"] }),
  );
  return registry;
}

describe("Registry.load()", () => {
  it("creates the default tenant once, and keeps it across reloads", async () => {
    const store = new MemoryRegistryStore();
    const registry = await newRegistry({ store });
    assert.equal(registry.get("tenants", "default")?.name, "Default");
    const again = await newRegistry({ store });
    assert.equal(again.count("tenants"), 1);
  });

  it("restores every entity, the indexes and the state from the store", async () => {
    const store = new MemoryRegistryStore();
    const registry = await newRegistry({ store });
    value(registry.create("tenants", { id: "acme", name: "Acme" }));
    value(registry.create("users", { tenant: "acme", name: "A", username: "ada" }));
    value(registry.create("devices", { id: "d1", tenant: "acme", name: "D" }));
    registry.setState({
      tenant: "acme",
      entity: { kind: "devices", id: "d1" },
      channel: "t",
      value: 1,
      time: 5,
      sourceTime: undefined,
    });
    const reloaded = await newRegistry({ store });
    assert.equal(reloaded.loginOwner("ada")?.kind, "users");
    assert.deepEqual(
      reloaded.state({ kind: "devices", id: "d1" }).map((s) => s.value),
      [1],
    );
    problem(
      reloaded.create("users", { id: "u2", tenant: "acme", name: "B", username: "ada" }),
      "conflict",
      /login name "ada" is taken/,
    );
  });
});

describe("Registry.create()", () => {
  it("generates ids, sets timestamps and applies defaults", async () => {
    const registry = await populated();
    const device = value(registry.create("devices", { tenant: "acme", name: "Sensor" }));
    assert.match(device.id, /^gen-\d+$/);
    assert.equal(device.enabled, true);
    assert.deepEqual(device.credentials, []);
    assert.equal(device.createdAt, device.updatedAt);
    assert.ok(Object.isFrozen(device));
    assert.deepEqual(Object.keys(device), [
      "id",
      "tenant",
      "name",
      "applicationId",
      "zoneId",
      "enabled",
      "dialect",
      "credentials",
      "createdAt",
      "updatedAt",
    ]);
  });

  it("refuses an id that is taken (409) and an unknown field", async () => {
    const registry = await populated();
    problem(
      registry.create("zones", { id: "bld", tenant: "acme", name: "X", type: "building" }),
      "conflict",
      /zone "bld" already exists/,
      "id",
    );
    problem(
      registry.create("drivers", { tenant: "acme", name: "X", colour: "red" } as never),
      "invalid",
      /unknown field "colour"/,
      "colour",
    );
  });

  for (const bad of [
    "a/b",
    "a+b",
    "#",
    "nul\u0000",
    "tab\there",
    "del\u007f",
    " lead",
    "trail ",
    "",
    "x".repeat(257),
  ]) {
    it(`refuses the name ${JSON.stringify(bad)} for every kind that can reach a topic level`, async () => {
      const registry = await populated();
      const inputs: [EntityKind, Record<string, unknown>][] = [
        ["tenants", {}],
        ["zones", { tenant: "acme", type: "building" }],
        ["systems", { tenant: "acme" }],
        ["drivers", { tenant: "acme" }],
        ["applications", { tenant: "acme" }],
        ["devices", { tenant: "acme" }],
        ["schemas", { tenant: "acme", schema: {} }],
      ];
      for (const [kind, input] of inputs)
        problem(registry.create(kind, { ...input, name: bad }), "invalid", /"name"/, "name");
    });
  }

  it("accepts names with spaces, punctuation and any script", async () => {
    const registry = await populated();
    value(
      registry.create("zones", { tenant: "acme", name: "Bâtiment 2 – Étage (Nord) 😀", type: "building" }),
    );
  });

  for (const bad of ["a/b", "a+b", "a#b", "$sys", "-x", "sp ace", "x".repeat(129), ""]) {
    it(`refuses the id ${JSON.stringify(bad)}`, async () => {
      const registry = await populated();
      problem(
        registry.create("devices", { id: bad, tenant: "acme", name: "D" }),
        "invalid",
        /is not a valid id/,
        "id",
      );
    });
  }

  it("keeps one id namespace for zones, systems and drivers (PlaceOS's metadata topics)", async () => {
    const registry = await populated();
    problem(
      registry.create("drivers", { id: "bld", tenant: "acme", name: "D" }),
      "conflict",
      /zone "bld" has that id/,
    );
    problem(registry.create("systems", { id: "bld", tenant: "acme", name: "S" }), "conflict", /zone "bld"/);
    value(registry.create("drivers", { id: "drv", tenant: "acme", name: "D" }));
    problem(
      registry.create("zones", { id: "drv", tenant: "acme", name: "Z", type: "area" }),
      "conflict",
      /driver "drv" has that id/,
    );
    value(registry.create("devices", { id: "bld", tenant: "acme", name: "a device may" }));
  });

  it("checks tenant ids and API key ids by their own rules", async () => {
    const registry = await populated();
    problem(registry.create("tenants", { id: "_x", name: "T" }), "invalid", /not a valid tenant id/);
    problem(
      registry.create("tenants", { id: "a".repeat(65), name: "T" }),
      "invalid",
      /not a valid tenant id/,
    );
    problem(
      registry.create("apiKeys", { id: "a_b", tenant: "acme", name: "K", hash: HASH }),
      "invalid",
      /not a valid API key id/,
    );
    problem(
      registry.create("apiKeys", { id: "a:b", tenant: "acme", name: "K", hash: HASH }),
      "invalid",
      /not a valid API key id/,
    );
  });

  it("refuses wrong types from callers that skip the API's schemas", async () => {
    const registry = await populated();
    problem(
      registry.create("drivers", { tenant: "acme", name: 5 } as never),
      "invalid",
      /"name" must be a string/,
    );
    problem(
      registry.create("devices", { tenant: "acme", name: "D", enabled: "yes" } as never),
      "invalid",
      /"enabled" must be a boolean/,
    );
    problem(
      registry.create("modules", { tenant: "acme", name: "M", driverId: "d", systemId: "s", index: 1.5 }),
      "invalid",
      /"index" must be an integer/,
    );
    problem(
      registry.create("users", { tenant: "acme", name: "U", username: "u", roles: "admin" } as never),
      "invalid",
      /"roles" must be an array of strings/,
    );
    problem(
      registry.create("devices", {
        tenant: "acme",
        name: "D",
        credentials: [{ kind: "password", username: "x", password: "plain" }],
      } as never),
      "invalid",
      /exactly "kind", "username" and "passwordHash"/,
    );
  });

  it("refuses a tenant that does not exist", async () => {
    const registry = await populated();
    problem(
      registry.create("drivers", { tenant: "nope", name: "D" }),
      "unprocessable",
      /no tenant "nope"/,
      "tenant",
    );
  });
});

describe("Registry zones", () => {
  const cases: [ZoneType, ZoneType | undefined, boolean][] = [
    ["region", undefined, true],
    ["region", "region", true],
    ["building", undefined, true],
    ["building", "region", true],
    ["building", "building", false],
    ["level", undefined, false],
    ["level", "building", true],
    ["level", "region", false],
    ["level", "level", false],
    ["area", undefined, false],
    ["area", "level", true],
    ["area", "building", true],
    ["area", "region", false],
    ["space", "area", true],
    ["space", "level", true],
    ["space", "building", true],
    ["space", "space", false],
    ["space", undefined, false],
  ];
  for (const [type, parentType, ok] of cases) {
    it(`${ok ? "accepts" : "refuses"} a ${type} ${parentType === undefined ? "without a parent" : `in a ${parentType}`}`, async () => {
      const registry = await populated();
      value(registry.create("zones", { id: "rgn", tenant: "acme", name: "R", type: "region" }));
      value(
        registry.create("zones", { id: "area", tenant: "acme", name: "A", type: "area", parentId: "lvl" }),
      );
      value(
        registry.create("zones", { id: "spc", tenant: "acme", name: "S", type: "space", parentId: "area" }),
      );
      const parents: Record<ZoneType, string> = {
        region: "rgn",
        building: "bld",
        level: "lvl",
        area: "area",
        space: "spc",
      };
      const input = {
        tenant: "acme",
        name: "Z",
        type,
        ...(parentType === undefined ? {} : { parentId: parents[parentType] }),
      };
      const result = registry.create("zones", input);
      if (ok) value(result);
      else problem(result, "unprocessable", /"parentId"/, "parentId");
    });
  }

  it("refuses a parent of another tenant, a cycle, and a type change that strands a child", async () => {
    const registry = await populated();
    problem(
      registry.create("zones", { tenant: "acme", name: "L", type: "level", parentId: "obld" }),
      "unprocessable",
      /no zone "obld" in tenant "acme"/,
    );
    value(registry.create("zones", { id: "r1", tenant: "acme", name: "R1", type: "region" }));
    value(registry.create("zones", { id: "r2", tenant: "acme", name: "R2", type: "region", parentId: "r1" }));
    problem(registry.update("zones", "r1", { parentId: "r2" }), "unprocessable", /cycle/);
    problem(registry.update("zones", "r1", { parentId: "r1" }), "unprocessable", /cycle/);
    problem(registry.update("zones", "bld", { type: "area", parentId: "lvl" }), "unprocessable");
    problem(
      registry.update("zones", "bld", { type: "region" }),
      "unprocessable",
      /child zone "lvl" is a level, which cannot be in a region/,
      "type",
    );
  });

  it("zoneAncestors() lists the enclosing zones, nearest first", async () => {
    const registry = await populated();
    value(registry.create("zones", { id: "area", tenant: "acme", name: "A", type: "area", parentId: "lvl" }));
    value(
      registry.create("zones", { id: "spc", tenant: "acme", name: "S", type: "space", parentId: "area" }),
    );
    assert.deepEqual(
      registry.zoneAncestors("spc").map((z) => z.id),
      ["area", "lvl", "bld"],
    );
    assert.deepEqual(registry.zoneAncestors("bld"), []);
    assert.deepEqual(registry.zoneAncestors("nope"), []);
  });
});

describe("Registry references", () => {
  it("requires references to exist in the same tenant", async () => {
    const registry = await populated();
    value(registry.create("drivers", { id: "drv", tenant: "acme", name: "Display" }));
    value(registry.create("systems", { id: "sys", tenant: "acme", name: "Room", zoneIds: ["bld", "lvl"] }));
    value(registry.create("tenants", { id: "t2", name: "T2" }));
    value(registry.create("drivers", { id: "odrv", tenant: "t2", name: "Display" }));
    problem(
      registry.create("systems", { tenant: "acme", name: "S", zoneIds: ["obld"] }),
      "unprocessable",
      /"zoneIds": no zone "obld"/,
    );
    problem(
      registry.create("systems", { tenant: "acme", name: "S", zoneIds: ["bld", "bld"] }),
      "invalid",
      /lists "bld" twice/,
    );
    problem(
      registry.create("modules", { tenant: "acme", name: "M", driverId: "odrv", systemId: "sys" }),
      "unprocessable",
      /"driverId": no driver "odrv"/,
    );
    problem(
      registry.create("modules", { tenant: "acme", name: "M", driverId: "drv", systemId: "nope" }),
      "unprocessable",
      /"systemId": no system "nope"/,
    );
    problem(
      registry.create("devices", { tenant: "acme", name: "D", applicationId: "nope" }),
      "unprocessable",
      /"applicationId"/,
    );
    problem(
      registry.create("devices", { tenant: "acme", name: "D", zoneId: "obld" }),
      "unprocessable",
      /"zoneId"/,
    );
    problem(
      registry.create("apiKeys", { tenant: "other", name: "K", hash: HASH, userId: "ada" }),
      "unprocessable",
      /"userId": no user "ada" in tenant "other"/,
    );
  });

  it("numbers modules from 1 per (system, name) and refuses a taken slot or index 0", async () => {
    const registry = await populated();
    value(registry.create("drivers", { id: "drv", tenant: "acme", name: "Display" }));
    value(registry.create("systems", { id: "s1", tenant: "acme", name: "Room 1" }));
    value(registry.create("systems", { id: "s2", tenant: "acme", name: "Room 2" }));
    const base = { tenant: "acme", name: "Display", driverId: "drv" };
    assert.equal(value(registry.create("modules", { ...base, systemId: "s1" })).index, 1);
    assert.equal(value(registry.create("modules", { ...base, systemId: "s1" })).index, 2);
    assert.equal(value(registry.create("modules", { ...base, name: "Camera", systemId: "s1" })).index, 1);
    assert.equal(value(registry.create("modules", { ...base, systemId: "s2" })).index, 1);
    problem(
      registry.create("modules", { ...base, systemId: "s1", index: 2 }),
      "conflict",
      /already "Display" 2 of system "s1"/,
      "index",
    );
    problem(registry.create("modules", { ...base, systemId: "s1", index: 0 }), "invalid", /1-based/);
    const moved = value(registry.create("modules", { ...base, systemId: "s1", index: 5 }));
    value(registry.update("modules", moved.id, { index: 6 }));
    value(registry.create("modules", { ...base, systemId: "s1", index: 5 }));
  });
});

describe("Registry credentials", () => {
  it("refuses a login name of the configuration's users, but not on an entity that had it before", async () => {
    const store = new MemoryRegistryStore();
    const older = await newRegistry({ store });
    const cred = (username: string) => ({ kind: "password" as const, username, passwordHash: PW });
    value(older.create("users", { id: "u1", tenant: "default", name: "U", username: "alice" }));
    value(older.create("devices", { id: "d1", tenant: "default", name: "D", credentials: [cred("bob")] }));
    // alice and bob are then configured (auth.users); the stored entities load as they are
    const registry = new Registry({ store, configUsernames: ["alice", "bob", "carol"] });
    await registry.load();
    problem(
      registry.create("users", { tenant: "default", name: "C", username: "carol" }),
      "conflict",
      /^Cannot create user: the login name "carol" is a user of the configuration \(auth\.users\)/,
      "username",
    );
    problem(
      registry.create("devices", { tenant: "default", name: "C", credentials: [cred("carol")] }),
      "conflict",
      /the login name "carol" is a user of the configuration/,
      "credentials",
    );
    problem(registry.update("users", "u1", { username: "bob" }), "conflict", /"bob" is a user of the/);
    problem(
      registry.update("devices", "d1", { credentials: [cred("bob"), cred("carol")] }),
      "conflict",
      /"carol" is a user of the/,
    );
    // what they had before can still be changed (to disable them, or to move them off the name)
    value(registry.update("users", "u1", { enabled: false }));
    value(registry.update("devices", "d1", { credentials: [cred("bob"), cred("dave")] }));
    value(registry.update("users", "u1", { username: "ann" }));
  });

  it("shares one login namespace between users and device passwords, and keeps token hashes unique", async () => {
    const registry = await populated();
    const cred = (username: string) => ({ kind: "password" as const, username, passwordHash: PW });
    problem(
      registry.create("devices", { tenant: "acme", name: "D", credentials: [cred("ada")] }),
      "conflict",
      /login name "ada" is taken/,
    );
    value(
      registry.create("devices", {
        id: "d1",
        tenant: "acme",
        name: "D",
        credentials: [cred("sensor-1"), { kind: "token", tokenHash: HASH }],
      }),
    );
    problem(
      registry.create("users", { tenant: "other", name: "U", username: "sensor-1" }),
      "conflict",
      /login name "sensor-1" is taken/,
      "username",
    );
    problem(
      registry.create("devices", {
        tenant: "acme",
        name: "D2",
        credentials: [{ kind: "token", tokenHash: HASH }],
      }),
      "conflict",
      /another device/,
    );
    problem(
      registry.create("devices", { tenant: "acme", name: "D2", credentials: [cred("x"), cred("x")] }),
      "invalid",
      /twice/,
    );
    problem(
      registry.create("devices", {
        tenant: "acme",
        name: "D2",
        credentials: [{ kind: "token", tokenHash: "plain" }],
      }),
      "invalid",
      /sha256/,
    );
    problem(
      registry.create("devices", {
        tenant: "acme",
        name: "D2",
        credentials: [{ ...cred("y"), passwordHash: "secret" }],
      }),
      "invalid",
      /scrypt/,
    );
    assert.deepEqual(registry.loginOwner("sensor-1"), { kind: "devices", id: "d1" });
    assert.equal(registry.tokenOwner(HASH), "d1");
    value(registry.update("devices", "d1", { credentials: [{ kind: "token", tokenHash: HASH2 }] }));
    assert.equal(registry.loginOwner("sensor-1"), undefined);
    assert.equal(registry.tokenOwner(HASH), undefined);
    value(registry.create("users", { tenant: "other", name: "U", username: "sensor-1" }));
  });

  it("checks users' and API keys' hashes, roles and scopes", async () => {
    const registry = await populated();
    problem(
      registry.create("users", { tenant: "acme", name: "U", username: "u", passwordHash: "pw" }),
      "invalid",
      /scrypt/,
      "passwordHash",
    );
    problem(
      registry.create("users", { tenant: "acme", name: "U", username: "u", roles: ["a b"] }),
      "invalid",
      /not a valid role/,
      "roles",
    );
    problem(
      registry.create("users", { tenant: "acme", name: "U", username: " u" }),
      "invalid",
      /login name/,
      "username",
    );
    problem(
      registry.create("apiKeys", { tenant: "acme", name: "K", hash: "sha256$short" }),
      "invalid",
      /"hash"/,
    );
    problem(
      registry.create("apiKeys", { tenant: "acme", name: "K", hash: HASH, scopes: ["has space"] }),
      "invalid",
      /not a valid scope/,
    );
    value(
      registry.create("apiKeys", {
        tenant: "acme",
        name: "K",
        hash: HASH,
        scopes: ["mqtt:write"],
        userId: "ada",
      }),
    );
    assert.equal(registry.holdsCredentials(), true);
  });
});

describe("Registry payload schemas", () => {
  it("compiles the JSON Schema and keeps names unique per tenant", async () => {
    const registry = await populated();
    problem(
      registry.create("schemas", { tenant: "acme", name: "temperature", schema: { type: "nope" } }),
      "unprocessable",
      /not a valid JSON Schema/,
      "schema",
    );
    problem(
      registry.create("schemas", { tenant: "acme", name: "t", schema: { pattern: "(" } }),
      "unprocessable",
      /not a valid JSON Schema/,
    );
    const schema = value(
      registry.create("schemas", {
        tenant: "acme",
        name: "temperature",
        schema: { type: "number" },
        unit: "C",
      }),
    );
    problem(
      registry.create("schemas", { tenant: "acme", name: "temperature", schema: {} }),
      "conflict",
      /already named "temperature"/,
    );
    value(registry.create("schemas", { tenant: "other", name: "temperature", schema: {} }));
    assert.equal(registry.payloadSchema("acme", "temperature"), schema);
    assert.equal(registry.payloadSchema("acme", "humidity"), undefined);
    const renamed = value(registry.update("schemas", schema.id, { name: "temp" }));
    assert.equal(registry.payloadSchema("acme", "temperature"), undefined);
    assert.equal(registry.payloadSchema("acme", "temp"), renamed);
  });
});

describe("Registry.update()", () => {
  it("patches mutable fields, clears optional ones with null and moves updatedAt", async () => {
    const registry = await populated();
    const zone = value(
      registry.create("zones", {
        tenant: "acme",
        name: "A",
        type: "area",
        parentId: "lvl",
        description: "d",
        tags: ["x"],
      }),
    );
    const updated = value(registry.update("zones", zone.id, { name: "B", description: null, tags: [] }));
    assert.equal(updated.name, "B");
    assert.equal(updated.description, undefined);
    assert.deepEqual(updated.tags, []);
    assert.equal(updated.parentId, "lvl");
    assert.equal(updated.createdAt, zone.createdAt);
    assert.ok(updated.updatedAt > zone.updatedAt);
  });

  it("refuses to change ids, tenants and timestamps, unknown fields, and unknown entities", async () => {
    const registry = await populated();
    problem(
      registry.update("zones", "bld", { tenant: "other" } as never),
      "invalid",
      /"tenant" cannot be changed/,
      "tenant",
    );
    problem(registry.update("zones", "bld", { id: "x" } as never), "invalid", /"id" cannot be changed/);
    problem(
      registry.update("zones", "bld", { createdAt: 1 } as never),
      "invalid",
      /"createdAt" cannot be changed/,
    );
    problem(registry.update("zones", "bld", { colour: 1 } as never), "invalid", /"colour" is not a field/);
    problem(
      registry.update("zones", "nope", { name: "x" }),
      "not-found",
      /Cannot update zone "nope": no such zone/,
    );
    problem(registry.update("zones", "bld", { name: null } as never), "invalid", /"name" must be a string/);
  });
});

describe("Registry.delete()", () => {
  it("refuses to delete what is referenced, naming the referrers", async () => {
    const registry = await populated();
    value(
      registry.create("devices", {
        id: "d1",
        tenant: "acme",
        name: "D",
        zoneId: "lvl",
        applicationId: "app",
      }),
    );
    problem(registry.delete("zones", "bld"), "conflict", /referenced by zone "lvl"/);
    problem(registry.delete("zones", "lvl"), "conflict", /referenced by device "d1"/);
    problem(registry.delete("applications", "app"), "conflict", /device "d1"/);
    problem(registry.delete("tenants", "acme"), "conflict", /referenced by .* and \d+ more/);
    problem(registry.delete("tenants", "default"), "conflict", /default tenant always exists/);
    problem(registry.delete("devices", "nope"), "not-found");
    value(registry.delete("devices", "d1"));
    value(registry.delete("zones", "lvl"));
    value(registry.delete("zones", "bld"));
  });

  it("deletes a user's API keys with the user, and an entity's state with it", async () => {
    const registry = await populated();
    const changes: RegistryChange[] = [];
    value(registry.create("apiKeys", { id: "k1", tenant: "acme", name: "K", hash: HASH, userId: "ada" }));
    value(registry.create("devices", { id: "d1", tenant: "acme", name: "D" }));
    registry.setState({
      tenant: "acme",
      entity: { kind: "devices", id: "d1" },
      channel: "t",
      value: 1,
      time: 1,
      sourceTime: undefined,
    });
    registry.onChange((change) => changes.push(change));
    value(registry.delete("users", "ada"));
    assert.deepEqual(
      changes.map((c) => [c.kind, c.op, c.before?.id]),
      [
        ["apiKeys", "delete", "k1"],
        ["users", "delete", "ada"],
      ],
    );
    value(registry.delete("devices", "d1"));
    assert.deepEqual(registry.state({ kind: "devices", id: "d1" }), []);
    const snapshot = await registry.store.load();
    assert.equal(snapshot.state.length, 0);
  });
});

describe("Registry.onChange()", () => {
  it("tells listeners about every create, update and delete with before and after", async () => {
    const registry = await populated();
    const changes: RegistryChange[] = [];
    const stop = registry.onChange((change) => changes.push(change));
    registry.onChange(() => {
      throw new Error("a failing listener does not stop the others");
    });
    const created = value(registry.create("drivers", { id: "drv", tenant: "acme", name: "Display" }));
    const updated = value(registry.update("drivers", "drv", { role: "device" }));
    value(registry.delete("drivers", "drv"));
    registry.create("drivers", { tenant: "nope", name: "x" }); // refused: no event
    assert.deepEqual(changes, [
      { kind: "drivers", op: "create", before: undefined, after: created },
      { kind: "drivers", op: "update", before: created, after: updated },
      { kind: "drivers", op: "delete", before: updated, after: undefined },
    ]);
    stop();
    value(registry.create("drivers", { tenant: "acme", name: "Other" }));
    assert.equal(changes.length, 3);
  });
});

describe("Registry.list()", () => {
  it("filters by tenant and fields, orders by creation then id, and pages", async () => {
    const registry = await newRegistry({ clock: () => 7 }); // every entity created in the same millisecond
    value(registry.create("tenants", { id: "acme", name: "Acme" }));
    for (const id of ["c", "a", "b", "e", "d"])
      value(registry.create("devices", { id, tenant: "acme", name: id, enabled: id !== "e" }));
    value(registry.create("devices", { id: "z", tenant: "default", name: "z" }));
    assert.deepEqual(
      registry.list("devices").items.map((d) => d.id),
      ["a", "b", "c", "d", "e", "z"],
    );
    const page = registry.list("devices", { tenant: "acme", offset: 1, limit: 2 });
    assert.deepEqual([page.items.map((d) => d.id), page.total], [["b", "c"], 5]);
    assert.deepEqual(
      registry.list("devices", { where: { enabled: false } }).items.map((d) => d.id),
      ["e"],
    );
    assert.deepEqual(
      registry.list("tenants", { tenant: "acme" }).items.map((t) => t.id),
      ["acme"],
    );
    value(registry.create("users", { tenant: "acme", name: "U", username: "u", roles: ["ops", "admin"] }));
    assert.equal(registry.list("users", { where: { roles: "admin" } }).total, 1);
    assert.equal(registry.list("devices", { filter: (d) => d.id > "c" }).total, 3);
  });

  it("shows an updated entity as it is now, and its new references hold for delete", async () => {
    const registry = await populated();
    value(registry.create("zones", { id: "bld2", tenant: "acme", name: "Annex", type: "building" }));
    value(registry.create("devices", { id: "d1", tenant: "acme", name: "D", zoneId: "bld" }));
    assert.equal(registry.list("zones", { where: { name: "Annex" } }).total, 1); // lists are kept sorted
    registry.list("devices");
    value(registry.update("zones", "bld2", { name: "Wing" }));
    value(registry.update("devices", "d1", { zoneId: "bld2" }));
    assert.deepEqual(
      registry.list("zones", { where: { name: "Wing" } }).items.map((z) => z.id),
      ["bld2"],
    );
    assert.equal(registry.list("devices").items.find((d) => d.id === "d1")?.zoneId, "bld2");
    problem(registry.delete("zones", "bld2"), "conflict", /device "d1"/);
    value(registry.update("devices", "d1", { zoneId: null }));
    value(registry.delete("zones", "bld2"));
  });
});

describe("Registry state", () => {
  it("keeps the latest value per channel, and drops writes for unknown entities or foreign tenants", async () => {
    const registry = await populated();
    value(registry.create("devices", { id: "d1", tenant: "acme", name: "D" }));
    const seen: unknown[] = [];
    registry.onStateChange((s) => seen.push(s.value));
    const ref = { kind: "devices", id: "d1" } as const;
    const write = (channel: string, v: unknown, tenant = "acme") =>
      registry.setState({
        tenant,
        entity: ref,
        channel,
        value: v,
        time: 10,
        sourceTime: "2016-08-09T20:00:47.539000Z",
      });
    write("temperature", 20);
    write("temperature", 21);
    write("humidity", undefined);
    write("temperature", 99, "other");
    registry.setState({
      tenant: "acme",
      entity: { kind: "devices", id: "ghost" },
      channel: "x",
      value: 1,
      time: 1,
      sourceTime: undefined,
    });
    assert.deepEqual(
      registry.state(ref).map((s) => [s.channel, s.value, s.sourceTime]),
      [
        ["temperature", 21, "2016-08-09T20:00:47.539000Z"],
        ["humidity", null, "2016-08-09T20:00:47.539000Z"],
      ],
    );
    assert.equal(registry.droppedStateWrites, 2);
    assert.deepEqual(seen, [20, 21, null]);
  });

  it("checks each write's owner again once any entity changed (the last write's owner is remembered)", async () => {
    const registry = await populated();
    value(registry.create("devices", { id: "d1", tenant: "acme", name: "D" }));
    value(registry.create("devices", { id: "d2", tenant: "acme", name: "D2" }));
    const seen: unknown[] = [];
    registry.onStateChange((s) => seen.push(s.value));
    const d1 = { kind: "devices", id: "d1" } as const;
    const write = (tenant: string, id: string, channel: string, v: unknown) =>
      registry.setState({
        tenant,
        entity: { kind: "devices", id },
        channel,
        value: v,
        time: 1,
        sourceTime: undefined,
      });
    write("acme", "d1", "a", 1);
    write("acme", "d1", "b", 2);
    write("other", "d1", "a", 3); // the remembered owner is acme's: dropped
    write("acme", "d2", "a", 4);
    write("acme", "d1", "a", 5);
    value(registry.delete("devices", "d1"));
    write("acme", "d1", "a", 6); // no such device now: dropped
    value(registry.create("devices", { id: "d1", tenant: "other", name: "D again" }));
    write("acme", "d1", "a", 7); // now other's: dropped
    write("other", "d1", "c", 8);
    write("other", "d1", "d", 9);
    assert.deepEqual(
      registry.state(d1).map((s) => [s.tenant, s.channel, s.value]),
      [
        ["other", "c", 8],
        ["other", "d", 9],
      ],
    );
    assert.deepEqual(
      registry.state({ kind: "devices", id: "d2" }).map((s) => [s.channel, s.value]),
      [["a", 4]],
    );
    assert.equal(registry.droppedStateWrites, 3);
    assert.deepEqual(seen, [1, 2, 4, 5, 8, 9]);
    const stored = (await registry.store.load()).state.map((s) => [s.entity.id, s.channel, s.value]);
    assert.deepEqual(stored.sort(), [
      ["d1", "c", 8],
      ["d1", "d", 9],
      ["d2", "a", 4],
    ]);
  });

  it("tenantDialects() joins the configured dialects and the tenant's own", async () => {
    const registry = await populated();
    value(registry.update("tenants", "acme", { dialects: ["gooee", "placeos"] }));
    assert.deepEqual(registry.tenantDialects("acme"), ["placeos", "gooee"]);
    assert.deepEqual(registry.tenantDialects("other"), []);
    problem(registry.update("tenants", "acme", { dialects: ["Bad Name"] }), "invalid", /dialect name/);
    // the list given is copied: changing it afterwards changes nothing (nor the generation's meaning)
    const given = ["gooee"];
    value(registry.update("tenants", "acme", { dialects: given }));
    const generation = registry.generation;
    given.push("placeos");
    assert.deepEqual(registry.tenantDialects("acme"), ["placeos", "gooee"]);
    assert.deepEqual(registry.get("tenants", "acme")?.dialects, ["gooee"]);
    assert.equal(registry.generation, generation);
  });
});

describe("Registry: what an entity held before an update is not checked again", () => {
  it("lets an administrator change a user whose stored hash is beyond the scrypt bounds, but not set such a hash", async () => {
    const store = new MemoryRegistryStore();
    const salt = "A".repeat(22);
    const hash = "B".repeat(43);
    const heavy = `scrypt$1073741824$8$1$${salt}$${hash}`; // stored before the bounds
    const seeded = new Registry({ store });
    await seeded.load();
    assert.ok(
      seeded.create("users", {
        id: "u-1",
        tenant: "default",
        name: "U",
        username: "u",
        passwordHash: `scrypt$1024$8$1$${salt}$${hash}`,
      }).ok,
    );
    store.putEntity({ kind: "users", entity: { ...seeded.get("users", "u-1")!, passwordHash: heavy } });
    const registry = new Registry({ store });
    await registry.load();
    const renamed = registry.update("users", "u-1", { name: "Renamed", enabled: false });
    assert.ok(renamed.ok, JSON.stringify(renamed));
    const set = registry.update("users", "u-1", { passwordHash: heavy.replace("$8$", "$16$") });
    assert.ok(!set.ok);
    assert.match(set.problem.message, /"passwordHash" has N = 1073741824: it must be a power of two/);
  });
});
