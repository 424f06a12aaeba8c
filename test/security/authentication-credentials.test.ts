/**
 * Passwords (scrypt hashes from the configuration), API keys (hashes, run-time revocation that
 * disconnects live sessions), anonymous access next to credentials, the chain order, the failure
 * backoff, and secrets kept out of the logs, over real sockets.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { generateApiKey, parseApiKey } from "../../src/auth/api-key.js";
import { hashPassword } from "../../src/auth/password-hash.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { bytes, RawClient } from "../helpers/raw-client.js";
import { startSecureBroker, type SecureBroker } from "./helpers/secure-broker.js";

/** Cheap scrypt parameters for tests (the minimum the configuration accepts). */
const FAST = { n: 1024, r: 8, p: 1 };

describe("PasswordAuthenticator and anonymous access", () => {
  let broker: SecureBroker;
  const clients: RawClient[] = [];
  const open = async (version: 4 | 5 = 5) => {
    const client = await RawClient.open(broker.port(), version);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: true,
          anonymous: { tenant: "guests", roles: ["visitor"] },
          users: [
            {
              username: "alice",
              password: await hashPassword("alice-password", FAST),
              tenant: "acme",
              roles: ["admin"],
            },
            { username: "bob", password: await hashPassword("bob-password", FAST) },
          ],
        },
      },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  it("accepts the right password and gives the user's tenant and roles", async () => {
    const client = await open();
    const connack = await client.connect({
      clientId: "pw-alice",
      username: "alice",
      password: bytes("alice-password"),
    });
    assert.equal(connack.reasonCode, 0);
    const principal = broker.connection("pw-alice")!.identity!.principal;
    assert.deepEqual(
      [principal.id, principal.tenant, principal.roles, principal.anonymous],
      ["alice", "acme", ["admin"], false],
    );
    assert.equal(principal.expiresAt, undefined);
  });

  for (const [version, code] of [
    [5, 0x86],
    [4, 4],
  ] as const) {
    it(`refuses a wrong password (v${version}: ${code}) and an unknown user even though anonymous access is on`, async () => {
      const wrong = await open(version);
      assert.equal(
        (await wrong.connect({ protocolVersion: version, username: "bob", password: bytes("guess") }))
          .reasonCode,
        code,
      );
      const unknown = await open(version);
      assert.equal(
        (await unknown.connect({ protocolVersion: version, username: "mallory", password: bytes("x") }))
          .reasonCode,
        code,
      );
    });
  }

  it("lets a client without credentials in as the configured anonymous principal", async () => {
    const client = await open();
    assert.equal((await client.connect({ clientId: "anon-1" })).reasonCode, 0);
    const principal = broker.connection("anon-1")!.identity!.principal;
    assert.deepEqual([principal.anonymous, principal.tenant, principal.roles], [true, "guests", ["visitor"]]);
  });

  it("never logs a password, and audits the failure with the user name and address", async () => {
    const client = await open();
    await client.connect({ clientId: "pw-audit", username: "alice", password: bytes("Sup3r-Secret-Guess") });
    assert.ok(!broker.logs.text.join("\n").includes("Sup3r-Secret-Guess"));
    const line = broker.logs.audit("auth.failure").find((l) => l["clientId"] === "pw-audit");
    assert.ok(line);
    assert.equal(line["username"], "alice");
    assert.equal(line["reason"], "Bad user name or password");
    assert.match(String(line["remote"]), /127\.0\.0\.1:\d+/);
    assert.equal(line["listener"], "tcp");
  });
});

describe("API keys made at run time close the anonymous fallback", () => {
  let broker: SecureBroker;
  const clients: RawClient[] = [];
  const connect = async (options: { username?: string; password?: string } = {}): Promise<number> => {
    const client = await RawClient.open(broker.port(), 5);
    clients.push(client);
    const { username, password } = options;
    const connack = await client.connect({
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password: bytes(password) }),
    });
    return connack.reasonCode;
  };
  before(async () => {
    // anonymous access on, nothing configured that checks credentials: the Mosquitto-like default
    broker = await startSecureBroker({ config: { auth: { allowAnonymous: true } } });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  it("refuses a wrong credential once a key exists, instead of letting it in as the user it names", async () => {
    assert.equal(
      await connect({ username: "alice", password: "anything" }),
      0,
      "no credential is checked yet",
    );
    const apiKeys = broker.switchboard.apiKeys!;
    const key = apiKeys.create({ id: "alice-key", user: "alice", tenant: "default", roles: [] });
    assert.equal(await connect({ username: "alice", password: key }), 0);
    assert.equal(await connect({ username: "alice", password: "not-the-key" }), 0x86);
    const unknown = generateApiKey("no-such-key").key;
    assert.equal(await connect({ username: "alice", password: unknown }), 0x86);
    assert.equal(await connect(), 0, "a client without credentials is still anonymous");
    apiKeys.revoke("alice-key");
    assert.equal(await connect({ username: "alice", password: "anything" }), 0, "no key left to check");
  });
});

describe("auth.chain", () => {
  it("leaves out the authenticators it does not list: without anonymous, a client without credentials is refused", async () => {
    const broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: true,
          chain: ["password"],
          users: [{ username: "u", password: await hashPassword("p", FAST) }],
        },
      },
    });
    try {
      const anonymous = await RawClient.open(broker.port());
      assert.equal((await anonymous.connect()).reasonCode, 0x87);
      const user = await RawClient.connected(broker.port(), { username: "u", password: bytes("p") });
      user.destroy();
    } finally {
      await broker.stop();
    }
  });
});

describe("failure backoff (auth.backoff)", () => {
  it("answers repeated wrong passwords later and later, and a success starts afresh", async () => {
    const broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: false,
          users: [{ username: "carol", password: await hashPassword("right", FAST) }],
          backoff: { initialDelay: 150, maxDelay: 600 },
        },
      },
    });
    const attempt = async (password: string): Promise<{ code: number; ms: number }> => {
      const client = await RawClient.open(broker.port());
      const started = performance.now();
      const connack = await client.connect({ username: "carol", password: bytes(password) });
      const ms = performance.now() - started;
      client.destroy();
      return { code: connack.reasonCode, ms };
    };
    try {
      const failures = [];
      for (let i = 0; i < 4; i++) failures.push(await attempt("wrong"));
      assert.deepEqual(
        failures.map((f) => f.code),
        [0x86, 0x86, 0x86, 0x86],
      );
      const [first, second, third, fourth] = failures.map((f) => f.ms) as [number, number, number, number];
      assert.ok(first >= 140 && first < 450, `first failure took ${first} ms, expected about 150`);
      assert.ok(second >= 290, `second failure took ${second} ms, expected about 300`);
      assert.ok(third >= 590, `third failure took ${third} ms, expected about 600`);
      assert.ok(fourth >= 590 && fourth < 1200, `fourth failure took ${fourth} ms, expected the 600 ms cap`);
      const success = await attempt("right");
      assert.equal(success.code, 0);
      assert.ok(success.ms < 300, `a success is not delayed (took ${success.ms} ms)`);
      const after = await attempt("wrong");
      assert.ok(after.ms < 450, `after a success the delay starts again (took ${after.ms} ms)`);
      assert.equal(broker.broker.authentication.counters.failures, 5);
      assert.equal(broker.broker.authentication.counters.delayed, 5);
      const delays = broker.logs.audit("auth.failure").map((l) => l["delay"]);
      assert.deepEqual(delays, [150, 300, 600, 600, 150]);
    } finally {
      await broker.stop();
    }
  });
});

describe("ApiKeyAuthenticator", () => {
  let broker: SecureBroker;
  const sensor = generateApiKey("sensor-1");
  const clients: RawClient[] = [];
  const open = async (version: 4 | 5 = 5) => {
    const client = await RawClient.open(broker.port(), version);
    clients.push(client);
    return client;
  };
  before(async () => {
    broker = await startSecureBroker({
      config: {
        auth: {
          allowAnonymous: false,
          apiKeys: [
            { id: "sensor-1", hash: sensor.hash, user: "plant-7", tenant: "factory", roles: ["device"] },
          ],
        },
      },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  it("accepts the key as password with the key id, the key's user, or (v5) no user name", async () => {
    for (const [clientId, username] of [
      ["key-id", "sensor-1"],
      ["key-user", "plant-7"],
      ["key-none", undefined],
    ] as const) {
      const client = await open();
      const connack = await client.connect({
        clientId,
        ...(username === undefined ? {} : { username }),
        password: bytes(sensor.key),
      });
      assert.equal(connack.reasonCode, 0, clientId);
      const principal = broker.connection(clientId)!.identity!.principal;
      assert.deepEqual([principal.id, principal.tenant, principal.roles], ["plant-7", "factory", ["device"]]);
      assert.equal(principal.attributes["apiKeyId"], "sensor-1");
    }
  });

  it("refuses a wrong secret, an unknown key and another user name with 0x86 (v4: 4)", async () => {
    const wrongSecret = `${sensor.key.slice(0, -4)}AAAA`;
    const unknown = generateApiKey("ghost").key;
    for (const [username, password] of [
      ["sensor-1", wrongSecret],
      ["ghost", unknown],
      ["someone-else", sensor.key],
    ] as const) {
      const c5 = await open(5);
      assert.equal((await c5.connect({ username, password: bytes(password) })).reasonCode, 0x86);
      const c4 = await open(4);
      assert.equal(
        (await c4.connect({ protocolVersion: 4, username, password: bytes(password) })).reasonCode,
        4,
      );
    }
    // the whole secret (base64url: it may hold "_" itself, so not the key split at "_")
    const secret = parseApiKey(sensor.key)!.secret;
    assert.ok(!broker.logs.text.join("\n").includes(secret), "a key's secret was logged");
  });

  it("revoking a key disconnects its live sessions (v5: DISCONNECT 0x98, v4: closed) and refuses it from then on", async () => {
    const apiKeys = broker.switchboard.apiKeys!;
    const key = apiKeys.create({ id: "temp-1", tenant: "default", roles: [] });
    const v5 = await open(5);
    assert.equal(
      (await v5.connect({ clientId: "rev-5", username: "temp-1", password: bytes(key) })).reasonCode,
      0,
    );
    const v4 = await open(4);
    assert.equal(
      (await v4.connect({ protocolVersion: 4, clientId: "rev-4", username: "temp-1", password: bytes(key) }))
        .reasonCode,
      0,
    );
    const bystander = await open(5);
    assert.equal(
      (await bystander.connect({ username: "sensor-1", password: bytes(sensor.key) })).reasonCode,
      0,
    );

    assert.deepEqual(apiKeys.revoke("temp-1"), { revoked: true, disconnected: 2 });
    const disconnect = await v5.expect(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x98);
    await v5.waitClosed();
    await v4.waitClosed();
    await bystander.expectNothing(100);
    assert.equal(bystander.closed, false);

    const again = await open(5);
    assert.equal((await again.connect({ username: "temp-1", password: bytes(key) })).reasonCode, 0x86);
    const revoked = broker.logs
      .audit("auth.revoked")
      .map((l) => l["clientId"])
      .sort();
    assert.deepEqual(revoked, ["rev-4", "rev-5"]);
    assert.deepEqual(
      apiKeys.list().map((k) => k.id),
      ["sensor-1"],
    );
  });
});
