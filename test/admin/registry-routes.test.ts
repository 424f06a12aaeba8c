/**
 * The registry routes over real HTTP: create, get, list (with filters), update and delete for every
 * entity kind; the statuses of the registry's refusals (409, 422, 404); secrets never shown; the
 * current state route; pagination.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyPassword, parsePasswordHash, hashApiKeySecret } from "../../src/auth/index.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

const TOKEN = "a-device-token-of-enough-length";

/** One entity per kind, created in this order (each may refer to the ones before). */
const CREATES: readonly (readonly [string, Record<string, unknown>])[] = [
  ["tenants", { id: "acme", name: "Acme", dialects: ["gooee"] }],
  ["zones", { id: "bld-1", tenant: "acme", name: "HQ", type: "building", tags: ["main"] }],
  ["zones", { id: "lvl-1", tenant: "acme", name: "Level 1", type: "level", parentId: "bld-1" }],
  ["systems", { id: "sys-1", tenant: "acme", name: "Room 101", zoneIds: ["lvl-1"] }],
  ["drivers", { id: "drv-1", tenant: "acme", name: "Projector driver", role: "device" }],
  ["modules", { id: "mod-1", tenant: "acme", name: "Display", driverId: "drv-1", systemId: "sys-1" }],
  ["applications", { id: "app-1", tenant: "acme", name: "Lighting" }],
  [
    "devices",
    {
      id: "dev-1",
      tenant: "acme",
      name: "Sensor",
      applicationId: "app-1",
      zoneId: "lvl-1",
      dialect: "gooee",
      credentials: [
        { kind: "token", token: TOKEN },
        { kind: "password", username: "sensor-login", password: "sensor-password" },
      ],
    },
  ],
  ["users", { id: "user-1", tenant: "acme", name: "Alice", username: "alice", password: "alice-password" }],
  ["apiKeys", { id: "key-1", tenant: "acme", name: "Alice's key", userId: "user-1", scopes: ["mqtt:read"] }],
  ["schemas", { id: "sch-1", tenant: "acme", name: "temperature", schema: { type: "number" }, unit: "C" }],
];

/** A change per kind and what GET shows afterwards. */
const PATCHES: Readonly<Record<string, Record<string, unknown>>> = {
  tenants: { name: "Acme Corp" },
  zones: { description: "Main building", tags: ["main", "north"] },
  systems: { description: "A meeting room" },
  drivers: { role: null },
  modules: { index: 2 },
  applications: { name: "Lighting control" },
  devices: { enabled: false },
  users: { roles: ["operator"] },
  apiKeys: { name: "Renamed key" },
  schemas: { unit: "K" },
};

describe("admin API: registry routes", () => {
  let broker: AdminBroker;
  before(async () => {
    broker = await startAdminBroker();
  });
  after(async () => {
    await broker.stop();
  });

  it("creates (201), gets, lists, updates and deletes (204) an entity of every kind", async () => {
    const created: [string, string][] = [];
    for (const [kind, body] of CREATES) {
      const answer = await broker.call("POST", `/api/v1/${kind}`, { body });
      assert.equal(answer.status, 201, `${kind}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.id, body["id"]);
      assert.equal(typeof answer.body.createdAt, "number");
      created.push([kind, answer.body.id as string]);

      const got = await broker.call("GET", `/api/v1/${kind}/${answer.body.id as string}`);
      assert.equal(got.status, 200);
      const { key: _key, ...shown } = answer.body;
      assert.deepEqual(got.body, shown);

      const listed = await broker.call("GET", `/api/v1/${kind}?limit=1000`);
      assert.equal(listed.status, 200);
      assert.ok(listed.body.items.some((item: { id: string }) => item.id === answer.body.id));
    }
    // the registry holds what was given, the view of it
    assert.equal(broker.switchboard.registry.get("modules", "mod-1")?.index, 1);

    for (const [kind, id] of created) {
      const patch = PATCHES[kind]!;
      if (kind === "zones" && id === "lvl-1") continue;
      const answer = await broker.call("PATCH", `/api/v1/${kind}/${id}`, { body: patch });
      assert.equal(answer.status, 200, `${kind}: ${JSON.stringify(answer.body)}`);
      for (const [field, value] of Object.entries(patch)) {
        if (value === null) assert.equal(field in answer.body, false, `${kind}.${field} cleared`);
        else assert.deepEqual(answer.body[field], value, `${kind}.${field}`);
      }
      assert.ok(answer.body.updatedAt >= answer.body.createdAt);
      const got = await broker.call("GET", `/api/v1/${kind}/${id}`);
      assert.deepEqual(got.body, answer.body);
    }

    for (const [kind, id] of created.reverse()) {
      const answer = await broker.call("DELETE", `/api/v1/${kind}/${id}`);
      assert.equal(answer.status, 204, `${kind}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body, undefined);
      const gone = await broker.call("GET", `/api/v1/${kind}/${id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, "NOT_FOUND");
    }
  });

  it("never shows a secret and stores only hashes", async () => {
    const device = await broker.call("POST", "/api/v1/devices", {
      body: {
        id: "secretive",
        name: "Secretive",
        credentials: [
          { kind: "token", token: TOKEN },
          { kind: "password", username: "secretive-login", password: "secretive-password" },
        ],
      },
    });
    assert.equal(device.status, 201);
    assert.deepEqual(device.body.credentials, [
      { kind: "token" },
      { kind: "password", username: "secretive-login" },
    ]);
    const stored = broker.switchboard.registry.device("secretive")!.credentials;
    assert.deepEqual(stored[0], { kind: "token", tokenHash: hashApiKeySecret(TOKEN) });
    assert.ok(
      stored[1]?.kind === "password" &&
        (await verifyPassword("secretive-password", parsePasswordHash(stored[1].passwordHash))),
    );

    const user = await broker.call("POST", "/api/v1/users", {
      body: { id: "bob", name: "Bob", username: "bob", password: "bob-password", roles: ["admin"] },
    });
    assert.equal(user.status, 201);
    assert.equal(user.body.hasPassword, true);
    assert.equal("password" in user.body || "passwordHash" in user.body, false);
    const cleared = await broker.call("PATCH", "/api/v1/users/bob", { body: { password: null } });
    assert.equal(cleared.body.hasPassword, false);
    assert.equal(broker.switchboard.registry.get("users", "bob")!.passwordHash, undefined);

    const key = await broker.call("POST", "/api/v1/apiKeys", { body: { name: "generated" } });
    assert.equal(key.status, 201);
    assert.match(key.body.key, new RegExp(`^sbk_${key.body.id as string}_[A-Za-z0-9_-]{43}$`));
    assert.equal("hash" in key.body, false);
    const again = await broker.call("GET", `/api/v1/apiKeys/${key.body.id as string}`);
    assert.equal("key" in again.body || "hash" in again.body, false);

    const revoked = await broker.call("PATCH", `/api/v1/apiKeys/${key.body.id as string}`, {
      body: { revoked: true },
    });
    assert.equal(revoked.status, 200);
    assert.equal(typeof revoked.body.revokedAt, "number");
    const unrevoke = await broker.call("PATCH", `/api/v1/apiKeys/${key.body.id as string}`, {
      body: { revoked: false },
    });
    assert.equal(unrevoke.status, 400);
    assert.equal(unrevoke.body.error.message, 'Invalid body: "revoked" must be one of true, not false');
  });

  it("maps the registry's refusals to 409, 422 and 404 with its messages", async () => {
    assert.equal(
      (await broker.call("POST", "/api/v1/zones", { body: { id: "rgn-9", name: "North", type: "region" } }))
        .status,
      201,
    );
    const taken = await broker.call("POST", "/api/v1/zones", {
      body: { id: "rgn-9", name: "Again", type: "region" },
    });
    assert.equal(taken.status, 409);
    assert.deepEqual(taken.body, {
      error: { code: "CONFLICT", message: 'Cannot create zone: zone "rgn-9" already exists' },
    });

    const wrongParent = await broker.call("POST", "/api/v1/zones", {
      body: { id: "lvl-9", name: "L9", type: "level", parentId: "rgn-9" },
    });
    assert.equal(wrongParent.status, 422);
    assert.equal(wrongParent.body.error.code, "UNPROCESSABLE");
    assert.match(
      wrongParent.body.error.message,
      /"parentId" "rgn-9" is a region: a level's parent must be a building/,
    );

    assert.equal(
      (
        await broker.call("POST", "/api/v1/zones", {
          body: { id: "bld-9", name: "B9", type: "building", parentId: "rgn-9" },
        })
      ).status,
      201,
    );
    const referenced = await broker.call("DELETE", "/api/v1/zones/rgn-9");
    assert.equal(referenced.status, 409);
    assert.match(referenced.body.error.message, /it is referenced by zone "bld-9"/);

    const missing = await broker.call("PATCH", "/api/v1/zones/nowhere", { body: { name: "x" } });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: { code: "NOT_FOUND", message: 'No zone "nowhere"' } });

    const defaultTenant = await broker.call("DELETE", "/api/v1/tenants/default");
    assert.equal(defaultTenant.status, 409);

    const badSchema = await broker.call("POST", "/api/v1/schemas", {
      body: { name: "broken", schema: { type: "no-such-type" } },
    });
    assert.equal(badSchema.status, 422);
    assert.match(badSchema.body.error.message, /"schema" is not a valid JSON Schema/);
  });

  it("filters lists by field, array membership and tenant", async () => {
    for (const [id, tags] of [
      ["f-1", ["red"]],
      ["f-2", ["red", "blue"]],
      ["f-3", ["blue"]],
    ] as const)
      assert.equal(
        (await broker.call("POST", "/api/v1/zones", { body: { id, name: id, type: "region", tags } })).status,
        201,
      );
    const red = await broker.call("GET", "/api/v1/zones?tag=red");
    assert.deepEqual(
      red.body.items.map((z: { id: string }) => z.id),
      ["f-1", "f-2"],
    );
    const named = await broker.call("GET", "/api/v1/zones?name=f-3&type=region");
    assert.deepEqual(
      named.body.items.map((z: { id: string }) => z.id),
      ["f-3"],
    );
    const disabled = await broker.call("GET", "/api/v1/devices?enabled=false");
    assert.ok(disabled.body.items.every((d: { enabled: boolean }) => !d.enabled));
    const none = await broker.call("GET", "/api/v1/zones?tenant=nobody");
    assert.deepEqual(none.body, { items: [], total: 0, offset: 0, limit: 100 });
  });

  it("pages lists with offset and limit, reporting the total", async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(
        (await broker.call("POST", "/api/v1/applications", { body: { id: `page-${i}`, name: `App ${i}` } }))
          .status,
        201,
      );
    const first = await broker.call("GET", "/api/v1/applications?name=App%200");
    assert.equal(first.body.total, 1);
    const all = await broker.call("GET", "/api/v1/applications");
    const ids = all.body.items
      .map((a: { id: string }) => a.id)
      .filter((id: string) => id.startsWith("page-"));
    assert.deepEqual(ids, ["page-0", "page-1", "page-2", "page-3", "page-4"]);
    const total = all.body.total as number;

    const page = await broker.call("GET", "/api/v1/applications?offset=1&limit=2");
    assert.equal(page.status, 200);
    assert.equal(page.body.items.length, 2);
    assert.deepEqual(
      { total: page.body.total, offset: page.body.offset, limit: page.body.limit },
      { total, offset: 1, limit: 2 },
    );
    assert.deepEqual(
      page.body.items.map((a: { id: string }) => a.id),
      all.body.items.slice(1, 3).map((a: { id: string }) => a.id),
    );
    const last = await broker.call("GET", `/api/v1/applications?offset=${total - 1}&limit=10`);
    assert.equal(last.body.items.length, 1);
    const beyond = await broker.call("GET", `/api/v1/applications?offset=${total + 5}`);
    assert.deepEqual(beyond.body.items, []);
    assert.equal(beyond.body.total, total);
  });

  it("shows a device's and a module's current state, 404 for an unknown one", async () => {
    const registry = broker.switchboard.registry;
    assert.equal(
      (await broker.call("POST", "/api/v1/devices", { body: { id: "stateful", name: "Stateful" } })).status,
      201,
    );
    registry.setState({
      tenant: "default",
      entity: { kind: "devices", id: "stateful" },
      channel: "temperature",
      value: 21.5,
      time: 1_700_000_000_000,
      sourceTime: "2023-11-14T22:13:20.123456Z",
    });
    const state = await broker.call("GET", "/api/v1/devices/stateful/state");
    assert.equal(state.status, 200);
    assert.deepEqual(state.body, {
      id: "stateful",
      tenant: "default",
      state: {
        temperature: { value: 21.5, time: 1_700_000_000_000, sourceTime: "2023-11-14T22:13:20.123456Z" },
      },
    });
    const unknown = await broker.call("GET", "/api/v1/devices/nobody/state");
    assert.equal(unknown.status, 404);
    const moduleState = await broker.call("GET", "/api/v1/modules/nothing/state");
    assert.equal(moduleState.status, 404);
  });
});
