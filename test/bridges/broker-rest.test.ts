/**
 * Outbound brokers created over the admin API, against a real Mosquitto started by the test (with a
 * password file: the bridge must log in): what is published on Switchboard reaches the remote broker;
 * the status shows the connection; a PATCH of the topic template restarts the bridge, which resyncs the
 * current state under the new topics; an update without the password keeps the stored one (the bridge
 * still logs in); DELETE stops the bridge; a privacy rule set on the broker hashes an e-mail address
 * in what the remote receives (JSON and text payloads) and withholds a binary one; and brokers survive
 * a restart of Switchboard on SQLite, where the bridge reconnects without a resync.
 * @module
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { connect, type MqttClient } from "mqtt";
import { type AdminBroker, startAdminBroker } from "../admin/helpers/admin-broker.js";
import type { ConnectedClient } from "../helpers/mqttjs.js";
import { subscriber, waitFor } from "./helpers/bridge-harness.js";
import { Mosquitto, SKIP_WITHOUT_MOSQUITTO } from "./helpers/mosquitto.js";

const BRIDGE_USER = { username: "switchboard", password: "bridge-password-7" };
const WATCHER = { username: "watcher", password: "watcher-password-7" };
const SECRET = "the-broker-hash-secret-0123";
const FAST = { initialDelay: 50, maxDelay: 200 };

const hmac = (value: string): string => createHmac("sha256", SECRET).update(value).digest("hex");

describe("Outbound brokers over the admin API (real Mosquitto)", { skip: SKIP_WITHOUT_MOSQUITTO }, () => {
  let remote: Mosquitto;
  let dir: string;
  const open: { client: MqttClient }[] = [];

  before(async () => {
    remote = await Mosquitto.start({
      passwords: {
        [BRIDGE_USER.username]: BRIDGE_USER.password,
        [WATCHER.username]: WATCHER.password,
      },
    });
    dir = mkdtempSync(join(tmpdir(), "sb-broker-rest-"));
  });
  after(async () => {
    await remote.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const { client } of open.splice(0)) await client.endAsync(true);
  });

  async function watch(filter: string): Promise<ConnectedClient> {
    const s = await subscriber(remote.port, filter, WATCHER);
    open.push(s);
    return s;
  }

  async function publisher(api: AdminBroker): Promise<MqttClient> {
    const client = connect(api.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise((resolve, reject) => {
      client.once("connect", resolve);
      client.once("error", reject);
    });
    open.push({ client });
    return client;
  }

  async function status(api: AdminBroker, id: string) {
    const answer = await api.call("GET", `/api/v1/brokers/${id}/status`);
    assert.equal(answer.status, 200);
    return answer.body;
  }

  async function waitConnected(api: AdminBroker, id: string): Promise<void> {
    await waitFor(
      "the bridge to connect",
      () => api.switchboard.bridges.status(id)?.connected === true,
      10_000,
      () => api.switchboard.bridges.status(id),
    );
  }

  const brokerBody = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    host: "127.0.0.1",
    port: remote.port,
    auth: { kind: "user_password", ...BRIDGE_USER },
    filters: ["plant/#"],
    topicTemplate: `${id}/{tenant}/{topic}`,
    reconnect: FAST,
    ...extra,
  });

  it("delivers, shows its status, follows a PATCH of its template (resync) and stops on DELETE", async () => {
    const api = await startAdminBroker();
    try {
      const created = await api.call("POST", "/api/v1/brokers", { body: brokerBody("feed") });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.auth.password, "***");
      await waitConnected(api, "feed");
      const connected = await status(api, "feed");
      assert.equal(connected.connected, true);
      assert.equal(connected.state, "connected");
      assert.equal(typeof connected.lastConnectedAt, "number");

      const watcher = await watch("#");
      const pub = await publisher(api);
      await pub.publishAsync("plant/1/temp", "21.5", { qos: 1 });
      await pub.publishAsync("plant/state", "on", { qos: 1, retain: true });
      await pub.publishAsync("office/1", "not forwarded", { qos: 1 });
      const first = await watcher.inbox.next();
      assert.deepEqual([first.topic, first.payload], ["feed/default/plant/1/temp", "21.5"]);
      const second = await watcher.inbox.next();
      assert.deepEqual(
        [second.topic, second.payload, second.packet.retain],
        ["feed/default/plant/state", "on", true],
      );
      await waitFor("the published count", () => api.switchboard.bridges.status("feed")!.published >= 2);
      const counted = await status(api, "feed");
      assert.equal(counted.queueDepth, 0);
      assert.ok(counted.published >= 2);

      // a new template: the bridge restarts, resyncs the current state (the retained value) under it;
      // the update leaves the password out: the stored one is kept, so the bridge still logs in
      const patched = await api.call("PATCH", "/api/v1/brokers/feed", {
        body: {
          topicTemplate: "v2/{topic}",
          auth: { kind: "user_password", username: BRIDGE_USER.username },
        },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.status.resyncs, 1);
      const resynced = await watcher.inbox.next();
      assert.deepEqual([resynced.topic, resynced.payload], ["v2/plant/state", "on"]);
      await waitConnected(api, "feed");
      await pub.publishAsync("plant/1/temp", "22", { qos: 1 });
      const live = await watcher.inbox.next();
      assert.deepEqual([live.topic, live.payload], ["v2/plant/1/temp", "22"]);

      // on demand
      const resync = await api.call("POST", "/api/v1/brokers/feed/resync");
      assert.deepEqual(resync.body, { id: "feed", queued: 1 });
      const again = await watcher.inbox.next();
      assert.deepEqual([again.topic, again.payload], ["v2/plant/state", "on"]);

      // a wrong password: refused by the remote broker (0x86 Bad user name or password, or as Mosquitto
      // answers, 0x87 Not authorized), in the status
      await api.call("PATCH", "/api/v1/brokers/feed", {
        body: { auth: { kind: "user_password", username: BRIDGE_USER.username, password: "wrong-password" } },
      });
      await waitFor(
        "a refused login",
        () => /^MQTT_0x8[67]$/.test(api.switchboard.bridges.status("feed")!.lastError?.code ?? ""),
        10_000,
        () => api.switchboard.bridges.status("feed"),
      );
      assert.equal((await status(api, "feed")).connected, false);
      await api.call("PATCH", "/api/v1/brokers/feed", {
        body: { auth: { kind: "user_password", ...BRIDGE_USER } },
      });
      await waitConnected(api, "feed");

      assert.equal((await api.call("DELETE", "/api/v1/brokers/feed")).status, 204);
      assert.equal(api.switchboard.bridges.has("feed"), false);
      await pub.publishAsync("plant/1/temp", "after delete", { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(!watcher.inbox.all.some((m) => m.payload === "after delete"));
    } finally {
      await api.stop();
    }
  });

  it("hashes an e-mail address in what the remote receives, with the broker's privacy rules", async () => {
    const api = await startAdminBroker();
    try {
      const created = await api.call("POST", "/api/v1/brokers", {
        body: brokerBody("private", {
          secret: SECRET,
          privacy: {
            id: "pii",
            rules: [
              { id: "emails", match: { detector: "email" }, action: "hash" },
              { id: "codes", match: { key: "doorCode" }, action: "drop" },
            ],
          },
        }),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.ok(!JSON.stringify(created.body).includes(SECRET));
      await waitConnected(api, "private");
      const watcher = await watch("private/#");
      const pub = await publisher(api);
      await pub.publishAsync(
        "plant/booking",
        JSON.stringify({ room: "Boardroom", organizer: "ada@example.com" }),
        {
          qos: 1,
        },
      );
      await pub.publishAsync("plant/door", JSON.stringify({ doorCode: 1234 }), { qos: 1 });
      await pub.publishAsync("plant/note", "mail bob@example.org please", { qos: 1 });
      await pub.publishAsync("plant/blob", Buffer.from([0xff, 0x00, 0xfe]), { qos: 1 });
      await pub.publishAsync("plant/plain", JSON.stringify({ room: "Boardroom" }), { qos: 1 });

      const booking = await watcher.inbox.next();
      assert.equal(booking.topic, "private/default/plant/booking");
      assert.deepEqual(JSON.parse(booking.payload), {
        room: "Boardroom",
        organizer: hmac("ada@example.com"),
      });
      const note = await watcher.inbox.next();
      assert.deepEqual(
        [note.topic, note.payload],
        ["private/default/plant/note", `mail ${hmac("bob@example.org")} please`],
      );
      const plain = await watcher.inbox.next();
      assert.deepEqual([plain.topic, plain.payload], ["private/default/plant/plain", '{"room":"Boardroom"}']);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(
        watcher.inbox.all.map((m) => m.topic),
        ["private/default/plant/booking", "private/default/plant/note", "private/default/plant/plain"],
      );
      assert.ok(!watcher.inbox.all.some((m) => m.payload.includes("@example")));

      const counted = await status(api, "private");
      assert.equal(counted.filtered, 2); // the door code (dropped) and the binary payload (not checkable)
      assert.deepEqual(counted.privacy.events, {
        evaluated: 5,
        unchanged: 1,
        modified: 2,
        dropped: 1,
        failed: 1,
      });
      assert.deepEqual(counted.privacy.actions.hash, { fired: 2, values: 2 });
      assert.deepEqual(
        counted.privacy.rules.map((r: { rule: string; action: string; values: number }) => [
          r.rule,
          r.action,
          r.values,
        ]),
        [
          ["emails", "hash", 2],
          ["codes", "drop", 1],
        ],
      );
    } finally {
      await api.stop();
    }
  });

  it("keeps its brokers across a restart on SQLite: the bridge reconnects and delivers, without a resync", async () => {
    const start = () =>
      startAdminBroker({ config: { storage: { kind: "sqlite", path: dir, durability: "strict" } } });
    const first = await start();
    try {
      const created = await first.call("POST", "/api/v1/brokers", {
        body: brokerBody("durable", {
          secret: SECRET,
          privacy: { rules: [{ match: { detector: "email" }, action: "hash" }] },
        }),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await waitConnected(first, "durable");
      assert.equal(first.switchboard.bridges.status("durable")!.resyncs, 1);
    } finally {
      await first.stop();
    }

    const second = await start();
    try {
      const shown = await second.call("GET", "/api/v1/brokers/durable");
      assert.equal(shown.status, 200);
      assert.equal(shown.body.auth.password, "***");
      assert.equal(second.switchboard.registry.get("brokers", "durable")!.auth?.kind, "user_password");
      await waitConnected(second, "durable");
      const restarted = await status(second, "durable");
      assert.equal(restarted.connected, true);
      assert.equal(restarted.resyncs, 0); // the same configuration: nothing to resync
      const watcher = await watch("durable/#");
      const pub = await publisher(second);
      await pub.publishAsync("plant/after", JSON.stringify({ by: "ada@example.com" }), { qos: 1 });
      const delivered = await watcher.inbox.next();
      assert.equal(delivered.topic, "durable/default/plant/after");
      // the stored secret and rules still apply
      assert.deepEqual(JSON.parse(delivered.payload), { by: hmac("ada@example.com") });
    } finally {
      await second.stop();
    }
  });
  it("resyncs a PlaceOS tenant's module state and metadata to a broker added for it", async () => {
    const api = await startAdminBroker({ config: { dialects: { placeos: { tenants: ["acme"] } } } });
    try {
      const ok = async (path: string, body: unknown, method = "POST"): Promise<void> => {
        const answer = await api.call(method, path, { body });
        assert.ok(answer.status < 300, `${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      };
      await ok("/api/v1/tenants", { id: "acme", name: "Acme" });
      await ok("/api/v1/zones", { tenant: "acme", id: "org-1", name: "Acme", type: "region", tags: ["org"] });
      await ok("/api/v1/zones", {
        tenant: "acme",
        id: "bld-1",
        name: "HQ",
        type: "building",
        parentId: "org-1",
      });
      await ok("/api/v1/systems", { tenant: "acme", id: "sys-1", name: "Room", zoneIds: ["bld-1"] });
      await ok("/api/v1/drivers", { tenant: "acme", id: "drv-1", name: "Display" });
      await ok("/api/v1/modules", {
        tenant: "acme",
        id: "mod-1",
        name: "Display",
        driverId: "drv-1",
        systemId: "sys-1",
      });
      await ok("/api/v1/modules/mod-1/state/power", true, "PUT");

      const watcher = await watch("placeos/#");
      // added after the state was set: everything it is to carry comes from the resync
      await ok("/api/v1/brokers", {
        ...brokerBody("pos", { filters: ["placeos/#"], topicTemplate: "{topic}" }),
        tenant: "acme",
      });
      const state = "placeos/org-1/state/bld-1/_/_/sys-1/drv-1/Display/1/power";
      const expected = ["org-1", "bld-1", "sys-1", "drv-1"].map((id) => `placeos/org-1/metadata/${id}`);
      const received = new Map<string, string>();
      await waitFor(
        "the resync",
        () => {
          for (const m of watcher.inbox.all) received.set(m.topic, m.payload);
          return [state, ...expected].every((topic) => received.has(topic));
        },
        10_000,
        () => [...received.keys()],
      );
      assert.equal(JSON.parse(received.get(state)!).value, true);
      assert.equal(JSON.parse(received.get("placeos/org-1/metadata/sys-1")!).name, "Room");
    } finally {
      await api.stop();
    }
  });
});
