/**
 * Admin API writes while the store cannot commit (a full disk; injected: every commit of the SQLite
 * store fails until repaired). The API never lies about what happened (found by a review: a POST
 * answered a bare 500 although the device was created, a retry got 409, and an API key was created
 * whose key nobody saw):
 *
 * - while the store is known to be failing, a write is refused up front, 503 STORE_UNAVAILABLE naming
 *   the store's problem, and nothing changes;
 * - when the store fails during the write (the race), the 503 says the change is applied and saved once
 *   the store recovers; an API key's create is undone instead, since its key could not be given.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { failCommits, sqliteTestFiles } from "../contract/sqlite-test-store.js";
import { bytes, delay, RawClient } from "../helpers/raw-client.js";
import { type AdminBroker, type Answer, startAdminBroker } from "./helpers/admin-broker.js";

const files = sqliteTestFiles("sb-admin-store-failure-");

function assertStoreUnavailable(answer: Answer, message: RegExp): void {
  assert.equal(answer.status, 503, answer.text);
  assert.deepEqual(Object.keys(answer.body as object), ["error"]);
  assert.equal(answer.body.error.code, "STORE_UNAVAILABLE");
  assert.match(answer.body.error.message, /the disk is full/, "names the store's problem");
  assert.match(answer.body.error.message, message);
}

describe("admin API: writes while the store cannot commit", () => {
  let store: SqliteStore;
  let broker: AdminBroker;
  let repair: (() => void) | undefined;

  /** From now on every commit fails; `known`: one already did, so the store reports it (`failing`). */
  async function breakStore(known: boolean): Promise<void> {
    await delay(50); // the store's own commit timer (5 ms), armed by earlier changes, has fired
    repair = failCommits(store);
    if (known) await store.commit().catch(() => undefined);
    assert.equal(store.failure !== undefined, known);
  }

  async function repairStore(): Promise<void> {
    repair?.();
    repair = undefined;
    await store.commit();
    assert.equal(store.failure, undefined);
  }

  before(async () => {
    store = files.open(files.fresh("admin"), "strict");
    broker = await startAdminBroker({ store });
  });
  afterEach(repairStore);
  after(() => broker.stop());

  it("refuses writes up front while the store is failing, and changes nothing", async () => {
    const retained = await RawClient.connected(broker.port, { protocolVersion: 5 });
    retained.send({
      type: PacketType.PUBLISH,
      topic: "kept",
      payload: bytes("v"),
      qos: 1,
      packetId: 1,
      retain: true,
      dup: false,
    });
    await retained.expect(PacketType.PUBACK);
    await retained.disconnect();
    await breakStore(true);

    const device = await broker.call("POST", "/api/v1/devices", { body: { id: "d-1", name: "D 1" } });
    assertStoreUnavailable(device, /^Nothing was changed: the store cannot save changes/);
    assert.equal((await broker.call("GET", "/api/v1/devices/d-1")).status, 404, "no device");

    const key = await broker.call("POST", "/api/v1/apiKeys", { body: { id: "k-1", name: "K 1" } });
    assertStoreUnavailable(key, /^Nothing was changed/);
    assert.equal((await broker.call("GET", "/api/v1/apiKeys/k-1")).status, 404, "no API key");

    const deleted = await broker.call("DELETE", "/api/v1/retained?topic=kept");
    assertStoreUnavailable(deleted, /^Nothing was changed/);
    const left = await broker.call("GET", "/api/v1/retained?filter=kept");
    assert.equal(left.body.total, 1, "the retained message is still there");

    // reads still work, and the same writes succeed once the store recovers
    assert.equal((await broker.call("GET", "/api/v1/devices")).status, 200);
    await repairStore();
    assert.equal(
      (await broker.call("POST", "/api/v1/devices", { body: { id: "d-1", name: "D 1" } })).status,
      201,
    );
    assert.equal(
      (await broker.call("POST", "/api/v1/apiKeys", { body: { id: "k-1", name: "K 1" } })).status,
      201,
    );
    assert.equal((await broker.call("DELETE", "/api/v1/retained?topic=kept")).status, 204);
  });

  it("a device created while the store fails: 503 says it is applied, which explains the 409 of a retry", async () => {
    await breakStore(false);
    const body = { id: "d-race", name: "Race" };
    const created = await broker.call("POST", "/api/v1/devices", { body });
    assertStoreUnavailable(
      created,
      /^Device "d-race" is created, but the store cannot save it yet .*: it is applied, and saved once the store recovers/,
    );
    assert.equal((await broker.call("GET", "/api/v1/devices/d-race")).status, 200, "applied");
    // the store is known to be failing now: a retry is refused up front, and once it works, a 409
    assertStoreUnavailable(await broker.call("POST", "/api/v1/devices", { body }), /^Nothing was changed/);
    await repairStore();
    assert.equal((await broker.call("POST", "/api/v1/devices", { body })).status, 409);
  });

  it("an API key created while the store fails is undone: its key could not be given", async () => {
    await breakStore(false);
    const body = { id: "k-race", name: "Race" };
    const created = await broker.call("POST", "/api/v1/apiKeys", { body });
    assertStoreUnavailable(
      created,
      /^API key "k-race" was not created: .*its key can be given only once it is saved; try again once the store recovers/,
    );
    assert.equal(JSON.stringify(created.body).includes("sbk_"), false, "no key in the error");
    assert.equal((await broker.call("GET", "/api/v1/apiKeys/k-race")).status, 404, "no API key");
    await repairStore();
    const again = await broker.call("POST", "/api/v1/apiKeys", { body });
    assert.equal(again.status, 201, "the retry creates it");
    assert.match(again.body.key, /^sbk_k-race_/);
  });

  it("a device whose token the broker generates, created while the store fails, is undone too", async () => {
    await breakStore(false);
    const body = { id: "d-token", name: "Token", credentials: [{ kind: "token" }] };
    const created = await broker.call("POST", "/api/v1/devices", { body });
    assertStoreUnavailable(
      created,
      /^Device "d-token" was not created: .*the tokens generated for it can be given only once it is saved/,
    );
    assert.equal(JSON.stringify(created.body).includes("sbt_"), false, "no token in the error");
    assert.equal((await broker.call("GET", "/api/v1/devices/d-token")).status, 404, "no device");
    await repairStore();
    assert.equal((await broker.call("POST", "/api/v1/devices", { body })).status, 201);
  });

  it("a session deleted while the store fails: 503 says it is deleted", async () => {
    const client = await RawClient.connected(broker.port, {
      protocolVersion: 5,
      clientId: "persistent",
      cleanStart: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    await client.disconnect();
    await breakStore(false);
    const deleted = await broker.call("DELETE", "/api/v1/sessions/persistent");
    assertStoreUnavailable(deleted, /^Session "persistent" is deleted, but the store cannot save it yet/);
    assert.equal((await broker.call("GET", "/api/v1/sessions/persistent")).status, 404, "applied");
  });

  it("the OpenAPI document lists the 503 for the routes that commit, only", async () => {
    const { paths } = (await broker.call("GET", "/api/v1/openapi.json")).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const with503 = (path: string, method: string): boolean => "503" in paths[path]![method]!.responses;
    assert.ok(with503("/api/v1/devices", "post"));
    assert.ok(with503("/api/v1/apiKeys/{id}", "patch"));
    assert.ok(with503("/api/v1/zones/{id}", "delete"));
    assert.ok(with503("/api/v1/sessions/{clientId}", "delete"));
    assert.ok(with503("/api/v1/retained", "delete"));
    assert.equal(with503("/api/v1/devices", "get"), false);
    assert.equal(with503("/api/v1/clients/{clientId}", "delete"), false);
  });
});
