/**
 * `$SYS` is the broker's, one for all tenants, and only administrators of the default tenant (the
 * broker's operators) may use it: subscribe (SUBACK
 * 0x87 / 0x80 otherwise), receive (checked at every delivery, so a session subscribed by an admin and
 * resumed by a non-admin gets nothing) and publish. With `tenants.loopbackSysAccess` (the default),
 * local default-tenant clients may also read it, as before tenants existed. Also: the security and
 * limit counters are published there.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { ConnectOptions } from "../helpers/raw-client.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import { drain, publishes, receive, sub, subscribe, waitFor } from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import { tenantAuthenticator } from "./tenant-authenticator.js";

const USERS = {
  "acme-admin": { tenant: "acme", roles: ["admin"] },
  "acme-user": { tenant: "acme", roles: ["operator"] },
  "root-admin": { roles: ["admin"] },
  "root-user": { roles: [] },
  "root-superuser": { roles: ["superuser"] },
};

describe("$SYS is for the broker's administrators only (tenants.loopbackSysAccess false)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({
      authenticators: [tenantAuthenticator(USERS)],
      config: { sys: { interval: 1 }, tenants: { loopbackSysAccess: false } },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  async function connect(username: string, options: ConnectOptions = {}): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, { protocolVersion: 5, username, ...options });
    clients.push(client);
    return client;
  }

  it("an admin of the default tenant subscribes to $SYS and receives it unmounted", async () => {
    const admin = await connect("root-admin");
    assert.deepEqual((await subscribe(admin, [sub("$SYS/broker/uptime", 0)])).reasonCodes, [0]);
    const got = await receive(admin, 3000);
    assert.equal(got.topic, "$SYS/broker/uptime");
    assert.match(text(got.payload), /seconds$/);
  });

  it("another tenant's admin may neither read $SYS (it counts every tenant) nor write it", async () => {
    const tenantAdmin = await connect("acme-admin");
    const suback = await subscribe(tenantAdmin, [sub("$SYS/#", 0), sub("$share/g/$SYS/#", 0)]);
    assert.deepEqual(suback.reasonCodes, [0x87, 0x87]);
    const watcher = await connect("root-admin");
    await subscribe(watcher, [sub("$SYS/broker/clients/connected", 0)]);
    await drain(watcher, 200);
    tenantAdmin.send({
      type: PacketType.PUBLISH,
      topic: "$SYS/broker/clients/connected",
      payload: bytes("9999"),
      qos: 1,
      packetId: 1,
      retain: true,
      dup: false,
    });
    const puback = await tenantAdmin.expect(PacketType.PUBACK);
    assert.equal(puback.reasonCode, 0x87);
    assert.ok(
      publishes(await drain(watcher, 1200)).every((p) => text(p.payload) !== "9999"),
      "no forged figure reaches the operator",
    );
  });

  for (const version of [5, 4] as const) {
    it(`a non-admin's $SYS subscription is refused (SUBACK ${version === 5 ? "0x87" : "0x80"}), shared ones too, and its "#" gets no $SYS`, async () => {
      for (const username of ["acme-user", "root-user"]) {
        const client = await connect(username, { protocolVersion: version });
        const suback = await subscribe(client, [sub("$SYS/#", 0), sub("$share/g/$SYS/#", 0), sub("#", 0)]);
        const failure = version === 5 ? 0x87 : 0x80;
        assert.deepEqual(suback.reasonCodes, [failure, failure, 0], username);
        assert.deepEqual(publishes(await drain(client, 1200)), [], "nothing from $SYS in a refresh interval");
      }
    });
  }

  it("the admin roles are configurable (tenants.adminRoles)", async () => {
    const other = await startTestBroker({
      authenticators: [tenantAuthenticator(USERS)],
      config: { sys: { interval: 1 }, tenants: { loopbackSysAccess: false, adminRoles: ["superuser"] } },
    });
    try {
      for (const [username, code] of [
        ["root-superuser", 0],
        ["root-admin", 0x87],
      ] as const) {
        const client = await RawClient.connected(other.port, { protocolVersion: 5, username });
        clients.push(client);
        assert.deepEqual((await subscribe(client, [sub("$SYS/#", 0)])).reasonCodes, [code], username);
      }
    } finally {
      await other.stop();
    }
  });

  it("receive is checked at delivery: a session subscribed to $SYS by an admin and resumed by a non-admin gets no $SYS message", async () => {
    const persistent = {
      clientId: "sys-resume",
      cleanStart: false,
      properties: { sessionExpiryInterval: 300 },
    };
    const admin = await connect("root-admin", persistent);
    await subscribe(admin, [sub("$SYS/broker/uptime", 0)]);
    await receive(admin, 3000);
    admin.send({ type: PacketType.DISCONNECT });
    await admin.waitClosed();
    const deniedBefore = broker.broker.metrics.denied.receive;
    const user = await RawClient.open(broker.port, 5);
    clients.push(user);
    const connack = await user.connect({ ...persistent, username: "root-user" });
    assert.equal(connack.sessionPresent, true, "the same tenant and client id resume the session");
    assert.deepEqual(publishes(await drain(user, 2500)), [], "no $SYS message reaches the non-admin");
    assert.ok(broker.broker.metrics.denied.receive > deniedBefore, "the denied deliveries are counted");
    user.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
  });

  it("only the broker's admins may publish to $SYS: a non-admin gets PUBACK 0x87 and nothing is delivered", async () => {
    const admin = await connect("root-admin");
    await subscribe(admin, [sub("$SYS/custom/#", 0)]);
    const user = await connect("root-user");
    user.send({
      type: PacketType.PUBLISH,
      topic: "$SYS/custom/spoof",
      payload: bytes("fake"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 5,
    });
    assert.equal((await user.expect(PacketType.PUBACK)).reasonCode, 0x87);
    const acmeUser = await connect("acme-user");
    acmeUser.send({
      type: PacketType.PUBLISH,
      topic: "$SYS/custom/spoof",
      payload: bytes("fake"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 6,
    });
    assert.equal((await acmeUser.expect(PacketType.PUBACK)).reasonCode, 0x87, "not mounted either: refused");
    assert.deepEqual(publishes(await drain(admin)), []);
    const adminPublisher = await connect("root-admin");
    adminPublisher.send({
      type: PacketType.PUBLISH,
      topic: "$SYS/custom/note",
      payload: bytes("ok"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 7,
    });
    assert.equal((await adminPublisher.expect(PacketType.PUBACK)).reasonCode ?? 0, 0, "an admin may");
    assert.equal((await receive(admin)).topic, "$SYS/custom/note");
  });

  it("the security and limit counters are published under $SYS/broker/security and $SYS/broker/limits", async () => {
    const user = await connect("root-user");
    await subscribe(user, [sub("$SYS/#", 0)]); // denied: counted
    const admin = await connect("root-admin");
    await subscribe(admin, [sub("$SYS/broker/security/#", 0), sub("$SYS/broker/limits/#", 0)]);
    const latest = new Map<string, string>();
    await waitFor(
      () => {
        for (const p of admin.received)
          if (p.type === PacketType.PUBLISH) latest.set(p.topic, text(p.payload));
        return Number(latest.get("$SYS/broker/security/denied/subscribe") ?? "0") >= 1;
      },
      "the denied subscription in $SYS",
      3000,
      async () => {
        await drain(admin, 100);
      },
    );
    for (const name of [
      "connections",
      "connection-rate",
      "message-rate",
      "byte-rate",
      "topic-levels",
      "subscriptions",
    ])
      assert.ok(latest.has(`$SYS/broker/limits/${name}`), `$SYS/broker/limits/${name} is published`);
  });
});

describe("$SYS with tenants.loopbackSysAccess turned on", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({
      authenticators: [tenantAuthenticator(USERS, { anonymous: true })],
      config: { sys: { interval: 1 }, tenants: { loopbackSysAccess: true } },
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  it("a local default-tenant client may read $SYS without an admin role", async () => {
    for (const username of [undefined, "root-user"]) {
      const client = await RawClient.connected(broker.port, {
        protocolVersion: 5,
        ...(username === undefined ? {} : { username }),
      });
      clients.push(client);
      assert.deepEqual((await subscribe(client, [sub("$SYS/broker/uptime", 0)])).reasonCodes, [0]);
      assert.equal((await receive(client, 3000)).topic, "$SYS/broker/uptime");
    }
  });

  it("a client of another tenant may not, even locally", async () => {
    const client = await RawClient.connected(broker.port, { protocolVersion: 5, username: "acme-user" });
    clients.push(client);
    assert.deepEqual((await subscribe(client, [sub("$SYS/#", 0)])).reasonCodes, [0x87]);
  });
});
