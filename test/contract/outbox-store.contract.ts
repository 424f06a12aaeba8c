/**
 * The contract every `OutboxStore` implementation must pass (memory, SQLite): entries come back from
 * `load()` in seq order with every field exactly as appended (properties set and unset), before and
 * after a commit, and after the store was closed and opened again; deletes, fingerprints and wiping a
 * bridge behave the same whether or not a commit came in between; bridges are kept apart.
 *
 * ```ts
 * runOutboxStoreContract("MemoryOutboxStore", { create, reopen });
 * ```
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OutboxEntry, OutboxStore } from "../../src/hooks/outbox-store.js";

/** A store under test, and how to close what it runs on (a SQLite store's database). */
export interface OutboxStoreHarness {
  readonly store: OutboxStore;
  close(): Promise<void>;
}

export interface OutboxStoreFactory {
  create(): Promise<OutboxStoreHarness>;
  /** The store again after `previous` was committed and closed, as a restarted process would open it. */
  reopen(previous: OutboxStoreHarness): Promise<OutboxStoreHarness>;
}

const T0 = 1_700_000_000_000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Entries using every field, optional ones both set and unset. */
export function sampleEntries(): OutboxEntry[] {
  return [
    {
      seq: 1,
      topic: "plant/1/temp",
      payload: bytes("21.5"),
      retain: false,
      properties: undefined,
      createdAt: T0,
      expiresAt: undefined,
    },
    {
      seq: 2,
      topic: "$t/acme/plant/ünïcode 😀",
      payload: new Uint8Array([0, 1, 2, 255]),
      retain: true,
      properties: {
        payloadFormatIndicator: false,
        contentType: "application/octet-stream",
        responseTopic: "reply/here",
        correlationData: new Uint8Array([9, 8, 7]),
        userProperties: [
          ["b", "2"],
          ["a", "1"],
          ["b", "3"],
        ],
      },
      createdAt: T0 + 1,
      expiresAt: T0 + 60_000,
    },
    {
      seq: 5,
      topic: "plant/1/temp",
      payload: new Uint8Array(0),
      retain: false,
      properties: { payloadFormatIndicator: true },
      createdAt: T0 + 2,
      expiresAt: undefined,
    },
  ];
}

/** The fields compared: payloads as plain arrays, so Buffer and Uint8Array views compare equal. */
function plain(entries: readonly OutboxEntry[]): unknown[] {
  return entries.map((entry) => ({
    ...entry,
    payload: [...entry.payload],
    properties:
      entry.properties === undefined
        ? undefined
        : {
            ...entry.properties,
            correlationData:
              entry.properties.correlationData === undefined
                ? undefined
                : [...entry.properties.correlationData],
          },
  }));
}

export function runOutboxStoreContract(name: string, factory: OutboxStoreFactory): void {
  describe(`${name} (OutboxStore contract)`, () => {
    it("load() returns what was appended, in seq order, before and after a commit", async () => {
      const h = await factory.create();
      const [a, b, c] = sampleEntries();
      h.store.append("b1", a!);
      h.store.append("b1", c!);
      h.store.append("b1", b!);
      assert.deepEqual(plain(h.store.load("b1").entries), plain([a!, b!, c!]));
      await h.store.commit();
      assert.deepEqual(plain(h.store.load("b1").entries), plain([a!, b!, c!]));
      assert.deepEqual(h.store.load("other"), { entries: [], configHash: undefined });
      await h.close();
    });

    it("keeps entries and the fingerprint across a close and reopen", async () => {
      const h = await factory.create();
      for (const entry of sampleEntries()) h.store.append("b1", entry);
      h.store.setConfigHash("b1", "hash-1");
      h.store.append("b2", { ...sampleEntries()[0]!, seq: 7 });
      await h.store.commit();
      await h.close();
      const again = await factory.reopen(h);
      assert.deepEqual(plain(again.store.load("b1").entries), plain(sampleEntries()));
      assert.equal(again.store.load("b1").configHash, "hash-1");
      assert.deepEqual(
        again.store.load("b2").entries.map((e) => e.seq),
        [7],
      );
      assert.deepEqual([...again.store.bridgeIds()].sort(), ["b1", "b2"]);
      await again.close();
    });

    it("delete() removes committed and uncommitted entries alike", async () => {
      const h = await factory.create();
      const [a, b, c] = sampleEntries();
      h.store.append("b1", a!);
      h.store.append("b1", b!);
      await h.store.commit();
      h.store.append("b1", c!);
      h.store.delete("b1", a!.seq); // committed
      h.store.delete("b1", c!.seq); // appended since the commit
      assert.deepEqual(
        h.store.load("b1").entries.map((e) => e.seq),
        [2],
      );
      await h.store.commit();
      await h.close();
      const again = await factory.reopen(h);
      assert.deepEqual(
        again.store.load("b1").entries.map((e) => e.seq),
        [2],
      );
      await again.close();
    });

    it("setConfigHash() keeps the last fingerprint", async () => {
      const h = await factory.create();
      assert.equal(h.store.load("b1").configHash, undefined);
      h.store.setConfigHash("b1", "one");
      await h.store.commit();
      h.store.setConfigHash("b1", "two");
      assert.equal(h.store.load("b1").configHash, "two");
      await h.store.commit();
      await h.close();
      const again = await factory.reopen(h);
      assert.equal(again.store.load("b1").configHash, "two");
      await again.close();
    });

    it("deleteBridge() wipes one bridge only, and the bridge may start again at once", async () => {
      const h = await factory.create();
      const [a, b] = sampleEntries();
      h.store.append("b1", a!);
      h.store.append("b2", b!);
      h.store.setConfigHash("b1", "x");
      await h.store.commit();
      h.store.deleteBridge("b1");
      assert.deepEqual(h.store.load("b1"), { entries: [], configHash: undefined });
      assert.deepEqual([...h.store.bridgeIds()], ["b2"]);
      h.store.append("b1", { ...b!, seq: 1 }); // the same id added again in the same turn
      h.store.delete("b1", 99); // unknown: nothing happens
      assert.deepEqual(
        h.store.load("b1").entries.map((e) => e.topic),
        [b!.topic],
      );
      await h.store.commit();
      await h.close();
      const again = await factory.reopen(h);
      assert.deepEqual(
        again.store.load("b1").entries.map((e) => [e.seq, e.topic]),
        [[1, b!.topic]],
      );
      assert.equal(again.store.load("b1").configHash, undefined);
      assert.deepEqual(
        again.store.load("b2").entries.map((e) => e.seq),
        [b!.seq],
      );
      await again.close();
    });

    it("holds many entries per bridge in order", async () => {
      const h = await factory.create();
      for (let seq = 1; seq <= 500; seq++) {
        h.store.append("bulk", { ...sampleEntries()[0]!, seq, payload: bytes(String(seq)) });
        if (seq % 3 === 0) h.store.delete("bulk", seq - 1);
        if (seq % 100 === 0) await h.store.commit();
      }
      await h.store.commit();
      await h.close();
      const again = await factory.reopen(h);
      const loaded = again.store.load("bulk").entries;
      const expected = [];
      for (let seq = 1; seq <= 500; seq++) if (!(seq % 3 === 2 && seq + 1 <= 500)) expected.push(seq);
      assert.deepEqual(
        loaded.map((e) => e.seq),
        expected,
      );
      assert.deepEqual(
        loaded.map((e) => new TextDecoder().decode(e.payload)),
        expected.map(String),
      );
      await again.close();
    });
  });
}
