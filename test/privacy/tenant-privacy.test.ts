/**
 * Tenant and role privacy settings end to end (docs/privacy.md): set on the tenant entity with
 * `PATCH /api/v1/tenants/<id>`, applied by the broker to deliveries to MQTT.js clients over real
 * sockets (live, queued for an offline persistent session, retained on subscribe), counted over REST
 * and `$SYS`. Clients log in with configured API keys of tenant `acme` (roles `staff` or `guest`) and
 * of tenant `globex`.
 */

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { IClientOptions, MqttClient } from "mqtt";
import { generateApiKey } from "../../src/auth/index.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { connectWithInbox, type ConnectedClient } from "../helpers/mqttjs.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const HASH_KEY = "acme-tenant-hash-key-0001";
const hmac = (text: string, key = HASH_KEY): string => createHmac("sha256", key).update(text).digest("hex");

const PRIVACY = {
  hashKey: HASH_KEY,
  ruleSets: [
    {
      id: "pii",
      rules: [
        { id: "emails", match: { detector: "email" }, action: "hash" },
        { id: "secrets", match: { key: "password" }, action: "drop" },
      ],
    },
  ],
  roles: [
    {
      role: "guest",
      ruleSets: [
        {
          id: "guest",
          rules: [
            { id: "names", match: { key: "name" }, action: "mask", mask: "[hidden]", preserveLength: false },
            { id: "vip", match: { key: "vip" }, action: "drop" },
          ],
        },
      ],
    },
  ],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of the admin API
type Json = any;

describe("tenant privacy: rule sets of the tenant and of subscriber roles", () => {
  const keys = {
    root: generateApiKey("root"),
    acmeAdmin: generateApiKey("acme-admin"),
    staff: generateApiKey("acme-staff"),
    guest: generateApiKey("acme-guest"),
    globex: generateApiKey("globex-user"),
  };
  let broker: TestBroker;
  const clients: MqttClient[] = [];

  const call = async (method: string, path: string, request?: unknown, key = keys.root.key) => {
    const response = await fetch(`http://127.0.0.1:${broker.wsPort}${path}`, {
      method,
      headers: {
        "x-api-key": key,
        ...(request === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(request === undefined ? {} : { body: JSON.stringify(request) }),
    });
    const text = await response.text();
    const body: Json = text === "" ? undefined : JSON.parse(text);
    return { status: response.status, body };
  };

  const login = async (
    who: keyof typeof keys,
    clientId: string,
    options: IClientOptions = {},
  ): Promise<ConnectedClient> => {
    const connected = await connectWithInbox(broker.url, {
      clientId,
      username: keys[who].key.split("_")[1]!,
      password: keys[who].key,
      protocolVersion: 5,
      ...options,
    });
    clients.push(connected.client);
    return connected;
  };

  const subscribe = (client: MqttClient, filter: string, qos: 0 | 1 = 1) =>
    new Promise<void>((resolve, reject) =>
      client.subscribe(filter, { qos }, (error) => (error ? reject(error) : resolve())),
    );
  const publish = (client: MqttClient, topic: string, payload: string | Buffer, retain = false) =>
    new Promise<void>((resolve, reject) =>
      client.publish(topic, payload, { qos: 1, retain }, (error) => (error ? reject(error) : resolve())),
    );
  const end = (client: MqttClient) => new Promise<void>((resolve) => client.end(false, {}, () => resolve()));

  before(async () => {
    broker = await startTestBroker({
      config: {
        sys: { interval: 1 },
        auth: {
          backoff: { initialDelay: 0 },
          apiKeys: [
            { id: "root", hash: keys.root.hash, roles: ["admin"] },
            { id: "acme-admin", hash: keys.acmeAdmin.hash, tenant: "acme", roles: ["admin"] },
            { id: "acme-staff", hash: keys.staff.hash, tenant: "acme", roles: ["staff"] },
            { id: "acme-guest", hash: keys.guest.hash, tenant: "acme", roles: ["guest"] },
            { id: "globex-user", hash: keys.globex.hash, tenant: "globex", roles: [] },
          ],
        },
      },
    });
    for (const id of ["acme", "globex"])
      assert.equal((await call("POST", "/api/v1/tenants", { id, name: id })).status, 201);
    const patched = await call("PATCH", "/api/v1/tenants/acme", { privacy: PRIVACY });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  });

  after(async () => {
    for (const client of clients) client.end(true);
    await broker.stop();
  });

  it("never shows the hash key or rule set keys", async () => {
    const shown = await call("GET", "/api/v1/tenants/acme");
    assert.equal(shown.status, 200);
    assert.equal(shown.body.privacy.hashKey, "***");
    assert.deepEqual(shown.body.privacy.ruleSets, PRIVACY.ruleSets);
    assert.ok(!JSON.stringify(shown.body).includes(HASH_KEY));
    const listed = await call("GET", "/api/v1/tenants");
    assert.ok(!JSON.stringify(listed.body).includes(HASH_KEY));
  });

  it("gives a subscriber the tenant's output and a subscriber of a role the role's on top", async () => {
    const staff = await login("staff", "staff-1");
    const guest = await login("guest", "guest-1");
    await subscribe(staff.client, "room/#");
    await subscribe(guest.client, "room/#");
    const publisher = await login("staff", "publisher-1");
    await publish(
      publisher.client,
      "room/1",
      JSON.stringify({ name: "Ada", email: "ada@example.com", n: 1 }),
    );
    const toStaff = await staff.inbox.next();
    const toGuest = await guest.inbox.next();
    assert.equal(toStaff.topic, "room/1");
    assert.deepEqual(JSON.parse(toStaff.payload), { name: "Ada", email: hmac("ada@example.com"), n: 1 });
    assert.deepEqual(JSON.parse(toGuest.payload), { name: "[hidden]", email: hmac("ada@example.com"), n: 1 });
    // a plain-text payload: the rules search the text, the output stays text
    await publish(publisher.client, "room/2", "write to bob@example.com");
    assert.equal((await staff.inbox.next()).payload, `write to ${hmac("bob@example.com")}`);
    assert.equal((await guest.inbox.next()).payload, `write to ${hmac("bob@example.com")}`);
    // a drop rule of a role withholds the event from that role only
    await publish(publisher.client, "room/3", JSON.stringify({ vip: true, note: "x" }));
    assert.deepEqual(JSON.parse((await staff.inbox.next()).payload), { vip: true, note: "x" });
    // a drop rule of the tenant withholds it from everyone; so does a binary payload (fail closed)
    await publish(publisher.client, "room/4", JSON.stringify({ password: "hunter2" }));
    await publish(publisher.client, "room/5", Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    // an empty payload passes
    await publish(publisher.client, "room/6", "");
    assert.equal((await staff.inbox.next()).topic, "room/6");
    assert.equal((await guest.inbox.next()).topic, "room/6");
    await staff.inbox.expectNothing();
    await guest.inbox.expectNothing();
    await Promise.all([end(staff.client), end(guest.client), end(publisher.client)]);
  });

  it("leaves a tenant without privacy settings unaffected", async () => {
    const subscriber = await login("globex", "globex-sub");
    await subscribe(subscriber.client, "room/#");
    const publisher = await login("globex", "globex-pub");
    const payload = JSON.stringify({ name: "Ada", email: "ada@example.com", password: "x" });
    await publish(publisher.client, "room/1", payload);
    assert.equal((await subscriber.inbox.next()).payload, payload);
    await Promise.all([end(subscriber.client), end(publisher.client)]);
  });

  it("applies the rules to what an offline persistent session gets when it comes back", async () => {
    const options = { clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await login("guest", "guest-persistent", options);
    await subscribe(first.client, "desk/#");
    await end(first.client);
    const publisher = await login("staff", "publisher-2");
    await publish(publisher.client, "desk/1", JSON.stringify({ name: "Bob", email: "bob@example.com" }));
    await publish(publisher.client, "desk/2", JSON.stringify({ vip: 1 }));
    await publish(publisher.client, "desk/3", JSON.stringify({ name: "Eve" }));
    const back = await login("guest", "guest-persistent", options);
    assert.equal(back.connack.sessionPresent, true);
    const [one, three] = await back.inbox.take(2);
    assert.equal(one!.topic, "desk/1");
    assert.deepEqual(JSON.parse(one!.payload), { name: "[hidden]", email: hmac("bob@example.com") });
    assert.equal(three!.topic, "desk/3");
    assert.deepEqual(JSON.parse(three!.payload), { name: "[hidden]" });
    await back.inbox.expectNothing();
    await Promise.all([end(back.client), end(publisher.client)]);
  });

  it("applies the rules to retained messages sent on subscribe", async () => {
    const publisher = await login("staff", "publisher-3");
    await publish(
      publisher.client,
      "status/1",
      JSON.stringify({ name: "Cy", email: "cy@example.com" }),
      true,
    );
    const guest = await login("guest", "guest-retained");
    await subscribe(guest.client, "status/#");
    const retained = await guest.inbox.next();
    assert.equal(retained.packet.retain, true);
    assert.deepEqual(JSON.parse(retained.payload), { name: "[hidden]", email: hmac("cy@example.com") });
    const staff = await login("staff", "staff-retained");
    await subscribe(staff.client, "status/#");
    assert.deepEqual(JSON.parse((await staff.inbox.next()).payload), {
      name: "Cy",
      email: hmac("cy@example.com"),
    });
    await Promise.all([end(guest.client), end(staff.client), end(publisher.client)]);
  });

  it("counts what the rules did, over REST and $SYS", async () => {
    const answer = await call("GET", "/api/v1/tenants/acme/privacy/counters");
    assert.equal(answer.status, 200);
    assert.equal(answer.body.attached, true);
    const { events, actions, rules } = answer.body.counters;
    assert.ok(events.modified >= 4, JSON.stringify(events));
    assert.ok(events.dropped >= 3, JSON.stringify(events)); // password (2 plans), vip (guest, twice)
    assert.ok(events.failed >= 1, JSON.stringify(events)); // the binary payload
    assert.ok(actions.hash.values >= 4);
    assert.ok(rules.some((r: Json) => r.ruleSet === "guest" && r.rule === "names" && r.action === "mask"));
    const outcomes = ["unchanged", "modified", "dropped", "failed"].map((o) => events[o] as number);
    assert.equal(
      events.evaluated,
      outcomes.reduce((a, b) => a + b, 0),
    );
    const globex = await call("GET", "/api/v1/tenants/globex/privacy/counters");
    assert.equal(globex.body.attached, false);
    assert.equal(globex.body.counters.events.evaluated, 0);

    const all = await call("GET", "/api/v1/privacy/counters");
    assert.deepEqual(
      all.body.tenants.map((t: Json) => t.tenant),
      ["acme"],
    );
    const scoped = await call("GET", "/api/v1/privacy/counters", undefined, keys.acmeAdmin.key);
    assert.deepEqual(
      scoped.body.tenants.map((t: Json) => t.tenant),
      ["acme"],
    );
    assert.equal(
      (await call("GET", "/api/v1/tenants/globex/privacy/counters", undefined, keys.acmeAdmin.key)).status,
      404,
    );

    // $SYS (published every sys.interval = 1 s, retained): an administrator of the default tenant
    const admin = await login("root", "sys-reader");
    await subscribe(admin.client, "$SYS/broker/privacy/tenants/acme/events/failed", 0);
    // the retained value may be from before the binary payload: the next publication follows it
    let failed = await admin.inbox.next(3000);
    if (Number(failed.payload) === 0) failed = await admin.inbox.next(3000);
    assert.equal(failed.payload, String(events.failed));
    await end(admin.client);
  });

  it("refuses invalid settings with every problem and its path", async () => {
    const bad = await call("PATCH", "/api/v1/tenants/globex", {
      privacy: {
        ruleSets: [{ rules: [{ match: { detector: "email" }, action: "redact" }] }],
        roles: [{ role: "guest", ruleSets: [{ rules: [{ match: { regex: "(" }, action: "mask" }] }] }],
      },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /"privacy\.ruleSets\[0\]\.rules\[0\]\.action"/);
    assert.match(bad.body.error.message, /"privacy\.roles\[0\]\.ruleSets\[0\]\.rules\[0\]\.match\.regex"/);
    const keyless = await call("PATCH", "/api/v1/tenants/globex", {
      privacy: { ruleSets: [{ rules: [{ match: { detector: "email" }, action: "hash" }] }] },
    });
    assert.equal(keyless.status, 400);
    assert.match(keyless.body.error.message, /privacy\.ruleSets\[0\]/);
    assert.match(keyless.body.error.message, /hashes without a key/);
    const short = await call("PATCH", "/api/v1/tenants/globex", { privacy: { hashKey: "short" } });
    assert.equal(short.status, 400);
    assert.match(short.body.error.message, /privacy\.hashKey/);
    assert.equal((await call("GET", "/api/v1/tenants/globex")).body.privacy, undefined);
  });

  it("keeps the stored hash key for `***`, and the preview uses the tenant's key", async () => {
    const shown = (await call("GET", "/api/v1/tenants/acme")).body.privacy;
    const kept = await call("PATCH", "/api/v1/tenants/acme", { privacy: shown });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    const preview = await call(
      "POST",
      "/api/v1/privacy/preview",
      {
        ruleSet: { rules: [{ match: { detector: "email" }, action: "hash" }] },
        sample: { to: "ada@example.com" },
      },
      keys.acmeAdmin.key,
    );
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body.output, { to: hmac("ada@example.com") });
    const asRoot = await call("POST", "/api/v1/privacy/preview", {
      tenant: "acme",
      ruleSet: { rules: [{ match: { detector: "email" }, action: "hash" }] },
      sample: "ada@example.com",
    });
    assert.equal(asRoot.body.output, hmac("ada@example.com"));
    // without a key anywhere the preview refuses the keyless hash rule
    const keyless = await call("POST", "/api/v1/privacy/preview", {
      tenant: "globex",
      ruleSet: { rules: [{ match: { detector: "email" }, action: "hash" }] },
      sample: "ada@example.com",
    });
    assert.equal(keyless.status, 400);
  });

  it("resends an unacknowledged message as first shown, whatever the rules say by then [MQTT-3.3.1-1]", async () => {
    const persistent = {
      clientId: "guest-dup",
      cleanStart: false,
      username: keys.guest.key.split("_")[1]!,
      password: bytes(keys.guest.key),
      properties: { sessionExpiryInterval: 300 },
    };
    const first = await RawClient.connected(broker.port, { ...persistent, cleanStart: true });
    first.send({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        { topicFilter: "dup/#", qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    });
    await first.expect(PacketType.SUBACK);
    const publisher = await login("staff", "publisher-dup");
    await new Promise<void>((resolve, reject) =>
      publisher.client.publish("dup/1", JSON.stringify({ name: "Bob" }), { qos: 2 }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    const sent = await first.expect(PacketType.PUBLISH);
    assert.deepEqual(JSON.parse(text(sent.payload)), { name: "[hidden]" });
    first.destroy(); // no PUBREC: the QoS 2 delivery stays in flight

    // the guests' rules now drop every event with a name: a fresh delivery would not be sent at all
    const stricter = structuredClone(PRIVACY);
    stricter.roles[0]!.ruleSets[0]!.rules[0] = {
      id: "names",
      match: { key: "name" },
      action: "drop",
    };
    assert.equal((await call("PATCH", "/api/v1/tenants/acme", { privacy: stricter })).status, 200);
    try {
      const back = await RawClient.open(broker.port);
      const connack = await back.connect(persistent);
      assert.equal(connack.sessionPresent, true);
      const resent = await back.expect(PacketType.PUBLISH);
      assert.equal(resent.dup, true);
      assert.equal(resent.packetId, sent.packetId, "the same packet identifier [MQTT-4.4.0-1]");
      assert.deepEqual(resent.payload, sent.payload, "the payload the client was first sent");
      back.send({ type: PacketType.PUBREC, packetId: resent.packetId! });
      await back.expect(PacketType.PUBREL);
      back.send({ type: PacketType.PUBCOMP, packetId: resent.packetId! });
      back.destroy();
    } finally {
      assert.equal((await call("PATCH", "/api/v1/tenants/acme", { privacy: PRIVACY })).status, 200);
      await end(publisher.client);
    }
  });

  it("stops applying the rules once the settings are removed", async () => {
    assert.equal((await call("PATCH", "/api/v1/tenants/acme", { privacy: null })).status, 200);
    assert.equal(broker.broker.privacy, undefined);
    const subscriber = await login("guest", "guest-after");
    await subscribe(subscriber.client, "late/#");
    const publisher = await login("staff", "publisher-4");
    const payload = JSON.stringify({ name: "Ada", email: "ada@example.com" });
    await publish(publisher.client, "late/1", payload);
    assert.equal((await subscriber.inbox.next()).payload, payload);
    await Promise.all([end(subscriber.client), end(publisher.client)]);
  });
});
