/**
 * Gooee's login (seed 002, "Authentication"): user name `authorization`, a User API Token as the
 * password, through the configured authentication chain (`auth.chain: [gooee]`) with an API key of
 * the configuration, and through the registry's API keys (the GooeeAuthenticator asking the
 * RegistryAuthenticator as a token verifier). The token's principal is the client's: its tenant
 * decides whether the Gooee dialect applies.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateApiKey } from "../../src/auth/index.js";
import { GooeeAuthenticator, tokenVerifier } from "../../src/platform/dialects/gooee/index.js";
import { RegistryAuthenticator } from "../../src/platform/registry/index.js";
import { connectWithInbox } from "../helpers/mqttjs.js";
import { createWorld, type GooeeBroker, IDS, startGooeeBroker } from "./helpers/gooee-world.js";
import { META } from "./helpers/seed-examples.js";
import { type MqttVersion, TestClient } from "./helpers/test-client.js";

const BAD_USER_NAME_OR_PASSWORD = 0x86;
const V3_BAD_USER_NAME_OR_PASSWORD = 4;

/** The CONNACK code of a refused connection (MQTT.js reports it as the error's code). */
async function refusal(
  url: string,
  version: MqttVersion,
  username: string,
  password?: string,
): Promise<number> {
  try {
    const { client } = await connectWithInbox(url, {
      protocolVersion: version,
      username,
      ...(password === undefined ? {} : { password }),
      clientId: `refused-${Math.random().toString(36).slice(2, 8)}`,
    });
    client.end(true);
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
  assert.fail(`${username} was let in`);
}

/** The client publishes the seed's meta values and a watcher sees them routed and derived. */
async function gooeeWorks(publisher: TestClient, watcher: TestClient): Promise<void> {
  const topic = `devices/${IDS.metaDevice}/meta`;
  const answer = await publisher.publish(topic, JSON.stringify(META));
  assert.equal(answer.kind, "acked");
  const received = await watcher.inbox.take(3);
  assert.deepEqual(
    received.map((m) => m.topic),
    [topic, `${topic}/temperature`, `${topic}/als`],
  );
}

describe("Gooee login: `authorization` + a user API token from the configuration", () => {
  const { key, hash } = generateApiKey("integrator");
  let broker: GooeeBroker;
  const clients: TestClient[] = [];

  before(async () => {
    broker = await startGooeeBroker({
      authenticators: null,
      config: {
        auth: {
          chain: ["gooee"],
          apiKeys: [{ id: "integrator", hash, tenant: IDS.tenant, roles: [] }],
        },
      },
    });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  const login = async (version: MqttVersion): Promise<TestClient> => {
    const client = await TestClient.connect(broker.url, {
      username: "authorization",
      password: key,
      version,
    });
    clients.push(client);
    return client;
  };

  for (const version of [4, 5] as const) {
    it(`MQTT ${version === 5 ? "5" : "3.1.1"}: accepted, in the key's tenant, which has the Gooee API`, async () => {
      const watcher = await login(5);
      assert.equal((await watcher.subscribe(`devices/${IDS.metaDevice}/meta/#`)).kind, "granted");
      await gooeeWorks(await login(version), watcher);
      const outsider = await login(version);
      // a topic outside Gooee's table drops the connection: the dialect applies to the key's tenant
      const answer = await outsider.publish("lights/kitchen", "on");
      if (answer.kind !== "closed") await outsider.expectEnded();
    });
  }

  it("a wrong token is refused: Bad User Name or Password (v5 0x86, v3 return code 4)", async () => {
    const { key: unknown } = generateApiKey("integrator");
    assert.equal(await refusal(broker.url, 5, "authorization", unknown), BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await refusal(broker.url, 4, "authorization", unknown), V3_BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await refusal(broker.url, 5, "authorization", "not-a-token"), BAD_USER_NAME_OR_PASSWORD);
  });

  it("`authorization` without a password is refused", async () => {
    assert.equal(await refusal(broker.url, 5, "authorization"), BAD_USER_NAME_OR_PASSWORD);
  });

  it("the token with another user name is not a Gooee login (nothing else in this chain accepts it)", async () => {
    const code = await refusal(broker.url, 5, "integrator", key);
    assert.ok(code >= 0x80, `refused, got ${code}`);
  });
});

describe("Gooee login: `authorization` + an API key of the registry", () => {
  const { key, hash } = generateApiKey("ops-key");
  let broker: GooeeBroker;
  const clients: TestClient[] = [];

  before(async () => {
    const registry = await createWorld();
    const user = registry.create("users", { id: "ops", tenant: IDS.tenant, name: "Ops", username: "ops" });
    assert.ok(user.ok);
    const apiKey = registry.create("apiKeys", {
      id: "ops-key",
      tenant: IDS.tenant,
      name: "Ops",
      hash,
      userId: "ops",
    });
    assert.ok(apiKey.ok);
    const gooee = new GooeeAuthenticator({ verifiers: [tokenVerifier(new RegistryAuthenticator(registry))] });
    broker = await startGooeeBroker({ registry, authenticators: [gooee] });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await broker.stop();
  });

  it("is accepted in the key's tenant", async () => {
    const watcher = await TestClient.connect(broker.url, { username: "authorization", password: key });
    const publisher = await TestClient.connect(broker.url, {
      username: "authorization",
      password: key,
      version: 4,
    });
    clients.push(watcher, publisher);
    await watcher.subscribe(`devices/${IDS.metaDevice}/meta/#`);
    await gooeeWorks(publisher, watcher);
  });

  it("a revoked key is refused, and its clients are disconnected", async () => {
    const client = await TestClient.connect(broker.url, { username: "authorization", password: key });
    clients.push(client);
    assert.ok(broker.registry.update("apiKeys", "ops-key", { revokedAt: Date.now() }).ok);
    await client.expectEnded();
    assert.equal(await refusal(broker.url, 5, "authorization", key), BAD_USER_NAME_OR_PASSWORD);
  });
});
