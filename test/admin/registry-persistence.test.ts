/**
 * The registry lives in the store: with the SQLite store, what the admin API created, changed and
 * deleted, and the current state a device published, are the same after a restart on the same data
 * directory; and the credentials kept in it still work (an MQTT device token, an admin API key).
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectWithInbox } from "../helpers/mqttjs.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

const TOKEN = "persistent-device-token-0123";

describe("admin API: the registry survives a restart (SQLite store)", () => {
  let dir: string;
  const start = (): Promise<AdminBroker> =>
    startAdminBroker({ config: { storage: { kind: "sqlite", path: dir, durability: "strict" } } });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "switchboard-admin-"));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps entities, changes, deletions and current state", async () => {
    const first = await start();
    let adminKey: string;
    const snapshot: Record<string, unknown> = {};
    try {
      const creates: [string, Record<string, unknown>][] = [
        ["tenants", { id: "acme", name: "Acme", dialects: ["gooee"] }],
        ["zones", { id: "bld", tenant: "acme", name: "HQ", type: "building" }],
        ["zones", { id: "lvl", tenant: "acme", name: "L1", type: "level", parentId: "bld" }],
        ["zones", { id: "temporary", tenant: "acme", name: "Gone", type: "building" }],
        ["schemas", { id: "temp", tenant: "acme", name: "temperature", schema: { type: "number" } }],
        [
          "devices",
          {
            id: "dev",
            tenant: "acme",
            name: "Sensor",
            zoneId: "lvl",
            credentials: [{ kind: "token", token: TOKEN }],
          },
        ],
        ["users", { id: "ops", name: "Ops", username: "ops", password: "ops-password", roles: ["admin"] }],
      ];
      for (const [kind, body] of creates)
        assert.equal((await first.call("POST", `/api/v1/${kind}`, { body })).status, 201, kind);
      const key = await first.call("POST", "/api/v1/apiKeys", {
        body: { id: "ops-key", name: "Ops key", userId: "ops", roles: ["admin"] },
      });
      assert.equal(key.status, 201);
      adminKey = key.body.key as string;
      assert.equal(
        (await first.call("PATCH", "/api/v1/zones/bld", { body: { description: "Main" } })).status,
        200,
      );
      assert.equal((await first.call("DELETE", "/api/v1/zones/temporary")).status, 204);

      const device = await connectWithInbox(first.url, {
        clientId: "dev-client",
        protocolVersion: 5,
        username: "dev",
        password: TOKEN,
      });
      await device.client.publishAsync(
        "devices/dev/meta",
        JSON.stringify([{ name: "temperature", value: 19.25, timestamp: "2024-05-01T10:00:00.123456Z" }]),
        { qos: 1 },
      );
      await device.client.endAsync();

      for (const path of [
        "/api/v1/tenants/acme",
        "/api/v1/zones/bld",
        "/api/v1/zones/lvl",
        "/api/v1/schemas/temp",
        "/api/v1/devices/dev",
        "/api/v1/users/ops",
        "/api/v1/apiKeys/ops-key",
        "/api/v1/devices/dev/state",
      ]) {
        const answer = await first.call("GET", path);
        assert.equal(answer.status, 200, path);
        snapshot[path] = answer.body;
      }
      assert.equal(
        (snapshot["/api/v1/devices/dev/state"] as { state: { temperature: { value: number } } }).state
          .temperature.value,
        19.25,
      );
    } finally {
      await first.stop();
    }

    const second = await start();
    try {
      for (const [path, body] of Object.entries(snapshot)) {
        const answer = await second.call("GET", path);
        assert.equal(answer.status, 200, path);
        assert.deepEqual(answer.body, body, path);
      }
      assert.equal((await second.call("GET", "/api/v1/zones/temporary")).status, 404);
      // the registry's credentials still work: the admin key, and the device's token over MQTT
      assert.equal((await second.call("GET", "/api/v1/zones", { key: adminKey })).status, 200);
      const device = await connectWithInbox(second.url, {
        clientId: "dev-client",
        protocolVersion: 5,
        username: "dev",
        password: TOKEN,
      });
      assert.equal(device.connack.reasonCode ?? 0, 0);
      await device.client.endAsync();
    } finally {
      await second.stop();
    }
  });
});
