/**
 * Interop with MQTT.js (v5.x), protocol versions 4 (3.1.1) and 5, over TCP and over WebSocket
 * (path /mqtt, subprotocol "mqtt"): the client library must be able to use every everyday feature of
 * the broker.
 * @module
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { connectAsync, type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import { connectWithInbox, type ConnectedClient } from "../helpers/mqttjs.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

type Version = 4 | 5;
type Transport = "tcp" | "ws";

let sequence = 0;
/** A unique name for topics and client ids. */
function unique(prefix: string): string {
  return `${prefix}-${++sequence}-${Math.random().toString(36).slice(2, 8)}`;
}

describe("MQTT.js interop", () => {
  let broker: TestBroker;
  const clients: MqttClient[] = [];

  before(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  });
  after(() => broker.stop());

  for (const transport of ["tcp", "ws"] as const satisfies readonly Transport[]) {
    for (const version of [4, 5] as const satisfies readonly Version[]) {
      describe(`MQTT.js protocolVersion ${version} over ${transport === "tcp" ? "TCP" : "WebSocket"}`, () => {
        const v5 = version === 5;
        const url = (): string => (transport === "tcp" ? broker.url : broker.wsUrl);
        const base = (): string => `${transport}/v${version}`;

        function options(extra: IClientOptions = {}): IClientOptions {
          return {
            protocolVersion: version,
            clientId: unique("mqttjs"),
            reconnectPeriod: 0,
            connectTimeout: 3000,
            ...extra,
          };
        }

        /** A client whose messages are collected from the start. */
        async function subscriber(extra: IClientOptions = {}): Promise<ConnectedClient> {
          const connected = await connectWithInbox(url(), options(extra));
          clients.push(connected.client);
          return connected;
        }

        /** A client that only publishes. */
        async function publisher(extra: IClientOptions = {}): Promise<MqttClient> {
          const client = await connectAsync(url(), options(extra), false);
          clients.push(client);
          return client;
        }

        it(`[MQTT-3.2.0-1] connects and gets a successful CONNACK (sessionPresent 0 for a clean session) [MQTT-3.2.2-${v5 ? "2" : "1"}]`, async () => {
          const { client, connack } = await subscriber();
          assert.equal(client.connected, true);
          assert.equal(connack.sessionPresent, false);
          if (v5) assert.equal(connack.reasonCode, 0);
          else assert.equal(connack.returnCode, 0);
        });

        it(`[MQTT-3.3.4-1] publish at QoS 0, 1 and 2 reaches a QoS 2 subscriber at the publish QoS [MQTT-3.8.4-${v5 ? "8" : "6"}]`, async () => {
          const topic = `${base()}/${unique("qos")}`;
          const { client: sub, inbox } = await subscriber();
          const granted = await sub.subscribeAsync(`${topic}/#`, { qos: 2 });
          assert.deepEqual(
            granted.map((g) => g.qos),
            [2],
          );
          const pub = await publisher();
          for (const qos of [0, 1, 2] as const) {
            await pub.publishAsync(`${topic}/q${qos}`, `payload ${qos}`, { qos });
          }
          const messages = await inbox.take(3);
          assert.deepEqual(
            messages.map((m) => [m.topic, m.payload, m.packet.qos, m.packet.retain]),
            [
              [`${topic}/q0`, "payload 0", 0, false],
              [`${topic}/q1`, "payload 1", 1, false],
              [`${topic}/q2`, "payload 2", 2, false],
            ],
          );
        });

        it(`[MQTT-3.8.4-${v5 ? "8" : "6"}] a QoS 2 publish to a QoS 1 subscription is delivered at QoS 1, and QoS 1 to a QoS 0 one at QoS 0`, async () => {
          const topic = `${base()}/${unique("downgrade")}`;
          const { client: sub, inbox } = await subscriber();
          await sub.subscribeAsync({ [`${topic}/one`]: { qos: 1 }, [`${topic}/zero`]: { qos: 0 } });
          const pub = await publisher();
          await pub.publishAsync(`${topic}/one`, "two-to-one", { qos: 2 });
          await pub.publishAsync(`${topic}/zero`, "one-to-zero", { qos: 1 });
          const [first, second] = await inbox.take(2);
          assert.deepEqual([first?.payload, first?.packet.qos], ["two-to-one", 1]);
          assert.deepEqual([second?.payload, second?.packet.qos], ["one-to-zero", 0]);
        });

        it(`${v5 ? "[MQTT-3.3.1-9]" : "[MQTT-3.3.1-6] [MQTT-3.3.1-8]"} a retained message is sent on subscribe with RETAIN 1; an empty retained message clears it [MQTT-3.3.1-${v5 ? "6" : "10"}]`, async () => {
          const topic = `${base()}/${unique("retained")}`;
          const pub = await publisher();
          await pub.publishAsync(topic, "kept", { qos: 1, retain: true });
          const { client: sub, inbox } = await subscriber();
          await sub.subscribeAsync(topic, { qos: 1 });
          const retained = await inbox.next();
          assert.deepEqual(
            [retained.topic, retained.payload, retained.packet.retain, retained.packet.qos],
            [topic, "kept", true, 1],
          );
          // A live message on the same subscription is not flagged as retained
          await pub.publishAsync(topic, "live", { qos: 1, retain: false });
          const live = await inbox.next();
          assert.deepEqual([live.payload, live.packet.retain], ["live", false]);
          // Clearing: a later subscriber gets nothing
          await pub.publishAsync(topic, "", { qos: 1, retain: true });
          const { client: late, inbox: lateInbox } = await subscriber();
          await late.subscribeAsync(topic, { qos: 1 });
          await lateInbox.expectNothing(200);
        });

        it("[MQTT-3.1.2-8] the Will Message is published when the client's connection is lost", async () => {
          const topic = `${base()}/${unique("will")}`;
          const { client: watcher, inbox } = await subscriber();
          await watcher.subscribeAsync(topic, { qos: 1 });
          const dying = await publisher({
            will: { topic, payload: Buffer.from("gone"), qos: 1, retain: false },
          });
          dying.stream.destroy();
          const will = await inbox.next();
          assert.deepEqual([will.topic, will.payload, will.packet.qos], [topic, "gone", 1]);
        });

        it(`[MQTT-3.14.4-3] the Will Message is not published after a normal DISCONNECT (${v5 ? "reason 0x00" : "DISCONNECT"})`, async () => {
          const topic = `${base()}/${unique("no-will")}`;
          const { client: watcher, inbox } = await subscriber();
          await watcher.subscribeAsync(topic, { qos: 1 });
          const leaving = await publisher({
            will: { topic, payload: Buffer.from("gone"), qos: 1, retain: false },
          });
          await leaving.endAsync();
          await inbox.expectNothing(250);
        });

        it(`${v5 ? "[MQTT-3.1.2-23]" : "[MQTT-3.1.2-4] [MQTT-3.1.2-5]"} a persistent session receives the QoS 1 messages queued while it was offline, after reconnecting [MQTT-3.2.2-${v5 ? "3" : "2"}]`, async () => {
          const topic = `${base()}/${unique("persistent")}`;
          const clientId = unique("persistent");
          const persistent: IClientOptions = v5
            ? { clientId, clean: false, properties: { sessionExpiryInterval: 60 } }
            : { clientId, clean: false };
          // v5 starts clean (Clean Start 1) with a Session Expiry Interval, so the session outlives the connection
          const first = await subscriber(v5 ? { ...persistent, clean: true } : persistent);
          await first.client.subscribeAsync(topic, { qos: 1 });
          await first.client.endAsync();
          const pub = await publisher();
          for (let i = 1; i <= 3; i++) await pub.publishAsync(topic, `queued ${i}`, { qos: 1 });
          const again = await subscriber(persistent);
          assert.equal(again.connack.sessionPresent, true);
          const messages = await again.inbox.take(3);
          assert.deepEqual(
            messages.map((m) => [m.payload, m.packet.qos]),
            [
              ["queued 1", 1],
              ["queued 2", 1],
              ["queued 3", 1],
            ],
          );
          // Clean up the session for good
          await again.client.endAsync();
          const cleaner = await subscriber({ clientId, clean: true });
          assert.equal(cleaner.connack.sessionPresent, false);
        });

        it("[MQTT-3.10.4-2] after UNSUBSCRIBE no more messages arrive for the filter; other subscriptions keep working", async () => {
          const topic = `${base()}/${unique("unsub")}`;
          const { client: sub, inbox } = await subscriber();
          await sub.subscribeAsync({ [`${topic}/gone`]: { qos: 1 }, [`${topic}/kept`]: { qos: 1 } });
          const pub = await publisher();
          await pub.publishAsync(`${topic}/gone`, "before", { qos: 1 });
          assert.equal((await inbox.next()).payload, "before");
          const unsuback = await sub.unsubscribeAsync(`${topic}/gone`);
          assert.equal(unsuback?.cmd, "unsuback");
          await pub.publishAsync(`${topic}/gone`, "after", { qos: 1 });
          await pub.publishAsync(`${topic}/kept`, "control", { qos: 1 });
          const next = await inbox.next();
          assert.equal(next.payload, "control");
          await inbox.expectNothing(100);
        });

        it(`[spec 4.8.2] a shared subscription delivers each message to one member, round robin${v5 ? "" : " (an MQTT 5 feature the broker also offers 3.1.1 clients)"}`, async () => {
          const topic = `${base()}/${unique("shared")}`;
          const filter = `$share/${unique("group")}/${topic}`;
          const a = await subscriber();
          const b = await subscriber();
          await a.client.subscribeAsync(filter, { qos: 1 });
          await b.client.subscribeAsync(filter, { qos: 1 });
          const pub = await publisher();
          for (let i = 0; i < 6; i++) await pub.publishAsync(topic, `m${i}`, { qos: 1 });
          const [fromA, fromB] = await Promise.all([a.inbox.take(3), b.inbox.take(3)]);
          const received = [...fromA, ...fromB].map((m) => m.payload).sort();
          assert.deepEqual(received, ["m0", "m1", "m2", "m3", "m4", "m5"]);
          const aIndexes = fromA.map((m) => Number(m.payload.slice(1)) % 2);
          const bIndexes = fromB.map((m) => Number(m.payload.slice(1)) % 2);
          assert.equal(
            new Set(aIndexes).size,
            1,
            `member A got ${fromA.map((m) => m.payload).join(",")}: not every other message`,
          );
          assert.equal(
            new Set(bIndexes).size,
            1,
            `member B got ${fromB.map((m) => m.payload).join(",")}: not every other message`,
          );
          await Promise.all([a.inbox.expectNothing(50), b.inbox.expectNothing(50)]);
        });

        if (v5) {
          it("[MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-18] [MQTT-3.3.2-20] [MQTT-3.3.2-4] user properties, response topic, correlation data, content type and payload format reach the subscriber unaltered", async () => {
            const topic = `${base()}/${unique("props")}`;
            const { client: sub, inbox } = await subscriber();
            await sub.subscribeAsync(topic, { qos: 1 });
            const pub = await publisher();
            await pub.publishAsync(topic, "{}", {
              qos: 1,
              properties: {
                userProperties: { first: "1", repeated: ["a", "b"], last: "z" },
                responseTopic: `${topic}/reply`,
                correlationData: Buffer.from([0, 1, 2, 255]),
                contentType: "application/json",
                payloadFormatIndicator: true,
              },
            });
            const message = await inbox.next();
            const properties = message.packet.properties;
            assert.ok(properties, "the message has no properties");
            assert.deepEqual(
              { ...properties.userProperties },
              { first: "1", repeated: ["a", "b"], last: "z" },
            );
            assert.deepEqual(Object.keys(properties.userProperties ?? {}), ["first", "repeated", "last"]);
            assert.equal(properties.responseTopic, `${topic}/reply`);
            assert.deepEqual([...(properties.correlationData ?? [])], [0, 1, 2, 255]);
            assert.equal(properties.contentType, "application/json");
            assert.equal(properties.payloadFormatIndicator, true);
          });

          it("[MQTT-3.3.2-6] the Message Expiry Interval is forwarded, reduced by the time the message waited", async () => {
            const topic = `${base()}/${unique("expiry")}`;
            const { client: sub, inbox } = await subscriber();
            await sub.subscribeAsync(topic, { qos: 1 });
            const pub = await publisher();
            await pub.publishAsync(topic, "expiring", { qos: 1, properties: { messageExpiryInterval: 60 } });
            const expiry = (await inbox.next()).packet.properties?.messageExpiryInterval;
            assert.ok(
              expiry !== undefined && expiry <= 60 && expiry >= 59,
              `messageExpiryInterval ${String(expiry)}`,
            );
          });

          it("[MQTT-3.3.4-3] [MQTT-3.3.4-4] the Subscription Identifier of each matching subscription comes with the message", async () => {
            const topic = `${base()}/${unique("subid")}`;
            const { client: sub, inbox } = await subscriber();
            await sub.subscribeAsync(`${topic}/+`, { qos: 1, properties: { subscriptionIdentifier: 7 } });
            await sub.subscribeAsync(`${topic}/#`, { qos: 1, properties: { subscriptionIdentifier: 300 } });
            const pub = await publisher();
            await pub.publishAsync(`${topic}/x`, "both", { qos: 1 });
            // One copy carrying both identifiers, or one copy per subscription [MQTT-3.3.4-5]
            const first = await inbox.next();
            const second = await inbox.next(300).catch(() => undefined);
            const ids = [first, second].flatMap((m) => {
              const id = m?.packet.properties?.subscriptionIdentifier;
              return id === undefined ? [] : Array.isArray(id) ? id : [id];
            });
            assert.deepEqual(
              ids.sort((x, y) => x - y),
              [7, 300],
            );
          });

          it("[MQTT-3.3.2-12] a topic alias set by the client is accepted and resolved for subscribers", async () => {
            const topic = `${base()}/${unique("alias")}`;
            const { client: sub, inbox } = await subscriber();
            await sub.subscribeAsync(topic, { qos: 1 });
            const { client: pub, connack } = await subscriber({ autoUseTopicAlias: true });
            const maximum = connack.properties?.topicAliasMaximum ?? 0;
            assert.ok(maximum >= 1, `CONNACK Topic Alias Maximum is ${maximum}`);
            const sent: IPublishPacket[] = [];
            pub.on("packetsend", (packet) => {
              if (packet.cmd === "publish") sent.push({ ...packet, properties: { ...packet.properties } });
            });
            await pub.publishAsync(topic, "with topic", { qos: 1, properties: { topicAlias: 1 } });
            await pub.publishAsync(topic, "alias only", { qos: 1 });
            assert.deepEqual(
              sent.map((p) => [p.topic, p.properties?.topicAlias]),
              [
                [topic, 1],
                ["", 1],
              ],
              "MQTT.js did not send the second PUBLISH with the alias alone",
            );
            const messages = await inbox.take(2);
            assert.deepEqual(
              messages.map((m) => [m.topic, m.payload]),
              [
                [topic, "with topic"],
                [topic, "alias only"],
              ],
            );
          });

          it("[MQTT-3.8.3-3] No Local: the publisher's own message is not delivered back to it", async () => {
            const topic = `${base()}/${unique("nolocal")}`;
            const { client, inbox } = await subscriber();
            await client.subscribeAsync(topic, { qos: 1, nl: true });
            const { client: other, inbox: otherInbox } = await subscriber();
            await other.subscribeAsync(topic, { qos: 1 });
            await client.publishAsync(topic, "mine", { qos: 1 });
            assert.equal((await otherInbox.next()).payload, "mine");
            await inbox.expectNothing(150);
          });
        }
      });
    }
  }
});
