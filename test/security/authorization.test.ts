/**
 * The rules authorizer over real sockets (docs/security.md "Authorization"): deny-first evaluation,
 * placeholders, principal/role/tenant conditions, `noMatch`, rule changes at run time (cached
 * decisions forgotten), wildcard subscriptions with a receive check per message, retained messages
 * obeying the receive rules, denied PUBLISH (v5 0x87; v3 drop or disconnect) and SUBSCRIBE (0x87 /
 * 0x80), and the audit log.
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import type { AuthorizationRule } from "../../src/config/index.js";
import { PacketType, type QoS } from "../../src/protocol/packet-type.js";
import type { ConnectOptions } from "../helpers/raw-client.js";
import { bytes, RawClient, text } from "../helpers/raw-client.js";
import {
  drain,
  expectClosedWith,
  packetId,
  payloads,
  publish,
  publishes,
  receive,
  sub,
  subscribe,
} from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import { signToken } from "./helpers/tokens.js";
import { tenantAuthenticator } from "./tenant-authenticator.js";

const USERS = {
  alice: { tenant: "acme", roles: ["staff"] },
  bob: { tenant: "acme", roles: ["guest"] },
  carol: { tenant: "globex", roles: ["staff"] },
};

/** Sends a PUBLISH and returns the PUBACK's reason code (QoS 1), or undefined for QoS 0. */
async function publishCode(
  client: RawClient,
  topic: string,
  payload: string,
  qos: QoS = 1,
): Promise<number | undefined> {
  const id = packetId();
  client.send({
    type: PacketType.PUBLISH,
    topic,
    payload: bytes(payload),
    qos,
    retain: false,
    dup: false,
    ...(qos > 0 ? { packetId: id } : {}),
  });
  if (qos === 0) return undefined;
  const ack = await client.expect(qos === 1 ? PacketType.PUBACK : PacketType.PUBREC);
  assert.equal(ack.packetId, id);
  return ack.reasonCode ?? 0;
}

class Harness {
  broker!: TestBroker;
  readonly clients: RawClient[] = [];

  async start(
    rules: readonly AuthorizationRule[],
    authorization: Record<string, unknown> = {},
  ): Promise<void> {
    this.broker = await startTestBroker({
      authenticators: [tenantAuthenticator(USERS)],
      config: { authorization: { rules, ...authorization } },
    });
  }

  async connect(username: string, options: ConnectOptions = {}): Promise<RawClient> {
    const client = await RawClient.connected(this.broker.port, { protocolVersion: 5, username, ...options });
    this.clients.push(client);
    return client;
  }

  closeClients(): void {
    for (const client of this.clients.splice(0)) client.destroy();
  }

  async stop(): Promise<void> {
    this.closeClients();
    await this.broker.stop();
  }
}

describe("authorization rules: deny-first, placeholders, conditions", () => {
  const h = new Harness();
  before(() =>
    h.start([
      { id: "devices-own", effect: "allow", action: "all", topic: "devices/%c/#" },
      { id: "users-own", effect: "allow", action: "all", topic: "users/%u/#" },
      { id: "tenant-board", effect: "allow", action: "all", topic: "board/%t/#" },
      { id: "staff", effect: "allow", action: "all", topic: "staff/#", role: "staff" },
      { id: "everything", effect: "allow", action: "all", topic: "open/#" },
      { id: "no-secrets", effect: "deny", action: "all", topic: "open/secret/#" },
      { id: "alice-only", effect: "allow", action: "publish", topic: "alice/#", principal: "alice" },
      { id: "acme-only", effect: "allow", action: "publish", topic: "acme/#", tenant: "acme" },
      { id: "no-admin-for-device", effect: "deny", action: "publish", topic: "devices/%c/admin" },
    ]),
  );
  afterEach(() => h.closeClients());
  after(() => h.stop());

  it("a matching deny wins over any allow, whatever the order of the rules", async () => {
    const alice = await h.connect("alice");
    assert.equal(await publishCode(alice, "open/x", "1"), 0x10, "allowed (no subscribers)");
    assert.equal(
      await publishCode(alice, "open/secret/x", "1"),
      0x87,
      "the deny listed after the allow wins",
    );
    const c = await h.connect("alice", { clientId: "dev-9" });
    assert.equal(await publishCode(c, "devices/dev-9/admin", "1"), 0x87);
  });

  it("%c, %u and %t stand for the client id, the user name and the tenant", async () => {
    const alice = await h.connect("alice", { clientId: "dev-1" });
    assert.equal(await publishCode(alice, "devices/dev-1/temp", "1"), 0x10);
    assert.equal(await publishCode(alice, "devices/dev-2/temp", "1"), 0x87, "another client's subtree");
    assert.equal(await publishCode(alice, "users/alice/x", "1"), 0x10);
    assert.equal(await publishCode(alice, "users/bob/x", "1"), 0x87);
    assert.equal(await publishCode(alice, "board/acme/x", "1"), 0x10);
    assert.equal(await publishCode(alice, "board/globex/x", "1"), 0x87);
  });

  it("a placeholder value that would change the filter (a client id with '+') fails closed: allow ignored, deny applies to all", async () => {
    const odd = await h.connect("alice", { clientId: "dev+1" });
    assert.equal(
      await publishCode(odd, "devices/dev+1/temp".replace("+", "x"), "1"),
      0x87,
      "the allow does not apply",
    );
    assert.equal(await publishCode(odd, "open/x", "1"), 0x87, "the deny with %c applies to every topic");
  });

  it("principal, role and tenant conditions", async () => {
    const alice = await h.connect("alice");
    const bob = await h.connect("bob");
    const carol = await h.connect("carol");
    assert.equal(await publishCode(alice, "staff/x", "1"), 0x10);
    assert.equal(await publishCode(bob, "staff/x", "1"), 0x87, "role");
    assert.equal(await publishCode(alice, "alice/x", "1"), 0x10);
    assert.equal(await publishCode(bob, "alice/x", "1"), 0x87, "principal");
    assert.equal(await publishCode(bob, "acme/x", "1"), 0x10);
    assert.equal(await publishCode(carol, "acme/x", "1"), 0x87, "tenant");
  });

  for (const version of [5, 4] as const) {
    it(`a denied SUBSCRIBE gets ${version === 5 ? "0x87" : "0x80"}; a subscription is allowed when a rule covers its whole filter`, async () => {
      const bob = await h.connect("bob", { protocolVersion: version });
      const suback = await subscribe(bob, [
        sub("open/#", 1),
        sub("open/a/+", 1),
        sub("#", 1),
        sub("open/secret/x", 1),
        sub("staff/#", 1),
        sub("board/acme/#", 1),
      ]);
      const no = version === 5 ? 0x87 : 0x80;
      assert.deepEqual(suback.reasonCodes, [1, 1, no, no, no, 1]);
    });
  }
});

describe("authorization rules: receive checked per message, retained too", () => {
  const h = new Harness();
  before(() =>
    h.start([
      { id: "subscribe-anything", effect: "allow", action: "subscribe", topic: "#" },
      { id: "publish-anything", effect: "allow", action: "publish", topic: "#" },
      { id: "read-public", effect: "allow", action: "receive", topic: "public/#" },
      { id: "read-staff", effect: "allow", action: "receive", topic: "staff/#", role: "staff" },
      { id: "hide-salaries", effect: "deny", action: "receive", topic: "staff/salaries/#" },
    ]),
  );
  afterEach(() => h.closeClients());
  after(() => h.stop());

  it("a wildcard subscription is granted and each message through it is checked against the receive rules", async () => {
    const bob = await h.connect("bob");
    const alice = await h.connect("alice");
    assert.deepEqual((await subscribe(bob, [sub("#", 1)])).reasonCodes, [1]);
    await subscribe(alice, [sub("#", 1)]);
    const deniedBefore = h.broker.broker.metrics.denied.receive;
    const droppedBefore = h.broker.broker.metrics.dropped["not-authorized"];
    const publisher = await h.connect("alice", { clientId: "pub" });
    for (const topic of ["public/a", "staff/plan", "staff/salaries/2026", "private/x", "public/b"])
      await publish(publisher, topic, topic, { qos: 1 });
    assert.deepEqual(payloads(await drain(bob)), ["public/a", "public/b"]);
    assert.deepEqual(payloads(await drain(alice)), ["public/a", "staff/plan", "public/b"]);
    assert.equal(h.broker.broker.metrics.denied.receive, deniedBefore + 5, "3 for bob, 2 for alice");
    assert.equal(h.broker.broker.metrics.dropped["not-authorized"], droppedBefore + 5);
  });

  it("retained messages obey the receive rules", async () => {
    const publisher = await h.connect("alice");
    for (const topic of ["public/r", "staff/r", "staff/salaries/r", "private/r"])
      await publish(publisher, topic, topic, { qos: 1, retain: true });
    const bob = await h.connect("bob");
    await subscribe(bob, [sub("#", 1)]);
    assert.deepEqual(payloads(await drain(bob)).sort(), ["public/r"]);
    const alice = await h.connect("alice", { clientId: "alice-2" });
    await subscribe(alice, [sub("#", 1)]);
    assert.deepEqual(payloads(await drain(alice)).sort(), ["public/r", "staff/r"]);
    for (const topic of ["public/r", "staff/r", "staff/salaries/r", "private/r"])
      await publish(publisher, topic, "", { qos: 1, retain: true });
  });

  it("queued messages are checked when they are sent, against the rules in force then", async () => {
    const persistent = { clientId: "queued", cleanStart: false, properties: { sessionExpiryInterval: 60 } };
    const bob = await h.connect("bob", persistent);
    await subscribe(bob, [sub("#", 1)]);
    bob.destroy();
    const publisher = await h.connect("alice");
    await publish(publisher, "public/q1", "public/q1", { qos: 1 });
    await publish(publisher, "staff/q2", "staff/q2", { qos: 1 });
    const back = await h.connect("bob", persistent);
    assert.deepEqual(payloads(await drain(back)), ["public/q1"]);
    back.send({ type: PacketType.DISCONNECT, properties: { sessionExpiryInterval: 0 } });
  });
});

describe("authorization rules replaced at run time", () => {
  const h = new Harness();
  const allowAll: AuthorizationRule[] = [{ effect: "allow", action: "all", topic: "#" }];
  before(() => h.start(allowAll));
  afterEach(() => {
    h.closeClients();
    h.broker.broker.guard.rules.setRules(allowAll);
  });
  after(() => h.stop());

  it("cached publish and receive decisions are forgotten when the rules change", async () => {
    const subscriber = await h.connect("bob");
    await subscribe(subscriber, [sub("feed/#", 1)]);
    const publisher = await h.connect("alice");
    assert.equal(await publishCode(publisher, "feed/a", "1"), 0);
    assert.equal(await publishCode(publisher, "feed/b", "1"), 0);
    assert.deepEqual(payloads(await drain(subscriber)), ["1", "1"]);
    const generation = h.broker.broker.guard.rules.generation;
    h.broker.broker.guard.rules.setRules([
      ...allowAll,
      { id: "stop-a", effect: "deny", action: "publish", topic: "feed/a" },
      { id: "hide-b", effect: "deny", action: "receive", topic: "feed/b" },
    ]);
    assert.equal(h.broker.broker.guard.rules.generation, generation + 1);
    assert.equal(await publishCode(publisher, "feed/a", "2"), 0x87, "the cached allow is gone");
    assert.equal(await publishCode(publisher, "feed/b", "2"), 0, "publishing b is still allowed");
    assert.deepEqual(
      publishes(await drain(subscriber)),
      [],
      "receiving b is not, on the existing subscription",
    );
    h.broker.broker.guard.rules.setRules(allowAll);
    assert.equal(await publishCode(publisher, "feed/a", "3"), 0);
    assert.deepEqual(payloads(await drain(subscriber)), ["3"]);
  });

  it("invalid rules are refused and the rules in force are kept", () => {
    const rules = h.broker.broker.guard.rules;
    assert.throws(
      () => rules.setRules([{ effect: "allow", action: "all", topic: "a/#/b" }]),
      /Cannot set the authorization rules: rules\[0\]\.topic/,
    );
    assert.throws(
      () => rules.setRules([{ effect: "allow", action: "all", topic: "x", tenant: "a/b" }]),
      /tenant/,
    );
    assert.deepEqual(rules.rules, allowAll);
  });
});

describe("denied PUBLISH that cannot carry a reason code (authorization.deniedPublish)", () => {
  const rules: AuthorizationRule[] = [{ effect: "allow", action: "all", topic: "ok/#" }];

  for (const policy of ["drop", "disconnect"] as const) {
    describe(`deniedPublish: ${policy}`, () => {
      const h = new Harness();
      before(() => h.start(rules, policy === "drop" ? {} : { deniedPublish: "disconnect" }));
      afterEach(() => h.closeClients());
      after(() => h.stop());

      for (const qos of [0, 1, 2] as const) {
        it(`[MQTT-3.3.5-2] a denied v3.1.1 PUBLISH at QoS ${qos} is ${policy === "drop" ? "acknowledged as usual and dropped" : "answered by closing the connection"}`, async () => {
          const subscriber = await h.connect("bob", { protocolVersion: 4 });
          assert.deepEqual(
            (await subscribe(subscriber, [sub("ok/#", 2), sub("denied/#", 2)])).reasonCodes,
            [2, 0x80],
          );
          const client = await h.connect("alice", { protocolVersion: 4 });
          if (policy === "drop") {
            await publish(client, "denied/x", "x", { qos });
            await publish(client, "ok/x", "ok", { qos: 1 });
            assert.deepEqual(
              payloads(await drain(subscriber)),
              ["ok"],
              "only the allowed message is forwarded",
            );
            assert.ok(!client.closed);
          } else {
            const packet = {
              type: PacketType.PUBLISH,
              topic: "denied/x",
              payload: bytes("x"),
              qos,
              retain: false,
              dup: false,
            } as const;
            client.send(qos === 0 ? packet : { ...packet, packetId: 1 });
            await expectClosedWith(client, 4, 0x87);
          }
        });
      }

      it(`v5 QoS 0: ${policy === "drop" ? "dropped" : "DISCONNECT 0x87"}`, async () => {
        const client = await h.connect("alice");
        client.send({
          type: PacketType.PUBLISH,
          topic: "denied/x",
          payload: bytes("x"),
          qos: 0,
          retain: false,
          dup: false,
        });
        if (policy === "drop") {
          assert.equal(await publishCode(client, "ok/x", "1"), 0x10, "still connected");
        } else {
          await expectClosedWith(client, 5, 0x87);
        }
      });

      it("v5 QoS 1 and 2: PUBACK / PUBREC 0x87, and the client stays connected", async () => {
        const client = await h.connect("alice");
        assert.equal(await publishCode(client, "denied/x", "1", 1), 0x87);
        assert.equal(await publishCode(client, "denied/x", "1", 2), 0x87);
        assert.equal(await publishCode(client, "ok/x", "1", 1), 0x10);
      });
    });
  }
});

describe("the audit log", () => {
  it("logs denials with the rule id, counts what it does not log, and never logs the user name", async () => {
    const lines: Record<string, unknown>[] = [];
    const h = new Harness();
    await h.start(
      [
        { id: "read-only", effect: "deny", action: "publish", topic: "#" },
        { effect: "allow", action: "all", topic: "#" },
      ],
      { auditLogRate: 2 },
    );
    try {
      const audit = h.broker.broker.guard.audit;
      // capture the broker's log lines
      const logger = h.broker.broker.logger;
      const original = logger.warn.bind(logger);
      (logger as { warn: unknown }).warn = (object: Record<string, unknown>) => {
        lines.push(object);
      };
      const client = await h.connect("alice", { clientId: "auditee" });
      for (let i = 0; i < 6; i++) assert.equal(await publishCode(client, `t/${i}`, "x"), 0x87);
      (logger as { warn: unknown }).warn = original;
      assert.equal(audit.total, 6);
      assert.ok(lines.length >= 2 && lines.length < 6, `a sample is logged (${lines.length} lines)`);
      const first = lines[0]!;
      assert.equal(first["audit"], true);
      assert.equal(first["event"], "access.denied");
      assert.equal(first["action"], "publish");
      assert.equal(first["clientId"], "auditee", "the client id as the client sent it");
      assert.equal(first["principal"], "alice");
      assert.equal(first["tenant"], "acme");
      assert.equal(first["topic"], "t/0");
      assert.equal(first["rule"], "read-only");
      assert.equal(first["reason"], "rule");
      assert.ok(!JSON.stringify(lines).includes("username"), "no user name field");
      assert.ok(audit.suppressed > 0 || lines.some((line) => typeof line["suppressed"] === "number"));
    } finally {
      await h.stop();
    }
  });
});

describe("%u is the authenticated name, not the user name sent beside a checked credential", () => {
  const secret = "a-shared-secret-of-at-least-32-bytes!";
  const issuer = "https://issuer.test";
  const token = (subject: string): Promise<string> =>
    signToken({ alg: "HS256", key: new TextEncoder().encode(secret), issuer, subject });
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    broker = await startTestBroker({
      config: {
        auth: { allowAnonymous: false, jwt: { providers: [{ name: "hs", issuer, secret }] } },
        authorization: { rules: [{ id: "user-inbox", effect: "allow", action: "all", topic: "users/%u/#" }] },
      },
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  it("a token of alice sent with the user name bob gets alice's subtree, not bob's", async () => {
    // a token is checked whatever the user name: the name beside it proves nothing
    const alice = await RawClient.connected(broker.port, {
      protocolVersion: 5,
      username: "bob",
      password: bytes(await token("alice")),
    });
    clients.push(alice);
    assert.equal(await publishCode(alice, "users/alice/x", "1"), 0x10);
    assert.equal(await publishCode(alice, "users/bob/x", "1"), 0x87);
    const suback = await subscribe(alice, [sub("users/bob/#", 1), sub("users/alice/#", 1)]);
    assert.deepEqual(suback.reasonCodes, [0x87, 1]);
  });
});

describe("configuration of the rules", () => {
  it("rejects a rule whose topic is not a valid filter, naming the key", async () => {
    await assert.rejects(
      startTestBroker({
        config: { authorization: { rules: [{ effect: "allow", action: "all", topic: "a/b#" }] } },
      }),
      /authorization\.rules\[0\]\.topic/,
    );
  });

  it("with no rules every request is allowed, as before rules existed", async () => {
    const broker = await startTestBroker();
    try {
      const subscriber = await RawClient.connected(broker.port, { protocolVersion: 5 });
      await subscribe(subscriber, [sub("#", 1), sub("$foo/#", 1)]);
      const client = await RawClient.connected(broker.port, { protocolVersion: 5 });
      assert.equal(await publishCode(client, "anything/at/all", "x"), 0);
      assert.equal(text((await receive(subscriber)).payload), "x");
      subscriber.destroy();
      client.destroy();
    } finally {
      await broker.stop();
    }
  });

  it("noMatch: allow turns the rules into a deny-list", async () => {
    const h = new Harness();
    await h.start([{ effect: "deny", action: "publish", topic: "locked/#" }], { noMatch: "allow" });
    try {
      const client = await h.connect("bob");
      assert.equal(await publishCode(client, "anything", "x"), 0x10);
      assert.equal(await publishCode(client, "locked/door", "x"), 0x87);
    } finally {
      await h.stop();
    }
  });
});
