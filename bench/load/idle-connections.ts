/**
 * The idle-connections workload: how much memory the broker needs per connected, subscribed, idle
 * client (reference/brokers.md 2.3: Mosquitto about 1.7 KB, Aedes about 17 KB).
 *
 * Reads the broker's RSS (the lowest of a few readings over a second), then connects `clients` clients
 * (`batch` handshakes at a time), each with a clean session, keep-alive off, and one subscription to its
 * own topic `idle/<i>`; waits `settleSeconds` and reads RSS again. Bytes per connection =
 * (RSS after - RSS before) / connected clients. RSS includes whatever garbage the broker's heap has not
 * collected yet, so for a garbage-collected broker this is an upper bound of what a connection keeps.
 * @module
 */

import { readRssBytes } from "../lib/proc.js";
import type { IdleConnectionsResult, IdleConnectionsWorkload, LoadSpec } from "../lib/types.js";
import { type ClientHandler, RawClient } from "./raw-client.js";
import { nowNs, pool, sleep } from "./util.js";
import { WindowProbe } from "./window-probe.js";

const MAX_FAILURES_KEPT = 5;

export async function runIdleConnections(
  spec: LoadSpec,
  workload: IdleConnectionsWorkload,
): Promise<IdleConnectionsResult> {
  const { host, port, brokerPid } = spec;
  const clients: RawClient[] = [];
  const failures: string[] = [];
  let failed = 0;
  let dropped = 0;
  const fail = (reason: string): void => {
    failed++;
    if (failures.length < MAX_FAILURES_KEPT) failures.push(reason);
  };
  const handler: ClientHandler = {
    publish: () => undefined,
    puback: () => undefined,
    chunkEnd: () => undefined,
    drain: () => undefined,
    closed: (client, reason) => {
      dropped++;
      if (failures.length < MAX_FAILURES_KEPT) failures.push(`${client.id} dropped: ${reason}`);
    },
  };

  const rssBeforeBytes = await lowestRss(brokerPid, 1000);
  const probe = new WindowProbe(spec);
  const started = nowNs();
  let lastSubackNs = started;
  try {
    const indexes = Array.from({ length: workload.clients }, (_, i) => i);
    await pool(indexes, workload.batch, async (i) => {
      try {
        const client = await RawClient.connect({ host, port, clientId: `idle-${i}`, handler });
        clients.push(client);
        await client.subscribe(`idle/${i}`, workload.qos);
        lastSubackNs = nowNs();
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      }
    });
    const connectSeconds = (lastSubackNs - started) / 1e9;
    await sleep(workload.settleSeconds * 1000);
    const cpu = probe.stop();
    const rssAfterBytes = readRssBytes(brokerPid);
    if (rssAfterBytes === undefined) throw new Error("Cannot read the broker's RSS: it is gone");
    const connected = workload.clients - failed - dropped;
    return {
      kind: "idle-connections",
      ...cpu,
      brokerRssBytes: rssAfterBytes,
      clients: workload.clients,
      connected,
      failed: failed + dropped,
      failures,
      rssBeforeBytes,
      rssAfterBytes,
      ...(connected > 0 ? { bytesPerConnection: (rssAfterBytes - rssBeforeBytes) / connected } : {}),
      connectSeconds,
    };
  } finally {
    // No DISCONNECT round: the broker is stopped right after, and 10,000 orderly goodbyes take a while.
    for (const client of clients) client.abort();
  }
}

/** The lowest RSS of `pid` over `ms` milliseconds (readings every 100 ms). */
async function lowestRss(pid: number, ms: number): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY;
  for (let t = 0; t <= ms; t += 100) {
    const rss = readRssBytes(pid);
    if (rss === undefined) throw new Error("Cannot read the broker's RSS: it is gone");
    lowest = Math.min(lowest, rss);
    await sleep(100);
  }
  return lowest;
}
