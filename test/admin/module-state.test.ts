/**
 * `PUT /api/v1/modules/<id>/state/<key>` end to end: a zone hierarchy, a system, a driver and modules
 * created over REST, state set over REST, and a real MQTT.js wildcard subscriber of the tenant receiving
 * the PlaceOS state topic (docs/dialects/placeos.md); the value is readable back as current state.
 * The body's JSON text is what is published, answered and read back, as it was sent.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MqttClient } from "mqtt";
import { connectWithInbox, type Inbox } from "../helpers/mqttjs.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

const STATE = "placeos/org-acme/state";

describe("admin API: module state (PUT /api/v1/modules/:id/state/:key)", () => {
  let broker: AdminBroker;
  let client: MqttClient;
  let inbox: Inbox;

  before(async () => {
    broker = await startAdminBroker({ config: { dialects: { placeos: { tenants: ["acme"] } } } });
    const create = async (kind: string, body: Record<string, unknown>) => {
      const answer = await broker.call("POST", `/api/v1/${kind}`, { body });
      assert.equal(answer.status, 201, `${kind}: ${JSON.stringify(answer.body)}`);
    };
    await create("tenants", { id: "acme", name: "Acme" });
    await create("zones", { id: "org-acme", tenant: "acme", name: "Acme", type: "region", tags: ["org"] });
    await create("zones", {
      id: "bld-1",
      tenant: "acme",
      name: "HQ",
      type: "building",
      parentId: "org-acme",
    });
    await create("zones", { id: "lvl-2", tenant: "acme", name: "L2", type: "level", parentId: "bld-1" });
    await create("systems", { id: "sys-room", tenant: "acme", name: "Room", zoneIds: ["lvl-2"] });
    await create("drivers", { id: "drv-display", tenant: "acme", name: "Display driver" });
    await create("modules", {
      id: "mod-a",
      tenant: "acme",
      name: "Display",
      driverId: "drv-display",
      systemId: "sys-room",
    });
    await create("modules", {
      id: "mod-b",
      tenant: "acme",
      name: "Display",
      driverId: "drv-display",
      systemId: "sys-room",
    });
    await create("users", {
      id: "viewer-1",
      tenant: "acme",
      name: "Viewer",
      username: "acme-viewer",
      password: "a-long-password",
    });
    ({ client, inbox } = await connectWithInbox(`mqtt://127.0.0.1:${broker.port}`, {
      protocolVersion: 5,
      username: "acme-viewer",
      password: "a-long-password",
    }));
    await client.subscribeAsync(`${STATE}/#`, { qos: 1 });
  });
  after(async () => {
    await client.endAsync();
    await broker.stop();
  });

  it("publishes the value, retained, on the module's state topic and keeps it as current state", async () => {
    const put = await broker.call("PUT", "/api/v1/modules/mod-b/state/power", { body: true });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.id, "mod-b");
    assert.equal(put.body.tenant, "acme");
    assert.equal(put.body.value, true);

    const message = await inbox.next();
    // no area: `_`; mod-b is the second Display of the system: index 2
    assert.equal(message.topic, `${STATE}/bld-1/lvl-2/_/sys-room/drv-display/Display/2/power`);
    assert.deepEqual(JSON.parse(message.payload), { time: put.body.time, value: true });

    const state = await broker.call("GET", "/api/v1/modules/mod-b/state");
    assert.equal(state.status, 200);
    assert.equal(state.body.state.power.value, true);
  });

  it("takes any JSON value, and escapes a key that could change the topic's shape", async () => {
    const value = { input: "HDMI 1", levels: [1, 2] };
    const put = await broker.call("PUT", `/api/v1/modules/mod-a/state/${encodeURIComponent("in/put#1")}`, {
      body: value,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const message = await inbox.next();
    assert.equal(message.topic, `${STATE}/bld-1/lvl-2/_/sys-room/drv-display/Display/1/in%2Fput%231`);
    assert.deepEqual(JSON.parse(message.payload).value, value);
  });

  it("publishes, records and answers the body's JSON as it was sent, not parsed and serialized again", async () => {
    const raw: Record<string, string> = {
      big: "12345678901234567890",
      decimal: "1.0",
      exponent: "1e2",
      repeated: '{"a":1,"a":2}',
    };
    const at = `${STATE}/bld-1/lvl-2/_/sys-room/drv-display/Display/1`;
    for (const [key, text] of Object.entries(raw)) {
      const put = await broker.call("PUT", `/api/v1/modules/mod-a/state/${key}`, { body: text });
      assert.equal(put.status, 200, put.text);
      assert.equal(
        put.text,
        `{"id":"mod-a","tenant":"acme","key":"${key}","value":${text},"time":${put.body.time}}`,
      );
      const message = await inbox.next();
      assert.equal(message.topic, `${at}/${key}`);
      assert.equal(message.payload, `{"time":${put.body.time},"value":${text}}`);
    }
    const state = await broker.call("GET", "/api/v1/modules/mod-a/state");
    assert.equal(state.status, 200);
    assert.match(state.headers.get("content-type") ?? "", /^application\/json/);
    for (const [key, text] of Object.entries(raw))
      assert.ok(
        state.text.includes(`"${key}":{"value":${text},"time":${state.body.state[key].time}}`),
        `${key} as sent: ${state.text}`,
      );
  });

  it("refuses a number JSON cannot hold (400), as the other inputs do", async () => {
    const infinite = await broker.call("PUT", "/api/v1/modules/mod-a/state/power", { body: "[1e400]" });
    assert.equal(infinite.status, 400);
    assert.match(infinite.body.error.message, /too large/);
    await inbox.expectNothing(100);
  });

  it("refuses an unknown module (404), no value (400) and non-administrators (403)", async () => {
    const unknown = await broker.call("PUT", "/api/v1/modules/mod-zzz/state/power", { body: 1 });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "NOT_FOUND");
    const empty = await broker.call("PUT", "/api/v1/modules/mod-a/state/power", {
      body: "",
      headers: { "content-type": "application/json" },
    });
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /value/);
    const viewer = await broker.call("PUT", "/api/v1/modules/mod-a/state/power", {
      body: 1,
      key: broker.keys.viewer,
    });
    assert.equal(viewer.status, 403);
    await inbox.expectNothing(100);
  });
});
