/**
 * The contract every `Store` implementation must pass (memory now; SQLite and NATS later): what is put
 * and committed comes back from `load()` exactly, after `commit()` + `close()` + reopen as well;
 * messages are reference-counted by the entries that name them; deleting a session cascades to what
 * hangs off it but not to its will.
 *
 * Run it from an implementation's test file:
 *
 * ```ts
 * runStoreContract("MemoryStore", { create: async () => new MemoryStore(), reopen: async (s) => s });
 * ```
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Principal } from "../../src/hooks/principal.js";
import type {
  Store,
  StoreSnapshot,
  StoredInflight,
  StoredPublisher,
  StoredQueued,
  StoredSession,
  StoredSessionState,
  StoredSubscription,
  StoredWill,
} from "../../src/hooks/store.js";
import type { ApplicationMessage } from "../../src/session/application-message.js";

export interface StoreFactory {
  /** A new, empty store. */
  create(): Promise<Store>;
  /** The store again after `previous` was committed and closed (a new process would open the same files). */
  reopen(previous: Store): Promise<Store>;
  /**
   * Makes the commits of `store` fail (as on a full disk) until the function returned is called; for
   * stores whose commits can fail (the memory store's cannot: the tests that need it are not defined for it).
   */
  readonly breakCommits?: (store: Store) => () => void;
}

// ---- fixtures ----

const T0 = 1_700_000_000_000;
const enc = new TextEncoder();

function message(id: number, fields: Partial<ApplicationMessage> = {}): ApplicationMessage {
  return {
    id,
    topic: `topic/${id}`,
    payload: enc.encode(`payload ${id}`),
    qos: 1,
    retain: false,
    properties: undefined,
    createdAt: T0 + id,
    expiresAt: undefined,
    publisherId: `publisher-${id}`,
    ...fields,
  };
}

/** A message using every field, with binary data that is not valid UTF-8. */
function richMessage(id: number): ApplicationMessage {
  return message(id, {
    topic: "sensors/ünïcode/😀",
    payload: Uint8Array.from([0, 1, 2, 0xfe, 0xff, 0x80, 0]),
    qos: 2,
    retain: true,
    properties: {
      payloadFormatIndicator: false,
      contentType: "application/octet-stream",
      responseTopic: "replies/x",
      correlationData: Uint8Array.from([0xff, 0, 0x7f, 0x80]),
      userProperties: [
        ["z", "last-first"],
        ["a", "1"],
        ["z", "again"],
        ["", ""],
      ],
    },
    createdAt: T0 + 123,
    expiresAt: T0 + 3_600_000,
    publisherId: "publisher-rich",
  });
}

const session = (clientId: string, fields: Partial<StoredSession> = {}): StoredSession => ({
  clientId,
  protocolVersion: 5,
  expiryInterval: 3600,
  disconnectedAt: T0,
  ...fields,
});

const subscription = (topicFilter: string, fields: Partial<StoredSubscription> = {}): StoredSubscription => ({
  topicFilter,
  qos: 1,
  noLocal: false,
  retainAsPublished: false,
  retainHandling: 0,
  subscriptionIdentifier: undefined,
  ...fields,
});

const inflight = (
  packetId: number,
  messageId: number,
  fields: Partial<StoredInflight> = {},
): StoredInflight => ({
  packetId,
  messageId,
  qos: 1,
  retain: false,
  subscriptionIdentifiers: [],
  phase: "publish",
  ...fields,
});

const queued = (seq: number, messageId: number, fields: Partial<StoredQueued> = {}): StoredQueued => ({
  seq,
  messageId,
  qos: 1,
  retain: false,
  subscriptionIdentifiers: [],
  ...fields,
});

// ---- comparisons (field by field, so `undefined` and absent are the same) ----

function assertSameMessage(actual: ApplicationMessage | undefined, expected: ApplicationMessage): void {
  assert.ok(actual !== undefined, `message ${expected.id} is missing`);
  const where = `message ${expected.id}`;
  assert.equal(actual.id, expected.id, `${where}: id`);
  assert.equal(actual.topic, expected.topic, `${where}: topic`);
  assert.deepEqual([...actual.payload], [...expected.payload], `${where}: payload bytes`);
  assert.equal(actual.qos, expected.qos, `${where}: qos`);
  assert.equal(actual.retain, expected.retain, `${where}: retain`);
  assert.equal(actual.createdAt, expected.createdAt, `${where}: createdAt`);
  assert.equal(actual.expiresAt, expected.expiresAt, `${where}: expiresAt`);
  assert.equal(actual.publisherId, expected.publisherId, `${where}: publisherId`);
  assert.equal(actual.frames, undefined, `${where}: the runtime frame cache is never persisted`);
  const a = actual.properties;
  const e = expected.properties;
  if (e === undefined) {
    const empty =
      a === undefined ||
      Object.values(a).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
    assert.ok(empty, `${where}: no properties expected`);
    return;
  }
  assert.ok(a !== undefined, `${where}: properties missing`);
  assert.equal(a.payloadFormatIndicator, e.payloadFormatIndicator, `${where}: payloadFormatIndicator`);
  assert.equal(a.contentType, e.contentType, `${where}: contentType`);
  assert.equal(a.responseTopic, e.responseTopic, `${where}: responseTopic`);
  assert.deepEqual(
    a.correlationData === undefined ? undefined : [...a.correlationData],
    e.correlationData === undefined ? undefined : [...e.correlationData],
    `${where}: correlation data bytes`,
  );
  assert.deepEqual(
    (a.userProperties ?? []).map(([k, v]) => [k, v]),
    (e.userProperties ?? []).map(([k, v]) => [k, v]),
    `${where}: user properties, in order`,
  );
}

function assertSameSession(actual: StoredSession, expected: StoredSession): void {
  assert.equal(actual.clientId, expected.clientId);
  assert.equal(actual.protocolVersion, expected.protocolVersion, "protocolVersion");
  assert.equal(actual.expiryInterval, expected.expiryInterval, "expiryInterval");
  assert.equal(actual.disconnectedAt, expected.disconnectedAt, "disconnectedAt");
  assert.equal(actual.owner, expected.owner, "owner");
}

/** A will's publisher field by field (principal included), so `undefined` and absent are the same. */
function publisherFields(publisher: StoredPublisher | undefined): unknown {
  if (publisher === undefined) return undefined;
  const p: Principal = publisher.principal;
  return {
    clientId: publisher.clientId,
    principal: {
      id: p.id,
      anonymous: p.anonymous,
      tenant: p.tenant,
      roles: [...p.roles],
      scopes: [...p.scopes],
      expiresAt: p.expiresAt,
      attributes: { ...p.attributes },
    },
  };
}

function subscriptionFields(s: StoredSubscription): unknown[] {
  return [s.topicFilter, s.qos, s.noLocal, s.retainAsPublished, s.retainHandling, s.subscriptionIdentifier];
}

function inflightFields(e: StoredInflight): unknown[] {
  return [e.packetId, e.messageId, e.qos, e.retain, [...e.subscriptionIdentifiers], e.phase, e.group];
}

function queuedFields(e: StoredQueued): unknown[] {
  return [e.seq, e.messageId, e.qos, e.retain, [...e.subscriptionIdentifiers], e.group];
}

function willFields(w: StoredWill): unknown[] {
  return [w.clientId, w.messageId, w.delay, w.dueAt];
}

function stateOf(snapshot: StoreSnapshot, clientId: string): StoredSessionState | undefined {
  return snapshot.sessions.find((s) => s.session.clientId === clientId);
}

function requireState(snapshot: StoreSnapshot, clientId: string): StoredSessionState {
  const state = stateOf(snapshot, clientId);
  assert.ok(state !== undefined, `session "${clientId}" is missing`);
  return state;
}

const sortedSubscriptions = (state: StoredSessionState): unknown[][] =>
  [...state.subscriptions].sort((a, b) => (a.topicFilter < b.topicFilter ? -1 : 1)).map(subscriptionFields);

const messageIds = (snapshot: StoreSnapshot): number[] => [...snapshot.messages.keys()].sort((a, b) => a - b);

// ---- the suite ----

interface Context {
  store: Store;
  /** commit() + close() + reopen; `store` is the reopened store afterwards. */
  reopen(): Promise<Store>;
  /** commit() then load(). */
  committed(): Promise<StoreSnapshot>;
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  async function withStore(body: (ctx: Context) => Promise<void>): Promise<void> {
    const ctx: Context = {
      store: await factory.create(),
      async reopen() {
        await ctx.store.commit();
        await ctx.store.close();
        ctx.store = await factory.reopen(ctx.store);
        return ctx.store;
      },
      async committed() {
        await ctx.store.commit();
        return ctx.store.load();
      },
    };
    try {
      await body(ctx);
    } finally {
      await ctx.store.close();
    }
  }

  /** Checks `check` on the committed state, then again after close + reopen. */
  async function bothWays(ctx: Context, check: (snapshot: StoreSnapshot) => void): Promise<void> {
    check(await ctx.committed());
    await ctx.reopen();
    check(await ctx.store.load());
  }

  describe(`Store contract: ${name}`, () => {
    it(`${name}: has a name, and a new store loads empty`, () =>
      withStore(async ({ store }) => {
        assert.equal(typeof store.name, "string");
        assert.ok(store.name.length > 0);
        assert.equal(typeof store.durable, "boolean");
        const snapshot = await store.load();
        assert.deepEqual(snapshot.sessions, []);
        assert.equal(snapshot.messages.size, 0);
        assert.equal(snapshot.retained.size, 0);
        assert.deepEqual(snapshot.wills, []);
        assert.equal(snapshot.lastMessageId, 0);
      }));

    it(`${name}: a session with subscriptions, in-flight, queued and inbound QoS 2 state round-trips exactly`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        const rich = richMessage(10);
        const plain = message(11, {
          properties: undefined,
          publisherId: undefined,
          payload: new Uint8Array(0),
        });
        const third = message(12, { qos: 0 });
        for (const m of [rich, plain, third]) store.putMessage(m);
        const s = session("client/ü", {
          protocolVersion: 4,
          expiryInterval: 0xffffffff,
          disconnectedAt: T0 + 5,
        });
        store.putSession(s);
        const subs = [
          subscription("$share/group/a/+", { qos: 2, subscriptionIdentifier: 268_435_455 }),
          subscription("b/#", { qos: 0, noLocal: true, retainAsPublished: true, retainHandling: 2 }),
          subscription("c", { retainHandling: 1, subscriptionIdentifier: 1 }),
        ];
        for (const sub of subs) store.putSubscription(s.clientId, sub);
        const flights = [
          inflight(300, 10, {
            qos: 2,
            retain: true,
            subscriptionIdentifiers: [1, 268_435_455],
            phase: "pubrel",
          }),
          inflight(5, 11, { qos: 1, phase: "publish", group: "$share/group/a/+" }),
          inflight(65535, 12, { qos: 2, phase: "publish", subscriptionIdentifiers: [7] }),
        ];
        for (const f of flights) store.putInflight(s.clientId, f);
        const queue = [
          queued(9, 12, { qos: 0, retain: true }),
          queued(2, 10, { qos: 2, subscriptionIdentifiers: [3, 4], group: "$share/group/a/+" }),
        ];
        for (const q of queue) store.putQueued(s.clientId, q);
        store.putIncomingQos2(s.clientId, 1);
        store.putIncomingQos2(s.clientId, 65535);

        await bothWays(ctx, (snapshot) => {
          assert.equal(snapshot.sessions.length, 1);
          const state = requireState(snapshot, s.clientId);
          assertSameSession(state.session, s);
          assert.deepEqual(
            sortedSubscriptions(state),
            [...subs].sort((a, b) => (a.topicFilter < b.topicFilter ? -1 : 1)).map(subscriptionFields),
          );
          assert.deepEqual(
            state.inflight.map(inflightFields),
            flights.map(inflightFields),
            "in-flight entries in the order first put",
          );
          assert.deepEqual(
            state.queue.map(queuedFields),
            [queue[1]!, queue[0]!].map(queuedFields),
            "queue in seq order",
          );
          assert.deepEqual(
            [...state.incomingQos2].sort((a, b) => a - b),
            [1, 65535],
          );
          assert.deepEqual(messageIds(snapshot), [10, 11, 12]);
          assertSameMessage(snapshot.messages.get(10), rich);
          assertSameMessage(snapshot.messages.get(11), plain);
          assertSameMessage(snapshot.messages.get(12), third);
        });
      }));

    it(`${name}: the runtime frame cache of a message is not stored`, () =>
      withStore(async (ctx) => {
        const m = message(1);
        m.frames = [Uint8Array.from([0x30, 0])];
        ctx.store.putMessage(m);
        ctx.store.putRetained("topic/1", 1);
        await bothWays(ctx, (snapshot) => assertSameMessage(snapshot.messages.get(1), message(1)));
      }));

    it(`${name}: putSession replaces the session record and keeps what hangs off it`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(1));
        store.putSession(session("c", { protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined }));
        store.putSubscription("c", subscription("x"));
        store.putQueued("c", queued(1, 1));
        const replacement = session("c", {
          protocolVersion: 4,
          expiryInterval: 120,
          disconnectedAt: T0 + 99,
        });
        store.putSession(replacement);
        await bothWays(ctx, (snapshot) => {
          assert.equal(snapshot.sessions.length, 1);
          const state = requireState(snapshot, "c");
          assertSameSession(state.session, replacement);
          assert.deepEqual(sortedSubscriptions(state), [subscriptionFields(subscription("x"))]);
          assert.deepEqual(state.queue.map(queuedFields), [queuedFields(queued(1, 1))]);
        });
        // and back to connected (disconnectedAt undefined)
        const connected = session("c", { disconnectedAt: undefined });
        ctx.store.putSession(connected);
        await bothWays(ctx, (snapshot) => assertSameSession(requireState(snapshot, "c").session, connected));
      }));

    it(`${name}: deleteSession removes its subscriptions, in-flight, queue and inbound QoS 2 ids, but not its will`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        for (const id of [1, 2, 3, 4]) store.putMessage(message(id));
        store.putSession(session("gone"));
        store.putSession(session("stays"));
        store.putSubscription("gone", subscription("a/#"));
        store.putInflight("gone", inflight(1, 1));
        store.putQueued("gone", queued(1, 2));
        store.putIncomingQos2("gone", 42);
        store.putWill({ clientId: "gone", messageId: 3, delay: 30, dueAt: T0 + 30_000 });
        store.putSubscription("stays", subscription("a/#"));
        store.putQueued("stays", queued(1, 4));
        store.deleteSession("gone");
        await bothWays(ctx, (snapshot) => {
          assert.equal(stateOf(snapshot, "gone"), undefined);
          const stays = requireState(snapshot, "stays");
          assert.equal(stays.subscriptions.length, 1);
          assert.deepEqual(stays.queue.map(queuedFields), [queuedFields(queued(1, 4))]);
          assert.deepEqual(snapshot.wills.map(willFields), [["gone", 3, 30, T0 + 30_000]]);
          assert.deepEqual(
            messageIds(snapshot),
            [3, 4],
            "messages only the deleted session referenced are gone",
          );
        });
        // A new session under the same id starts empty: nothing of the old one comes back.
        ctx.store.putSession(session("gone", { expiryInterval: 5 }));
        await bothWays(ctx, (snapshot) => {
          const fresh = requireState(snapshot, "gone");
          assert.deepEqual(fresh.subscriptions, []);
          assert.deepEqual(fresh.inflight, []);
          assert.deepEqual(fresh.queue, []);
          assert.deepEqual([...fresh.incomingQos2], []);
          assert.equal(fresh.session.expiryInterval, 5);
        });
      }));

    it(`${name}: a message queued for two sessions survives deleting one reference and goes with the last`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(7));
        store.putSession(session("a"));
        store.putSession(session("b"));
        store.putQueued("a", queued(1, 7));
        store.putQueued("b", queued(4, 7));
        store.deleteQueued("a", 1);
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(messageIds(snapshot), [7]);
          assert.deepEqual(requireState(snapshot, "a").queue, []);
          assert.equal(requireState(snapshot, "b").queue.length, 1);
        });
        ctx.store.deleteQueued("b", 4);
        await bothWays(ctx, (snapshot) => assert.deepEqual(messageIds(snapshot), []));
      }));

    it(`${name}: a message referenced by a queue and by another session's in-flight entry survives deleteSession of one`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(8));
        store.putSession(session("a"));
        store.putSession(session("b"));
        store.putQueued("a", queued(1, 8));
        store.putInflight("b", inflight(3, 8));
        store.deleteSession("a");
        await bothWays(ctx, (snapshot) => assert.deepEqual(messageIds(snapshot), [8]));
        ctx.store.deleteInflight("b", 3);
        await bothWays(ctx, (snapshot) => assert.deepEqual(messageIds(snapshot), []));
      }));

    it(`${name}: a message moved from a session's queue into its in-flight window is kept (deleteQueued, putMessage, putInflight)`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        const m = message(9);
        store.putMessage(m);
        store.putSession(session("a"));
        store.putQueued("a", queued(1, 9));
        await store.commit();
        // What a session's journal does when the queue drains into the window:
        store.deleteQueued("a", 1);
        store.putMessage(m);
        store.putInflight("a", inflight(1, 9));
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(messageIds(snapshot), [9]);
          assertSameMessage(snapshot.messages.get(9), m);
          const state = requireState(snapshot, "a");
          assert.deepEqual(state.queue, []);
          assert.deepEqual(state.inflight.map(inflightFields), [inflightFields(inflight(1, 9))]);
        });
      }));

    it(`${name}: a message put without any reference is not returned after commit`, () =>
      withStore(async (ctx) => {
        ctx.store.putMessage(message(1));
        ctx.store.putMessage(message(2));
        ctx.store.putRetained("topic/2", 2);
        await bothWays(ctx, (snapshot) => assert.deepEqual(messageIds(snapshot), [2]));
      }));

    it(`${name}: putInflight for an existing packet id replaces it (phase change): one entry, one reference`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(1));
        store.putSession(session("a"));
        store.putInflight("a", inflight(200, 1, { qos: 2, phase: "publish" }));
        store.putInflight("a", inflight(7, 1, { qos: 1 }));
        store.putInflight("a", inflight(200, 1, { qos: 2, phase: "pubrel" }));
        await bothWays(ctx, (snapshot) => {
          const state = requireState(snapshot, "a");
          assert.deepEqual(
            state.inflight.map(inflightFields),
            [
              inflightFields(inflight(200, 1, { qos: 2, phase: "pubrel" })),
              inflightFields(inflight(7, 1, { qos: 1 })),
            ],
            "one entry per packet id, still in the order first put",
          );
        });
        ctx.store.deleteInflight("a", 200);
        await bothWays(ctx, (snapshot) =>
          assert.deepEqual(messageIds(snapshot), [1], "still referenced by packet id 7"),
        );
        ctx.store.deleteInflight("a", 7);
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(requireState(snapshot, "a").inflight, []);
          assert.deepEqual(messageIds(snapshot), [], "the replaced entry did not leave a reference behind");
        });
      }));

    it(`${name}: putInflight replacing an entry with another message frees the old message`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(1));
        store.putMessage(message(2));
        store.putSession(session("a"));
        store.putInflight("a", inflight(5, 1));
        store.putInflight("a", inflight(5, 2));
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(messageIds(snapshot), [2]);
          assert.deepEqual(
            requireState(snapshot, "a").inflight.map((e) => e.messageId),
            [2],
          );
        });
      }));

    it(`${name}: the queue comes back ordered by seq, whatever the put order; deleteQueued removes one entry`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putSession(session("a"));
        for (const id of [1, 2, 3, 4, 5]) store.putMessage(message(id));
        for (const [seq, id] of [
          [10, 1],
          [2, 2],
          [7, 3],
          [1000, 4],
          [3, 5],
        ] as const) {
          store.putQueued("a", queued(seq, id));
        }
        store.deleteQueued("a", 7);
        await bothWays(ctx, (snapshot) => {
          const state = requireState(snapshot, "a");
          assert.deepEqual(
            state.queue.map((e) => [e.seq, e.messageId]),
            [
              [2, 2],
              [3, 5],
              [10, 1],
              [1000, 4],
            ],
          );
          assert.deepEqual(messageIds(snapshot), [1, 2, 4, 5]);
        });
      }));

    it(`${name}: subscriptions are put, replaced by topic filter and deleted`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putSession(session("a"));
        store.putSubscription("a", subscription("x/+", { qos: 0 }));
        store.putSubscription("a", subscription("y", { qos: 1 }));
        store.putSubscription("a", subscription("x/+", { qos: 2, subscriptionIdentifier: 9 }));
        store.deleteSubscription("a", "y");
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(sortedSubscriptions(requireState(snapshot, "a")), [
            subscriptionFields(subscription("x/+", { qos: 2, subscriptionIdentifier: 9 })),
          ]);
        });
      }));

    it(`${name}: inbound QoS 2 packet ids are put and deleted`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putSession(session("a"));
        for (const id of [3, 1, 2]) store.putIncomingQos2("a", id);
        store.putIncomingQos2("a", 3);
        store.deleteIncomingQos2("a", 1);
        await bothWays(ctx, (snapshot) =>
          assert.deepEqual(
            [...requireState(snapshot, "a").incomingQos2].sort((x, y) => x - y),
            [2, 3],
          ),
        );
      }));

    it(`${name}: a retained value is put, replaced (freeing the old message) and deleted`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        const first = message(1, { retain: true });
        const second = richMessage(2);
        store.putMessage(first);
        store.putRetained("r/1", 1);
        store.putMessage(message(3, { retain: true }));
        store.putRetained("r/other", 3);
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual([...snapshot.retained].sort(), [
            ["r/1", 1],
            ["r/other", 3],
          ]);
          assertSameMessage(snapshot.messages.get(1), first);
        });
        ctx.store.putMessage(second);
        ctx.store.putRetained("r/1", 2);
        await bothWays(ctx, (snapshot) => {
          assert.equal(snapshot.retained.get("r/1"), 2);
          assert.deepEqual(messageIds(snapshot), [2, 3], "the replaced retained message is freed");
          assertSameMessage(snapshot.messages.get(2), second);
        });
        ctx.store.deleteRetained("r/1");
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual([...snapshot.retained], [["r/other", 3]]);
          assert.deepEqual(messageIds(snapshot), [3]);
        });
      }));

    it(`${name}: a retained message also queued for a session survives deleteRetained`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(1, { retain: true }));
        store.putRetained("topic/1", 1);
        store.putSession(session("a"));
        store.putQueued("a", queued(1, 1, { retain: true }));
        store.deleteRetained("topic/1");
        await bothWays(ctx, (snapshot) => {
          assert.equal(snapshot.retained.size, 0);
          assert.deepEqual(messageIds(snapshot), [1]);
        });
      }));

    it(`${name}: a will is put with its delay and due time, replaced (freeing the old message) and deleted`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(1));
        store.putWill({ clientId: "w", messageId: 1, delay: 0, dueAt: undefined });
        store.putMessage(message(2));
        store.putWill({ clientId: "other", messageId: 2, delay: 10, dueAt: T0 + 10_000 });
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(snapshot.wills.map(willFields).sort(), [
            ["other", 2, 10, T0 + 10_000],
            ["w", 1, 0, undefined],
          ]);
          assert.deepEqual(messageIds(snapshot), [1, 2]);
        });
        const richWill = richMessage(3);
        ctx.store.putMessage(richWill);
        ctx.store.putWill({ clientId: "w", messageId: 3, delay: 4_294_967_295, dueAt: T0 + 1 });
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(snapshot.wills.map(willFields).sort(), [
            ["other", 2, 10, T0 + 10_000],
            ["w", 3, 4_294_967_295, T0 + 1],
          ]);
          assert.deepEqual(messageIds(snapshot), [2, 3], "the replaced will's message is freed");
          assertSameMessage(snapshot.messages.get(3), richWill);
        });
        ctx.store.deleteWill("w");
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(snapshot.wills.map(willFields), [["other", 2, 10, T0 + 10_000]]);
          assert.deepEqual(messageIds(snapshot), [2]);
        });
      }));

    it(`${name}: a session's owner round-trips, is replaced with the session record, and stays unknown when not given`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        // what Broker.openSession keeps: the principal id and the org, NUL-separated
        const owned = session("owned", { owner: "user-ü\u0000org-a" });
        const serviceOwned = session("service", { owner: "backend\u0000" });
        const unknown = session("old");
        for (const s of [owned, serviceOwned, unknown]) store.putSession(s);
        await bothWays(ctx, (snapshot) => {
          assertSameSession(requireState(snapshot, "owned").session, owned);
          assertSameSession(requireState(snapshot, "service").session, serviceOwned);
          assert.equal(
            requireState(snapshot, "old").session.owner,
            undefined,
            "an unknown owner stays unknown",
          );
        });
        // the next connection's record carries the new owner; a record without one forgets it
        const taken = session("owned", { owner: "user-2\u0000org-b", disconnectedAt: undefined });
        ctx.store.putSession(taken);
        ctx.store.putSession(session("service", { owner: undefined }));
        await bothWays(ctx, (snapshot) => {
          assertSameSession(requireState(snapshot, "owned").session, taken);
          assert.equal(requireState(snapshot, "service").session.owner, undefined);
        });
      }));

    it(`${name}: an entry's shared subscription group round-trips, is replaced with the entry, and stays unknown when not given`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        for (const id of [1, 2, 3]) store.putMessage(message(id));
        store.putSession(session("$t/acme/member"));
        // the group as its members subscribed: the filter mounted in their tenant
        const group = "$share/workers/$t/acme/jobs/+";
        const unicode = "$share/ü-😀/a/#";
        store.putQueued("$t/acme/member", queued(1, 1, { group }));
        store.putQueued("$t/acme/member", queued(2, 2, { group: unicode }));
        store.putQueued("$t/acme/member", queued(3, 3));
        store.putInflight("$t/acme/member", inflight(7, 3, { group }));
        store.putInflight("$t/acme/member", inflight(8, 2));
        const groupsOf = (snapshot: StoreSnapshot): unknown => {
          const state = requireState(snapshot, "$t/acme/member");
          return {
            queue: state.queue.map((e) => [e.seq, e.group]),
            inflight: state.inflight.map((e) => [e.packetId, e.group]),
          };
        };
        await bothWays(ctx, (snapshot) =>
          assert.deepEqual(groupsOf(snapshot), {
            queue: [
              [1, group],
              [2, unicode],
              [3, undefined],
            ],
            inflight: [
              [7, group],
              [8, undefined],
            ],
          }),
        );
        // the head of the queue moves into the window with its group; a replaced entry takes the new one's
        ctx.store.deleteQueued("$t/acme/member", 1);
        ctx.store.putMessage(message(1));
        ctx.store.putInflight("$t/acme/member", inflight(9, 1, { group }));
        ctx.store.putInflight("$t/acme/member", inflight(7, 3, { qos: 2, phase: "pubrel" }));
        ctx.store.putQueued("$t/acme/member", queued(3, 3, { group: unicode }));
        await bothWays(ctx, (snapshot) =>
          assert.deepEqual(groupsOf(snapshot), {
            queue: [
              [2, unicode],
              [3, unicode],
            ],
            inflight: [
              [7, undefined],
              [8, undefined],
              [9, group],
            ],
          }),
        );
      }));

    it(`${name}: a will's publisher (principal with roles, scopes, expiry and attributes) round-trips and is replaced with the will`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        const publisher: StoredPublisher = {
          clientId: "driver-ü",
          principal: {
            id: "drv-key",
            anonymous: false,
            tenant: "acme",
            roles: ["driver", "support"],
            scopes: ["mqtt:write"],
            expiresAt: T0 + 60_000,
            attributes: { org: "org-a", endpoint: "placeos-api", empty: "", "ü/😀": "\u0000" },
          },
        };
        store.putMessage(message(1));
        store.putWill({ clientId: "$t/acme/driver-ü", messageId: 1, delay: 30, dueAt: T0, publisher });
        store.putMessage(message(2));
        store.putWill({ clientId: "old", messageId: 2, delay: 5, dueAt: undefined });
        const publisherOf = (snapshot: StoreSnapshot, clientId: string): unknown =>
          publisherFields(snapshot.wills.find((w) => w.clientId === clientId)?.publisher);
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(snapshot.wills.map(willFields).sort(), [
            ["$t/acme/driver-ü", 1, 30, T0],
            ["old", 2, 5, undefined],
          ]);
          assert.deepEqual(publisherOf(snapshot, "$t/acme/driver-ü"), publisherFields(publisher));
          assert.equal(publisherOf(snapshot, "old"), undefined, "an unknown publisher stays unknown");
        });
        // an anonymous publisher whose credential does not expire; then the will replaced without one
        const anonymous: StoredPublisher = {
          clientId: "old",
          principal: {
            id: "anonymous",
            anonymous: true,
            tenant: "default",
            roles: [],
            scopes: [],
            expiresAt: undefined,
            attributes: {},
          },
        };
        ctx.store.putMessage(message(3));
        ctx.store.putWill({
          clientId: "old",
          messageId: 3,
          delay: 5,
          dueAt: undefined,
          publisher: anonymous,
        });
        ctx.store.putMessage(message(4));
        ctx.store.putWill({ clientId: "$t/acme/driver-ü", messageId: 4, delay: 30, dueAt: T0 });
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(publisherOf(snapshot, "old"), publisherFields(anonymous));
          assert.equal(publisherOf(snapshot, "$t/acme/driver-ü"), undefined);
          assert.deepEqual(messageIds(snapshot), [3, 4]);
        });
      }));

    it(`${name}: lastMessageId is never below the largest message id put, even when that message is gone`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(5));
        store.putMessage(message(900));
        store.putMessage(message(3));
        store.putRetained("topic/3", 3);
        await bothWays(ctx, (snapshot) => {
          assert.ok(snapshot.lastMessageId >= 900, `lastMessageId ${snapshot.lastMessageId}`);
          assert.deepEqual(messageIds(snapshot), [3]);
        });
        ctx.store.deleteRetained("topic/3");
        ctx.store.putMessage(message(901));
        await bothWays(ctx, (snapshot) => assert.ok(snapshot.lastMessageId >= 901));
      }));

    it(`${name}: deleting what does not exist is a no-op`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        store.putMessage(message(1));
        store.putSession(session("a"));
        store.putSubscription("a", subscription("s"));
        store.putQueued("a", queued(1, 1));
        store.putIncomingQos2("a", 4);
        await store.commit();
        const before = await store.load();
        store.deleteSession("nobody");
        store.deleteSubscription("nobody", "s");
        store.deleteSubscription("a", "not-subscribed");
        store.deleteInflight("nobody", 1);
        store.deleteInflight("a", 1);
        store.deleteQueued("nobody", 1);
        store.deleteQueued("a", 99);
        store.deleteIncomingQos2("nobody", 4);
        store.deleteIncomingQos2("a", 5);
        store.deleteRetained("no/such/topic");
        store.deleteWill("nobody");
        await bothWays(ctx, (snapshot) => {
          assert.equal(snapshot.sessions.length, before.sessions.length);
          const state = requireState(snapshot, "a");
          assert.deepEqual(sortedSubscriptions(state), [subscriptionFields(subscription("s"))]);
          assert.deepEqual(state.queue.map(queuedFields), [queuedFields(queued(1, 1))]);
          assert.deepEqual([...state.incomingQos2], [4]);
          assert.deepEqual(messageIds(snapshot), [1]);
        });
      }));

    it(`${name}: is not failing while its commits succeed`, () =>
      withStore(async ({ store }) => {
        assert.equal(store.failure, undefined);
        store.putMessage(message(1));
        store.putRetained("topic/1", 1);
        await store.commit();
        assert.equal(store.failure, undefined);
      }));

    // only for stores whose commits can fail (the memory store's cannot: nothing to check there)
    const breakCommits = factory.breakCommits;
    if (breakCommits !== undefined)
      it(`${name}: a failed commit makes it failing with that error until a commit succeeds, and loses nothing`, () =>
        withStore(async (ctx) => {
          const { store } = ctx;
          const repair = breakCommits(store);
          store.putMessage(message(1));
          store.putRetained("topic/1", 1);
          const failure = await store.commit().then(
            () => assert.fail("the commit should have failed"),
            (error: unknown) => error,
          );
          assert.ok(failure instanceof Error);
          assert.equal((failure as { code?: unknown }).code, "SB_ERR_STORE");
          const failing = store.failure;
          assert.ok(failing !== undefined, "failing after a failed commit");
          assert.equal(failing.code, "SB_ERR_STORE");
          assert.equal(failing.message, failure.message);
          await assert.rejects(store.commit()); // still failing: the retry fails too
          assert.notEqual(store.failure, undefined);
          repair();
          await store.commit();
          assert.equal(store.failure, undefined);
          await bothWays(ctx, (snapshot) => assert.deepEqual([...snapshot.retained], [["topic/1", 1]]));
        }));

    it(`${name}: everything survives commit(), close() and reopen, twice`, () =>
      withStore(async (ctx) => {
        const { store } = ctx;
        const m = [richMessage(1), message(2), message(3, { retain: true }), message(4)];
        for (const x of m) store.putMessage(x);
        store.putSession(session("p", { expiryInterval: 10 }));
        store.putSubscription("p", subscription("#", { qos: 2 }));
        store.putInflight("p", inflight(1, 1, { qos: 2, phase: "pubrel" }));
        store.putQueued("p", queued(1, 2));
        store.putIncomingQos2("p", 77);
        store.putRetained("topic/3", 3);
        store.putWill({ clientId: "p", messageId: 4, delay: 5, dueAt: undefined });
        const check = (snapshot: StoreSnapshot): void => {
          const state = requireState(snapshot, "p");
          assertSameSession(state.session, session("p", { expiryInterval: 10 }));
          assert.deepEqual(sortedSubscriptions(state), [subscriptionFields(subscription("#", { qos: 2 }))]);
          assert.deepEqual(state.inflight.map(inflightFields), [
            inflightFields(inflight(1, 1, { qos: 2, phase: "pubrel" })),
          ]);
          assert.deepEqual(state.queue.map(queuedFields), [queuedFields(queued(1, 2))]);
          assert.deepEqual([...state.incomingQos2], [77]);
          assert.deepEqual([...snapshot.retained], [["topic/3", 3]]);
          assert.deepEqual(snapshot.wills.map(willFields), [["p", 4, 5, undefined]]);
          assert.deepEqual(messageIds(snapshot), [1, 2, 3, 4]);
          for (const x of m) assertSameMessage(snapshot.messages.get(x.id), x);
          assert.ok(snapshot.lastMessageId >= 4);
        };
        await bothWays(ctx, check);
        await ctx.reopen();
        check(await ctx.store.load());
        // The reopened store keeps working.
        ctx.store.deleteQueued("p", 1);
        await bothWays(ctx, (snapshot) => {
          assert.deepEqual(requireState(snapshot, "p").queue, []);
          assert.deepEqual(messageIds(snapshot), [1, 3, 4]);
        });
      }));
  });
}
