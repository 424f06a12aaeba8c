/**
 * Who may call the admin API: credentials (`X-API-Key`, `Authorization: Bearer`) checked by the
 * broker's authenticators (configured API keys, registry API keys, JWTs), 401 without or with bad
 * ones, 403 for a principal without an administrator role; the public routes need nothing; revoking or
 * deleting a key takes effect at the next request.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashPassword } from "../../src/auth/index.js";
import { adminToken, type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

/** Cheap scrypt parameters for a configured user (the lowest the configuration accepts). */
const CHEAP = { n: 1024, r: 8, p: 1 };

describe("admin API: authentication", () => {
  let broker: AdminBroker;
  before(async () => {
    broker = await startAdminBroker();
  });
  after(async () => {
    await broker.stop();
  });

  const unauthorized = async (
    headers: Record<string, string>,
    message: string | RegExp,
    path = "/api/v1/zones",
  ): Promise<void> => {
    const answer = await broker.call("GET", path, { key: null, headers });
    assert.equal(answer.status, 401, JSON.stringify(answer.body));
    assert.equal(answer.body.error.code, "UNAUTHORIZED");
    if (typeof message === "string") assert.equal(answer.body.error.message, message);
    else assert.match(answer.body.error.message, message);
  };

  it("answers 401 without credentials on every route but health and the OpenAPI document", async () => {
    for (const path of [
      "/api/v1/zones",
      "/api/v1/tenants/default",
      "/api/v1/clients",
      "/api/v1/sessions",
      "/api/v1/retained?filter=%23",
      "/api/v1/devices/x/state",
    ])
      await unauthorized(
        {},
        'No credentials: send "Authorization: Bearer <token>" or "X-API-Key: <key>"',
        path,
      );
    // before the body is read or validated
    const post = await broker.call("POST", "/api/v1/zones", { key: null, body: { colour: "red" } });
    assert.equal(post.status, 401);
    const health = await broker.call("GET", "/api/v1/health", { key: null });
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "ok");
    assert.equal(typeof health.body.version, "string");
    const document = await broker.call("GET", "/api/v1/openapi.json", { key: null });
    assert.equal(document.status, 200);
    assert.equal(document.body.openapi, "3.1.0");
  });

  it("answers 401 for credentials no authenticator accepts", async () => {
    const [, secret] = /^sbk_root_(.+)$/.exec(broker.keys.root)!;
    await unauthorized({ "x-api-key": "sbk_root_" + "A".repeat(43) }, /^The API key was refused/);
    await unauthorized({ "x-api-key": "sbk_nobody_" + secret! }, "Unknown API key");
    await unauthorized(
      { "x-api-key": "not-a-key" },
      'The API key is malformed (expected "sbk_<id>_<secret>")',
    );
    await unauthorized(
      { authorization: `Basic ${btoa("a:b")}` },
      'The Authorization header must be "Bearer <token>"',
    );
    await unauthorized(
      { authorization: "Bearer not-a-token" },
      /neither a JWT the broker checks nor an API key/,
    );
    await unauthorized(
      { authorization: `Bearer ${broker.keys.root}`, "x-api-key": broker.keys.root },
      "Send either an Authorization or an X-API-Key header, not both",
    );
    const expired = await adminToken({ roles: ["admin"] }, -60);
    await unauthorized({ authorization: `Bearer ${expired}` }, /^The token was refused/);
    const forged = (await adminToken({ roles: ["admin"] })).replace(/\.[^.]+$/, ".c2lnbmF0dXJl");
    await unauthorized({ authorization: `Bearer ${forged}` }, /^The token was refused/);
  });

  it("answers 403 for a principal without an administrator role", async () => {
    const viewer = await broker.call("GET", "/api/v1/zones", { key: broker.keys.viewer });
    assert.equal(viewer.status, 403);
    assert.deepEqual(viewer.body, {
      error: {
        code: "FORBIDDEN",
        message: '"viewer" (tenant "default") is not an administrator: it has none of the roles "admin"',
      },
    });
    const token = await adminToken({ sub: "reader-1", roles: ["reader"] });
    const reader = await broker.call("GET", "/api/v1/zones", {
      key: null,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(reader.status, 403);
  });

  it("accepts a configured key as X-API-Key or bearer token, and an administrator's JWT", async () => {
    assert.equal((await broker.call("GET", "/api/v1/zones")).status, 200);
    const bearer = await broker.call("GET", "/api/v1/zones", {
      key: null,
      headers: { authorization: `Bearer ${broker.keys.root}` },
    });
    assert.equal(bearer.status, 200);
    const token = await adminToken({ sub: "ops", roles: ["admin"] });
    const jwt = await broker.call("GET", "/api/v1/zones", {
      key: null,
      headers: { authorization: `bearer ${token}` },
    });
    assert.equal(jwt.status, 200);
  });

  it("accepts a registry API key with an administrator role until it is revoked or deleted", async () => {
    const created = await broker.call("POST", "/api/v1/apiKeys", {
      body: { id: "ops-key", name: "Ops", roles: ["admin"] },
    });
    assert.equal(created.status, 201);
    const key = created.body.key as string;
    assert.equal((await broker.call("GET", "/api/v1/zones", { key })).status, 200);
    const asBearer = await broker.call("GET", "/api/v1/zones", {
      key: null,
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(asBearer.status, 200);

    const plain = await broker.call("POST", "/api/v1/apiKeys", { body: { id: "plain-key", name: "Plain" } });
    assert.equal((await broker.call("GET", "/api/v1/zones", { key: plain.body.key as string })).status, 403);

    assert.equal(
      (await broker.call("PATCH", "/api/v1/apiKeys/ops-key", { body: { revoked: true } })).status,
      200,
    );
    const revoked = await broker.call("GET", "/api/v1/zones", { key });
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error.message, "The API key was refused: Unknown, revoked or wrong API key");

    const again = await broker.call("POST", "/api/v1/apiKeys", {
      body: { id: "ops-key-2", name: "Ops 2", roles: ["admin"] },
    });
    assert.equal((await broker.call("GET", "/api/v1/zones", { key: again.body.key as string })).status, 200);
    assert.equal((await broker.call("DELETE", "/api/v1/apiKeys/ops-key-2")).status, 204);
    const deleted = await broker.call("GET", "/api/v1/zones", { key: again.body.key as string });
    assert.equal(deleted.status, 401);
    assert.equal(deleted.body.error.message, "Unknown API key");
  });

  it("refuses a registry API key with the id of a configured one (409): it could never be used", async () => {
    const taken = await broker.call("POST", "/api/v1/apiKeys", {
      body: { id: "root", name: "Shadow", roles: ["admin"] },
    });
    assert.equal(taken.status, 409, JSON.stringify(taken.body));
    assert.equal(taken.body.error.code, "CONFLICT");
    assert.match(taken.body.error.message, /the configuration has an API key "root" \(auth\.apiKeys\)/);
  });

  it("refuses a registry login name of a configured user (409): one of the two could never log in", async () => {
    const config = { auth: { users: [{ username: "alice", password: await hashPassword("pw", CHEAP) }] } };
    const withUsers = await startAdminBroker({ config });
    try {
      const message = /the login name "alice" is a user of the configuration \(auth\.users\)/;
      const user = await withUsers.call("POST", "/api/v1/users", {
        body: { id: "u-alice", name: "Alice", username: "alice", password: "registry-password" },
      });
      assert.equal(user.status, 409, JSON.stringify(user.body));
      assert.equal(user.body.error.code, "CONFLICT");
      assert.match(user.body.error.message, message);
      const device = await withUsers.call("POST", "/api/v1/devices", {
        body: {
          id: "d1",
          name: "D",
          credentials: [{ kind: "password", username: "alice", password: "device-password" }],
        },
      });
      assert.equal(device.status, 409, JSON.stringify(device.body));
      assert.match(device.body.error.message, message);
      const bob = await withUsers.call("POST", "/api/v1/users", {
        body: { id: "u-bob", name: "Bob", username: "bob", password: "registry-password" },
      });
      assert.equal(bob.status, 201, JSON.stringify(bob.body));
      const renamed = await withUsers.call("PATCH", "/api/v1/users/u-bob", { body: { username: "alice" } });
      assert.equal(renamed.status, 409, JSON.stringify(renamed.body));
      assert.match(renamed.body.error.message, message);
    } finally {
      await withUsers.stop();
    }
  });

  it("refuses a configured key revoked at run time at once", async () => {
    const apiKeys = broker.switchboard.apiKeys!;
    const key = apiKeys.create({ id: "temporary", tenant: "default", roles: ["admin"] });
    assert.equal((await broker.call("GET", "/api/v1/zones", { key })).status, 200);
    apiKeys.revoke("temporary");
    assert.equal((await broker.call("GET", "/api/v1/zones", { key })).status, 401);
  });
});
