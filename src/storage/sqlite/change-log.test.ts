import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Store, StoreSnapshot, StoredPublisher } from "../../hooks/index.js";
import type { ApplicationMessage } from "../../session/index.js";
import { MemoryStore } from "../memory/memory-store.js";
import { readChanges } from "./change-log-reader.js";
import { publisherFromJson, publisherToJson } from "./publisher-json.js";
import { ChangeLogWriter } from "./change-log-writer.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
import type { StoreOp } from "./store-op.js";

const root = mkdtempSync(join(tmpdir(), "sb-change-log-"));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

function open(options: Partial<SqliteStoreOptions> = {}): SqliteStore {
  return new SqliteStore({
    file: join(root, `db-${++files}`, "switchboard.db"),
    durability: "strict",
    commitInterval: 60_000,
    housekeepingInterval: 0,
    compactThreshold: 0,
    ...options,
  });
}

/** What a crash right now would leave: a copy of the database and its WAL, opened by a new store. */
function crashImage(store: SqliteStore): SqliteStore {
  const file = join(root, `crash-${++files}`, "switchboard.db");
  mkdirSync(dirname(file));
  copyFileSync(store.file, file);
  if (existsSync(`${store.file}-wal`)) copyFileSync(`${store.file}-wal`, `${file}-wal`);
  return new SqliteStore({
    file,
    durability: "strict",
    commitInterval: 60_000,
    housekeepingInterval: 0,
    compactThreshold: 0,
  });
}

const T0 = 1_700_000_000_000;

/** A will's publisher with every principal field set (`expiresAt` as given). */
function publisher(clientId: string, org: string, expiresAt: number | undefined = T0): StoredPublisher {
  return {
    clientId,
    principal: {
      id: `user-${clientId}`,
      anonymous: false,
      tenant: "acme",
      roles: ["support"],
      scopes: ["mqtt:write", "read"],
      expiresAt,
      attributes: { org, endpoint: "placeos-api" },
    },
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function message(id: number, rich = false): ApplicationMessage {
  return {
    id,
    topic: rich ? `sensors/ünïcode/😀/${id}` : `t/${id}`,
    payload: Uint8Array.from([id & 0xff, 0, 0xff, 0x80]),
    qos: (id % 3) as 0 | 1 | 2,
    retain: id % 2 === 0,
    properties: rich
      ? {
          payloadFormatIndicator: id % 2 === 0,
          contentType: "application/json",
          responseTopic: "replies/é",
          correlationData: Uint8Array.from([0, 0xff]),
          userProperties: [
            ["z", "1"],
            ["a", ""],
            ["z", "2"],
          ],
        }
      : undefined,
    createdAt: T0 + id,
    expiresAt: id % 5 === 0 ? T0 + 10 * id : undefined,
    publisherId: id % 4 === 0 ? undefined : `pub-${id % 3}`,
  };
}

/** A snapshot as plain data, in a stable order, for deepEqual. */
function normalize(snapshot: StoreSnapshot): unknown {
  const props = (m: ApplicationMessage): unknown => {
    const p = m.properties;
    if (p === undefined) return undefined;
    const fields = {
      payloadFormatIndicator: p.payloadFormatIndicator,
      contentType: p.contentType,
      responseTopic: p.responseTopic,
      correlationData: p.correlationData === undefined ? undefined : [...p.correlationData],
      userProperties: p.userProperties?.map(([k, v]) => [k, v]),
    };
    return Object.values(fields).every((v) => v === undefined) ? undefined : fields;
  };
  return {
    sessions: [...snapshot.sessions]
      .sort((a, b) => (a.session.clientId < b.session.clientId ? -1 : 1))
      .map((s) => ({
        session: { ...s.session },
        subscriptions: [...s.subscriptions]
          .sort((a, b) => (a.topicFilter < b.topicFilter ? -1 : 1))
          .map((x) => ({ ...x })),
        inflight: s.inflight.map((e) => ({ ...e, subscriptionIdentifiers: [...e.subscriptionIdentifiers] })),
        queue: [...s.queue]
          .sort((a, b) => a.seq - b.seq)
          .map((e) => ({ ...e, subscriptionIdentifiers: [...e.subscriptionIdentifiers] })),
        incomingQos2: [...s.incomingQos2].sort((a, b) => a - b),
      })),
    messages: [...snapshot.messages.values()]
      .sort((a, b) => a.id - b.id)
      .map((m) => ({
        id: m.id,
        topic: m.topic,
        payload: [...m.payload],
        qos: m.qos,
        retain: m.retain,
        properties: props(m),
        createdAt: m.createdAt,
        expiresAt: m.expiresAt,
        publisherId: m.publisherId,
      })),
    retained: [...snapshot.retained].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    wills: [...snapshot.wills].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)).map((w) => ({ ...w })),
    lastMessageId: snapshot.lastMessageId,
  };
}

/**
 * Random changes in the shapes the broker makes them (a message is put right before each entry that
 * names it): sessions created and deleted, subscriptions, queues drained into in-flight windows with
 * reused packet ids and phase changes, inbound QoS 2 ids, retained values and wills.
 */
interface Workload {
  readonly nextSeq: Map<string, number>;
  readonly queues: Map<string, number[]>;
  nextId: number;
  last: ApplicationMessage | undefined;
}

const newWorkload = (): Workload => ({ nextSeq: new Map(), queues: new Map(), nextId: 0, last: undefined });

function randomChanges(w: Workload, seed: number, count: number, stores: readonly Store[]): void {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const clients = ["a", "b", "c", "dé"];
  const { nextSeq, queues } = w;
  const all = (f: (store: Store) => void): void => {
    for (const store of stores) f(store);
  };
  const fresh = (): ApplicationMessage => {
    const m = message(++w.nextId, rnd() < 0.1);
    all((s) => s.putMessage(m));
    w.last = m;
    return m;
  };
  for (let i = 0; i < count; i++) {
    const client = pick(clients);
    const r = rnd();
    if (r < 0.03) {
      all((s) => s.deleteSession(client));
      queues.delete(client);
    } else if (r < 0.08) {
      const disconnectedAt = rnd() < 0.5 ? undefined : T0 + i;
      const owner = pick([undefined, `${client}\u0000`, `${client}\u0000org-${i % 3}`]);
      const stored = {
        clientId: client,
        protocolVersion: pick([3, 4, 5] as const),
        expiryInterval: pick([0, 60, 0xffffffff]),
        disconnectedAt,
        ...(owner === undefined ? {} : { owner }),
      };
      all((s) => s.putSession(stored));
    } else if (r < 0.11) {
      const filter = pick(["x/#", "y/+", "$share/g/z"]);
      if (rnd() < 0.7) {
        const sub = {
          topicFilter: filter,
          qos: pick([0, 1, 2] as const),
          noLocal: rnd() < 0.5,
          retainAsPublished: rnd() < 0.5,
          retainHandling: pick([0, 1, 2] as const),
          subscriptionIdentifier: rnd() < 0.5 ? undefined : Math.floor(rnd() * 300_000),
        };
        all((s) => s.putSubscription(client, sub));
      } else {
        all((s) => s.deleteSubscription(client, filter));
      }
    } else if (r < 0.4) {
      // a new message queued
      const m = fresh();
      const seq = (nextSeq.get(client) ?? 0) + 1;
      nextSeq.set(client, seq);
      const ids = rnd() < 0.2 ? [1, 268_435_455] : [];
      const group = pick([undefined, undefined, "$share/g/z", "$share/ü/$t/acme/z"]);
      all((s) =>
        s.putQueued(client, {
          seq,
          messageId: m.id,
          qos: m.qos,
          retain: m.retain,
          subscriptionIdentifiers: ids,
          ...(group === undefined ? {} : { group }),
        }),
      );
      let q = queues.get(client);
      if (q === undefined) queues.set(client, (q = []));
      q.push(seq);
    } else if (r < 0.6) {
      // the head of the queue moves into the window (deleteQueued, putMessage, putInflight)
      const q = queues.get(client);
      const seq = q?.shift();
      if (seq !== undefined) all((s) => s.deleteQueued(client, seq));
      const m = rnd() < 0.5 || w.last === undefined ? fresh() : w.last; // the journal puts it again
      all((s) => s.putMessage(m));
      const packetId = 1 + Math.floor(rnd() * 6);
      const entry = {
        packetId,
        messageId: m.id,
        qos: pick([1, 2] as const),
        retain: rnd() < 0.3,
        subscriptionIdentifiers: rnd() < 0.2 ? [7] : [],
        phase: pick(["publish", "pubrel"] as const),
        ...(rnd() < 0.3 ? { group: "$share/g/z" } : {}),
      };
      all((s) => s.putInflight(client, entry));
    } else if (r < 0.75) {
      const packetId = 1 + Math.floor(rnd() * 6);
      all((s) => s.deleteInflight(client, packetId));
    } else if (r < 0.8) {
      const seq = Math.floor(rnd() * ((nextSeq.get(client) ?? 0) + 2));
      all((s) => s.deleteQueued(client, seq));
      const q = queues.get(client);
      if (q !== undefined)
        queues.set(
          client,
          q.filter((x) => x !== seq),
        );
    } else if (r < 0.86) {
      const packetId = 1 + Math.floor(rnd() * 4);
      if (rnd() < 0.5) all((s) => s.putIncomingQos2(client, packetId));
      else all((s) => s.deleteIncomingQos2(client, packetId));
    } else if (r < 0.94) {
      const topic = pick(["r/1", "r/2", "r/ü"]);
      if (rnd() < 0.7) {
        const m = fresh();
        all((s) => s.putRetained(topic, m.id));
      } else {
        all((s) => s.deleteRetained(topic));
      }
    } else if (rnd() < 0.6) {
      const m = fresh();
      const will = {
        clientId: client,
        messageId: m.id,
        delay: Math.floor(rnd() * 100),
        dueAt: rnd() < 0.5 ? undefined : T0 + i,
        ...(rnd() < 0.5
          ? {}
          : { publisher: publisher(client, `org-${i % 3}`, rnd() < 0.5 ? undefined : T0 + i) }),
      };
      all((s) => s.putWill(will));
    } else {
      all((s) => s.deleteWill(client));
    }
  }
}

describe("SqliteStore change log", () => {
  it("encodes every kind of change and reads it back unchanged", () => {
    const writer = new ChangeLogWriter();
    const rich = message(5, true);
    const ops: StoreOp[] = [
      { kind: "putMessage", message: rich },
      { kind: "putMessage", message: { ...message(2 ** 40), payload: new Uint8Array(70_000).fill(7) } },
      {
        kind: "putSession",
        session: { clientId: "ü-1", protocolVersion: 5, expiryInterval: 0xffffffff, disconnectedAt: T0 },
      },
      {
        kind: "putSession",
        session: { clientId: "ü-1", protocolVersion: 3, expiryInterval: 0, disconnectedAt: undefined },
      },
      {
        kind: "putSession",
        session: {
          clientId: "o",
          protocolVersion: 5,
          expiryInterval: 60,
          disconnectedAt: T0,
          owner: "u-ü\u0000org",
        },
      },
      {
        kind: "putSession",
        session: {
          clientId: "o",
          protocolVersion: 5,
          expiryInterval: 60,
          disconnectedAt: undefined,
          owner: "",
        },
      },
      {
        kind: "putSubscription",
        clientId: "ü-1",
        subscription: {
          topicFilter: "$share/g/a/#",
          qos: 2,
          noLocal: true,
          retainAsPublished: true,
          retainHandling: 2,
          subscriptionIdentifier: 268_435_455,
        },
      },
      {
        kind: "putSubscription",
        clientId: "c",
        subscription: {
          topicFilter: "",
          qos: 0,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
          subscriptionIdentifier: undefined,
        },
      },
      { kind: "deleteSubscription", clientId: "c", topicFilter: "a/+" },
      {
        kind: "putInflight",
        clientId: "c",
        entry: {
          packetId: 65_535,
          messageId: 2 ** 40,
          qos: 2,
          retain: true,
          subscriptionIdentifiers: [1, 2, 300],
          phase: "pubrel",
        },
      },
      {
        kind: "putInflight",
        clientId: "c",
        entry: {
          packetId: 1,
          messageId: 5,
          qos: 1,
          retain: false,
          subscriptionIdentifiers: [],
          phase: "publish",
          group: "$share/g/$t/acme/a/+",
        },
      },
      { kind: "deleteInflight", clientId: "ü-1", packetId: 1 },
      {
        kind: "putQueued",
        clientId: "ü-1",
        entry: {
          seq: Number.MAX_SAFE_INTEGER,
          messageId: 5,
          qos: 0,
          retain: false,
          subscriptionIdentifiers: [],
        },
      },
      {
        kind: "putQueued",
        clientId: "ü-1",
        entry: {
          seq: 3,
          messageId: 5,
          qos: 2,
          retain: true,
          subscriptionIdentifiers: [9],
          group: `$share/😀/${"x".repeat(200)}`,
        },
      },
      { kind: "deleteQueued", clientId: "ü-1", seq: 2 ** 31 },
      { kind: "putIncomingQos2", clientId: "x".repeat(300), packetId: 9 },
      { kind: "deleteIncomingQos2", clientId: "x".repeat(300), packetId: 9 },
      { kind: "putRetained", topic: "r/😀", messageId: 5 },
      { kind: "deleteRetained", topic: "r/1" },
      { kind: "putWill", will: { clientId: "c", messageId: 5, delay: 0, dueAt: undefined } },
      { kind: "putWill", will: { clientId: "c", messageId: 5, delay: 4_294_967_295, dueAt: T0 + 0.5 } },
      {
        kind: "putWill",
        will: { clientId: "c", messageId: 5, delay: 1, dueAt: T0, publisher: publisher("c-😀", "org-ü") },
      },
      {
        kind: "putWill",
        will: {
          clientId: "d",
          messageId: 5,
          delay: 1,
          dueAt: undefined,
          publisher: publisher("d", "o", undefined),
        },
      },
      { kind: "deleteWill", clientId: "c" },
      { kind: "deleteSession", clientId: "c" },
    ];
    for (const op of ops) {
      switch (op.kind) {
        case "putMessage":
          writer.putMessage(op.message);
          break;
        case "putSession":
          writer.putSession(op.session);
          break;
        case "deleteSession":
          writer.deleteSession(op.clientId);
          break;
        case "putSubscription":
          writer.putSubscription(op.clientId, op.subscription);
          break;
        case "deleteSubscription":
          writer.deleteSubscription(op.clientId, op.topicFilter);
          break;
        case "putInflight":
          writer.putInflight(op.clientId, op.entry);
          break;
        case "deleteInflight":
          writer.deleteInflight(op.clientId, op.packetId);
          break;
        case "putQueued":
          writer.putQueued(op.clientId, op.entry);
          break;
        case "deleteQueued":
          writer.deleteQueued(op.clientId, op.seq);
          break;
        case "putIncomingQos2":
          writer.putIncomingQos2(op.clientId, op.packetId);
          break;
        case "deleteIncomingQos2":
          writer.deleteIncomingQos2(op.clientId, op.packetId);
          break;
        case "putRetained":
          writer.putRetained(op.topic, op.messageId);
          break;
        case "deleteRetained":
          writer.deleteRetained(op.topic);
          break;
        case "putWill":
          writer.putWill(op.will);
          break;
        case "deleteWill":
          writer.deleteWill(op.clientId);
          break;
      }
    }
    const read: StoreOp[] = [];
    readChanges(Buffer.from(writer.bytes()), (op) => read.push(op));
    assert.deepEqual(read, ops);
    const truncated = writer.bytes().subarray(0, writer.byteLength - 1);
    assert.throws(() => readChanges(truncated, () => {}), { code: "SB_ERR_STORE" });
  });

  it("refuses to log what it could not read back", () => {
    const writer = new ChangeLogWriter();
    assert.throws(() => writer.deleteQueued("a", -1), RangeError);
    assert.throws(() => writer.deleteQueued("a", 1.5), RangeError);
    const bogus = {
      packetId: 1,
      messageId: 1,
      qos: 1,
      retain: false,
      subscriptionIdentifiers: [],
      phase: "x",
    };
    assert.throws(() => writer.putInflight("a", bogus as never), RangeError);
  });

  it("reads changes logged before schema version 5: sessions without an owner, wills without a publisher", () => {
    // putSession "c" v5 expiry 60 disconnected at T0; putWill (same client) message 7 delay 30 no due
    // time; putSession (same client) v4 expiry 0, connected: as the earlier writer wrote them, where the
    // byte after the interval was 0 or 1 for "a time follows"
    const time = Buffer.alloc(8);
    time.writeDoubleLE(T0);
    const bytes = Buffer.concat([
      Buffer.from([2, 1, 1, 0x63, 5, 60, 1]),
      time,
      Buffer.from([14, 0, 7, 30, 0]),
      Buffer.from([2, 0, 4, 0, 0]),
    ]);
    const read: StoreOp[] = [];
    readChanges(bytes, (op) => read.push(op));
    assert.deepEqual(read, [
      {
        kind: "putSession",
        session: { clientId: "c", protocolVersion: 5, expiryInterval: 60, disconnectedAt: T0 },
      },
      { kind: "putWill", will: { clientId: "c", messageId: 7, delay: 30, dueAt: undefined } },
      {
        kind: "putSession",
        session: { clientId: "c", protocolVersion: 4, expiryInterval: 0, disconnectedAt: undefined },
      },
    ]);
  });

  it("reads a will's publisher that is not one as none, and writes an infinite expiry as none", () => {
    const bad = [
      "{",
      "null",
      '{"clientId":"c"}',
      '{"clientId":"c","principal":{"id":"x"}}',
      JSON.stringify({ ...publisher("c", "o"), principal: { ...publisher("c", "o").principal, roles: [1] } }),
      JSON.stringify({
        ...publisher("c", "o"),
        principal: { ...publisher("c", "o").principal, attributes: { a: 1 } },
      }),
    ];
    // putWill "c" message 1 delay 0, flags: a publisher follows, then `text`
    const record = (text: string): Buffer => {
      const json = Buffer.from(text);
      const length = json.length < 0x80 ? [json.length] : [(json.length & 0x7f) | 0x80, json.length >> 7];
      return Buffer.concat([Buffer.from([14, 1, 1, 0x63, 1, 0, 2, ...length]), json]);
    };
    const read: StoreOp[] = [];
    readChanges(record(JSON.stringify(publisher("c", "o"))), (op) => read.push(op));
    assert.deepEqual(read, [
      {
        kind: "putWill",
        will: { clientId: "c", messageId: 1, delay: 0, dueAt: undefined, publisher: publisher("c", "o") },
      },
    ]);
    for (const text of bad) {
      const ops: StoreOp[] = [];
      readChanges(record(text), (op) => ops.push(op));
      assert.deepEqual(
        ops,
        [{ kind: "putWill", will: { clientId: "c", messageId: 1, delay: 0, dueAt: undefined } }],
        text,
      );
    }
    const forever = publisher("c", "o", Number.POSITIVE_INFINITY);
    assert.deepEqual(publisherFromJson(publisherToJson(forever)), {
      ...forever,
      principal: { ...forever.principal, expiresAt: undefined },
    });
  });

  it("reads in-flight and queue entries logged before schema version 6 as entries without a group", () => {
    // putInflight "c" packet 5 message 7 QoS 1, no ids; putQueued (same client) seq 2 message 7 QoS 1
    // RETAIN, ids [3]: the group bit was never set
    const bytes = Buffer.from([6, 1, 1, 0x63, 5, 7, 1, 0, 8, 0, 2, 7, 5, 1, 3]);
    const read: StoreOp[] = [];
    readChanges(bytes, (op) => read.push(op));
    assert.deepEqual(read, [
      {
        kind: "putInflight",
        clientId: "c",
        entry: {
          packetId: 5,
          messageId: 7,
          qos: 1,
          retain: false,
          subscriptionIdentifiers: [],
          phase: "publish",
        },
      },
      {
        kind: "putQueued",
        clientId: "c",
        entry: { seq: 2, messageId: 7, qos: 1, retain: true, subscriptionIdentifiers: [3] },
      },
    ]);
  });

  it("an entry's shared subscription group comes back through a crash replay of the change log", async () => {
    const store = open();
    store.putSession({ clientId: "a", protocolVersion: 5, expiryInterval: 60, disconnectedAt: T0 });
    store.putMessage(message(1));
    const entry = { messageId: 1, qos: 1, retain: false, subscriptionIdentifiers: [] } as const;
    store.putQueued("a", { ...entry, seq: 1, group: "$share/g/t" });
    store.putInflight("a", { ...entry, packetId: 1, phase: "publish", group: "$share/g/t" });
    await store.commit();
    assert.equal(store.loggedCommits, 1, "logged, not checkpointed");
    const image = crashImage(store);
    const state = (await image.load()).sessions[0];
    assert.ok(state !== undefined);
    assert.equal(state.queue[0]?.group, "$share/g/t");
    assert.equal(state.inflight[0]?.group, "$share/g/t");
    await image.close();
    await store.close();
  });

  it("upgrades a version 5 database: its entries and earlier-format change log read without a group, and keep one from then on", async () => {
    const file = join(root, `v5-${++files}`, "switchboard.db");
    mkdirSync(dirname(file));
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    for (const migration of MIGRATIONS.slice(0, 5)) migration.up(db);
    db.pragma("user_version = 5");
    db.prepare(
      "INSERT INTO messages (id, topic, payload, qos, retain, created_at) VALUES (1, 't', x'00', 1, 0, 0)",
    ).run();
    db.prepare(
      "INSERT INTO sessions (client_id, protocol_version, expiry_interval) VALUES ('m', 5, 60)",
    ).run();
    db.prepare(
      "INSERT INTO inflight (client_id, packet_id, message_id, qos, retain, phase) VALUES ('m', 1, 1, 1, 0, 'publish')",
    ).run();
    db.prepare("INSERT INTO queue VALUES ('m', 1, 1, 1, 0, NULL)").run();
    // a commit logged by the earlier writer: putQueued "m" seq 2 message 1 QoS 1, no ids
    db.prepare("INSERT INTO change_log (changes) VALUES (?)").run(Buffer.from([8, 1, 1, 0x6d, 2, 1, 1, 0]));
    db.close();

    const reopen = (): SqliteStore =>
      new SqliteStore({
        file,
        durability: "strict",
        commitInterval: 60_000,
        housekeepingInterval: 0,
        compactThreshold: 0,
      });
    const store = reopen();
    const before = (await store.load()).sessions[0];
    assert.ok(before !== undefined);
    assert.deepEqual(
      before.queue.map((e) => ({ ...e })),
      [
        { seq: 1, messageId: 1, qos: 1, retain: false, subscriptionIdentifiers: [] },
        { seq: 2, messageId: 1, qos: 1, retain: false, subscriptionIdentifiers: [] },
      ],
      "no group key: none",
    );
    assert.deepEqual(
      before.inflight.map((e) => ({ ...e })),
      [{ packetId: 1, messageId: 1, qos: 1, retain: false, subscriptionIdentifiers: [], phase: "publish" }],
    );
    store.putMessage(message(2));
    store.putQueued("m", {
      seq: 3,
      messageId: 2,
      qos: 1,
      retain: false,
      subscriptionIdentifiers: [],
      group: "$share/g/t",
    });
    await store.close();
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    check.close();
    const reopened = reopen();
    const after = (await reopened.load()).sessions[0];
    assert.ok(after !== undefined);
    assert.deepEqual(
      after.queue.map((e) => [e.seq, e.group]),
      [
        [1, undefined],
        [2, undefined],
        [3, "$share/g/t"],
      ],
    );
    assert.equal(after.inflight[0]?.group, undefined);
    await reopened.close();
  });

  it("a session's owner and a will's publisher come back through a crash replay of the change log", async () => {
    const store = open();
    store.putSession({
      clientId: "a",
      protocolVersion: 5,
      expiryInterval: 60,
      disconnectedAt: T0,
      owner: "user-a\u0000org-a",
    });
    store.putMessage(message(1));
    store.putWill({
      clientId: "a",
      messageId: 1,
      delay: 10,
      dueAt: T0 + 10_000,
      publisher: publisher("a", "org-a"),
    });
    await store.commit();
    assert.equal(store.loggedCommits, 1, "logged, not checkpointed");
    const image = crashImage(store);
    const snapshot = await image.load();
    assert.equal(snapshot.sessions[0]?.session.owner, "user-a\u0000org-a");
    assert.deepEqual(snapshot.wills[0]?.publisher, publisher("a", "org-a"));
    await image.close();
    await store.close();
  });

  it("upgrades a version 4 database: its rows and earlier-format change log read with owners and publishers unknown, and keep them from then on", async () => {
    const file = join(root, `v4-${++files}`, "switchboard.db");
    mkdirSync(dirname(file));
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    for (const migration of MIGRATIONS.slice(0, 4)) migration.up(db);
    db.pragma("user_version = 4");
    db.prepare(
      "INSERT INTO messages (id, topic, payload, qos, retain, created_at) VALUES (1, 'w', x'00', 1, 0, 0)",
    ).run();
    db.prepare("INSERT INTO sessions VALUES ('table', 5, 60, 1)").run();
    db.prepare("INSERT INTO wills VALUES ('table', 1, 30, NULL)").run();
    // a commit logged by the earlier writer: putSession "log" v5 expiry 60 connected, putWill (same
    // client) message 1 delay 5 no due time
    db.prepare("INSERT INTO change_log (changes) VALUES (?)").run(
      Buffer.from([2, 1, 3, 0x6c, 0x6f, 0x67, 5, 60, 0, 14, 0, 1, 5, 0]),
    );
    db.close();

    const store = new SqliteStore({
      file,
      durability: "strict",
      commitInterval: 60_000,
      housekeepingInterval: 0,
      compactThreshold: 0,
    });
    const before = await store.load();
    assert.deepEqual(
      before.sessions.map((s) => s.session).sort((a, b) => (a.clientId < b.clientId ? -1 : 1)),
      [
        { clientId: "log", protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined },
        { clientId: "table", protocolVersion: 5, expiryInterval: 60, disconnectedAt: 1 },
      ],
      "no owner key: unknown",
    );
    assert.deepEqual(
      [...before.wills].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)),
      [
        { clientId: "log", messageId: 1, delay: 5, dueAt: undefined },
        { clientId: "table", messageId: 1, delay: 30, dueAt: undefined },
      ],
      "no publisher key: unknown",
    );
    store.putSession({
      clientId: "table",
      protocolVersion: 5,
      expiryInterval: 60,
      disconnectedAt: 2,
      owner: "u\u0000",
    });
    store.putWill({
      clientId: "log",
      messageId: 1,
      delay: 5,
      dueAt: undefined,
      publisher: publisher("log", "o"),
    });
    await store.close();
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    check.close();
    const reopened = new SqliteStore({
      file,
      durability: "strict",
      commitInterval: 60_000,
      housekeepingInterval: 0,
      compactThreshold: 0,
    });
    const after = await reopened.load();
    assert.equal(after.sessions.find((s) => s.session.clientId === "table")?.session.owner, "u\u0000");
    assert.equal(after.sessions.find((s) => s.session.clientId === "log")?.session.owner, undefined);
    assert.deepEqual(after.wills.find((w) => w.clientId === "log")?.publisher, publisher("log", "o"));
    assert.equal(after.wills.find((w) => w.clientId === "table")?.publisher, undefined);
    await reopened.close();
  });

  it("a message queued, delivered and acknowledged between two checkpoints never reaches the tables", async () => {
    const store = open();
    store.putSession({ clientId: "a", protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined });
    store.checkpoint();
    const m = message(1);
    store.putMessage(m);
    store.putQueued("a", { seq: 1, messageId: 1, qos: 1, retain: false, subscriptionIdentifiers: [] });
    await store.commit();
    store.deleteQueued("a", 1);
    store.putMessage(m);
    store.putInflight("a", {
      packetId: 1,
      messageId: 1,
      qos: 1,
      retain: false,
      subscriptionIdentifiers: [],
      phase: "publish",
    });
    await store.commit();
    assert.equal(store.loggedCommits, 2);
    const image = crashImage(store);
    assert.equal(image.loggedCommits, 0, "a crash image replays its change log when it opens");
    assert.deepEqual(
      (await image.load()).sessions[0]?.inflight.map((e) => e.messageId),
      [1],
    );
    await image.close();
    store.deleteInflight("a", 1);
    store.checkpoint();
    const snapshot = await store.load();
    const state = snapshot.sessions[0]!;
    assert.deepEqual(state.queue, []);
    assert.deepEqual(state.inflight, []);
    assert.equal(snapshot.messages.size, 0);
    assert.equal(snapshot.lastMessageId, 1, "its id is not reused");
    await store.close();
  });

  it("checkpoints by itself once the net changes reach checkpointRows", async () => {
    const store = open({ checkpointRows: 10 });
    store.putSession({ clientId: "a", protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined });
    for (let seq = 1; seq <= 4; seq++) {
      store.putMessage(message(seq));
      store.putQueued("a", { seq, messageId: seq, qos: 1, retain: false, subscriptionIdentifiers: [] });
    }
    await store.commit();
    assert.equal(store.loggedCommits, 1, "9 rows: logged");
    store.putMessage(message(5));
    await store.commit();
    assert.equal(store.loggedCommits, 0, "10 rows: checkpointed");
    await store.close();
  });

  it("checkpoints every few rows while little cancels out (queues that only grow), and goes back to full windows", async () => {
    const store = open({ checkpointRows: 100, checkpointBytes: 5_000 });
    store.putSession({ clientId: "a", protocolVersion: 5, expiryInterval: 60, disconnectedAt: undefined });
    let id = 0;
    const queueTen = (): void => {
      for (let i = 0; i < 10; i++) {
        store.putMessage(message(++id));
        store.putQueued("a", { seq: id, messageId: id, qos: 1, retain: false, subscriptionIdentifiers: [] });
      }
    };
    const logged: number[] = [];
    for (let commit = 0; commit < 12; commit++) {
      queueTen(); // 20 rows that stay
      await store.commit();
      logged.push(store.loggedCommits);
    }
    assert.deepEqual(logged.slice(0, 4), [1, 2, 3, 4], "a full window first (100 rows)");
    assert.equal(logged[4], 0, "the 100th row checkpoints");
    assert.deepEqual(logged.slice(5), [0, 0, 0, 0, 0, 0, 0], "then every commit past 10 rows does");
    // now each message is delivered one commit after it was queued: most changes cancel out, which a
    // full window shows (the probe every 32nd checkpoint), and full windows come back
    let oldest = id + 1;
    const later: number[] = [];
    for (let commit = 0; commit < 80; commit++) {
      queueTen();
      if (commit > 0) for (let i = 0; i < 10; i++) store.deleteQueued("a", oldest++);
      await store.commit();
      later.push(store.loggedCommits);
    }
    const checkpointed = later.slice(-20).filter((n) => n === 0).length;
    assert.ok(checkpointed <= 3, `the last 20 commits are logged, bar a few checkpoints: ${later.join(",")}`);
    assert.ok(
      later.slice(0, 20).every((n) => n === 0),
      `growth mode at first: ${later.join(",")}`,
    );
    assert.equal((await store.load()).sessions[0]!.queue.length, 130, "the queued ones are all there");
    await store.close();
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`random changes (seed ${seed}): the tables after checkpoints, reopening and crash replays read as MemoryStore`, async () => {
      const rnd = random(seed * 7919);
      const memory = new MemoryStore();
      const sqlite = open({
        checkpointRows: 5 + Math.floor(rnd() * 60),
        checkpointBytes: 200 + Math.floor(rnd() * 4000),
      });
      let current = sqlite;
      const workload = newWorkload();
      for (let round = 0; round < 40; round++) {
        randomChanges(workload, seed * 1000 + round, 1 + Math.floor(rnd() * 40), [memory, current]);
        await memory.commit();
        await current.commit();
        const what = rnd();
        if (what < 0.3) {
          const image = crashImage(current);
          assert.deepEqual(
            normalize(await image.load()),
            normalize(await memory.load()),
            `crash replay, round ${round}`,
          );
          await image.close();
        } else if (what < 0.4) {
          await current.close();
          current = new SqliteStore({
            file: current.file,
            durability: "strict",
            commitInterval: 60_000,
            housekeepingInterval: 0,
            compactThreshold: 0,
            checkpointRows: 5 + Math.floor(rnd() * 60),
          });
        } else if (what < 0.5) {
          assert.deepEqual(
            normalize(await current.load()),
            normalize(await memory.load()),
            `load, round ${round}`,
          );
        }
      }
      assert.deepEqual(normalize(await current.load()), normalize(await memory.load()), "at the end");
      await current.close();
    });
  }
});
