/**
 * A bridge against remotes that set limits and give answers a plain Mosquitto does not show on demand:
 * a scripted remote (test/bridges/helpers/scripted-remote.ts) that withholds acknowledgements, refuses
 * with a chosen reason code or closes after its CONNACK, and a second Switchboard with a small Receive
 * Maximum or Maximum Packet Size, which enforces them as the spec says. No Mosquitto is needed.
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { BridgeConfigInput } from "../../src/bridges/index.js";
import { PacketType } from "../../src/protocol/packet-type.js";
import { type ConnectedClient, connectWithInbox } from "../helpers/mqttjs.js";
import { text } from "../helpers/raw-client.js";
import { startTestBroker, type TestBroker } from "../helpers/test-broker.js";
import {
  publishInternal,
  startSwitchboard,
  type Switchboard,
  waitForStatus,
} from "./helpers/bridge-harness.js";
import { type RemoteScript, ScriptedRemote } from "./helpers/scripted-remote.js";

describe("Outbound bridges: the remote's limits and answers (scripted and Switchboard remotes)", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop();
  });

  async function local(): Promise<Switchboard> {
    const sb = await startSwitchboard();
    cleanup.push(() => sb.stop());
    return sb;
  }

  /** A second Switchboard as the remote broker, with `mqtt` settings of the test's, and a subscriber on it. */
  async function remoteSwitchboard(
    mqtt: Record<string, unknown>,
    filter: string,
  ): Promise<{ remote: TestBroker; subscriber: ConnectedClient }> {
    const remote = await startTestBroker({ config: { mqtt } });
    cleanup.push(() => remote.stop());
    const subscriber = await connectWithInbox(remote.url, { protocolVersion: 5 });
    cleanup.push(() => subscriber.client.endAsync(true));
    await subscriber.client.subscribeAsync(filter, { qos: 2 });
    return { remote, subscriber };
  }

  async function scripted(script: RemoteScript): Promise<ScriptedRemote> {
    const remote = await ScriptedRemote.start(script);
    cleanup.push(() => remote.stop());
    return remote;
  }

  const config = (id: string, port: number, extra: Partial<BridgeConfigInput> = {}): BridgeConfigInput => ({
    id,
    tenants: ["default"],
    host: "127.0.0.1",
    port,
    filters: ["t/#"],
    reconnect: { initialDelay: 50, maxDelay: 200 },
    ...extra,
  });

  it("a connection lost with messages in flight (keepalive timeout): neither refused nor failed, all sent again", async () => {
    // the first connection acknowledges nothing and answers no PINGREQ: MQTT.js times it out after
    // 1.5 s and fails every send in flight before it closes the socket
    const remote = await scripted({
      publish: (_publish, connection) => (connection.index === 0 ? "ignore" : 0),
      pong: (connection) => connection.index !== 0,
    });
    const sb = await local();
    sb.bridges.add(config("keepalive", remote.port, { keepAlive: 1 }));
    await waitForStatus(sb.bridges, "keepalive", "the connection", (s) => s.connected);
    for (let i = 1; i <= 5; i++) publishInternal(sb.broker, `t/${i}`, `m${i}`);
    const status = await waitForStatus(
      sb.bridges,
      "keepalive",
      "every message acknowledged on the second connection",
      (s) => s.published === 5,
    );
    assert.equal(status.refused, 0);
    assert.equal(status.failed, 0);
    assert.equal(status.queueDepth, 0);
    assert.equal(remote.connections, 2);
    const payloads = remote.publishes.map((p) => text(p.payload));
    assert.deepEqual(payloads, ["m1", "m2", "m3", "m4", "m5", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("[MQTT-3.3.4-7] keeps no more QoS 1 messages in flight than the remote's Receive Maximum, below maxInflight", async () => {
    let outstanding = 0;
    let most = 0;
    const remote = await scripted({
      connack: () => ({ receiveMaximum: 3 }),
      publish: (publish, connection) => {
        most = Math.max(most, ++outstanding);
        setTimeout(() => {
          outstanding--;
          connection.send({ type: PacketType.PUBACK, packetId: publish.packetId!, reasonCode: 0 });
        }, 5);
        return "ignore";
      },
    });
    const sb = await local();
    sb.bridges.add(config("recv-max", remote.port, { maxInflight: 32 }));
    await waitForStatus(sb.bridges, "recv-max", "the connection", (s) => s.connected);
    for (let i = 1; i <= 30; i++) publishInternal(sb.broker, "t/x", `m${i}`);
    await waitForStatus(sb.bridges, "recv-max", "all acknowledged", (s) => s.published === 30);
    assert.equal(most, 3);
    assert.deepEqual(
      remote.publishes.map((p) => text(p.payload)),
      Array.from({ length: 30 }, (_, i) => `m${i + 1}`),
    );
  });

  it("[MQTT-3.3.4-7] delivers every QoS 2 message to a Switchboard that enforces Receive Maximum 10", async () => {
    // the remote disconnects a client that goes over its Receive Maximum with 0x93
    const { remote, subscriber } = await remoteSwitchboard({ receiveMaximum: 10 }, "t/#");
    const sb = await local();
    sb.bridges.add(config("recv-max-sb", remote.port, { qos: 2 }));
    await waitForStatus(sb.bridges, "recv-max-sb", "the connection", (s) => s.connected);
    for (let i = 1; i <= 100; i++) publishInternal(sb.broker, "t/q2", `m${i}`);
    const received = await subscriber.inbox.take(100);
    assert.deepEqual(
      received.map((m) => m.payload),
      Array.from({ length: 100 }, (_, i) => `m${i + 1}`),
    );
    const status = await waitForStatus(
      sb.bridges,
      "recv-max-sb",
      "all completed",
      (s) => s.published === 100,
    );
    assert.equal(status.lastError, undefined); // never disconnected (0x93 Receive Maximum exceeded)
    assert.equal(status.failed, 0);
  });

  it("a refusal for now (0x97 Quota exceeded) keeps the message and sends it again after a pause", async () => {
    let quota = 2; // m2 is refused twice, then accepted
    const remote = await scripted({
      publish: (publish) => (text(publish.payload) === "m2" && quota-- > 0 ? 0x97 : 0),
    });
    const sb = await local();
    sb.bridges.add(config("quota", remote.port));
    await waitForStatus(sb.bridges, "quota", "the connection", (s) => s.connected);
    for (let i = 1; i <= 4; i++) publishInternal(sb.broker, `t/${i}`, `m${i}`);
    const status = await waitForStatus(sb.bridges, "quota", "all acknowledged", (s) => s.published === 4);
    assert.equal(status.refused, 0);
    assert.equal(status.failed, 0);
    assert.equal(status.queueDepth, 0);
    assert.equal(status.lastError?.code, "MQTT_0x97");
    assert.equal(remote.connections, 1);
    const sent = remote.publishes.map((p) => text(p.payload));
    assert.equal(sent.filter((p) => p === "m2").length, 3);
    assert.deepEqual([...new Set(sent)].sort(), ["m1", "m2", "m3", "m4"]);
  });

  it("gives a message up at once for a refusal about the message (0x87, 0x90, 0x99), after 5 sends for 0x80/0x83", async () => {
    const answers: Record<string, number> = {
      bad87: 0x87,
      bad90: 0x90,
      bad99: 0x99,
      bad80: 0x80,
      bad83: 0x83,
    };
    const remote = await scripted({ publish: (publish) => answers[text(publish.payload)] ?? 0 });
    const sb = await local();
    sb.bridges.add(config("refusals", remote.port));
    await waitForStatus(sb.bridges, "refusals", "the connection", (s) => s.connected);
    for (const payload of [...Object.keys(answers), "good"]) publishInternal(sb.broker, "t/r", payload);
    const status = await waitForStatus(
      sb.bridges,
      "refusals",
      "every message settled",
      (s) => s.queueDepth === 0,
    );
    assert.equal(status.published, 1);
    assert.equal(status.refused, 5);
    assert.equal(status.failed, 5);
    const sends = new Map<string, number>();
    for (const p of remote.publishes) sends.set(text(p.payload), (sends.get(text(p.payload)) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(sends), {
      bad87: 1,
      bad90: 1,
      bad99: 1,
      bad80: 5,
      bad83: 5,
      good: 1,
    });
  });

  it("[MQTT-3.2.2-15] never sends a message above the remote's Maximum Packet Size: given up as failed, the rest sent", async () => {
    // the remote closes the connection with 0x95 on a larger packet
    const { remote, subscriber } = await remoteSwitchboard({ maxPacketSize: 2048 }, "t/#");
    const sb = await local();
    sb.bridges.add(config("max-packet", remote.port));
    const connected = await waitForStatus(sb.bridges, "max-packet", "the connection", (s) => s.connected);
    publishInternal(sb.broker, "t/1", "small-1");
    publishInternal(sb.broker, "t/big", "x".repeat(4096));
    publishInternal(sb.broker, "t/2", "small-2");
    const received = await subscriber.inbox.take(2);
    assert.deepEqual(
      received.map((m) => [m.topic, m.payload]),
      [
        ["t/1", "small-1"],
        ["t/2", "small-2"],
      ],
    );
    await subscriber.inbox.expectNothing(200);
    const status = await waitForStatus(sb.bridges, "max-packet", "settled", (s) => s.queueDepth === 0);
    assert.equal(status.published, 2);
    assert.equal(status.failed, 1);
    assert.equal(status.refused, 0);
    assert.equal(status.lastError?.code, "PACKET_TOO_LARGE");
    assert.equal(status.lastConnectedAt, connected.lastConnectedAt); // one connection throughout
    assert.equal(status.connected, true);
  });

  it("a connection closed right after its CONNACK does not restart the reconnection backoff", async () => {
    const remote = await scripted({ connected: (connection) => connection.close() });
    const sb = await local();
    sb.bridges.add(config("flapping", remote.port, { reconnect: { initialDelay: 50, maxDelay: 1000 } }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // delays of at least 25, 50, 100, 200, 400, 500 ms: 7 connections at most in 1.5 s (at a CONNACK
    // restarting the backoff, one every 25 to 50 ms)
    assert.ok(remote.connections >= 3 && remote.connections <= 7, `${remote.connections} connections`);
  });

  it("an acknowledged message proves the connection healthy: the backoff starts again", async () => {
    // each connection acknowledges its first message only, then closes
    const acked = new Set<number>();
    const remote = await scripted({
      publish: (_publish, connection) => {
        if (acked.has(connection.index)) return "ignore";
        acked.add(connection.index);
        setImmediate(() => connection.close());
        return 0;
      },
    });
    const sb = await local();
    sb.bridges.add(config("acked", remote.port, { reconnect: { initialDelay: 50, maxDelay: 5000 } }));
    for (let i = 1; i <= 8; i++) publishInternal(sb.broker, "t/a", `m${i}`);
    const started = Date.now();
    await waitForStatus(sb.bridges, "acked", "all acknowledged", (s) => s.published === 8);
    // without the restart, the delays would grow to 3.2 s and more
    assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
  });
});
