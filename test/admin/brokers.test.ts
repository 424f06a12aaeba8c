/**
 * Outbound brokers over the admin API, without a remote broker (each bridge points at a port where
 * nothing listens, so it keeps trying and its status says why): a create starts a bridge with the
 * broker's configuration; secrets (password, private key, privacy keys, `secret`) are kept in the
 * registry and never answered; an update keeps the stored secrets it leaves out (or sends as `***`);
 * bad input is a 400 naming the field, or a 403, 404, 409 or 422; a tenant administrator acts on its
 * own tenant's brokers only; updates, resyncs and deletes reach the running bridge; each bridge's
 * status is on `$SYS`. The delivery to a real remote broker is in test/bridges/broker-rest.test.ts.
 */

import assert from "node:assert/strict";
import { type AddressInfo, createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { freePort } from "../bridges/helpers/bridge-harness.js";
import { type AdminBroker, adminToken, startAdminBroker } from "./helpers/admin-broker.js";

const PASSWORD = "bridge-password-1";
const SET_KEY = "the-privacy-set-key-0123";
const RULE_KEY = "the-privacy-rule-key-0123";
const FAST = { initialDelay: 50, maxDelay: 200 };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(20);
  }
}

describe("admin API: outbound brokers (no remote broker)", () => {
  let api: AdminBroker;
  let port: number;

  before(async () => {
    api = await startAdminBroker({ config: { sys: { interval: 1 } } });
    port = await freePort();
    for (const id of ["acme", "globex"])
      assert.equal((await api.call("POST", "/api/v1/tenants", { body: { id, name: id } })).status, 201);
  });
  after(async () => {
    await api.stop();
  });

  const stored = (id: string) => api.switchboard.registry.get("brokers", id)!;
  const bridges = () => api.switchboard.bridges;

  /** The secrets of a stored broker that must never appear in an answer. */
  function assertNoSecrets(id: string, answer: unknown): void {
    const text = JSON.stringify(answer);
    const broker = stored(id);
    const secrets = [broker.secret, PASSWORD, SET_KEY, RULE_KEY];
    if (broker.auth?.kind === "user_password") secrets.push(broker.auth.password);
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} shown in ${text}`);
    assert.ok(!text.includes('"secret"'), `"secret" shown in ${text}`);
  }

  it("creates a broker: its bridge starts with its configuration, its secrets are never shown", async () => {
    const created = await api.call("POST", "/api/v1/brokers", {
      body: {
        id: "cloud",
        host: "127.0.0.1",
        port,
        auth: { kind: "user_password", username: "sb", password: PASSWORD },
        filters: ["plant/#"],
        topicTemplate: "site/{tenant}/{topic}",
        privacy: {
          id: "pii",
          key: SET_KEY,
          rules: [{ id: "emails", match: { detector: "email" }, action: "hash", key: RULE_KEY }],
        },
        reconnect: FAST,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const body = created.body;
    assert.equal(body.id, "cloud");
    assert.equal(body.tenant, "default");
    assert.equal(body.name, "cloud");
    assert.deepEqual(body.tenants, ["default"]);
    assert.deepEqual(body.auth, { kind: "user_password", username: "sb", password: "***" });
    assert.equal(body.privacy.key, "***");
    assert.equal(body.privacy.rules[0].key, "***");
    assert.equal(body.port, port);
    assert.equal(body.tls, undefined); // as given: absent fields are at their defaults
    assert.equal(body.status.id, "cloud");
    assert.ok(["connecting", "waiting"].includes(body.status.state), body.status.state);
    assert.deepEqual(body.status.privacy.events, {
      evaluated: 0,
      unchanged: 0,
      modified: 0,
      dropped: 0,
      failed: 0,
    });
    assertNoSecrets("cloud", body);

    // the registry keeps the secrets (the bridge needs them) and a generated privacy secret
    const broker = stored("cloud");
    assert.deepEqual(broker.auth, { kind: "user_password", username: "sb", password: PASSWORD });
    assert.match(broker.secret, /^[A-Za-z0-9_-]{43}$/);
    // the running bridge has the configuration, completed with the defaults
    const config = bridges().config("cloud")!;
    assert.equal(config.port, port);
    assert.equal(config.topicTemplate, "site/{tenant}/{topic}");
    assert.deepEqual(config.tenants, ["default"]);
    assert.equal(config.qos, 1);

    const status = await api.call("GET", "/api/v1/brokers/cloud/status");
    assert.equal(status.status, 200);
    assert.equal(status.body.connected, false);
    await waitFor("a refused connection in the status", async () => {
      const answer = await api.call("GET", "/api/v1/brokers/cloud/status");
      return answer.body.lastError?.code === "ECONNREFUSED";
    });
    for (const path of ["/api/v1/brokers/cloud", "/api/v1/brokers", "/api/v1/brokers/cloud/status"]) {
      const answer = await api.call("GET", path);
      assert.equal(answer.status, 200, path);
      assertNoSecrets("cloud", answer.body);
    }
    const list = await api.call("GET", "/api/v1/brokers?host=127.0.0.1");
    assert.deepEqual(
      list.body.items.map((b: { id: string }) => b.id),
      ["cloud"],
    );
    assert.equal(list.body.items[0].status.lastError.code, "ECONNREFUSED");
  });

  it("keeps the stored secrets an update leaves out or sends as ***, and can replace them", async () => {
    const patch = async (body: unknown) => {
      const answer = await api.call("PATCH", "/api/v1/brokers/cloud", { body });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assertNoSecrets("cloud", answer.body);
      return answer.body;
    };
    await patch({ auth: { kind: "user_password", username: "sb2" } });
    assert.deepEqual(stored("cloud").auth, { kind: "user_password", username: "sb2", password: PASSWORD });
    await patch({ auth: { kind: "user_password", username: "sb3", password: "***" } });
    assert.deepEqual(stored("cloud").auth, { kind: "user_password", username: "sb3", password: PASSWORD });
    assert.equal(bridges().status("cloud")!.state === "stopped", false);

    // the privacy rule set as GET shows it, sent back with a rule added: the keys stay
    const shown = (await api.call("GET", "/api/v1/brokers/cloud")).body.privacy;
    shown.rules.push({ id: "phones", match: { detector: "phone" }, action: "mask", keepLast: 2 });
    const updated = await patch({ privacy: shown });
    assert.equal(updated.privacy.rules.length, 2);
    const privacy = stored("cloud").privacy as { key: string; rules: { key?: string }[] };
    assert.equal(privacy.key, SET_KEY);
    assert.equal(privacy.rules[0]!.key, RULE_KEY);

    const secret = stored("cloud").secret;
    await patch({ secret: null });
    assert.notEqual(stored("cloud").secret, secret);
    assert.match(stored("cloud").secret, /^[A-Za-z0-9_-]{43}$/);

    await patch({ auth: { kind: "user_password", username: "sb", password: "a-new-password" } });
    assert.deepEqual(stored("cloud").auth, {
      kind: "user_password",
      username: "sb",
      password: "a-new-password",
    });
    await patch({ auth: { kind: "user_password", username: "sb", password: PASSWORD } });

    // *** stands for a stored secret only: of another kind there is none
    const refused = await api.call("PATCH", "/api/v1/brokers/cloud", {
      body: {
        tls: true,
        auth: { kind: "certificate", certificate: "-----BEGIN CERTIFICATE-----", privateKey: "***" },
      },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /"auth\.privateKey" is "\*\*\*" but no privateKey/);
  });

  it("refuses to keep a stored secret when an update moves the broker to another endpoint (SECRET_REQUIRED)", async () => {
    // a listener of the test's: whatever the bridge sends to the new endpoint arrives here
    const received: string[] = [];
    const server = createServer((socket) => {
      socket.on("data", (chunk: Buffer) => received.push(chunk.toString("latin1")));
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const newPort = (server.address() as AddressInfo).port;
    try {
      const auth = { kind: "user_password", username: "sb", password: PASSWORD };
      const created = await api.call("POST", "/api/v1/brokers", {
        body: { id: "moved", host: "127.0.0.1", port, auth, reconnect: FAST },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const refusals: [unknown, RegExp][] = [
        [{ port: newPort }, /"auth\.password": "port" changed/],
        [{ host: "localhost", port: newPort, auth: { ...auth, password: "***" } }, /"host", "port" changed/],
        [
          { auth: { kind: "user_password", username: "other" }, tls: true, insecureSkipVerify: true },
          /"tls", "insecureSkipVerify" changed/,
        ],
        [{ servername: "broker.example.com" }, /"servername" changed/],
      ];
      for (const [body, message] of refusals) {
        const refused = await api.call("PATCH", "/api/v1/brokers/moved", { body });
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.equal(refused.body.error.code, "SECRET_REQUIRED");
        assert.match(refused.body.error.message, message);
        assert.match(refused.body.error.message, /give "auth\.password" again/);
      }
      assert.equal(stored("moved").port, port); // nothing changed
      // the same endpoint after defaults: no change, the stored password is kept
      const same = await api.call("PATCH", "/api/v1/brokers/moved", {
        body: { tls: false, servername: null },
      });
      assert.equal(same.status, 200, JSON.stringify(same.body));
      await delay(300);
      assert.deepEqual(received, []); // the password never left for the new endpoint
      // given again, the secret goes to the new endpoint: that was the administrator's choice
      const moved = await api.call("PATCH", "/api/v1/brokers/moved", { body: { port: newPort, auth } });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      await waitFor("the bridge's CONNECT at the new endpoint", () => received.join("").includes(PASSWORD));
    } finally {
      await api.call("DELETE", "/api/v1/brokers/moved");
      server.close();
    }
  });

  it("refuses bad input: 400 naming the field, 404, 409, 422", async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ["POST", "/api/v1/brokers", { id: "x" }, 400, /missing field "host"/],
      ["POST", "/api/v1/brokers", { host: "h", colour: "red" }, 400, /unknown field "colour"/],
      ["POST", "/api/v1/brokers", { host: "h", qos: 3 }, 400, /"qos" must be one of 0, 1, 2/],
      ["POST", "/api/v1/brokers", { host: "h", port: "1883" }, 400, /"port" must be integer/],
      ["POST", "/api/v1/brokers", { host: "a b" }, 400, /"host" "a b" must not contain white space/],
      ["POST", "/api/v1/brokers", { id: "-x", host: "h" }, 400, /"id" "-x" must be 1 to 128 letters/],
      ["POST", "/api/v1/brokers", { host: "h", auth: { kind: "oauth" } }, 400, /"auth\.kind" must be one of/],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", filters: ["a/#/b"] },
        400,
        /"filters\[0\]" is not a valid topic filter/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", filters: ["$SYS/#"] },
        400,
        /"filters\[0\]" must not select \$SYS/,
      ],
      ["POST", "/api/v1/brokers", { host: "h", topicTemplate: "x/{tenant}" }, 400, /"topicTemplate"/],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", auth: { kind: "user_password", username: "u" } },
        400,
        /"auth\.password" is required/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        {
          host: "h",
          auth: {
            kind: "certificate",
            certificate: "-----BEGIN CERTIFICATE-----x",
            privateKey: "-----BEGIN PRIVATE KEY-----x",
          },
        },
        400,
        /"auth\.kind" "certificate" needs "tls": true/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", tls: true, ca: "-----BEGIN CERTIFICATE-----\nnot base64\n" },
        400,
        /"ca" is not a readable PEM certificate/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", reconnect: { initialDelay: 500, maxDelay: 100 } },
        400,
        /"reconnect\.maxDelay" must be >=/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", secret: "short" },
        400,
        /"secret" must NOT have fewer than 16 characters/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", privacy: { rules: [{ match: { detector: "email" }, action: "redact" }] } },
        400,
        /"privacy\.rules\[0\]\.action" must be one of/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", privacy: { rules: [{ match: { regex: "(" }, action: "drop" }] } },
        400,
        /"privacy\.rules\[0\]\.match\.regex" is not a valid regular expression/,
      ],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", tenants: [] },
        400,
        /"tenants" must NOT have fewer than 1 items/,
      ],
      ["POST", "/api/v1/brokers", { host: "h", tenants: ["nowhere"] }, 422, /"tenants": no tenant "nowhere"/],
      [
        "POST",
        "/api/v1/brokers",
        { host: "h", tenant: "acme", tenants: ["acme", "globex"] },
        422,
        /a broker of tenant "acme" forwards only its own tenant's messages, not "globex"'s/,
      ],
      ["POST", "/api/v1/brokers", { id: "cloud", host: "h" }, 409, /broker "cloud" already exists/],
      ["PATCH", "/api/v1/brokers/cloud", { qos: "1" }, 400, /"qos" must be/],
      ["PATCH", "/api/v1/brokers/cloud", { host: null }, 400, /"host" must be string/],
      ["PATCH", "/api/v1/brokers/cloud", { topicTemplate: "{topic}/{colour}" }, 400, /"topicTemplate"/],
      ["PATCH", "/api/v1/brokers/cloud", { tenant: "acme" }, 400, /unknown field "tenant"/],
      ["PATCH", "/api/v1/brokers/nothing", { qos: 0 }, 404, /No broker "nothing"/],
      ["GET", "/api/v1/brokers/nothing", undefined, 404, /No broker "nothing"/],
      ["GET", "/api/v1/brokers/nothing/status", undefined, 404, /No broker "nothing"/],
      ["POST", "/api/v1/brokers/nothing/resync", undefined, 404, /No broker "nothing"/],
      ["DELETE", "/api/v1/brokers/nothing", undefined, 404, /No broker "nothing"/],
      ["GET", "/api/v1/brokers/a:b", undefined, 400, /Invalid path: "id" "a:b"/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const answer = await api.call(method, path, body === undefined ? {} : { body });
      const label = `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`;
      assert.equal(answer.status, status, label);
      assert.match(answer.body.error.message, message, label);
      assert.equal(typeof answer.body.error.code, "string");
    }
    // nothing refused was created
    assert.deepEqual(
      bridges()
        .list()
        .map((s) => s.id),
      ["cloud"],
    );
    assert.equal(api.switchboard.registry.count("brokers"), 1);
  });

  it("limits a tenant administrator to its own tenant's brokers", async () => {
    const acme = { key: api.keys.acme };
    const other = await api.call("POST", "/api/v1/brokers", {
      ...acme,
      body: { host: "h", tenants: ["globex"] },
    });
    assert.equal(other.status, 403);
    assert.match(other.body.error.message, /cannot act on tenant "globex"/);
    const own = await api.call("POST", "/api/v1/brokers", {
      ...acme,
      body: { id: "acme-cloud", host: "127.0.0.1", port, reconnect: FAST },
    });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.equal(own.body.tenant, "acme");
    assert.deepEqual(own.body.tenants, ["acme"]);
    assert.deepEqual(bridges().config("acme-cloud")!.tenants, ["acme"]);
    // the default tenant's broker does not exist for acme
    for (const [method, path] of [
      ["GET", "/api/v1/brokers/cloud"],
      ["GET", "/api/v1/brokers/cloud/status"],
      ["POST", "/api/v1/brokers/cloud/resync"],
      ["PATCH", "/api/v1/brokers/cloud"],
      ["DELETE", "/api/v1/brokers/cloud"],
    ] as const) {
      const answer = await api.call(method, path, {
        ...acme,
        ...(method === "PATCH" ? { body: { qos: 0 } } : {}),
      });
      assert.equal(answer.status, 404, `${method} ${path}`);
    }
    const list = await api.call("GET", "/api/v1/brokers", acme);
    assert.deepEqual(
      list.body.items.map((b: { id: string }) => b.id),
      ["acme-cloud"],
    );
    // a JWT of acme's administrators likewise
    const token = await adminToken({ org: "acme", roles: ["admin"] });
    const viaJwt = await api.call("GET", "/api/v1/brokers", {
      key: null,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(
      viaJwt.body.items.map((b: { id: string }) => b.id),
      ["acme-cloud"],
    );
    const patched = await api.call("PATCH", "/api/v1/brokers/acme-cloud", {
      ...acme,
      body: { tenants: ["default"] },
    });
    assert.equal(patched.status, 403);
    assert.equal((await api.call("DELETE", "/api/v1/brokers/acme-cloud", acme)).status, 204);
    assert.equal(bridges().has("acme-cloud"), false);

    // a broker of the default tenant may forward several tenants; they cannot be deleted meanwhile
    const multi = await api.call("POST", "/api/v1/brokers", {
      body: { id: "multi", host: "127.0.0.1", port, tenants: ["acme", "globex"], reconnect: FAST },
    });
    assert.equal(multi.status, 201);
    assert.deepEqual(bridges().config("multi")!.tenants, ["acme", "globex"]);
    const deleted = await api.call("DELETE", "/api/v1/tenants/globex");
    assert.equal(deleted.status, 409);
    assert.match(deleted.body.error.message, /referenced by broker "multi"/);
    assert.equal((await api.call("DELETE", "/api/v1/brokers/multi")).status, 204);
  });

  it("applies updates, resyncs and deletes to the running bridge", async () => {
    // a retained message of the bridge's filters: what a resync sends
    api.broker.publish(
      {
        id: api.broker.nextMessageId(),
        topic: "plant/r",
        payload: new TextEncoder().encode("retained"),
        qos: 1,
        retain: true,
        properties: undefined,
        createdAt: api.broker.now(),
        expiresAt: undefined,
        publisherId: undefined,
      },
      api.broker.now(),
    );
    const before = bridges().status("cloud")!;
    const renamed = await api.call("PATCH", "/api/v1/brokers/cloud", { body: { name: "Cloud feed" } });
    assert.equal(renamed.status, 200);
    // a rename is the registry's: the bridge is the same one (no restart, no resync)
    assert.equal(bridges().status("cloud")!.resyncs, before.resyncs);
    assert.equal(bridges().status("cloud")!.queueDepth, before.queueDepth);

    const changed = await api.call("PATCH", "/api/v1/brokers/cloud", {
      body: { topicTemplate: "v2/{topic}" },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.topicTemplate, "v2/{topic}");
    assert.equal(bridges().config("cloud")!.topicTemplate, "v2/{topic}");
    // a new configuration: a new bridge on the same outbox, which resynced (the retained message)
    assert.equal(changed.body.status.resyncs, 1);
    assert.ok(changed.body.status.queueDepth >= before.queueDepth + 1);

    const cleared = await api.call("PATCH", "/api/v1/brokers/cloud", {
      body: { topicTemplate: null, qos: 0 },
    });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.topicTemplate, undefined);
    assert.equal(bridges().config("cloud")!.topicTemplate, "{topic}");
    assert.equal(bridges().config("cloud")!.qos, 0);

    const depth = bridges().status("cloud")!.queueDepth;
    const resync = await api.call("POST", "/api/v1/brokers/cloud/resync");
    assert.equal(resync.status, 200);
    assert.deepEqual(resync.body, { id: "cloud", queued: 1 });
    assert.equal(bridges().status("cloud")!.queueDepth, depth + 1);

    // new privacy rules only: the same bridge, a resync under the new rules
    const resyncs = bridges().status("cloud")!.resyncs;
    const privacy = await api.call("PATCH", "/api/v1/brokers/cloud", {
      body: { privacy: { rules: [{ match: { key: "x" }, action: "drop" }] } },
    });
    assert.equal(privacy.status, 200);
    assert.equal(bridges().status("cloud")!.resyncs, resyncs + 1);

    assert.equal((await api.call("DELETE", "/api/v1/brokers/cloud")).status, 204);
    assert.equal(bridges().has("cloud"), false);
    assert.equal((await api.call("GET", "/api/v1/brokers/cloud")).status, 404);
    assert.equal(api.switchboard.registry.get("brokers", "cloud"), undefined);
  });

  it("publishes each bridge's status on $SYS, and clears it when the broker is deleted", async () => {
    const created = await api.call("POST", "/api/v1/brokers", {
      body: { id: "sys-b", host: "127.0.0.1", port, reconnect: FAST },
    });
    assert.equal(created.status, 201);
    const retained = (topic: string): string | undefined => {
      let value: string | undefined;
      api.broker.retained.match(
        topic,
        api.broker.now(),
        (m) => (value = new TextDecoder().decode(m.payload)),
      );
      return value;
    };
    await waitFor(
      "the bridge's $SYS topics",
      () => retained("$SYS/broker/bridges/sys-b/connected") === "0",
      4000,
    );
    assert.match(retained("$SYS/broker/bridges/sys-b/state") ?? "", /^(connecting|waiting)$/);
    // the retained message of the test before is in its resync, waiting
    assert.equal(retained("$SYS/broker/bridges/sys-b/queue/depth"), "1");
    assert.equal(bridges().status("sys-b")!.queueDepth, 1);
    assert.equal(retained("$SYS/broker/bridges/sys-b/messages/published"), "0");
    assert.equal(retained("$SYS/broker/bridges/sys-b/messages/failed"), "0");
    assert.equal((await api.call("DELETE", "/api/v1/brokers/sys-b")).status, 204);
    await waitFor(
      "cleared $SYS topics",
      () => retained("$SYS/broker/bridges/sys-b/connected") === undefined,
      4000,
    );
    assert.equal(retained("$SYS/broker/bridges/sys-b/state"), undefined);
  });
});
