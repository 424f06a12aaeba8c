/**
 * The durable outbox against a real Mosquitto started by the test: nothing is lost and each topic's
 * order is kept across an outage of the remote broker (stopped for {@link OUTAGE_MS}, 3 s by default;
 * `BRIDGE_OUTAGE_MS=30000` runs the 30-second outage) and across a restart of Switchboard on the
 * SQLite store (with the publisher's PUBACK held until the outbox entry is committed); when the bound
 * is hit the outbox is coalesced to the latest value per topic and says so; a restart with the same
 * configuration sends no resync, a configuration changed while Switchboard was stopped does.
 *
 * The subscriber on the remote broker keeps a persistent session (Mosquitto persists it across its own
 * restart), so what the bridge delivers while the subscriber is away is queued for it: every
 * assertion is about what reached the remote broker.
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { connect } from "mqtt";
import type { BridgeConfigInput } from "../../src/bridges/index.js";
import { MemoryOutboxStore, SqliteOutboxStore, SqliteStore } from "../../src/storage/index.js";
import { type ConnectedClient, connectWithInbox } from "../helpers/mqttjs.js";
import {
  firstArrivals,
  publishInternal,
  startSwitchboard,
  type Switchboard,
  waitFor,
  waitForStatus,
} from "./helpers/bridge-harness.js";
import { Mosquitto, SKIP_WITHOUT_MOSQUITTO } from "./helpers/mosquitto.js";

/** How long the remote broker is down in the outage test (the issue asks for 30 s; the suite uses 3). */
const OUTAGE_MS = Number(process.env["BRIDGE_OUTAGE_MS"] ?? 3000);
const TOPICS = ["a", "b", "c"] as const;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Outbound bridges: the durable outbox (real Mosquitto)", { skip: SKIP_WITHOUT_MOSQUITTO }, () => {
  let remote: Mosquitto;
  const dirs: string[] = [];
  const running: Switchboard[] = [];
  const clients: ConnectedClient[] = [];
  let sessionCounter = 0;

  before(async () => {
    remote = await Mosquitto.start();
  });

  after(async () => {
    await remote.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.client.endAsync(true);
    for (const sb of running.splice(0)) await sb.stop();
    await remote.start(); // a test that failed while the remote was down
  });

  /**
   * A subscriber with a persistent session on the remote broker (QoS 1, session kept an hour), which
   * reconnects by itself after an outage; `prefix/#` is its subscription.
   */
  async function persistentSubscriber(prefix: string): Promise<ConnectedClient> {
    const connected = await connectWithInbox(`mqtt://127.0.0.1:${remote.port}`, {
      protocolVersion: 5,
      clientId: `outbox-sub-${++sessionCounter}`,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 100,
    });
    await connected.client.subscribeAsync(`${prefix}/#`, { qos: 1 });
    clients.push(connected);
    return connected;
  }

  /** The persistent subscriber `previous` connecting again: it gets what was queued for its session. */
  async function resumeSubscriber(previous: ConnectedClient): Promise<ConnectedClient> {
    const connected = await connectWithInbox(`mqtt://127.0.0.1:${remote.port}`, {
      protocolVersion: 5,
      clientId: previous.client.options.clientId!,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    assert.equal(connected.connack.sessionPresent, true);
    clients.push(connected);
    return connected;
  }

  async function start(options: Parameters<typeof startSwitchboard>[0] = {}): Promise<Switchboard> {
    const sb = await startSwitchboard(options);
    running.push(sb);
    return sb;
  }

  async function stop(sb: Switchboard): Promise<void> {
    running.splice(running.indexOf(sb), 1);
    await sb.stop();
  }

  const config = (id: string, extra: Partial<BridgeConfigInput> = {}): BridgeConfigInput => ({
    id,
    tenants: ["default"],
    host: "127.0.0.1",
    port: remote.port,
    filters: ["t/#"],
    topicTemplate: `${id}/{topic}`,
    qos: 1,
    reconnect: { initialDelay: 100, maxDelay: 400 },
    ...extra,
  });

  /** Asserts that every message sent arrived, and that each topic's first arrivals are in the order sent. */
  function assertComplete(
    received: readonly { topic: string; payload: string }[],
    sent: Map<string, string[]>,
  ) {
    const arrivals = firstArrivals(received);
    assert.deepEqual([...arrivals.keys()].sort(), [...sent.keys()].sort());
    for (const [topic, values] of sent) assert.deepEqual(arrivals.get(topic), values, `order of ${topic}`);
  }

  it(`keeps everything, in order per topic, through a ${OUTAGE_MS} ms outage of the remote broker`, async () => {
    const sub = await persistentSubscriber("outage");
    const sb = await start();
    sb.bridges.add(config("outage"));
    await waitForStatus(sb.bridges, "outage", "the connection", (s) => s.connected);
    const sent = new Map<string, string[]>();
    let n = 0;
    const publish = () => {
      const topic = `t/${TOPICS[n % TOPICS.length]!}`;
      const value = String(++n);
      publishInternal(sb.broker, topic, value);
      sent.set(`outage/${topic}`, [...(sent.get(`outage/${topic}`) ?? []), value]);
    };
    for (let i = 0; i < 30; i++) publish();
    await waitFor("the first messages", () => firstCount(sub) === 30);

    // a burst just before the remote broker goes: some of it is in flight when the connection drops
    for (let i = 0; i < 200; i++) publish();
    await delay(1);
    await remote.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    while (Date.now() < outageEnds) {
      publish();
      await delay(Math.max(10, OUTAGE_MS / 60));
    }
    const during = await waitForStatus(sb.bridges, "outage", "the outage", (s) => !s.connected);
    assert.ok(during.queueDepth > 0, JSON.stringify(during));
    assert.ok(during.lastError !== undefined);
    await remote.start();
    for (let i = 0; i < 30; i++) publish();

    await waitFor(
      "every message",
      () => firstCount(sub) === n,
      20_000,
      () => sb.bridges.status("outage"),
    );
    assertComplete(sub.inbox.all, sent);
    const status = await waitForStatus(sb.bridges, "outage", "an empty outbox", (s) => s.queueDepth === 0);
    assert.equal(status.connected, true);
    assert.equal(status.coalesced + status.dropped + status.refused, 0);
    assert.ok(status.published >= n);
  });

  it("keeps everything across a restart of Switchboard on the SQLite store, and sends no resync", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-bridge-sqlite-"));
    dirs.push(dir);
    const file = join(dir, "switchboard.db");
    const open = () => {
      const store = new SqliteStore({
        file,
        durability: "strict",
        commitInterval: 5,
        housekeepingInterval: 0,
        compactThreshold: 1_048_576,
      });
      return { store, outboxStore: new SqliteOutboxStore(store) };
    };
    const sub = await persistentSubscriber("restart");
    await sub.client.endAsync(); // the session stays on the remote broker
    await remote.stop();

    const first = open();
    const sb1 = await start(first);
    assert.equal(sb1.bridges.add(config("restart")).resyncs, 1);
    const publisher = connect(sb1.test.url, { protocolVersion: 5, reconnectPeriod: 0 });
    await new Promise((resolve) => publisher.once("connect", resolve));
    const sent = new Map<string, string[]>();
    for (let i = 1; i <= 40; i++) {
      const topic = `t/${TOPICS[i % TOPICS.length]!}`;
      await publisher.publishAsync(topic, String(i), { qos: 1 });
      // write-ahead: the PUBACK came after the commit that holds the outbox entry
      assert.equal(
        first.outboxStore.pending,
        false,
        `message ${i} acknowledged before its outbox entry was committed`,
      );
      sent.set(`restart/${topic}`, [...(sent.get(`restart/${topic}`) ?? []), String(i)]);
    }
    await publisher.endAsync();
    assert.equal(sb1.bridges.status("restart")!.queueDepth, 40);
    await stop(sb1);

    const second = open();
    const sb2 = await start(second);
    const restarted = sb2.bridges.add(config("restart"));
    assert.equal(restarted.resyncs, 0); // same configuration: the outbox is all it sends
    assert.equal(restarted.queueDepth, 40);
    for (let i = 41; i <= 45; i++) {
      const topic = `t/${TOPICS[i % TOPICS.length]!}`;
      publishInternal(sb2.broker, topic, String(i));
      sent.set(`restart/${topic}`, [...(sent.get(`restart/${topic}`) ?? []), String(i)]);
    }
    await remote.start();
    await waitForStatus(sb2.bridges, "restart", "an empty outbox", (s) => s.queueDepth === 0, 15_000);
    const back = await resumeSubscriber(sub);
    await waitFor("every message", () => firstCount(back) === 45, 10_000);
    assertComplete(back.inbox.all, sent);
  });

  it("coalesces to the latest value per topic when the bound is hit, and counts it", async () => {
    const sub = await persistentSubscriber("bound");
    await sub.client.endAsync();
    await remote.stop();
    const sb = await start();
    sb.bridges.add(config("bound", { outbox: { maxMessages: 5 } }));
    for (let value = 1; value <= 10; value++)
      for (const topic of TOPICS) publishInternal(sb.broker, `t/${topic}`, String(value));
    const full = sb.bridges.status("bound")!;
    assert.equal(full.queueDepth, 5);
    assert.equal(full.coalesced, 25);
    assert.equal(full.dropped, 0);
    await remote.start();
    const back = await resumeSubscriber(sub);
    await waitFor("the coalesced outbox", () => back.inbox.all.length >= 5);
    await waitForStatus(sb.bridges, "bound", "an empty outbox", (s) => s.queueDepth === 0);
    await delay(300); // nothing more arrives
    const arrivals = firstArrivals(back.inbox.all);
    for (const topic of TOPICS) {
      const values = arrivals.get(`bound/t/${topic}`)!.map(Number);
      assert.equal(values.at(-1), 10, `latest value of ${topic}`);
      assert.deepEqual(
        values,
        [...values].sort((x, y) => x - y),
        `order of ${topic}`,
      );
    }
    assert.equal(back.inbox.all.length, 30 - full.coalesced);
  });

  it("resyncs after a restart only when the configuration changed while Switchboard was stopped", async () => {
    const store = new MemoryOutboxStore(); // the same instance: a restart within the process
    const sb1 = await start({ outboxStore: store });
    publishInternal(sb1.broker, "t/state", "retained", { retain: true });
    assert.equal(sb1.bridges.add(config("cfg")).resyncs, 1);
    await stop(sb1);
    const sb2 = await start({ outboxStore: store });
    publishInternal(sb2.broker, "t/state", "retained", { retain: true });
    assert.equal(sb2.bridges.add(config("cfg")).resyncs, 0);
    await stop(sb2);
    const sb3 = await start({ outboxStore: store });
    publishInternal(sb3.broker, "t/state", "retained", { retain: true });
    assert.equal(sb3.bridges.add(config("cfg", { qos: 0 })).resyncs, 1);
    // bridges no longer configured lose their outbox at prune()
    store.append("forgotten", {
      seq: 1,
      topic: "t/x",
      payload: new Uint8Array(1),
      retain: false,
      properties: undefined,
      createdAt: 0,
      expiresAt: undefined,
    });
    assert.deepEqual(sb3.bridges.prune(), ["forgotten"]);
    assert.deepEqual(store.bridgeIds(), ["cfg"]);
  });
});

/** Distinct (topic, payload) pairs received. */
function firstCount(client: ConnectedClient): number {
  return new Set(client.inbox.all.map((m) => `${m.topic}\u0000${m.payload}`)).size;
}
