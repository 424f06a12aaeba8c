/**
 * `$SYS` topics (MQTT 5.0 and 3.1.1 section 4.7.2: topics beginning with "$" are the server's, and
 * filters starting with a wildcard do not match them [MQTT-4.7.2-1]). Switchboard publishes broker
 * statistics as retained messages every `sys.interval` seconds when a value changed; the names follow
 * Mosquitto's ($SYS/broker/...). The broker here refreshes them every second.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PacketType, type ProtocolVersion } from "../../src/protocol/packet-type.js";
import type { PublishPacket } from "../../src/protocol/packets/publish.js";
import { delay, RawClient, text } from "../helpers/raw-client.js";
import {
  drain,
  publish,
  publishes,
  receive,
  sub,
  subscribe,
  unique,
  waitFor,
} from "../helpers/subscriptions.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";

const SYS = "$SYS/broker/";
/** Longer than one `sys.interval` (1 s), so any pending change has been published. */
const TICK = 1150;

/** Reads a `$SYS/broker/#` subscriber's packets in the background and keeps the latest value of each topic. */
class SysMonitor {
  readonly latest = new Map<string, string>();
  readonly log: PublishPacket[] = [];
  readonly client: RawClient;

  private constructor(client: RawClient) {
    this.client = client;
  }

  static async start(port: number, version: ProtocolVersion = 5): Promise<SysMonitor> {
    const client = await RawClient.connected(port, { protocolVersion: version });
    assert.deepEqual((await subscribe(client, [sub(`${SYS}#`, 0)])).reasonCodes, [0]);
    const monitor = new SysMonitor(client);
    void monitor.#run();
    await waitFor(() => monitor.latest.has(`${SYS}uptime`), "the retained $SYS messages");
    return monitor;
  }

  /** The latest value of `$SYS/broker/<name>` as a number. */
  num(name: string): number {
    const value = this.latest.get(SYS + name);
    assert.ok(value !== undefined, `${SYS}${name} was published`);
    assert.match(value, /^\d+$/, `${SYS}${name} is a count`);
    return Number(value);
  }

  async #run(): Promise<void> {
    for (;;) {
      let packet;
      try {
        packet = await this.client.next(60_000);
      } catch {
        return;
      }
      if (packet.type !== PacketType.PUBLISH) continue;
      this.log.push(packet);
      this.latest.set(packet.topic, text(packet.payload));
    }
  }
}

describe("$SYS topics (sys.interval 1)", () => {
  let broker: TestBroker;
  const clients: RawClient[] = [];
  before(async () => {
    // $SYS is for administrators only: the anonymous clients of this test get the admin role
    broker = await startTestBroker({
      config: { sys: { interval: 1 }, auth: { anonymous: { roles: ["admin"] } } },
    });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await broker.stop();
  });

  async function connect(options: Parameters<typeof RawClient.connected>[1] = {}): Promise<RawClient> {
    const client = await RawClient.connected(broker.port, { protocolVersion: 5, ...options });
    clients.push(client);
    return client;
  }

  async function monitor(version: ProtocolVersion = 5): Promise<SysMonitor> {
    const m = await SysMonitor.start(broker.port, version);
    clients.push(m.client);
    return m;
  }

  for (const version of [4, 5] as const) {
    const v = version === 5 ? "v5" : "v3.1.1";

    it(`[spec 4.7.2] a "$SYS/broker/#" subscriber gets the broker statistics at once, as retained messages (${v})`, async () => {
      const client = await connect({ protocolVersion: version });
      await subscribe(client, [sub(`${SYS}#`, 1)]);
      const all = publishes(await drain(client, 300));
      // The retained messages come first, right after the SUBACK; a refresh may follow (RETAIN=0)
      const firstUpdate = all.findIndex((p) => !p.retain);
      const got = firstUpdate === -1 ? all : all.slice(0, firstUpdate);
      const values = new Map(got.map((p) => [p.topic, text(p.payload)]));
      assert.ok(
        got.every((p) => p.qos === 0 && p.topic.startsWith(SYS)),
        "QoS 0 (as published), $SYS/broker/ topics",
      );
      assert.equal(values.size, got.length, "one retained message per topic");
      assert.match(values.get(`${SYS}version`) ?? "", /^switchboard \d+\.\d+\.\d+/);
      assert.match(values.get(`${SYS}uptime`) ?? "", /^\d+ seconds$/);
      for (const name of [
        "clients/connected",
        "clients/total",
        "clients/maximum",
        "clients/disconnected",
        "messages/received",
        "messages/sent",
        "publish/messages/received",
        "publish/messages/sent",
        "publish/messages/dropped",
        "bytes/received",
        "bytes/sent",
        "subscriptions/count",
        "retained messages/count",
      ]) {
        assert.match(values.get(SYS + name) ?? "(missing)", /^\d+$/, `${SYS}${name}`);
      }
    });

    it(`[MQTT-4.7.2-1] "#", "+/broker/#" and "+/+/uptime" subscribers get no $SYS message while a "$SYS/#" subscriber gets updates (${v})`, async () => {
      const wildcard = await connect({ protocolVersion: version });
      await subscribe(wildcard, ["#", "+/broker/#", "+/+/uptime"]);
      const sys = await connect({ protocolVersion: version });
      await subscribe(sys, ["$SYS/#"]);
      const first = await receive(sys);
      assert.ok(first.retain && first.topic.startsWith(SYS), "the retained $SYS messages come first");
      // Then refreshes, with RETAIN=0 on the established subscription: wait for an uptime one
      const seen: PublishPacket[] = [];
      await waitFor(
        () => seen.some((p) => p.topic === `${SYS}uptime` && !p.retain),
        "an uptime refresh with RETAIN=0",
        3000,
        async () => {
          seen.push(...publishes(await drain(sys, 50)));
        },
      );
      const leaked = publishes(await drain(wildcard, 50)).filter((p) => p.topic.startsWith("$"));
      assert.deepEqual(
        leaked.map((p) => p.topic),
        [],
        "filters starting with a wildcard never match $SYS topics",
      );
    });
  }

  it("[spec 4.7.2] $SYS/broker/uptime counts seconds since the broker started and increases", async () => {
    const m = await monitor();
    const first = Number(/^(\d+) seconds$/.exec(m.latest.get(`${SYS}uptime`) ?? "")?.[1]);
    assert.ok(Number.isInteger(first));
    await waitFor(
      () => Number(/^(\d+)/.exec(m.latest.get(`${SYS}uptime`) ?? "")?.[1]) > first,
      "uptime to increase",
      2500,
    );
  });

  it("[spec 4.7.2] clients/connected, clients/total, clients/disconnected and clients/maximum follow connections", async () => {
    const m = await monitor();
    await delay(TICK);
    const connected = m.num("clients/connected");
    const total = m.num("clients/total");
    const maximum = m.num("clients/maximum");
    assert.ok(connected >= 1, "the monitor itself is connected");

    const a = await connect();
    const b = await connect();
    const persistent = await connect({
      clientId: unique("sys-persistent"),
      properties: { sessionExpiryInterval: 60 },
    });
    await waitFor(
      () => m.num("clients/connected") === connected + 3,
      `clients/connected ${connected + 3}`,
      3000,
    );
    assert.equal(m.num("clients/total"), total + 3);
    assert.ok(m.num("clients/maximum") >= Math.max(maximum, connected + 3));

    await a.disconnect();
    await persistent.disconnect();
    await waitFor(
      () => m.num("clients/connected") === connected + 1,
      `clients/connected ${connected + 1}`,
      3000,
    );
    assert.equal(m.num("clients/total"), total + 2, "the persistent session is still a client");
    assert.equal(m.num("clients/disconnected"), m.num("clients/total") - m.num("clients/connected"));
    assert.ok(m.num("clients/disconnected") >= 1, "the persistent session is a disconnected client");
    b.destroy();
  });

  it("[spec 4.7.2] publish/messages/received, bytes/received and bytes/sent count client traffic", async () => {
    const m = await monitor();
    await delay(TICK);
    const received = m.num("publish/messages/received");
    const bytesReceived = m.num("bytes/received");
    const bytesSent = m.num("bytes/sent");
    const publisher = await connect();
    for (let i = 0; i < 5; i++) await publish(publisher, unique("sys/traffic"), "12345", { qos: 1 });
    await waitFor(
      () => m.num("publish/messages/received") === received + 5,
      `publish/messages/received ${received + 5} (got ${m.latest.get(`${SYS}publish/messages/received`)})`,
      3000,
    );
    assert.ok(
      m.num("bytes/received") > bytesReceived + 5 * 5,
      "bytes/received grew by at least the payloads",
    );
    assert.ok(m.num("bytes/sent") > bytesSent, "bytes/sent grew (CONNACK, PUBACKs, $SYS updates)");
  });

  it("[spec 4.7.2] messages/received does not count the broker's own $SYS publications (idle broker: no change)", async () => {
    // Mosquitto, whose names these are: "the total number of messages of any type received since the
    // broker started". With no client sending anything, it must stay the same from one interval to the next.
    const m = await monitor();
    await delay(TICK);
    const before = m.num("messages/received");
    const uptimeBefore = m.latest.get(`${SYS}uptime`);
    await waitFor(() => m.latest.get(`${SYS}uptime`) !== uptimeBefore, "a $SYS refresh", 3000);
    await delay(50); // the rest of that refresh
    assert.equal(m.num("messages/received"), before, "nothing was received from any client");
  });

  it("[spec 4.7.2] subscriptions/count and retained messages/count follow subscriptions and retained messages", async () => {
    const m = await monitor();
    await delay(TICK);
    const subscriptions = m.num("subscriptions/count");
    const retained = m.num("retained messages/count");

    const client = await connect();
    const base = unique("sys/count");
    await subscribe(client, [sub(`${base}/a`), sub(`${base}/b`), sub(`$share/g/${base}/c`)]);
    await publish(client, `${base}/r1`, "r", { qos: 1, retain: true });
    await publish(client, `${base}/r2`, "r", { qos: 1, retain: true });
    await waitFor(
      () =>
        m.num("subscriptions/count") === subscriptions + 3 &&
        m.num("retained messages/count") === retained + 2,
      `subscriptions/count ${subscriptions + 3} and retained messages/count ${retained + 2}`,
      3000,
    );

    await publish(client, `${base}/r1`, "", { qos: 1, retain: true });
    await client.disconnect();
    await waitFor(
      () =>
        m.num("subscriptions/count") === subscriptions && m.num("retained messages/count") === retained + 1,
      `subscriptions/count back to ${subscriptions} and retained messages/count ${retained + 1} after clearing one`,
      3000,
    );
  });
});
