/**
 * Tenants in the admin API: an administrator of the default tenant administers every tenant; an
 * administrator of another tenant (a configured key of tenant `acme`, or a JWT whose tenant claim is
 * `acme`) sees and changes only its own tenant's entities, and another tenant's are 404 to it.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { adminToken, type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

describe("admin API: tenant scoping", () => {
  let broker: AdminBroker;
  before(async () => {
    broker = await startAdminBroker();
    for (const [id, name] of [
      ["acme", "Acme"],
      ["globex", "Globex"],
    ])
      assert.equal((await broker.call("POST", "/api/v1/tenants", { body: { id, name } })).status, 201);
    for (const [id, tenant] of [
      ["a-zone", "acme"],
      ["g-zone", "globex"],
      ["d-zone", undefined],
    ] as const) {
      const body = { id, name: id, type: "building", ...(tenant === undefined ? {} : { tenant }) };
      assert.equal((await broker.call("POST", "/api/v1/zones", { body })).status, 201);
    }
  });
  after(async () => {
    await broker.stop();
  });

  const ids = (answer: { body: { items: { id: string }[] } }): string[] =>
    answer.body.items.map((item) => item.id);

  it("lets an administrator of the default tenant see and name every tenant", async () => {
    assert.deepEqual(ids(await broker.call("GET", "/api/v1/zones")), ["a-zone", "g-zone", "d-zone"]);
    assert.deepEqual(ids(await broker.call("GET", "/api/v1/zones?tenant=globex")), ["g-zone"]);
    assert.deepEqual(ids(await broker.call("GET", "/api/v1/tenants")), ["default", "acme", "globex"]);
    const created = await broker.call("POST", "/api/v1/zones", {
      body: { id: "g-zone-2", tenant: "globex", name: "Annex", type: "building" },
    });
    assert.equal(created.body.tenant, "globex");
    assert.equal((await broker.call("DELETE", "/api/v1/zones/g-zone-2")).status, 204);
  });

  for (const [label, credentials] of [
    ["a configured key of tenant acme", "key"],
    ["a JWT of tenant acme", "jwt"],
  ] as const) {
    describe(`with ${label}`, () => {
      let call: AdminBroker["call"];
      before(async () => {
        const token = await adminToken({ sub: "acme-ops", org: "acme", roles: ["admin"] });
        call = (method, path, options = {}) =>
          broker.call(method, path, {
            ...options,
            ...(credentials === "key"
              ? { key: broker.keys.acme }
              : { key: null, headers: { authorization: `Bearer ${token}` } }),
          });
      });

      it("lists and gets only its own tenant's entities", async () => {
        assert.deepEqual(ids(await call("GET", "/api/v1/zones")), ["a-zone"]);
        assert.deepEqual(ids(await call("GET", "/api/v1/tenants")), ["acme"]);
        assert.deepEqual(ids(await call("GET", "/api/v1/zones?tenant=globex")), []);
        assert.equal((await call("GET", "/api/v1/zones/a-zone")).status, 200);
        assert.equal((await call("GET", "/api/v1/tenants/acme")).status, 200);
        for (const path of ["/api/v1/zones/g-zone", "/api/v1/zones/d-zone", "/api/v1/tenants/globex"]) {
          const answer = await call("GET", path);
          assert.equal(answer.status, 404, path);
          assert.equal(answer.body.error.code, "NOT_FOUND");
        }
      });

      it("cannot change or delete another tenant's entities (404)", async () => {
        assert.equal((await call("PATCH", "/api/v1/zones/g-zone", { body: { name: "Mine" } })).status, 404);
        assert.equal((await call("DELETE", "/api/v1/zones/g-zone")).status, 404);
        assert.equal((await call("DELETE", "/api/v1/tenants/globex")).status, 404);
        assert.equal(broker.switchboard.registry.get("zones", "g-zone")?.name, "g-zone");
      });

      it("creates in its own tenant, and is refused another (403)", async () => {
        const id = `${credentials}-zone`;
        const own = await call("POST", "/api/v1/zones", { body: { id, name: "Own", type: "building" } });
        assert.equal(own.status, 201);
        assert.equal(own.body.tenant, "acme");
        const foreign = await call("POST", "/api/v1/zones", {
          body: { name: "Foreign", type: "building", tenant: "globex" },
        });
        assert.equal(foreign.status, 403);
        assert.deepEqual(foreign.body.error, {
          code: "FORBIDDEN",
          message: 'An administrator of tenant "acme" cannot act on tenant "globex"',
        });
        assert.equal((await call("DELETE", `/api/v1/zones/${id}`)).status, 204);
      });

      it("may rename its tenant but not create or delete tenants", async () => {
        assert.equal(
          (await call("PATCH", "/api/v1/tenants/acme", { body: { name: "Acme Inc" } })).status,
          200,
        );
        const create = await call("POST", "/api/v1/tenants", { body: { id: "initech", name: "Initech" } });
        assert.equal(create.status, 403);
        assert.equal(create.body.error.message, "Only administrators of the default tenant create tenants");
        const remove = await call("DELETE", "/api/v1/tenants/acme");
        assert.equal(remove.status, 403);
      });

      it("cannot refer to another tenant's entities", async () => {
        const answer = await call("POST", "/api/v1/zones", {
          body: { name: "Level", type: "level", parentId: "g-zone" },
        });
        assert.equal(answer.status, 422);
        assert.match(answer.body.error.message, /no zone "g-zone" in tenant "acme"/);
      });
    });
  }
});
