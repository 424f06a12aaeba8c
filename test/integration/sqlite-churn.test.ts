import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SqliteStore } from "../../src/storage/sqlite/sqlite-store.js";
import { delay } from "../helpers/raw-client.js";
import { SessionClient } from "../helpers/session-client.js";
import { startTestBroker } from "../helpers/test-broker.js";

/**
 * The database does not grow without bound under churn: rounds of persistent sessions that connect,
 * subscribe, receive and acknowledge (or queue while offline) and then expire, with retained values
 * replaced, leave a database whose size after housekeeping stays flat from round to round and falls
 * back near its empty size once the sessions are gone.
 */

const root = mkdtempSync(join(tmpdir(), "sb-sqlite-churn-"));
after(() => rmSync(root, { recursive: true, force: true }));

const ROUNDS = 10;
const SESSIONS = 20;
const MESSAGES = 160;
const PAYLOAD = "x".repeat(4000);

function fileBytes(file: string): number {
  let total = 0;
  for (const suffix of ["", "-wal"]) {
    try {
      total += statSync(file + suffix).size;
    } catch {
      // no WAL right after a truncating checkpoint
    }
  }
  return total;
}

describe("SqliteStore under churn", () => {
  it("[MQTT-3.1.2-23] expired sessions and their messages are deleted and the file stays bounded after housekeeping", async (t) => {
    const path = join(root, "data");
    const broker = await startTestBroker({
      config: {
        storage: { kind: "sqlite", path, housekeepingInterval: 0, compactThreshold: 256 * 1024 },
        queue: { maxMessages: 100_000 },
      },
    });
    t.after(() => broker.stop());
    const store = broker.broker.store;
    assert.ok(store instanceof SqliteStore);
    const publisher = new SessionClient({ clientId: "churn-publisher", version: 5, sessionExpiry: 0 });
    await publisher.connect(broker.port);
    const sizes: { pages: number; free: number; file: number; ms: number }[] = [];
    let published = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const clients: SessionClient[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const c = new SessionClient({ clientId: `churn-${round}-${i}`, version: 5, sessionExpiry: 1 });
        await c.connect(broker.port);
        await c.subscribe(`churn/${i % 4}/#`, i % 2 === 0 ? 1 : 2);
        if (i % 2 === 1) await c.disconnect(); // offline: its messages queue
        clients.push(c);
      }
      for (let n = 0; n < MESSAGES; n += 20) {
        // 40 in flight at a time: below the broker's Receive Maximum
        const sends: Promise<void>[] = [];
        for (let k = n; k < n + 20; k++) {
          sends.push(publisher.publish(`churn/${k % 4}/m`, `${round}:${k}:${PAYLOAD}`, k % 2 === 0 ? 1 : 2));
          sends.push(publisher.publish(`churn/retained/${k % 10}`, `${round}:${k}`, 1, true));
        }
        await Promise.all(sends);
        published += sends.length;
      }
      const online = clients.filter((_, i) => i % 2 === 0);
      for (const c of online) {
        const deadline = Date.now() + 5000;
        while (c.deliveries.size < MESSAGES / 4 && Date.now() < deadline) await delay(5);
        assert.equal(c.deliveries.size, MESSAGES / 4, `${c.options.clientId} got its messages`);
        await delay(20); // its acknowledgements
        await c.disconnect();
      }
      // sessions of earlier rounds expire (1 s) while later rounds run
      await delay(400);
      const result = store.housekeep();
      const stats = store.stats();
      sizes.push({
        pages: stats.pageCount,
        free: stats.freePages,
        file: fileBytes(store.file),
        ms: result.durationMs,
      });
    }
    await publisher.disconnect();
    // every session has expired 1 s after its disconnection
    const until = Date.now() + 5000;
    while (broker.broker.sessions.size > 0 && Date.now() < until) await delay(20);
    assert.equal(broker.broker.sessions.size, 0, "every session expired");
    await delay(50);
    const snapshot = await store.load();
    assert.deepEqual(snapshot.sessions, [], "expired sessions are deleted from the file");
    assert.equal(snapshot.messages.size, 10, "only the 10 retained values' messages are left");
    store.housekeep();
    const end = store.stats();
    const endFile = fileBytes(store.file);

    t.diagnostic(
      `${published} messages published over ${ROUNDS} rounds (${SESSIONS} sessions per round, payload 4 KB)`,
    );
    for (const [i, s] of sizes.entries())
      t.diagnostic(
        `round ${i + 1}: ${s.pages} pages (${s.free} free), file ${s.file} bytes, housekeeping ${s.ms.toFixed(1)} ms`,
      );
    t.diagnostic(`after expiry and housekeeping: ${end.pageCount} pages, file ${endFile} bytes`);

    const early = Math.max(...sizes.slice(1, 4).map((s) => s.pages));
    const late = Math.max(...sizes.slice(ROUNDS - 4).map((s) => s.pages));
    assert.ok(late <= early * 1.5, `no growth from round to round: ${early} pages early, ${late} late`);
    assert.ok(end.pageCount * end.pageSize < 512 * 1024, `${end.pageCount} pages once every session is gone`);
    assert.ok(endFile < 1024 * 1024, `file ${endFile} bytes once every session is gone`);
  });
});
