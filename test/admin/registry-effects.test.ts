/**
 * Registry changes made over the admin API take effect at once on MQTT clients (MQTT.js over TCP): a
 * disabled device, user or revoked key is disconnected (v5 DISCONNECT 0x98) and refused when it comes
 * back; a deleted device's credentials stop working. And a Gooee meta publish by a registry device is
 * readable as the device's current state over the API.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type IClientOptions, type IDisconnectPacket, type MqttClient } from "mqtt";
import { connectWithInbox } from "../helpers/mqttjs.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

const TOKEN = "device-token-0123456789abcdef";

function disconnected(client: MqttClient): Promise<IDisconnectPacket | undefined> {
  return new Promise((resolve) => {
    let packet: IDisconnectPacket | undefined;
    client.once("disconnect", (p) => (packet = p));
    client.once("close", () => resolve(packet));
  });
}

/** The reason code of the CONNACK the broker answers `options` with. */
function connackCode(url: string, options: IClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { reconnectPeriod: 0, protocolVersion: 5, connectTimeout: 3000, ...options });
    client.once("connect", (packet) => {
      client.end(true);
      resolve(packet.reasonCode ?? 0);
    });
    client.once("error", (error) => {
      client.end(true);
      const code = (error as { code?: unknown }).code;
      if (typeof code === "number") resolve(code);
      else reject(error);
    });
  });
}

describe("admin API: registry changes take effect at once", () => {
  let broker: AdminBroker;
  const clients: MqttClient[] = [];
  before(async () => {
    broker = await startAdminBroker();
    const tenant = await broker.call("POST", "/api/v1/tenants", {
      body: { id: "acme", name: "Acme", dialects: ["gooee"] },
    });
    assert.equal(tenant.status, 201);
  });
  after(async () => {
    for (const client of clients) client.end(true);
    await broker.stop();
  });

  async function login(options: IClientOptions) {
    const connected = await connectWithInbox(broker.url, { protocolVersion: 5, ...options });
    clients.push(connected.client);
    return connected;
  }

  it("disconnects a device when it is disabled, and refuses it until it is enabled again", async () => {
    const created = await broker.call("POST", "/api/v1/devices", {
      body: {
        id: "dev-off",
        tenant: "acme",
        name: "Off soon",
        credentials: [{ kind: "token", token: TOKEN }],
      },
    });
    assert.equal(created.status, 201);
    const { client } = await login({ clientId: "dev-off-client", username: "dev-off", password: TOKEN });
    const closed = disconnected(client);
    const disable = await broker.call("PATCH", "/api/v1/devices/dev-off", { body: { enabled: false } });
    assert.equal(disable.status, 200);
    const packet = await closed;
    assert.equal(packet?.reasonCode, 0x98);
    assert.equal(packet.properties?.reasonString, "Device disabled or its credentials changed");

    assert.equal(
      await connackCode(broker.url, { clientId: "dev-off-client", username: "dev-off", password: TOKEN }),
      0x87,
    );
    assert.equal(
      (await broker.call("PATCH", "/api/v1/devices/dev-off", { body: { enabled: true } })).status,
      200,
    );
    assert.equal(
      await connackCode(broker.url, { clientId: "dev-off-client", username: "dev-off", password: TOKEN }),
      0,
    );
  });

  it("generates a token for a token credential given without one, shows it once, and it logs in", async () => {
    const created = await broker.call("POST", "/api/v1/devices", {
      body: { id: "dev-gen", tenant: "acme", name: "Generated", credentials: [{ kind: "token" }] },
    });
    assert.equal(created.status, 201);
    const { tokens } = created.body as { tokens?: string[] };
    assert.equal(tokens?.length, 1);
    const token = tokens[0]!;
    assert.match(token, /^sbt_[A-Za-z0-9_-]{43}$/);
    const shown = await broker.call("GET", "/api/v1/devices/dev-gen");
    assert.ok(!JSON.stringify(shown.body).includes(token.slice(4)), "never shown again");
    assert.equal((shown.body as { tokens?: unknown }).tokens, undefined);
    assert.equal(
      await connackCode(broker.url, { clientId: "dev-gen-client", username: "dev-gen", password: token }),
      0,
    );

    // a new one replaces it: the old one stops working
    const renewed = await broker.call("PATCH", "/api/v1/devices/dev-gen", {
      body: { credentials: [{ kind: "token" }] },
    });
    assert.equal(renewed.status, 200);
    const next = (renewed.body as { tokens: string[] }).tokens[0]!;
    assert.notEqual(next, token);
    assert.equal(
      await connackCode(broker.url, { clientId: "dev-gen-client", username: "dev-gen", password: token }),
      0x86,
    );
    assert.equal(
      await connackCode(broker.url, { clientId: "dev-gen-client", username: "dev-gen", password: next }),
      0,
    );
  });

  it("disconnects a deleted device, whose credentials then stop working", async () => {
    const created = await broker.call("POST", "/api/v1/devices", {
      body: {
        id: "dev-gone",
        tenant: "acme",
        name: "Gone soon",
        credentials: [
          { kind: "password", username: "gone-login", password: "gone-password" },
          { kind: "token", token: `${TOKEN}-gone` },
        ],
      },
    });
    assert.equal(created.status, 201);
    const byPassword = await login({ clientId: "gone-1", username: "gone-login", password: "gone-password" });
    const byToken = await login({ clientId: "gone-2", username: "dev-gone", password: `${TOKEN}-gone` });
    const closed = [disconnected(byPassword.client), disconnected(byToken.client)];
    assert.equal((await broker.call("DELETE", "/api/v1/devices/dev-gone")).status, 204);
    for (const packet of await Promise.all(closed)) {
      assert.equal(packet?.reasonCode, 0x98);
      assert.equal(packet.properties?.reasonString, "Device deleted");
    }
    const password = await connackCode(broker.url, {
      clientId: "gone-1",
      username: "gone-login",
      password: "gone-password",
    });
    const token = await connackCode(broker.url, {
      clientId: "gone-2",
      username: "dev-gone",
      password: `${TOKEN}-gone`,
    });
    for (const code of [password, token]) assert.ok(code === 0x86 || code === 0x87, `refused, got ${code}`);
  });

  it("disconnects a user's clients when the user is disabled, and a key's when it is revoked", async () => {
    const user = await broker.call("POST", "/api/v1/users", {
      body: { id: "u-1", tenant: "acme", name: "Ursula", username: "ursula", password: "ursula-password" },
    });
    assert.equal(user.status, 201);
    const key = await broker.call("POST", "/api/v1/apiKeys", {
      body: { id: "k-1", tenant: "acme", name: "Key", roles: ["device"] },
    });
    assert.equal(key.status, 201);
    const asUser = await login({ clientId: "u-client", username: "ursula", password: "ursula-password" });
    const asKey = await login({ clientId: "k-client", username: "k-1", password: key.body.key as string });
    const userClosed = disconnected(asUser.client);
    const keyClosed = disconnected(asKey.client);

    assert.equal((await broker.call("PATCH", "/api/v1/users/u-1", { body: { enabled: false } })).status, 200);
    assert.equal((await userClosed)?.reasonCode, 0x98);
    assert.equal(
      (await broker.call("PATCH", "/api/v1/apiKeys/k-1", { body: { revoked: true } })).status,
      200,
    );
    assert.equal((await keyClosed)?.reasonCode, 0x98);
    assert.equal(
      await connackCode(broker.url, {
        clientId: "k-client",
        username: "k-1",
        password: key.body.key as string,
      }),
      0x86,
    );
  });

  it("keeps a Gooee meta publish as the device's current state, readable over the API", async () => {
    const schema = await broker.call("POST", "/api/v1/schemas", {
      body: {
        tenant: "acme",
        name: "temperature",
        schema: { type: "number", minimum: -50, maximum: 150 },
        unit: "C",
      },
    });
    assert.equal(schema.status, 201);
    const device = await broker.call("POST", "/api/v1/devices", {
      body: {
        id: "gooee-dev",
        tenant: "acme",
        name: "Gooee sensor",
        dialect: "gooee",
        credentials: [{ kind: "token", token: `${TOKEN}-gooee` }],
      },
    });
    assert.equal(device.status, 201);
    const { client } = await login({
      clientId: "gooee-client",
      username: "gooee-dev",
      password: `${TOKEN}-gooee`,
    });
    const meta = [
      { name: "temperature", value: 87.4, unit_of_measure: "C", timestamp: "2016-08-09T20:00:47.539000Z" },
      { name: "als", value: 87, unit_of_measure: "K", timestamp: "2016-08-09T20:00:47.539000Z" },
    ];
    const ack = await client.publishAsync("devices/gooee-dev/meta", JSON.stringify(meta), { qos: 1 });
    assert.equal((ack as { reasonCode?: number } | undefined)?.reasonCode ?? 0, 0);

    const state = await broker.call("GET", "/api/v1/devices/gooee-dev/state");
    assert.equal(state.status, 200);
    assert.equal(state.body.tenant, "acme");
    assert.deepEqual(Object.keys(state.body.state).sort(), ["als", "temperature"]);
    const temperature = state.body.state.temperature;
    assert.equal(temperature.sourceTime, "2016-08-09T20:00:47.539000Z");
    assert.equal(typeof temperature.time, "number");
    assert.equal(temperature.value, 87.4);
    assert.equal(state.body.state.als.value, 87);

    // another tenant's administrator does not see it
    const foreign = await broker.call("GET", "/api/v1/devices/gooee-dev/state", { key: broker.keys.viewer });
    assert.equal(foreign.status, 403);
  });
});
