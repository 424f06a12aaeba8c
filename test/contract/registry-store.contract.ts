/**
 * The contract every `RegistryStore` implementation must pass (memory, SQLite): what is put and
 * committed comes back from `load()` exactly (every field of every kind, `undefined` included), also
 * after the store was closed and opened again; the last write of an entity or a state channel wins;
 * deleting an entity's state removes every channel and not a later write; a value's text as its
 * source gave it (`valueText`) is what the value is written as after a restart too.
 *
 * ```ts
 * runRegistryStoreContract("MemoryRegistryStore", { create, reopen });
 * ```
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RegistrySnapshot, RegistryStore, StoredEntity } from "../../src/hooks/registry-store.js";
import { type EntityRef, type StateValue, stateValueJson } from "../../src/platform/registry/index.js";

/** A store under test, and how to close what it runs on (a SQLite store's database). */
export interface RegistryStoreHarness {
  readonly store: RegistryStore;
  close(): Promise<void>;
}

export interface RegistryStoreFactory {
  create(): Promise<RegistryStoreHarness>;
  /** The store again after `previous` was committed and closed, as a restarted process would open it. */
  reopen(previous: RegistryStoreHarness): Promise<RegistryStoreHarness>;
}

const T0 = 1_700_000_000_000;
const times = (offset: number) => ({ createdAt: T0 + offset, updatedAt: T0 + offset + 1 });

/** One entity of every kind, using every field, optional ones both set and unset. */
export function everyKind(): StoredEntity[] {
  return [
    {
      kind: "tenants",
      entity: {
        id: "acme",
        name: "Acme Corp",
        dialects: ["gooee"],
        privacy: {
          hashKey: "a-tenant-hash-key-0123456789",
          ruleSets: [{ id: "pii", rules: [{ match: { detector: "email" }, action: "hash" }] }],
          roles: [{ role: "guest", ruleSets: [{ rules: [{ match: { key: "name" }, action: "mask" }] }] }],
        },
        ...times(0),
      },
    },
    {
      kind: "zones",
      entity: {
        id: "bld-1",
        tenant: "acme",
        name: "Bâtiment ünïcode 😀",
        type: "building",
        parentId: undefined,
        description: "Main building",
        tags: ["hq", "north"],
        ...times(1),
      },
    },
    {
      kind: "zones",
      entity: {
        id: "lvl-1",
        tenant: "acme",
        name: "Level 1",
        type: "level",
        parentId: "bld-1",
        description: undefined,
        tags: [],
        ...times(2),
      },
    },
    {
      kind: "systems",
      entity: {
        id: "sys-1",
        tenant: "acme",
        name: "Room 1",
        zoneIds: ["bld-1", "lvl-1"],
        description: undefined,
        ...times(3),
      },
    },
    {
      kind: "drivers",
      entity: { id: "drv-1", tenant: "acme", name: "Display", role: "device", ...times(4) },
    },
    { kind: "drivers", entity: { id: "drv-2", tenant: "acme", name: "Logic", role: undefined, ...times(5) } },
    {
      kind: "modules",
      entity: {
        id: "mod-1",
        tenant: "acme",
        name: "Display",
        driverId: "drv-1",
        systemId: "sys-1",
        index: 2,
        ...times(6),
      },
    },
    {
      kind: "applications",
      entity: { id: "app-1", tenant: "acme", name: "Fleet", description: "d", ...times(7) },
    },
    {
      kind: "devices",
      entity: {
        id: "dev-1",
        tenant: "acme",
        name: "Sensor 1",
        applicationId: "app-1",
        zoneId: "lvl-1",
        enabled: false,
        dialect: "gooee",
        credentials: [
          {
            kind: "password",
            username: "sensor-1",
            passwordHash: "scrypt$16384$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
          },
          { kind: "token", tokenHash: "sha256$abc" },
        ],
        ...times(8),
      },
    },
    {
      kind: "devices",
      entity: {
        id: "dev-2",
        tenant: "acme",
        name: "Bare",
        applicationId: undefined,
        zoneId: undefined,
        enabled: true,
        dialect: undefined,
        credentials: [],
        ...times(9),
      },
    },
    {
      kind: "users",
      entity: {
        id: "usr-1",
        tenant: "acme",
        name: "Ada",
        username: "ada",
        passwordHash: undefined,
        roles: ["admin", "ops"],
        enabled: true,
        org: "org-hq",
        ...times(10),
      },
    },
    {
      kind: "apiKeys",
      entity: {
        id: "key-1",
        tenant: "acme",
        name: "CI",
        userId: "usr-1",
        hash: "sha256$xyz",
        org: undefined,
        roles: [],
        scopes: ["mqtt:write"],
        revokedAt: T0 + 99,
        ...times(11),
      },
    },
    {
      kind: "schemas",
      entity: {
        id: "sch-1",
        tenant: "acme",
        name: "temperature",
        schema: {
          type: ["number", "null"],
          enum: [null, 1.5],
          default: null,
          nested: { a: [1, "x", false] },
        },
        unit: "C",
        description: undefined,
        ...times(12),
      },
    },
  ];
}

function value(entity: EntityRef, channel: string, v: unknown, offset = 0, sourceTime?: string): StateValue {
  return { tenant: "acme", entity, channel, value: v, time: T0 + offset, sourceTime };
}

const dev1: EntityRef = { kind: "devices", id: "dev-1" };
const mod1: EntityRef = { kind: "modules", id: "mod-1" };

function sortState(state: readonly StateValue[]): StateValue[] {
  const keyOf = (s: StateValue) => `${s.entity.kind}/${s.entity.id}/${s.channel}`;
  return [...state].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

export function runRegistryStoreContract(name: string, factory: RegistryStoreFactory): void {
  /** Commits, closes and reopens; returns the new harness and what it loads. */
  async function restart(h: RegistryStoreHarness): Promise<[RegistryStoreHarness, RegistrySnapshot]> {
    await h.store.commit();
    await h.store.close();
    await h.close();
    const next = await factory.reopen(h);
    return [next, await next.store.load()];
  }

  async function withStore(run: (h: RegistryStoreHarness) => Promise<RegistryStoreHarness>): Promise<void> {
    const first = await factory.create();
    const last = await run(first);
    await last.store.close();
    await last.close();
  }

  describe(`${name} (RegistryStore contract)`, () => {
    it("load() of a new store is empty", () =>
      withStore(async (h) => {
        assert.deepEqual(await h.store.load(), { entities: [], state: [] });
        return h;
      }));

    it("returns every kind with every field exactly after a restart, in creation order", () =>
      withStore(async (h) => {
        const records = everyKind();
        for (const record of [...records].reverse()) h.store.putEntity(record);
        const [next, snapshot] = await restart(h);
        assert.deepEqual(snapshot.entities, records);
        return next;
      }));

    it("keeps the last write of an entity and forgets deleted ones", () =>
      withStore(async (h) => {
        const [tenant, building] = everyKind() as [StoredEntity, StoredEntity];
        h.store.putEntity(tenant);
        h.store.putEntity(building);
        await h.store.commit();
        const renamed = {
          kind: "tenants",
          entity: { ...tenant.entity, name: "Renamed", updatedAt: T0 + 50 },
        } as StoredEntity;
        h.store.putEntity(renamed);
        h.store.deleteEntity("zones", "bld-1");
        const [next, snapshot] = await restart(h);
        assert.deepEqual(snapshot.entities, [renamed]);
        return next;
      }));

    it("applies put, delete and put again of one entity before a commit in order", () =>
      withStore(async (h) => {
        const [tenant] = everyKind() as [StoredEntity];
        h.store.putEntity(tenant);
        h.store.deleteEntity("tenants", "acme");
        const [after, snapshot] = await restart(h);
        assert.deepEqual(snapshot.entities, []);
        after.store.putEntity(tenant);
        after.store.deleteEntity("tenants", "acme");
        after.store.putEntity(tenant);
        const [next, again] = await restart(after);
        assert.deepEqual(again.entities, [tenant]);
        return next;
      }));

    it("keeps entities of different kinds with the same id apart", () =>
      withStore(async (h) => {
        const a: StoredEntity = {
          kind: "drivers",
          entity: { id: "x", tenant: "t", name: "D", role: undefined, ...times(1) },
        };
        const b: StoredEntity = {
          kind: "applications",
          entity: { id: "x", tenant: "t", name: "A", description: undefined, ...times(2) },
        };
        h.store.putEntity(a);
        h.store.putEntity(b);
        h.store.deleteEntity("systems", "x");
        const [next, snapshot] = await restart(h);
        assert.deepEqual(snapshot.entities, [a, b]);
        return next;
      }));

    it("keeps the latest value per channel, of any JSON type, with and without a source time", () =>
      withStore(async (h) => {
        const values = [
          value(dev1, "temperature", 21.5, 1, "2016-08-09T20:00:47.539000Z"),
          value(dev1, "temperature", 22, 2, "2016-08-09T20:00:48.000001Z"),
          value(dev1, "label", "ünïcode 😀", 3),
          value(dev1, "flags", [true, null, { a: 1 }], 4),
          value(dev1, "nothing", null, 5),
          value(mod1, "power", { on: false }, 6),
        ];
        for (const v of values) h.store.putState(v);
        const [next, snapshot] = await restart(h);
        assert.deepEqual(sortState(snapshot.state), sortState(values.slice(1)));
        return next;
      }));

    it("keeps a value's text as its source gave it, where parsing would lose something of it", () =>
      withStore(async (h) => {
        const raw: [string, string][] = [
          ["big", "12345678901234567890"],
          ["decimal", "1.0"],
          ["exponent", "1e2"],
          ["repeated", '{"a":1,"a":2}'],
          ["spaced", ' [1, "x"] '],
        ];
        for (const [channel, text] of raw)
          h.store.putState({ ...value(mod1, channel, JSON.parse(text)), valueText: text });
        const [next, snapshot] = await restart(h);
        const loaded = new Map(snapshot.state.map((s) => [s.channel, s]));
        for (const [channel, text] of raw) {
          const s = loaded.get(channel)!;
          assert.deepEqual(s.value, JSON.parse(text), channel);
          assert.equal(stateValueJson(s.value, s.valueText), text, `${channel}: the text as it was given`);
        }
        return next;
      }));

    it("deleteState() removes every channel of one entity, and a later write survives", () =>
      withStore(async (h) => {
        h.store.putState(value(dev1, "a", 1));
        h.store.putState(value(dev1, "b", 2));
        h.store.putState(value(mod1, "a", 3));
        await h.store.commit();
        h.store.putState(value(dev1, "c", 4));
        h.store.deleteState(dev1);
        h.store.putState(value(dev1, "b", 5));
        const [next, snapshot] = await restart(h);
        assert.deepEqual(sortState(snapshot.state), sortState([value(dev1, "b", 5), value(mod1, "a", 3)]));
        return next;
      }));

    it("commits 10,000 state writes of 100 channels as the last value of each", () =>
      withStore(async (h) => {
        for (let i = 0; i < 10_000; i++) h.store.putState(value(dev1, `c${i % 100}`, i, i));
        const [next, snapshot] = await restart(h);
        assert.equal(snapshot.state.length, 100);
        for (const s of snapshot.state) assert.equal(s.value, 9_900 + Number(s.channel.slice(1)));
        return next;
      }));

    it("close() keeps what was recorded without an explicit commit", () =>
      withStore(async (h) => {
        const [tenant] = everyKind() as [StoredEntity];
        h.store.putEntity(tenant);
        h.store.putState(value(dev1, "a", 1));
        await h.store.close();
        await h.close();
        const next = await factory.reopen(h);
        const snapshot = await next.store.load();
        assert.deepEqual(snapshot.entities, [tenant]);
        assert.deepEqual(snapshot.state, [value(dev1, "a", 1)]);
        return next;
      }));
  });
}
