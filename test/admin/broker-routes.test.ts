/**
 * The clients, sessions and retained routes against real MQTT clients (MQTT.js over TCP): what they
 * list, what deleting does to the clients, and tenant scoping (a client of tenant `acme` logs in with
 * a registry device token).
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { IDisconnectPacket, MqttClient } from "mqtt";
import { connectWithInbox } from "../helpers/mqttjs.js";
import { type AdminBroker, startAdminBroker } from "./helpers/admin-broker.js";

const ACME_TOKEN = "acme-device-token-0123456789";

function disconnected(client: MqttClient): Promise<IDisconnectPacket | undefined> {
  return new Promise((resolve) => {
    let packet: IDisconnectPacket | undefined;
    client.once("disconnect", (p) => (packet = p));
    client.once("close", () => resolve(packet));
  });
}

/** Waits until `check` returns true (the broker sees a closed socket a moment after the client). */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`Timed out waiting for ${what}`);
}

function publish(client: MqttClient, topic: string, payload: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    client.publish(topic, payload, { qos: 1, retain: true }, (error) => (error ? reject(error) : resolve())),
  );
}

describe("admin API: clients, sessions and retained messages", () => {
  let broker: AdminBroker;
  const clients: MqttClient[] = [];
  before(async () => {
    broker = await startAdminBroker();
    assert.equal(
      (await broker.call("POST", "/api/v1/tenants", { body: { id: "acme", name: "Acme" } })).status,
      201,
    );
    const device = await broker.call("POST", "/api/v1/devices", {
      body: {
        id: "acme-dev",
        tenant: "acme",
        name: "Acme device",
        credentials: [{ kind: "token", token: ACME_TOKEN }],
      },
    });
    assert.equal(device.status, 201);
  });
  after(async () => {
    for (const client of clients) client.end(true);
    await broker.stop();
  });

  async function connect(clientId: string, options: Record<string, unknown> = {}) {
    const connected = await connectWithInbox(broker.url, {
      clientId,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      ...options,
    });
    clients.push(connected.client);
    return connected;
  }

  it("lists connected clients and their sessions, each tenant's as its clients see them", async () => {
    const plain = await connect("plain-1", { keepalive: 30 });
    await plain.client.subscribeAsync("sensors/#", { qos: 1 });
    const acme = await connect("acme/dev/1", { username: "acme-dev", password: ACME_TOKEN });
    await acme.client.subscribeAsync("$share/workers/jobs/+", { qos: 0 });

    const all = await broker.call("GET", "/api/v1/clients");
    assert.equal(all.status, 200);
    assert.equal(all.body.total, 2);
    const byId = new Map(all.body.items.map((c: { clientId: string }) => [c.clientId, c]));
    assert.deepEqual(
      { ...(byId.get("plain-1") as object), remoteAddress: undefined },
      {
        clientId: "plain-1",
        tenant: "default",
        principal: "anonymous",
        protocolVersion: 5,
        remoteAddress: undefined,
        listener: "tcp",
        keepAlive: 30,
        cleanStart: false,
        sessionExpiry: 300,
        subscriptions: 1,
        inflight: 0,
        queued: 0,
      },
    );
    assert.match((byId.get("plain-1") as { remoteAddress: string }).remoteAddress, /^127\.0\.0\.1:\d+$/);
    const acmeClient = byId.get("acme/dev/1") as Record<string, unknown>;
    assert.equal(acmeClient["tenant"], "acme");
    assert.equal(acmeClient["principal"], "acme-dev");
    assert.equal(acmeClient["username"], "acme-dev");

    const acmeOnly = await broker.call("GET", "/api/v1/clients", { key: broker.keys.acme });
    assert.deepEqual(
      acmeOnly.body.items.map((c: { clientId: string }) => c.clientId),
      ["acme/dev/1"],
    );
    const byTenant = await broker.call("GET", "/api/v1/clients?tenant=default&limit=1");
    assert.deepEqual(
      { ids: byTenant.body.items.map((c: { clientId: string }) => c.clientId), total: byTenant.body.total },
      { ids: ["plain-1"], total: 1 },
    );

    const sessions = await broker.call("GET", "/api/v1/sessions?tenant=acme");
    assert.deepEqual(sessions.body.items, [
      {
        clientId: "acme/dev/1",
        tenant: "acme",
        connected: true,
        protocolVersion: 5,
        expiryInterval: 300,
        subscriptions: [{ topicFilter: "$share/workers/jobs/+", qos: 0 }],
        inflight: 0,
        queued: 0,
      },
    ]);
    const plainSession = (await broker.call("GET", "/api/v1/sessions")).body.items.find(
      (s: { clientId: string }) => s.clientId === "plain-1",
    );
    assert.deepEqual(plainSession.subscriptions, [{ topicFilter: "sensors/#", qos: 1 }]);
  });

  it("disconnects a client with v5 reason 0x98 and keeps its session", async () => {
    const { client } = await connect("to-kick");
    const closed = disconnected(client);
    const wrongTenant = await broker.call("DELETE", "/api/v1/clients/to-kick", { key: broker.keys.acme });
    assert.equal(wrongTenant.status, 404);
    const answer = await broker.call("DELETE", "/api/v1/clients/to-kick");
    assert.equal(answer.status, 204);
    const packet = await closed;
    assert.equal(packet?.reasonCode, 0x98);
    await until(() => broker.broker.sessions.get("to-kick")?.connected === false, "the disconnection");
    const session = (await broker.call("GET", "/api/v1/sessions")).body.items.find(
      (s: { clientId: string }) => s.clientId === "to-kick",
    );
    assert.equal(session.connected, false);
    assert.equal(typeof session.disconnectedAt, "number");
    const again = await broker.call("DELETE", "/api/v1/clients/to-kick");
    assert.equal(again.status, 404);
    assert.deepEqual(again.body.error, {
      code: "NOT_FOUND",
      message: 'No connected client "to-kick" in tenant "default"',
    });
  });

  it("disconnects a tenant's client named by its URL-encoded id and tenant", async () => {
    const { client } = await connect("acme/kick me", { username: "acme-dev", password: ACME_TOKEN });
    const closed = disconnected(client);
    const path = `/api/v1/clients/${encodeURIComponent("acme/kick me")}?tenant=acme`;
    assert.equal((await broker.call("DELETE", path)).status, 204);
    assert.equal((await closed)?.reasonCode, 0x98);
  });

  it("deletes an offline session, and a connected one with its client", async () => {
    const offline = await connect("offline-1");
    await offline.client.subscribeAsync("x/#", { qos: 1 });
    await offline.client.endAsync();
    await until(() => broker.broker.sessions.get("offline-1")?.connected === false, "the disconnection");
    assert.equal((await broker.call("DELETE", "/api/v1/sessions/offline-1")).status, 204);
    assert.equal(broker.broker.sessions.get("offline-1"), undefined);
    assert.equal((await broker.call("DELETE", "/api/v1/sessions/offline-1")).status, 404);

    const online = await connect("online-1");
    await online.client.subscribeAsync("y/#", { qos: 1 });
    const closed = disconnected(online.client);
    assert.equal((await broker.call("DELETE", "/api/v1/sessions/online-1")).status, 204);
    assert.equal((await closed)?.reasonCode, 0x98);
    assert.equal(broker.broker.sessions.get("online-1"), undefined);
    // reconnecting finds no session
    const back = await connect("online-1");
    assert.equal(back.connack.sessionPresent, false);
  });

  it("lists retained messages by filter and tenant, and deletes one", async () => {
    const plain = await connect("publisher-1");
    await publish(plain.client, "sensors/t1", "21.5");
    await publish(plain.client, "sensors/raw", Buffer.from([0xff, 0x00, 0xfe]));
    await publish(plain.client, "other/t", "x");
    const acme = await connect("acme-publisher", { username: "acme-dev", password: ACME_TOKEN });
    await publish(acme.client, "sensors/t1", "acme's");

    const listed = await broker.call("GET", `/api/v1/retained?filter=${encodeURIComponent("sensors/#")}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.items.map((m: Record<string, unknown>) => [
        m["topic"],
        m["tenant"],
        m["payload"],
        m["encoding"],
        m["qos"],
      ]),
      [
        ["sensors/raw", "default", Buffer.from([0xff, 0x00, 0xfe]).toString("base64"), "base64", 1],
        ["sensors/t1", "default", "21.5", "utf8", 1],
      ],
    );
    const paged = await broker.call("GET", `/api/v1/retained?filter=%23&limit=1&offset=1`);
    assert.deepEqual(
      { topics: paged.body.items.map((m: { topic: string }) => m.topic), total: paged.body.total },
      { topics: ["sensors/raw"], total: 3 },
    );
    const forAcme = await broker.call("GET", "/api/v1/retained?filter=%23&tenant=acme");
    assert.deepEqual(
      forAcme.body.items.map((m: Record<string, unknown>) => [m["topic"], m["tenant"], m["payload"]]),
      [["sensors/t1", "acme", "acme's"]],
    );
    const acmeAdmin = await broker.call("GET", "/api/v1/retained?filter=%23", { key: broker.keys.acme });
    assert.deepEqual(
      acmeAdmin.body.items.map((m: { topic: string }) => m.topic),
      ["sensors/t1"],
    );

    const topic = encodeURIComponent("sensors/t1");
    assert.equal((await broker.call("DELETE", `/api/v1/retained?topic=${topic}`)).status, 204);
    assert.equal((await broker.call("DELETE", `/api/v1/retained?topic=${topic}`)).status, 404);
    // the other tenant's message on the same topic stays
    const still = await broker.call("GET", "/api/v1/retained?filter=%23&tenant=acme");
    assert.equal(still.body.total, 1);
    // a new subscriber gets no retained message on the deleted topic
    const late = await connect("late-1", { clean: true, properties: {} });
    await late.client.subscribeAsync("sensors/t1", { qos: 1 });
    await late.inbox.expectNothing(200);
  });

  it("renders the payloads of the page only, in topic order whatever the page", async () => {
    const publisher = await connect("paging-publisher");
    const topics = Array.from({ length: 12 }, (_, i) => `paging/${String(i).padStart(2, "0")}`);
    // published out of order: the listing sorts by topic
    for (const topic of [...topics].reverse()) await publish(publisher.client, topic, `value of ${topic}`);
    // every payload read is recorded: rendering a retained message (UTF-8 or base64) reads its payload
    const read: string[] = [];
    for (const topic of topics) {
      const message = broker.broker.retained.get(topic)!;
      let payload = message.payload;
      Object.defineProperty(message, "payload", {
        get: () => (read.push(topic), payload),
        set: (value: Uint8Array) => (payload = value),
        configurable: true,
      });
    }

    const answer = await broker.call(
      "GET",
      `/api/v1/retained?filter=${encodeURIComponent("paging/#")}&limit=3&offset=4`,
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(
      {
        ...answer.body,
        items: answer.body.items.map((m: Record<string, unknown>) => [m["topic"], m["payload"]]),
      },
      {
        items: topics.slice(4, 7).map((topic) => [topic, `value of ${topic}`]),
        total: 12,
        offset: 4,
        limit: 3,
      },
    );
    assert.deepEqual(read, topics.slice(4, 7), "only the page's payloads were read");

    read.length = 0;
    const beyond = await broker.call(
      "GET",
      `/api/v1/retained?filter=${encodeURIComponent("paging/#")}&offset=20`,
    );
    assert.deepEqual(beyond.body, { items: [], total: 12, offset: 20, limit: 100 });
    assert.deepEqual(read, []);
  });
});
