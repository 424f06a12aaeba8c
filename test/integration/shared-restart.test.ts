import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { IClientOptions, MqttClient } from "mqtt";
import type { Session } from "../../src/session/session.js";
import { MemoryStore } from "../../src/storage/memory/memory-store.js";
import { connectWithInbox, type ConnectedClient } from "../helpers/mqttjs.js";
import { delay } from "../helpers/raw-client.js";
import { restartHarness } from "../helpers/restart-harness.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import { tenantAuthenticator } from "../security/tenant-authenticator.js";

/**
 * Shared subscriptions across a restart (spec 4.8.2), with MQTT.js clients, on the memory store (same
 * instance) and on the same SQLite file: what a member's persistent session held for its group when the
 * broker stopped (sent and not acknowledged, or queued) goes to another member of that group when the
 * session ends after the restart, by a Clean Start or by its expiry, as it would without the restart;
 * and only to a member of that group (of the same tenant). An entry whose group has no member left at
 * the restart stays with its session.
 */

const harness = restartHarness("shared-restart");
const { stop } = harness;

/** acme's users, one of globex; clients without a user name are the default tenant's. */
const USERS = {
  a1: { tenant: "acme" },
  a2: { tenant: "acme" },
  a3: { tenant: "acme" },
  g1: { tenant: "globex" },
};
const authenticator = tenantAuthenticator(USERS, { anonymous: true });

const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

interface Kind {
  readonly name: string;
  /** A broker on the kind's state (a new one each time: a restart on the same state). */
  start(): Promise<TestBroker>;
}

const kinds: readonly (() => Kind)[] = [
  () => {
    const store = new MemoryStore();
    return {
      name: "memory store (same instance)",
      start: async () => harness.track(await startTestBroker({ store, authenticators: [authenticator] })),
    };
  },
  () => {
    const path = harness.dataDir();
    return {
      name: "SQLite (same file)",
      start: async () =>
        harness.track(
          await startTestBroker({
            config: { storage: { kind: "sqlite", path, commitInterval: 2 } },
            authenticators: [authenticator],
          }),
        ),
    };
  },
];

let sequence = 0;
/** A unique name for topics and client ids. */
function unique(prefix: string): string {
  return `${prefix}-${++sequence}-${Math.random().toString(36).slice(2, 8)}`;
}

async function connect(broker: TestBroker, options: IClientOptions): Promise<ConnectedClient> {
  const connected = await connectWithInbox(broker.url, { protocolVersion: 5, ...options });
  clients.push(connected.client);
  return connected;
}

/** A v5 session of `username` that outlives its connection by `expiry` seconds. */
function persistent(username: string, clientId: string, clean: boolean, expiry = 3600): IClientOptions {
  return { username, clientId, clean, properties: { sessionExpiryInterval: expiry } };
}

/** The session of an acme client. */
function acmeSession(broker: TestBroker, clientId: string): Session | undefined {
  return broker.broker.sessions.get(`$t/acme/${clientId}`);
}

async function waitFor(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

const MESSAGES = ["m1", "m2", "m3", "m4", "m5"];

/**
 * An MQTT.js ack handler that never acknowledges: told of an error, MQTT.js sends no PUBACK and goes on
 * reading (a handler that never answers would stop it reading, so an UNSUBACK would never arrive).
 */
const withholdAck: NonNullable<IClientOptions["customHandleAcks"]> = (_topic, _message, _packet, ack) =>
  ack(new Error("withheld"));

/**
 * Before the restart: member B (acme) subscribes and goes offline; member A (acme, session expiry
 * `expiry`, Receive Maximum 2) subscribes and never acknowledges; five QoS 1 messages then all go to A,
 * the only connected member: two in flight, three queued. The broker stops with them.
 */
async function memberHoldsMessages(
  broker: TestBroker,
  ids: { readonly a: string; readonly b: string },
  topic: string,
  expiry: number,
): Promise<void> {
  const filter = `$share/g/${topic}`;
  const b = await connect(broker, persistent("a2", ids.b, true));
  await b.client.subscribeAsync(filter, { qos: 1 });
  await b.client.endAsync();
  const a = await connect(broker, {
    ...persistent("a1", ids.a, true),
    properties: { sessionExpiryInterval: expiry, receiveMaximum: 2 },
    customHandleAcks: withholdAck,
  });
  await a.client.subscribeAsync(filter, { qos: 1 });
  const publisher = await connect(broker, { username: "a3", clientId: unique("publisher") });
  for (const m of MESSAGES) await publisher.client.publishAsync(topic, m, { qos: 1 });
  const session = acmeSession(broker, ids.a);
  assert.ok(session !== undefined);
  assert.equal(session.inflight.size, 2, "two sent to A and not acknowledged");
  assert.equal(session.queue.length, 3, "three queued for A");
  await stop(broker);
}

for (const makeKind of kinds) {
  describe(`shared subscriptions across a restart: ${makeKind().name}`, () => {
    it("[spec 4.8.2] a member's session ended by a Clean Start after the restart: its unacknowledged and queued messages go to another member of the group, in order, and not to another tenant's group", async () => {
      const kind = makeKind();
      const topic = unique("jobs");
      const ids = { a: unique("member-a"), b: unique("member-b") };
      await memberHoldsMessages(await kind.start(), ids, topic, 3600);

      const broker = await kind.start();
      const a = acmeSession(broker, ids.a);
      assert.ok(a !== undefined, "A's session is restored");
      assert.deepEqual(
        a.sharedPending().map((d) => d.group?.topicFilter),
        MESSAGES.map(() => `$share/g/$t/acme/${topic}`),
        "each restored entry is back with the live group",
      );
      const b = await connect(broker, persistent("a2", ids.b, false));
      assert.equal(b.connack.sessionPresent, true);
      // the same ShareName and filter in the default tenant and in globex: other groups
      const root = await connect(broker, { clientId: unique("root-member") });
      await root.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
      const globex = await connect(broker, { username: "g1", clientId: unique("globex-member") });
      await globex.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
      await b.inbox.expectNothing(100);

      // [MQTT-3.1.2-4] Clean Start discards A's session: what it held goes to B
      await connect(broker, persistent("a1", ids.a, true, 0));
      const got = await b.inbox.take(MESSAGES.length);
      assert.deepEqual(
        got.map((m) => m.payload),
        MESSAGES,
        "the two in flight, then the queued ones",
      );
      assert.ok(got.every((m) => m.topic === topic && m.packet.qos === 1 && !m.packet.dup));
      await root.inbox.expectNothing();
      await globex.inbox.expectNothing();
    });

    it("[spec 4.8.2] [MQTT-3.1.2-23] a member's session that expires after the restart: its messages go to another member of the group", async () => {
      const kind = makeKind();
      const topic = unique("jobs");
      const ids = { a: unique("member-a"), b: unique("member-b") };
      await memberHoldsMessages(await kind.start(), ids, topic, 2);

      const broker = await kind.start();
      assert.equal(acmeSession(broker, ids.a)?.sharedPending().length, MESSAGES.length);
      const b = await connect(broker, persistent("a2", ids.b, false));
      // A's session expires about 2 s after its disconnection: then B gets what it held
      const got = await b.inbox.take(MESSAGES.length, 6000);
      assert.deepEqual(
        got.map((m) => m.payload),
        MESSAGES,
      );
      assert.equal(acmeSession(broker, ids.a), undefined, "A's session ended");
    });

    it("[spec 4.8.2] an entry whose group has no member left at the restart stays with its session: its client gets it on resuming", async () => {
      const kind = makeKind();
      const topic = unique("jobs");
      const ids = { a: unique("member-a"), b: unique("member-b") };
      const first = await kind.start();
      const filter = `$share/g/${topic}`;
      const a = await connect(first, {
        ...persistent("a1", ids.a, true),
        properties: { sessionExpiryInterval: 3600, receiveMaximum: 2 },
        customHandleAcks: withholdAck,
      });
      await a.client.subscribeAsync(filter, { qos: 1 });
      const publisher = await connect(first, { username: "a3", clientId: unique("publisher") });
      for (const m of MESSAGES) await publisher.client.publishAsync(topic, m, { qos: 1 });
      await a.client.unsubscribeAsync(filter); // the group's only member leaves: the group is gone
      await waitFor(() => acmeSession(first, ids.a)?.subscriptions.size === 0, "the unsubscription");
      await stop(first);

      const broker = await kind.start();
      assert.deepEqual(
        acmeSession(broker, ids.a)?.sharedPending(),
        [],
        "no group to join: the entries are A's alone",
      );
      // a group of that name made after the restart is another group
      const later = await connect(broker, persistent("a2", ids.b, true));
      await later.client.subscribeAsync(filter, { qos: 1 });
      const resumed = await connect(broker, persistent("a1", ids.a, false));
      assert.equal(resumed.connack.sessionPresent, true);
      const got = await resumed.inbox.take(MESSAGES.length);
      assert.deepEqual(
        got.map((m) => m.payload),
        MESSAGES,
      );
      await later.inbox.expectNothing();
    });
  });
}
