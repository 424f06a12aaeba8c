/**
 * Helpers of the bridge tests: a Switchboard test broker with a {@link BridgeManager}, broker-made
 * messages on internal topics (as the REST API and the dialects publish them), subscribers on the
 * remote Mosquitto, and polling for a bridge's status.
 * @module
 */

import { createServer } from "node:net";
import type { IClientOptions } from "mqtt";
import { pino } from "pino";
import type { Broker } from "../../../src/broker/broker.js";
import { BridgeManager, type BridgeManagerOptions, type BridgeStatus } from "../../../src/bridges/index.js";
import type { OutboxStore } from "../../../src/hooks/outbox-store.js";
import type { Store } from "../../../src/hooks/store.js";
import type { ApplicationMessage, MessageProperties } from "../../../src/session/index.js";
import { MemoryOutboxStore } from "../../../src/storage/index.js";
import { type ConnectedClient, connectWithInbox } from "../../helpers/mqttjs.js";
import { startTestBroker, type TestBroker } from "../../helpers/test-broker.js";

export const logger = pino({ level: process.env["TEST_LOG"] ?? "silent" });

export interface Switchboard {
  readonly test: TestBroker;
  readonly broker: Broker;
  readonly bridges: BridgeManager;
  readonly outboxStore: OutboxStore;
  stop(): Promise<void>;
}

export interface SwitchboardOptions {
  readonly store?: Store;
  readonly outboxStore?: OutboxStore;
  readonly manager?: Partial<Omit<BridgeManagerOptions, "broker" | "store" | "logger">>;
}

/**
 * A test broker (memory store unless given) and a bridge manager of the test's own on it; `stop()` stops
 * both, bridges first. The broker's own bridges (the registry's brokers, none here) keep their outboxes
 * in memory, so they never prune the test's outboxes from a SQLite store.
 */
export async function startSwitchboard(options: SwitchboardOptions = {}): Promise<Switchboard> {
  const test = await startTestBroker({
    ...(options.store === undefined ? {} : { store: options.store }),
    outboxStore: new MemoryOutboxStore(),
  });
  const outboxStore = options.outboxStore ?? new MemoryOutboxStore();
  const bridges = new BridgeManager({ broker: test.broker, store: outboxStore, logger, ...options.manager });
  return {
    test,
    broker: test.broker,
    bridges,
    outboxStore,
    stop: async () => {
      await bridges.stop();
      await test.stop();
    },
  };
}

export interface PublishOptions {
  readonly retain?: boolean;
  readonly qos?: 0 | 1 | 2;
  readonly properties?: MessageProperties;
}

/** Publishes a broker-made message on an internal topic (e.g. `$t/acme/plant/1` for tenant `acme`). */
export function publishInternal(
  broker: Broker,
  topic: string,
  payload: string,
  options: PublishOptions = {},
): void {
  const message: ApplicationMessage = {
    id: broker.nextMessageId(),
    topic,
    payload: new TextEncoder().encode(payload),
    qos: options.qos ?? 1,
    retain: options.retain ?? false,
    properties: options.properties,
    createdAt: broker.now(),
    expiresAt: undefined,
    publisherId: undefined,
  };
  broker.publish(message, broker.now());
}

/**
 * An MQTT.js subscriber on the remote broker, subscribed (QoS 1, Retain As Published, so the RETAIN
 * flag the bridge sent is seen) before it is returned.
 */
export async function subscriber(
  port: number,
  filter: string,
  options: IClientOptions = {},
): Promise<ConnectedClient> {
  const connected = await connectWithInbox(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, ...options });
  await connected.client.subscribeAsync(filter, { qos: 1, rap: true });
  return connected;
}

/** Polls `check` until it returns true; fails with `what` and the last status after `timeout` ms. */
export async function waitFor(
  what: string,
  check: () => boolean,
  timeout = 10_000,
  describe: () => unknown = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}: ${JSON.stringify(describe(), null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the bridge's status satisfies `check`. */
export async function waitForStatus(
  bridges: BridgeManager,
  id: string,
  what: string,
  check: (status: BridgeStatus) => boolean,
  timeout = 10_000,
): Promise<BridgeStatus> {
  await waitFor(
    what,
    () => check(bridges.status(id)!),
    timeout,
    () => bridges.status(id),
  );
  return bridges.status(id)!;
}

/** For each topic, the payloads in the order received, each kept at its first arrival only. */
export function firstArrivals(
  messages: readonly { topic: string; payload: string }[],
): Map<string, string[]> {
  const seen = new Set<string>();
  const out = new Map<string, string[]>();
  for (const { topic, payload } of messages) {
    const key = `${topic}\u0000${payload}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.set(topic, [...(out.get(topic) ?? []), payload]);
  }
  return out;
}

/** A free TCP port of 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("No port");
  return address.port;
}
