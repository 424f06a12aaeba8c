/**
 * What the restart and durability tests share: brokers and raw clients that are stopped and destroyed
 * after each test (whatever it asserted), fresh data directories under one temporary root removed after
 * the file, and a stop that forgets the broker (a test restarting one stops it itself).
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach } from "node:test";
import type { RawClient } from "./raw-client.js";
import type { TestBroker } from "./test-broker.js";

export interface RestartHarness {
  /** A new directory path under the file's temporary root (not created: the store creates it). */
  readonly dataDir: () => string;
  /** Stops `broker` after the test unless the test stops it with {@link stop}. */
  readonly track: (broker: TestBroker) => TestBroker;
  /** Destroys `client` after the test. */
  readonly client: (client: RawClient) => RawClient;
  /** Stops a tracked broker now (a restart). */
  readonly stop: (broker: TestBroker) => Promise<void>;
}

/** Call once at the top of a test file: it registers the `after` and `afterEach` hooks. */
export function restartHarness(name: string): RestartHarness {
  const root = mkdtempSync(join(tmpdir(), `sb-${name}-`));
  let dirs = 0;
  const running = new Set<TestBroker>();
  const clients = new Set<RawClient>();
  after(() => rmSync(root, { recursive: true, force: true }));
  afterEach(async () => {
    for (const c of clients) c.destroy();
    clients.clear();
    for (const b of running) await b.stop();
    running.clear();
  });
  return {
    dataDir: () => join(root, `data-${++dirs}`),
    track: (broker) => {
      running.add(broker);
      return broker;
    },
    client: (client) => {
      clients.add(client);
      return client;
    },
    stop: async (broker) => {
      await broker.stop();
      running.delete(broker);
    },
  };
}
