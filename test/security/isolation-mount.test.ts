/**
 * Tenant mounts, path by path (docs/security.md "Tenants"): PUBLISH, retained messages, wills, shared
 * subscriptions, UNSUBSCRIBE, outbound topic aliases, session keys, the "$" rule within a tenant, and
 * the namespace the default tenant may not touch. Over real sockets, with a test authenticator mapping
 * user names to tenants.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { ConnectOptions } from "../helpers/raw-client.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import {
  drain,
  publish,
  publishes,
  receive,
  sub,
  subscribe,
  unsubscribe,
  waitFor,
} from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import { tenantAuthenticator } from "./tenant-authenticator.js";

const USERS = {
  a1: { tenant: "acme" },
  a2: { tenant: "acme" },
  g1: { tenant: "globex" },
  d1: {},
  bad: { tenant: "a/b" },
};

describe("tenant mounts", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({ authenticators: [tenantAuthenticator(USERS, { anonymous: true })] });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  after(() => broker.stop());

  async function connect(username: string | undefined, options: ConnectOptions = {}): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, {
      protocolVersion: 5,
      ...(username === undefined ? {} : { username }),
      ...options,
    });
    clients.push(client);
    return client;
  }

  for (const version of [5, 4] as const) {
    const v = version === 5 ? "v5" : "v3.1.1";
    it(`a "#" subscriber gets its own tenant's messages, without the mount, and nothing of other tenants (${v})`, async () => {
      const acme = await connect("a2", { protocolVersion: version });
      const globex = await connect("g1", { protocolVersion: version });
      const root = await connect("d1", { protocolVersion: version });
      for (const client of [acme, globex, root]) await subscribe(client, [sub("#", 1)]);
      const publisher = await connect("a1", { protocolVersion: version });
      await publish(publisher, "plant/1/temp", "21", { qos: 1 });
      const got = await receive(acme);
      assert.equal(got.topic, "plant/1/temp");
      assert.equal(text(got.payload), "21");
      assert.deepEqual(publishes(await drain(globex)), [], "another tenant sees nothing");
      assert.deepEqual(publishes(await drain(root)), [], "the default tenant sees nothing");
    });
  }

  it("retained messages are stored mounted and sent only within the tenant, without the mount", async () => {
    const publisher = await connect("a1");
    await publish(publisher, "state/door", "open", { qos: 1, retain: true });
    assert.equal(
      text(broker.broker.retained.get("$t/acme/state/door")!.payload),
      "open",
      "stored under $t/acme/",
    );
    assert.equal(broker.broker.retained.get("state/door"), undefined);
    const same = await connect("a2");
    await subscribe(same, [sub("state/#", 0)]);
    const got = await receive(same);
    assert.equal(got.topic, "state/door");
    assert.equal(got.retain, true);
    for (const other of [await connect("g1"), await connect("d1"), await connect(undefined)]) {
      await subscribe(other, [sub("#", 0), sub("state/door", 0)]);
      assert.deepEqual(publishes(await drain(other)), [], "no retained message of another tenant");
    }
    await publish(publisher, "state/door", "", { qos: 1, retain: true });
  });

  it("a will is mounted in its tenant, retained ones too", async () => {
    const acme = await connect("a2");
    const globex = await connect("g1");
    for (const client of [acme, globex]) await subscribe(client, [sub("alarm/#", 1)]);
    const dying = await connect("a1", {
      will: { topic: "alarm/lost", payload: bytes("gone"), qos: 1, retain: true },
    });
    dying.destroy();
    const got = await receive(acme);
    assert.equal(got.topic, "alarm/lost");
    assert.equal(text(got.payload), "gone");
    assert.deepEqual(publishes(await drain(globex)), []);
    assert.ok(broker.broker.retained.get("$t/acme/alarm/lost"), "the retained will is stored mounted");
    const cleaner = await connect("a1");
    await publish(cleaner, "alarm/lost", "", { qos: 1, retain: true });
  });

  it("share groups are per tenant: the same $share/<group>/<filter> in two tenants forms two groups", async () => {
    const acme = await connect("a2");
    const globex = await connect("g1");
    for (const client of [acme, globex]) await subscribe(client, [sub("$share/workers/jobs/+", 1)]);
    const acmePublisher = await connect("a1");
    for (let i = 0; i < 3; i++) await publish(acmePublisher, `jobs/${i}`, `a${i}`, { qos: 1 });
    const got = [await receive(acme), await receive(acme), await receive(acme)];
    assert.deepEqual(
      got.map((p) => p.topic),
      ["jobs/0", "jobs/1", "jobs/2"],
      "the only acme member gets every acme job",
    );
    assert.deepEqual(
      publishes(await drain(globex)),
      [],
      "the globex member of a group of the same name gets none",
    );
  });

  it("UNSUBSCRIBE finds a mounted subscription by the filter the client gave (shared ones too)", async () => {
    const client = await connect("a2");
    await subscribe(client, [sub("x/#", 0), sub("$share/g/y/#", 0)]);
    const unsuback = await unsubscribe(client, ["x/#", "$share/g/y/#", "z"]);
    assert.deepEqual(unsuback.reasonCodes, [0x00, 0x00, 0x11]);
    const publisher = await connect("a1");
    await publish(publisher, "x/1", "a", { qos: 1 });
    await publish(publisher, "y/1", "b", { qos: 1 });
    assert.deepEqual(publishes(await drain(client)), []);
  });

  it("outbound topic aliases map the topic the client sees, not the mounted one", async () => {
    const client = await connect("a2", { properties: { topicAliasMaximum: 4 } });
    await subscribe(client, [sub("alias/#", 0)]);
    const publisher = await connect("a1");
    await publish(publisher, "alias/t", "1", { qos: 1 });
    await publish(publisher, "alias/t", "2", { qos: 1 });
    const first = await receive(client);
    const second = await receive(client);
    assert.equal(first.topic, "alias/t");
    assert.equal(first.properties?.topicAlias, 1);
    assert.equal(second.topic, "", "the second PUBLISH uses the alias alone");
    assert.equal(second.properties?.topicAlias, 1);
  });

  it("a client id is unique per tenant: the same id in two tenants neither takes over nor resumes the other's session", async () => {
    const persistent = { properties: { sessionExpiryInterval: 300 }, cleanStart: false } as const;
    const acme = await connect("a1", { clientId: "shared-id", ...persistent });
    await subscribe(acme, [sub("only/acme", 1)]);
    const globex = await RawClient.open(broker.port, 5);
    clients.push(globex);
    const connack = await globex.connect({ clientId: "shared-id", username: "g1", ...persistent });
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.sessionPresent, false, "acme's session is not globex's");
    assert.deepEqual(await drain(acme), [], "the acme client is not taken over (no DISCONNECT 0x8E)");
    assert.ok(!acme.closed);
    assert.ok(broker.broker.sessions.get("$t/acme/shared-id"), "sessions are keyed by tenant");
    assert.ok(broker.broker.sessions.get("$t/globex/shared-id"));
    const publisher = await connect("a2");
    await publish(publisher, "only/acme", "x", { qos: 1 });
    assert.equal((await receive(acme)).topic, "only/acme");
    assert.deepEqual(publishes(await drain(globex)), []);
    for (const client of [acme, globex])
      client.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
  });

  it('[MQTT-4.7.2-1] holds within a tenant: its "#" does not match its own "$" topics, "$foo/#" does', async () => {
    const wildcard = await connect("a2");
    await subscribe(wildcard, [sub("#", 0), sub("+/bar", 0)]);
    const literal = await connect("a2", { clientId: "literal" });
    await subscribe(literal, [sub("$foo/#", 0)]);
    const publisher = await connect("a1");
    await publish(publisher, "$foo/bar", "dollar", { qos: 1 });
    const got = await receive(literal);
    assert.equal(got.topic, "$foo/bar");
    assert.deepEqual(publishes(await drain(wildcard)), []);
    assert.ok(broker.broker.router.size > 0);
  });

  it('a tenant cannot escape its mount: publishing to "$t/<other>/..." stays in its own tenant', async () => {
    const globex = await connect("g1");
    await subscribe(globex, [sub("#", 0), sub("x/#", 0)]);
    const acme = await connect("a2");
    await subscribe(acme, [sub("$t/#", 0)]);
    const attacker = await connect("a1");
    await publish(attacker, "$t/globex/x/y", "attack", { qos: 1 });
    assert.deepEqual(publishes(await drain(globex)), [], "globex sees nothing");
    const got = await receive(acme);
    assert.equal(got.topic, "$t/globex/x/y", "acme's own subscriber sees the topic as published");
  });

  for (const version of [5, 4] as const) {
    const v = version === 5 ? "v5" : "v3.1.1";
    it(`the default tenant may not use the mount namespace: PUBLISH, SUBSCRIBE and client ids under "$t"/"$td" are refused (${v})`, async () => {
      const root = await connect("d1", { protocolVersion: version });
      const suback = await subscribe(root, [
        sub("$t/#", 0),
        sub("$td/acme/#", 0),
        sub("$t", 0),
        sub("$tx/#", 0),
      ]);
      const failure = version === 5 ? 0x87 : 0x80;
      assert.deepEqual(suback.reasonCodes, [failure, failure, failure, 0]);
      const acme = await connect("a2", { protocolVersion: version });
      await subscribe(acme, [sub("x", 1)]);
      if (version === 5) {
        root.send({
          type: PacketType.PUBLISH,
          topic: "$t/acme/x",
          payload: bytes("in"),
          qos: 1,
          retain: false,
          dup: false,
          packetId: 9,
        });
        assert.equal((await root.expect(PacketType.PUBACK)).reasonCode, 0x87);
      } else {
        await publish(root, "$t/acme/x", "in", { qos: 1 }); // acknowledged, and dropped
      }
      assert.deepEqual(publishes(await drain(acme)), []);
      const refused = await RawClient.open(broker.port, version);
      clients.push(refused);
      const connack = await refused.connect({
        protocolVersion: version,
        clientId: "$t/acme/a1",
        username: "d1",
      });
      assert.equal(connack.reasonCode, version === 5 ? 0x85 : 2, "reserved client id");
    });
  }

  it("a principal with an invalid tenant id is refused (CONNACK 0x87), and counted", async () => {
    const before = broker.broker.metrics.denied.connect;
    const client = await RawClient.open(broker.port, 5);
    clients.push(client);
    const connack = await client.connect({ username: "bad" });
    assert.equal(connack.reasonCode, 0x87);
    assert.equal(broker.broker.metrics.denied.connect, before + 1);
  });

  it("each tenant's subscriptions are kept in the router mounted", async () => {
    const client = await connect("g1", { clientId: "router-check" });
    await subscribe(client, [sub("k/+", 0)]);
    await waitFor(
      () => broker.broker.sessions.get("$t/globex/router-check")?.subscriptions.has("$t/globex/k/+") === true,
      "mounted subscription",
    );
  });
});
