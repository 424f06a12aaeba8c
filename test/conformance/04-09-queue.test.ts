/**
 * Session queues (spec 4.1, 4.5, 4.9): messages for an offline persistent session, the queue bounds
 * (queue.maxMessages, queue.maxBytes) with the "drop-new" and "drop-old" overflow policies and their
 * counters, QoS 0 handling (queue.queueQos0), and a slow consumer (mqtt.writeHighWaterMark).
 */

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { PacketType } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { startTestBroker, type TestBroker, type TestBrokerOptions } from "../helpers/test-broker.js";
import {
  Clients,
  payloads,
  persistent,
  publish,
  receive,
  subscribe,
  tag,
  uid,
  VERSIONS,
  waitOffline,
  type TestVersion,
} from "./publish-helpers.js";

/** A persistent subscriber goes offline; `whileOffline` publishes; returns what it gets on reconnection. */
async function offlineRound(
  broker: TestBroker,
  clients: Clients,
  version: TestVersion,
  whileOffline: (topic: string) => Promise<void>,
  expected: number,
): Promise<PublishPacket[]> {
  const topic = uid("off");
  const clientId = uid("off-sub");
  const sub = await clients.connect(broker.port, persistent(version, clientId));
  await subscribe(sub, topic, 2);
  await sub.disconnect();
  await waitOffline(broker, clientId);
  await whileOffline(topic);
  const again = await clients.connect(broker.port, persistent(version, clientId));
  const got = await receive(again, expected);
  await again.expectNothing(150);
  return got;
}

function queueSuite(
  name: string,
  options: TestBrokerOptions,
  body: (ctx: () => TestBroker, clients: Clients) => void,
): void {
  describe(name, () => {
    let broker: TestBroker;
    const clients = new Clients();
    before(async () => {
      broker = await startTestBroker(options);
    });
    afterEach(() => clients.closeAll());
    after(() => broker.stop());
    body(() => broker, clients);
  });
}

queueSuite("offline queue, defaults (queue.queueQos0 false)", {}, (broker, clients) => {
  for (const version of VERSIONS) {
    const v = `(v${version === 5 ? "5" : "3.1.1"})`;
    it(`${tag(version, "[MQTT-3.1.2-5]", "[MQTT-4.5.0-1] [spec 4.1]")} QoS 1 and 2 messages are kept for an offline persistent session and delivered on reconnection; QoS 0 is not ${v}`, async () => {
      const before = broker().broker.metrics.dropped["offline-qos0"];
      const got = await offlineRound(
        broker(),
        clients,
        version,
        async (topic) => {
          const pub = await clients.connect(broker().port, { protocolVersion: version });
          await publish(pub, topic, "q0", 0);
          await publish(pub, topic, "q1", 1);
          await publish(pub, topic, "q2", 2);
        },
        2,
      );
      assert.deepEqual(
        got.map((p) => `${payloads([p])[0]}@${p.qos}`),
        ["q1@1", "q2@2"],
      );
      assert.equal(broker().broker.metrics.dropped["offline-qos0"], before + 1);
    });
  }
});

queueSuite(
  "offline queue, queue.queueQos0 true",
  { config: { queue: { queueQos0: true } } },
  (broker, clients) => {
    for (const version of VERSIONS) {
      it(`[spec 4.1] with queue.queueQos0, QoS 0 messages are queued too, in publish order (v${version === 5 ? "5" : "3.1.1"})`, async () => {
        const got = await offlineRound(
          broker(),
          clients,
          version,
          async (topic) => {
            const pub = await clients.connect(broker().port, { protocolVersion: version });
            await publish(pub, topic, "a", 0);
            await publish(pub, topic, "b", 1);
            await publish(pub, topic, "c", 0);
          },
          3,
        );
        assert.deepEqual(
          got.map((p) => `${payloads([p])[0]}@${p.qos}`),
          ["a@0", "b@1", "c@0"],
        );
      });
    }
  },
);

const overflowCases = [
  { overflow: "drop-new", limit: { maxMessages: 3 }, survivors: ["m0", "m1", "m2"] },
  { overflow: "drop-old", limit: { maxMessages: 3 }, survivors: ["m2", "m3", "m4"] },
  // a message counts its topic and properties too (about 20 bytes here): 2 of 1000 bytes fit in 2100
  { overflow: "drop-new", limit: { maxBytes: 2100 }, survivors: ["m0", "m1"] },
  { overflow: "drop-old", limit: { maxBytes: 2100 }, survivors: ["m3", "m4"] },
] as const;

for (const c of overflowCases) {
  const limit =
    "maxMessages" in c.limit
      ? `queue.maxMessages ${c.limit.maxMessages}`
      : `queue.maxBytes ${c.limit.maxBytes}`;
  const size = "maxBytes" in c.limit ? 1000 : 4;
  queueSuite(
    `offline queue bound: ${limit}, overflow ${c.overflow}`,
    { config: { queue: { ...c.limit, overflow: c.overflow } } },
    (broker, clients) => {
      for (const version of VERSIONS) {
        it(`[spec 4.9] ${limit} with "${c.overflow}": 5 messages of ${size} bytes leave ${c.survivors.join(", ")}; metrics.dropped["queue-full"] counts the rest (v${version === 5 ? "5" : "3.1.1"})`, async () => {
          const before = broker().broker.metrics.dropped["queue-full"];
          const got = await offlineRound(
            broker(),
            clients,
            version,
            async (topic) => {
              const pub = await clients.connect(broker().port, { protocolVersion: version });
              for (let i = 0; i < 5; i++)
                await publish(pub, topic, `m${i}`.padEnd(size, "_"), 1, { packetId: i + 1 });
            },
            c.survivors.length,
          );
          assert.deepEqual(
            payloads(got).map((p) => p.replace(/[x_]+$/, "")),
            c.survivors,
          );
          assert.equal(broker().broker.metrics.dropped["queue-full"], before + 5 - c.survivors.length);
        });
      }

      it(`[spec 4.9] ${limit} with "${c.overflow}" also bounds what waits behind a full in-flight window of an online client (v5)`, async () => {
        const topic = uid("online");
        const sub = await clients.connect(broker().port, {
          protocolVersion: 5,
          properties: { receiveMaximum: 1 },
        });
        await subscribe(sub, topic, 1);
        const pub = await clients.connect(broker().port, { protocolVersion: 5 });
        for (let i = 0; i < 6; i++)
          await publish(pub, topic, `m${i}`.padEnd(size, "_"), 1, { packetId: i + 1 });
        const expected = ["m0", ...c.survivors.map((m) => `m${Number(m.slice(1)) + 1}`)];
        const got = await receive(sub, expected.length);
        assert.deepEqual(
          payloads(got).map((p) => p.replace(/_+$/, "")),
          expected,
        );
        await sub.expectNothing(150);
      });
    },
  );
}

queueSuite(
  "offline queue bound: queue.maxBytes counts the whole message",
  { config: { queue: { maxBytes: 100_000 } } },
  (broker, clients) => {
    it("[spec 4.9] queue.maxBytes counts user properties: messages with empty payloads and 40 kB of them do not fill an offline queue for free (v5)", async () => {
      const before = broker().broker.metrics.dropped["queue-full"];
      const userProperties: [string, string][] = [["k", "v".repeat(40_000)]];
      const got = await offlineRound(
        broker(),
        clients,
        5,
        async (topic) => {
          const pub = await clients.connect(broker().port, { protocolVersion: 5 });
          for (let i = 0; i < 5; i++)
            await publish(pub, topic, "", 1, { packetId: i + 1, properties: { userProperties } });
        },
        2,
      );
      assert.equal(got.length, 2, "two messages of ~40 kB fit in 100,000 bytes");
      assert.deepEqual(got[0]!.properties?.userProperties, userProperties);
      assert.equal(broker().broker.metrics.dropped["queue-full"], before + 3);
    });
  },
);

queueSuite(
  "slow consumer, mqtt.writeHighWaterMark 1024",
  { config: { mqtt: { writeHighWaterMark: 1024 } } },
  (broker, clients) => {
    for (const size of [64 * 1024, 4 * 1024]) {
      it(`[spec 4.9] a subscriber that stops reading loses QoS 0 messages (metrics.dropped["slow-consumer"]) while QoS 1 messages wait and all arrive once it reads again (${size / 1024} KiB payloads, v5)`, async () => {
        const topic = uid("slow");
        const sub = await clients.connect(broker().port, { protocolVersion: 5 });
        await subscribe(sub, topic, 1);
        const pub = await clients.connect(broker().port, { protocolVersion: 5 });
        const payload = new Uint8Array(size).fill(0x61);
        const dropped = (): number => broker().broker.metrics.dropped["slow-consumer"];
        const before = dropped();
        // baseline: while the subscriber reads, paced QoS 0 messages all arrive
        for (let i = 0; i < 10; i++) {
          await publish(pub, topic, payload, 0);
          await receive(sub, 1);
        }
        assert.equal(dropped(), before, "no drops while the subscriber reads");

        // the subscriber stops reading: paced QoS 0 messages fill the socket buffers until one is dropped
        sub.socket.pause();
        let sent = 0;
        while (dropped() === before) {
          assert.ok(sent < 20_000, "no QoS 0 message was dropped although the subscriber stopped reading");
          await publish(pub, topic, payload, 0);
          sent++;
        }
        for (let i = 0; i < 20; i++) await publish(pub, topic, payload, 0);
        sent += 20;
        for (let i = 0; i < 5; i++) await publish(pub, topic, `q1-${i}`, 1, { packetId: i + 1 });
        const lost = dropped() - before;
        assert.ok(lost >= 20, `only ${lost} of the QoS 0 messages sent while full were dropped`);

        sub.socket.resume();
        let q0 = 0;
        const q1: string[] = [];
        while (q1.length < 5) {
          const packet = await sub.next(3000).catch((error: unknown) => {
            throw new Error(
              `after resuming, ${q1.length} of 5 QoS 1 messages arrived (${q0} QoS 0): ${String(error)}`,
            );
          });
          assert.equal(packet.type, PacketType.PUBLISH);
          if (packet.qos === 0) q0++;
          else {
            q1.push(payloads([packet])[0]!);
            sub.send({ type: PacketType.PUBACK, packetId: packet.packetId! });
          }
        }
        assert.deepEqual(q1, ["q1-0", "q1-1", "q1-2", "q1-3", "q1-4"]);
        assert.equal(q0 + lost, sent, "every QoS 0 message was either delivered or counted as dropped");
        // the connection is usable again: a new QoS 0 message arrives
        await publish(pub, topic, "after", 0);
        assert.deepEqual(payloads(await receive(sub, 1)), ["after"]);
      });
    }
  },
);
