/**
 * PlaceOS's MQTT API for users (`/api/mqtt`, seed 001): MQTT over WebSocket where the user name and
 * password are a user's JWT or X-API-Key. Over real WebSocket connections (MQTT.js) to a broker built
 * by `startSwitchboard`, with the world made through the admin REST API: tenant `acme` with two orgs
 * (A and B), a system and a module in each, and tenant `initech` without the dialect.
 * @module
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { generateApiKey, hashPassword } from "../../src/auth/index.js";
import { type AdminBroker, JWT_ISSUER, JWT_SECRET, startAdminBroker } from "../admin/helpers/admin-broker.js";
import { connectWithInbox, type Inbox, type ReceivedMessage } from "../helpers/mqttjs.js";
import { TestClient } from "./helpers/test-client.js";

const ORG_A = "org-a";
const ORG_B = "org-b";
const STATE_A = `placeos/${ORG_A}/state/bld-a/_/_/sys-a/drv/Display/1/power`;
const STATE_B = `placeos/${ORG_B}/state/bld-b/_/_/sys-b/drv/Display/1/power`;

/** A user's token: tenant claim `org`, the PlaceOS org in `org_zone`, roles and scopes as given. */
async function userToken(
  claims: {
    readonly zone?: string;
    readonly roles?: readonly string[];
    readonly scope?: string;
    readonly tenant?: string;
  },
  expiresIn = 300,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    org: claims.tenant ?? "acme",
    roles: claims.roles ?? [],
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    ...(claims.zone === undefined ? {} : { org_zone: claims.zone }),
  })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(JWT_ISSUER)
    .setSubject("user-1")
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

/** The next message `inbox` receives that `matches` (skipping others); fails after 3 s. */
async function nextMatching(
  inbox: Inbox,
  matches: (m: ReceivedMessage) => boolean,
): Promise<ReceivedMessage> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const message = await inbox.next(Math.max(1, deadline - Date.now()));
    if (matches(message)) return message;
  }
}

describe("the PlaceOS MQTT API (/api/mqtt)", () => {
  let broker: AdminBroker;
  let apiUrl: string;
  /** An X-API-Key of the registry: a key of user `ua`, whose org is A. */
  let registryKey: string;
  /** A configured API key of org A with the support role and `mqtt:write`. */
  const supportKey = generateApiKey("support-a");
  const passwordUser = { username: "plain", password: "a-long-password" };
  const clients: TestClient[] = [];

  const connect = async (token: string, path = "/api/mqtt", version: 4 | 5 = 5): Promise<TestClient> => {
    const client = await TestClient.connect(`ws://127.0.0.1:${broker.wsPort}${path}`, {
      username: token,
      password: token,
      version,
    });
    clients.push(client);
    return client;
  };

  /** The CONNACK reason code of a refused connection (fails when it is accepted). */
  const refusal = async (options: { username?: string; password?: string }): Promise<number> => {
    try {
      const { client } = await connectWithInbox(apiUrl, { ...options, protocolVersion: 5 });
      client.end(true);
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
    assert.fail("the connection was accepted");
  };

  const ok = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    // `call` sends a string as it is: a JSON string value is sent as JSON text
    const sent = typeof body === "string" ? JSON.stringify(body) : body;
    const answer = await broker.call(method, path, sent === undefined ? {} : { body: sent });
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  before(async () => {
    broker = await startAdminBroker({
      config: {
        dialects: { placeos: { tenants: ["acme"] } },
        auth: {
          backoff: { initialDelay: 0 },
          users: [
            {
              username: passwordUser.username,
              password: await hashPassword(passwordUser.password, { n: 1024, r: 8, p: 1 }),
              tenant: "acme",
            },
          ],
          jwt: {
            providers: [
              {
                name: "idp",
                issuer: JWT_ISSUER,
                secret: JWT_SECRET,
                claims: { tenant: "org", roles: "roles", org: "org_zone" },
              },
            ],
          },
        },
      },
    });
    apiUrl = `ws://127.0.0.1:${broker.wsPort}/api/mqtt`;
    // a configured API key (auth.apiKeys) of org A with the support role and mqtt:write
    broker.switchboard.apiKeys!.add({
      id: "support-a",
      hash: supportKey.hash,
      tenant: "acme",
      roles: ["support"],
      scopes: ["mqtt:write"],
      org: ORG_A,
    });
    await ok("POST", "/api/v1/tenants", { id: "acme", name: "Acme" });
    await ok("POST", "/api/v1/tenants", { id: "initech", name: "Initech" });
    for (const [org, building] of [
      [ORG_A, "bld-a"],
      [ORG_B, "bld-b"],
    ] as const) {
      await ok("POST", "/api/v1/zones", {
        tenant: "acme",
        id: org,
        name: org,
        type: "region",
        tags: ["org"],
      });
      await ok("POST", "/api/v1/zones", {
        tenant: "acme",
        id: building,
        name: building,
        type: "building",
        parentId: org,
      });
    }
    await ok("POST", "/api/v1/drivers", { tenant: "acme", id: "drv", name: "Display driver" });
    for (const [system, building, module] of [
      ["sys-a", "bld-a", "mod-a"],
      ["sys-b", "bld-b", "mod-b"],
    ] as const) {
      await ok("POST", "/api/v1/systems", { tenant: "acme", id: system, name: system, zoneIds: [building] });
      await ok("POST", "/api/v1/modules", {
        tenant: "acme",
        id: module,
        name: "Display",
        driverId: "drv",
        systemId: system,
      });
      await ok("PUT", `/api/v1/modules/${module}/state/power`, true);
    }
    await ok("POST", "/api/v1/users", {
      tenant: "acme",
      id: "ua",
      name: "User A",
      username: "ua",
      org: ORG_A,
    });
    const created = await ok("POST", "/api/v1/apiKeys", { tenant: "acme", name: "ua's key", userId: "ua" });
    registryKey = String(created["key"]);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await broker.stop();
  });

  for (const [kind, credential] of [
    ["a JWT", () => userToken({ zone: ORG_A })],
    ["an X-API-Key", () => Promise.resolve(registryKey)],
  ] as const)
    it(`lets ${kind} user of org A read org A's tree only, and not publish`, async () => {
      const user = await connect(await credential());
      assert.deepEqual(await user.subscribe(`placeos/${ORG_A}/state/#`), { kind: "granted", codes: [1] });
      assert.deepEqual(await user.subscribe(`placeos/${ORG_A}/metadata/+`), { kind: "granted", codes: [1] });
      const retained = await nextMatching(user.inbox, (m) => m.topic === STATE_A);
      assert.equal(retained.packet.retain, true);
      assert.ok("value" in JSON.parse(retained.payload));
      // Another org, any org, everything: refused without ending the connection
      for (const filter of [
        `placeos/${ORG_B}/state/#`,
        `placeos/${ORG_B}/metadata/${ORG_B}`,
        "placeos/+/state/#",
        "placeos/#",
        "#",
        STATE_B,
      ])
        assert.deepEqual(await user.subscribe(filter), { kind: "granted", codes: [0x87] }, filter);
      // Nothing of org B arrives, org A's changes do
      await ok("PUT", "/api/v1/modules/mod-b/state/power", "b-changed");
      await ok("PUT", "/api/v1/modules/mod-a/state/power", `a-changed-by-${kind}`);
      const change = await nextMatching(user.inbox, (m) => m.topic === STATE_A && !m.packet.retain);
      assert.equal(JSON.parse(change.payload).value, `a-changed-by-${kind}`);
      assert.equal(user.inbox.all.filter((m) => m.topic.startsWith(`placeos/${ORG_B}/`)).length, 0);
      // Regular users cannot publish, not even module state of their own org
      const answer = await user.publish("placeos/ingest/mod-a/state/power", "false");
      assert.deepEqual(
        { kind: answer.kind, code: answer.kind === "acked" ? answer.reasonCode : undefined },
        { kind: "acked", code: 0x87 },
      );
      assert.ok(user.connected);
    });

  it("lets a support user with mqtt:write publish module state of its org only", async () => {
    const watcher = await connect(await userToken({ zone: ORG_A }));
    await watcher.subscribe(`placeos/${ORG_A}/state/#`);
    await nextMatching(watcher.inbox, (m) => m.topic === STATE_A);
    for (const token of [
      await userToken({ zone: ORG_A, roles: ["support"], scope: "mqtt:write" }),
      supportKey.key,
    ]) {
      const support = await connect(token);
      const value = `from-${token.length}`;
      const answer = await support.publish("placeos/ingest/mod-a/state/power", JSON.stringify(value));
      assert.deepEqual(answer.kind === "acked" && answer.reasonCode, 0);
      const seen = await nextMatching(
        watcher.inbox,
        (m) => m.topic === STATE_A && JSON.parse(m.payload).value === value,
      );
      assert.ok(seen);
      // a value the state store could not write back: refused where it comes in
      const deep = await support.publish(
        "placeos/ingest/mod-a/state/power",
        `${"[".repeat(300)}${"]".repeat(300)}`,
      );
      assert.equal(deep.kind === "acked" && deep.reasonCode, 0x99);
      assert.match((deep.kind === "acked" && deep.reasonString) || "", /nested deeper than 256 levels/);
      const infinite = await support.publish("placeos/ingest/mod-a/state/power", "1e400");
      assert.equal(infinite.kind === "acked" && infinite.reasonCode, 0x99);
      assert.match(
        (infinite.kind === "acked" && infinite.reasonString) || "",
        /has a number too large for JSON/,
      );
      const other = await support.publish("placeos/ingest/mod-b/state/power", '"x"');
      assert.equal(other.kind === "acked" && other.reasonCode, 0x87);
      assert.match((other.kind === "acked" && other.reasonString) || "", /not in your org/);
      // Outside the table: refused as well
      const outside = await support.publish(`placeos/${ORG_A}/state/anything`, "1");
      assert.equal(outside.kind === "acked" && outside.reasonCode, 0x87);
    }
  });

  it("refuses publishing to a support user without the scope, and to a scoped user without the role", async () => {
    for (const token of [
      await userToken({ zone: ORG_A, roles: ["support"] }),
      await userToken({ zone: ORG_A, scope: "mqtt:write" }),
    ]) {
      const user = await connect(token);
      const answer = await user.publish("placeos/ingest/mod-a/state/power", "1");
      assert.equal(answer.kind === "acked" && answer.reasonCode, 0x87);
    }
  });

  it("serves /api/mqtt/ and MQTT 3.1.1 clients too", async () => {
    const user = await connect(await userToken({ zone: ORG_B }), "/api/mqtt/", 4);
    assert.deepEqual(await user.subscribe(`placeos/${ORG_B}/state/#`), { kind: "granted", codes: [1] });
    assert.deepEqual(await user.subscribe(`placeos/${ORG_A}/state/#`), { kind: "granted", codes: [0x80] });
  });

  it("refuses logins that are not a valid token of a PlaceOS tenant with an org", async () => {
    // No credentials, a password user, a token of another issuer's shape, an expired token
    assert.equal(await refusal({}), 0x86);
    assert.equal(await refusal(passwordUser), 0x86);
    assert.equal(await refusal({ username: "not-a-token", password: "not-a-token" }), 0x86);
    const expired = await userToken({ zone: ORG_A }, -60);
    assert.equal(await refusal({ username: expired, password: expired }), 0x86);
    // A revoked key
    const revocable = generateApiKey("temp-a");
    broker.switchboard.apiKeys?.add({
      id: "temp-a",
      hash: revocable.hash,
      tenant: "acme",
      roles: [],
      org: ORG_A,
    });
    const user = await connect(revocable.key);
    broker.switchboard.apiKeys?.revoke("temp-a");
    const ending = await user.expectEnded();
    assert.equal(ending.disconnect?.reasonCode, 0x98);
    assert.equal(await refusal({ username: revocable.key, password: revocable.key }), 0x86);
    // Tenant acme has two orgs: a token that names none, or names a zone that is not an org
    const noOrg = await userToken({});
    assert.equal(await refusal({ username: noOrg, password: noOrg }), 0x87);
    const notOrg = await userToken({ zone: "bld-a" });
    assert.equal(await refusal({ username: notOrg, password: notOrg }), 0x87);
    // A tenant without the PlaceOS dialect
    const initech = await userToken({ tenant: "initech", zone: ORG_A });
    assert.equal(await refusal({ username: initech, password: initech }), 0x87);
  });

  it("disconnects a key's clients when its user moves to another org, which then limits it", async () => {
    const user = await connect(registryKey);
    await ok("PATCH", "/api/v1/users/ua", { org: ORG_B });
    const ending = await user.expectEnded();
    assert.equal(ending.disconnect?.reasonCode, 0x98);
    const moved = await connect(registryKey);
    assert.deepEqual(await moved.subscribe(`placeos/${ORG_A}/state/#`), { kind: "granted", codes: [0x87] });
    assert.deepEqual(await moved.subscribe(`placeos/${ORG_B}/state/#`), { kind: "granted", codes: [1] });
    await ok("PATCH", "/api/v1/users/ua", { org: ORG_A });
  });

  it("never lets an API user take over or inherit another client's session", async () => {
    const { client: service } = await connectWithInbox(broker.url, {
      protocolVersion: 5,
      clientId: "backend-1",
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      ...passwordUser,
    });
    await service.subscribeAsync("placeos/+/state/#", { qos: 1 });
    const token = await userToken({ zone: ORG_A });
    const attempt = { username: token, password: token, clientId: "backend-1", clean: false };
    assert.equal(await refusal(attempt), 0x85);
    assert.ok(service.connected, "the service keeps its connection");
    await service.endAsync();
    assert.equal(await refusal(attempt), 0x85, "nor its stored session");
    // its own session it resumes, and only in its own org
    const own = { username: token, password: token, clientId: "user-a-1", clean: false };
    const first = await connectWithInbox(apiUrl, {
      ...own,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 300 },
    });
    await first.client.endAsync();
    const again = await connectWithInbox(apiUrl, {
      ...own,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 300 },
    });
    assert.equal(again.connack.sessionPresent, true);
    await again.client.endAsync();
  });

  it("is no broker administrator, and has nothing once its tenant loses the dialect", async () => {
    const admin = await connect(await userToken({ zone: ORG_A, roles: ["admin"] }));
    assert.deepEqual(await admin.subscribe("$SYS/broker/uptime"), { kind: "granted", codes: [0x87] });
    await ok("POST", "/api/v1/tenants", { id: "globex", name: "Globex", dialects: ["placeos"] });
    await ok("POST", "/api/v1/zones", {
      tenant: "globex",
      id: "org-g",
      name: "G",
      type: "region",
      tags: ["org"],
    });
    const user = await connect(await userToken({ tenant: "globex" }));
    assert.deepEqual(await user.subscribe("placeos/org-g/state/#"), { kind: "granted", codes: [1] });
    await ok("PATCH", "/api/v1/tenants/globex", { dialects: [] });
    for (const filter of ["#", "placeos/org-g/state/#"])
      assert.deepEqual(await user.subscribe(filter), { kind: "granted", codes: [0x87] }, filter);
    const published = await user.publish("anything", "1");
    assert.equal(published.kind === "acked" && published.reasonCode, 0x87);
  });

  it("ends a connection when its token expires (0xA0), as on any listener", async () => {
    const user = await connect(await userToken({ zone: ORG_A }, 2));
    assert.ok(user.connected);
    const ending = await user.expectEnded(5000);
    assert.equal(ending.disconnect?.reasonCode, 0xa0);
  });

  it("limits a token that names an org on the plain MQTT path too", async () => {
    const user = await connect(await userToken({ zone: ORG_A }), "/mqtt");
    assert.deepEqual(await user.subscribe(`placeos/${ORG_B}/state/#`), { kind: "granted", codes: [0x87] });
    assert.deepEqual(await user.subscribe(`placeos/${ORG_A}/state/#`), { kind: "granted", codes: [1] });
  });
});
