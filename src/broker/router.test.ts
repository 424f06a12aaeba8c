/**
 * Router: delivery per session (No Local, overlapping subscriptions, Retain As Published, shared
 * groups), and the route cache never serving a route that a subscription change made stale. A topic is
 * cached from its third routing on (see routing/route-cache.ts), so the tests route a topic three
 * times before they change subscriptions, and compare against the uncached first routing or a
 * brute-force reference. The randomized comparison prints its seed; rerun a failure with
 * `SEED=<seed> npm test -- src/broker/router`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import type { QoS } from "../protocol/packet-type.js";
import { topicMatches } from "../protocol/topic.js";
import type { ApplicationMessage } from "../session/application-message.js";
import type { Delivery } from "../session/delivery.js";
import type { DropReason, SessionLink } from "../session/session-ports.js";
import { Session } from "../session/session.js";
import type { Subscription } from "../session/subscription.js";
import { MAX_CACHED_MATCHES, Router } from "./router.js";

/** What one session received for one message (the router's delivery object is reused: copied). */
interface Received {
  readonly clientId: string;
  readonly messageId: number;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIdentifiers: readonly number[] | undefined;
}

/** A session's link, recording every PUBLISH into a log shared by the test's sessions. */
class RecordingLink implements SessionLink {
  readonly writable = true;
  readonly #clientId: string;
  readonly #log: Received[];

  constructor(clientId: string, log: Received[]) {
    this.#clientId = clientId;
    this.#log = log;
  }

  sendPublish(delivery: Delivery): DropReason | undefined {
    this.#log.push({
      clientId: this.#clientId,
      messageId: delivery.message.id,
      qos: delivery.qos,
      retain: delivery.retain,
      subscriptionIdentifiers:
        delivery.subscriptionIdentifiers === undefined ? undefined : [...delivery.subscriptionIdentifiers],
    });
    return undefined;
  }

  sendPubrel(): void {}
}

/** Sessions on one log of deliveries. */
class World {
  readonly received: Received[] = [];
  #nextId = 1;

  /** A session on the world's log, or on `link` when given. */
  session(clientId: string, link: SessionLink = new RecordingLink(clientId, this.received)): Session {
    const session = new Session({
      clientId,
      protocolVersion: 5,
      expiryInterval: 0,
      inflightCapacity: 65_535,
      queueLimits: { maxMessages: 1000, maxBytes: 1e9, queueQos0: false, overflow: "drop-new" },
      observer: { dropped: () => assert.fail("no delivery is dropped in these tests") },
    });
    session.attach(link, 65_535, 0);
    return session;
  }

  message(topic: string, options: Partial<ApplicationMessage> = {}): ApplicationMessage {
    return {
      id: this.#nextId++,
      topic,
      payload: new Uint8Array([1]),
      qos: 2,
      retain: false,
      properties: undefined,
      createdAt: 0,
      expiresAt: undefined,
      publisherId: undefined,
      ...options,
    };
  }

  /** A tenant-mounted message: `prefix` + `clientTopic`, routed below the mount. */
  mounted(
    prefix: string,
    clientTopic: string,
    options: Partial<ApplicationMessage> = {},
  ): ApplicationMessage {
    const message = this.message(prefix + clientTopic, options);
    message.mountPrefix = prefix;
    message.clientTopic = clientTopic;
    return message;
  }

  /** Routes `message` and returns what it delivered, without message ids, sorted by client id. */
  route(router: Router, message: ApplicationMessage): Omit<Received, "messageId">[] {
    const from = this.received.length;
    const count = router.route(message, 0);
    const delivered = this.received.slice(from);
    assert.equal(count, delivered.length, "route() returns the number of deliveries");
    return delivered
      .map(({ messageId: _id, ...rest }) => rest)
      .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  }

  /** Routes fresh copies of a message `times` times: the third routing of a topic is served from the cache. */
  routeTimes(router: Router, make: () => ApplicationMessage, times = 3): Omit<Received, "messageId">[][] {
    return Array.from({ length: times }, () => this.route(router, make()));
  }
}

function sub(filter: string, options: Partial<Subscription> = {}): Subscription {
  return {
    topicFilter: options.shareGroup === undefined ? filter : `$share/${options.shareGroup}/${filter}`,
    filter,
    shareGroup: undefined,
    qos: 2,
    noLocal: false,
    retainAsPublished: false,
    retainHandling: 0,
    subscriptionIdentifier: undefined,
    ...options,
  };
}

function clients(deliveries: readonly { readonly clientId: string }[]): string[] {
  return deliveries.map((d) => d.clientId);
}

describe("Router", () => {
  it("caches a topic from its third routing and delivers the same as the walk", () => {
    const world = new World();
    const router = new Router();
    router.add(world.session("a"), sub("x/+", { qos: 1 }));
    router.add(world.session("b"), sub("x/#", { qos: 0 }));
    const [first, second, third, fourth] = world.routeTimes(router, () => world.message("x/y"), 4);
    assert.deepEqual(clients(first!), ["a", "b"]);
    assert.deepEqual(second, first);
    assert.deepEqual(third, first);
    assert.deepEqual(fourth, first);
    assert.equal(router.cachedTopics, 1);
  });

  it("a subscription added after a topic was cached receives it", () => {
    const world = new World();
    const router = new Router();
    router.add(world.session("a"), sub("x/y"));
    world.routeTimes(router, () => world.message("x/y"));
    router.add(world.session("b"), sub("x/+"));
    assert.deepEqual(clients(world.route(router, world.message("x/y"))), ["a", "b"]);
    assert.deepEqual(clients(world.route(router, world.message("x/y"))), ["a", "b"]);
  });

  it("a subscription removed after a topic was cached no longer receives it", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    const b = world.session("b");
    const bSub = sub("x/#");
    router.add(a, sub("x/y"));
    router.add(b, bSub);
    world.routeTimes(router, () => world.message("x/y"));
    router.remove(b, bSub);
    assert.deepEqual(clients(world.route(router, world.message("x/y"))), ["a"]);
    router.remove(a, sub("x/y"));
    assert.deepEqual(world.route(router, world.message("x/y")), []);
    assert.deepEqual(
      world.routeTimes(router, () => world.message("x/y")),
      [[], [], []],
    );
  });

  it("a replaced subscription's new options apply to a cached topic", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    const old = sub("x/+", { qos: 0 });
    router.add(a, old);
    world.routeTimes(router, () => world.message("x/y"));
    // as Broker.subscribe replaces it: the old one out, the new one in
    router.remove(a, old);
    router.add(a, sub("x/+", { qos: 1, subscriptionIdentifier: 7, retainAsPublished: true }));
    assert.deepEqual(world.route(router, world.message("x/y", { retain: true })), [
      { clientId: "a", qos: 1, retain: true, subscriptionIdentifiers: [7] },
    ]);
  });

  it("after a session takeover a cached topic goes to the new session only", () => {
    const world = new World();
    const router = new Router();
    const before = world.session("c");
    router.add(before, sub("x/y"));
    world.routeTimes(router, () => world.message("x/y"));
    // a clean start: the old session's subscriptions go, the new session subscribes
    router.remove(before, sub("x/y"));
    const after = world.session("c");
    router.add(after, sub("x/y", { qos: 0 }));
    const from = world.received.length;
    router.route(world.message("x/y"), 0);
    assert.equal(world.received.length - from, 1);
    assert.equal(world.received.at(-1)!.qos, 0);
    assert.equal(after.inflight.size, 0, "QoS 0 to the new session");
    assert.equal(before.inflight.size, 3, "the old session got only the routings before the takeover");
  });

  it("No Local holds a cached topic back from its publisher only", () => {
    const world = new World();
    const router = new Router();
    router.add(world.session("a"), sub("x/+", { noLocal: true }));
    router.add(world.session("b"), sub("x/+", { noLocal: true }));
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(clients(world.route(router, world.message("x/y", { publisherId: "a" }))), ["b"]);
      assert.deepEqual(clients(world.route(router, world.message("x/y", { publisherId: "b" }))), ["a"]);
      assert.deepEqual(clients(world.route(router, world.message("x/y"))), ["a", "b"]);
    }
  });

  it("No Local on one of overlapping subscriptions: the other still delivers, from the cache too", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    router.add(a, sub("x/+", { noLocal: true, qos: 2, subscriptionIdentifier: 1 }));
    router.add(a, sub("x/#", { qos: 0, subscriptionIdentifier: 2 }));
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(world.route(router, world.message("x/y", { publisherId: "a" })), [
        { clientId: "a", qos: 0, retain: false, subscriptionIdentifiers: [2] },
      ]);
      const other = world.route(router, world.message("x/y", { publisherId: "b" }));
      assert.equal(other.length, 1);
      assert.equal(other[0]!.qos, 2);
      assert.deepEqual([...other[0]!.subscriptionIdentifiers!].sort(), [1, 2]);
    }
  });

  it("overlapping subscriptions give one delivery with the highest QoS and every identifier", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    router.add(a, sub("x/+", { qos: 0, subscriptionIdentifier: 1 }));
    router.add(a, sub("x/#", { qos: 1, subscriptionIdentifier: 2, retainAsPublished: true }));
    router.add(a, sub("+/y", { qos: 0 }));
    const runs = world.routeTimes(router, () => world.message("x/y", { retain: true }), 5);
    for (const run of runs) {
      assert.equal(run.length, 1);
      assert.equal(run[0]!.qos, 1);
      assert.equal(run[0]!.retain, true, "Retain As Published on one of them [MQTT-3.3.1-12]");
      assert.deepEqual([...run[0]!.subscriptionIdentifiers!].sort(), [1, 2]);
      assert.deepEqual(run, runs[0]);
    }
    const plain = world.route(router, world.message("x/y", { retain: true, qos: 0 }));
    assert.deepEqual(plain[0]!.qos, 0, "never above the published QoS [MQTT-3.8.4-8]");
  });

  it("shared groups pick a member per message, round robin, also for a cached topic", () => {
    const world = new World();
    const router = new Router();
    const [m1, m2, m3] = ["m1", "m2", "m3"].map((id) => world.session(id));
    const member = sub("jobs/+", { shareGroup: "g" });
    router.add(m1!, member);
    router.add(m2!, member);
    router.add(world.session("d"), sub("jobs/#"));
    const picked = world
      .routeTimes(router, () => world.message("jobs/1"), 6)
      .map((run) => clients(run).filter((id) => id !== "d"));
    assert.deepEqual(picked, [["m1"], ["m2"], ["m1"], ["m2"], ["m1"], ["m2"]]);
    // a third member joins after the topic was cached; a member of another group too
    router.add(m3!, member);
    router.add(world.session("h1"), sub("jobs/1", { shareGroup: "h" }));
    const next = world
      .routeTimes(router, () => world.message("jobs/1"), 6)
      .map((run) => clients(run).filter((id) => id !== "d" && id !== "h1"));
    assert.deepEqual(next, [["m1"], ["m2"], ["m3"], ["m1"], ["m2"], ["m3"]]);
    // a member leaves, then the whole group
    router.remove(m1!, member);
    assert.ok(world.routeTimes(router, () => world.message("jobs/1"), 4).every((run) => run.length === 3));
    router.remove(m2!, member);
    router.remove(m3!, member);
    assert.deepEqual(clients(world.route(router, world.message("jobs/1"))), ["d", "h1"]);
  });

  it("mounted topics are cached per mount and client topic, and follow subscription changes", () => {
    const world = new World();
    const router = new Router();
    const acme = world.session("acme-sub");
    router.add(acme, sub("$t/acme/devices/+/meta/+"));
    router.add(world.session("other-sub"), sub("$t/other/devices/+/meta/+"));
    const make = (prefix: string) => () => world.mounted(prefix, "devices/d1/meta/temperature");
    for (const run of world.routeTimes(router, make("$t/acme/"), 4))
      assert.deepEqual(clients(run), ["acme-sub"]);
    for (const run of world.routeTimes(router, make("$t/other/"), 4))
      assert.deepEqual(clients(run), ["other-sub"]);
    // the same topic published unmounted (not below a mount) matches the same subscriptions
    assert.deepEqual(clients(world.route(router, world.message("$t/acme/devices/d1/meta/temperature"))), [
      "acme-sub",
    ]);
    router.add(world.session("acme-2"), sub("$t/acme/devices/d1/#"));
    assert.deepEqual(clients(world.route(router, make("$t/acme/")())), ["acme-2", "acme-sub"]);
    router.remove(acme, sub("$t/acme/devices/+/meta/+"));
    assert.deepEqual(clients(world.route(router, make("$t/acme/")())), ["acme-2"]);
  });

  it("remembers at most its capacity of topics, and stays correct past it", () => {
    const world = new World();
    const router = new Router(8);
    router.add(world.session("a"), sub("t/+"));
    for (let i = 0; i < 100; i++) {
      const topic = `t/${i % 20}`;
      assert.deepEqual(clients(world.route(router, world.message(topic))), ["a"]);
      assert.ok(router.cachedTopics <= 8, `cachedTopics ${router.cachedTopics} <= 8`);
    }
    for (let i = 0; i < 100; i++) {
      assert.deepEqual(world.route(router, world.message(`u/${i}`)), []);
      assert.ok(router.cachedTopics <= 8);
    }
  });

  it("does not cache a route with more than MAX_CACHED_MATCHES matches, and delivers it all", () => {
    const world = new World();
    const router = new Router();
    const count = MAX_CACHED_MATCHES + 1;
    for (let i = 0; i < count; i++) router.add(world.session(`s${i}`), sub("fan/#"));
    for (const run of world.routeTimes(router, () => world.message("fan/out"), 4))
      assert.equal(run.length, count);
  });

  it("a route made by a delivery while a topic is recorded, after an unsubscribe, leaves no stale route", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    const b = world.session("b");
    const aSub = sub("t");
    router.add(b, sub("t"));
    router.add(a, aSub);
    router.add(world.session("c"), sub("t", { shareGroup: "g" }));
    router.add(b, sub("u"));
    world.route(router, world.message("t")); // first sighting: marked
    // The second sighting records the route. While it delivers to b, a synchronous hook (as a will or a
    // bridge transform could be) unsubscribes a, routes "t" once (marking it again in the new
    // generation) and records "u": neither the outer recording nor the nested one may end up stored for
    // "t" with a in it, and the outer recording must survive the nested one (its shared group).
    const link = b.link as RecordingLink;
    const send = link.sendPublish.bind(link);
    let once = true;
    link.sendPublish = (delivery) => {
      const result = send(delivery);
      if (once) {
        once = false;
        router.remove(a, aSub);
        router.route(world.message("t"), 0);
        router.route(world.message("u"), 0);
        router.route(world.message("u"), 0);
      }
      return result;
    };
    router.route(world.message("t"), 0);
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        clients(world.route(router, world.message("t"))),
        ["b", "c"],
        `routing ${i + 1} after`,
      );
  });

  it("a delivery that throws leaves nothing behind for the next route", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    const b = world.session("b");
    router.add(a, sub("t"));
    router.add(b, sub("t"));
    router.add(b, sub("u"));
    const link = a.link as RecordingLink;
    const send = link.sendPublish.bind(link);
    link.sendPublish = () => {
      throw new Error("a failing link");
    };
    // the walk matched a and b; a's delivery throws before b's
    assert.throws(() => router.route(world.message("t"), 0), /a failing link/);
    link.sendPublish = send;
    // b was left in the walk's list: the next route, of a topic only b has, must not deliver "t" again
    assert.deepEqual(clients(world.route(router, world.message("u"))), ["b"]);
    assert.deepEqual(clients(world.route(router, world.message("t"))), ["a", "b"]);
  });

  it("agrees with a brute-force reference over random subscription changes and routings", (t) => {
    const seed =
      process.env["SEED"] === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env["SEED"]);
    t.diagnostic(`seed ${seed}`);
    const random = prng(seed);
    const world = new World();
    const router = new Router(16);
    const sessions = ["p", "q", "r", "s"].map((id) => world.session(id));
    const filters = ["a/+", "a/#", "+/b", "a/b", "#", "$t/m/a/+", "$t/m/#", "$t/m/a/b", "+/+"];
    const live = new Map<Session, Map<string, Subscription>>(sessions.map((s) => [s, new Map()]));
    for (let step = 0; step < 3000; step++) {
      const session = sessions[random(sessions.length)]!;
      const own = live.get(session)!;
      const action = random(10);
      if (action === 0) {
        const filter = filters[random(filters.length)]!;
        const previous = own.get(filter);
        if (previous !== undefined) router.remove(session, previous);
        const subscription = sub(filter, {
          qos: random(3) as QoS,
          noLocal: random(3) === 0,
          retainAsPublished: random(2) === 0,
          subscriptionIdentifier: random(2) === 0 ? undefined : 1 + random(5),
        });
        own.set(filter, subscription);
        router.add(session, subscription);
      } else if (action === 1 && own.size > 0) {
        const [filter, subscription] = [...own][random(own.size)]!;
        own.delete(filter);
        router.remove(session, subscription);
      } else {
        const clientTopic = ["a/b", "a/c", "x/b", "a"][random(4)]!;
        const options: Partial<ApplicationMessage> = {
          qos: random(3) as QoS,
          retain: random(2) === 0,
          publisherId: random(2) === 0 ? sessions[random(sessions.length)]!.clientId : undefined,
        };
        const message =
          random(2) === 0
            ? world.mounted("$t/m/", clientTopic, options)
            : world.message(clientTopic, options);
        assert.deepEqual(normalize(world.route(router, message)), reference(live, message), `step ${step}`);
      }
    }
  });

  it("singleDelivery names a message only while its cached route gives it to its one subscriber", () => {
    const seen: boolean[] = [];
    const router = new Router();
    const world = new World();
    const session = (clientId: string): Session =>
      world.session(clientId, {
        writable: true,
        sendPublish: (delivery) => {
          seen.push(router.singleDelivery === delivery.message);
          return undefined;
        },
        sendPubrel: () => undefined,
      });
    const routeFresh = (topic: string): boolean[] => {
      seen.length = 0;
      router.route(world.message(topic, { qos: 0 }), 0);
      assert.equal(router.singleDelivery, undefined, "not after the route");
      return [...seen];
    };
    const a = session("a");
    router.add(a, sub("one/+"));
    assert.deepEqual(
      [1, 2, 3, 4].map(() => routeFresh("one/x")),
      [[false], [false], [true], [true]],
    );
    router.add(session("b"), sub("two/#"));
    router.add(session("c"), sub("two/+"));
    assert.deepEqual(
      [1, 2, 3].map(() => routeFresh("two/x")),
      [
        [false, false],
        [false, false],
        [false, false],
      ],
    );
    router.add(a, sub("three/x"));
    router.add(a, sub("three/+")); // overlapping: one delivery, aggregated, not the single-session route
    assert.deepEqual(
      [1, 2, 3].map(() => routeFresh("three/x")),
      [[false], [false], [false]],
    );
    router.add(session("d"), sub("four/x"));
    router.add(session("e"), sub("four/x", { shareGroup: "g" }));
    assert.deepEqual(
      [1, 2, 3].map(() => routeFresh("four/x")),
      [
        [false, false],
        [false, false],
        [false, false],
      ],
    );
  });
});

/** Deliveries with their identifiers sorted (their order follows the trie's visit order). */
function normalize(deliveries: Omit<Received, "messageId">[]): Omit<Received, "messageId">[] {
  return deliveries.map((d) => ({
    ...d,
    subscriptionIdentifiers:
      d.subscriptionIdentifiers === undefined ? undefined : [...d.subscriptionIdentifiers].sort(),
  }));
}

/** The deliveries spec 3.3.4 and 3.8 call for, from every live subscription, sorted by client id. */
function reference(
  live: Map<Session, Map<string, Subscription>>,
  message: ApplicationMessage,
): Omit<Received, "messageId">[] {
  const out: Omit<Received, "messageId">[] = [];
  for (const [session, subscriptions] of live) {
    const matching = [...subscriptions.values()].filter(
      (s) =>
        topicMatches(s.filter, message.topic) && !(s.noLocal && session.clientId === message.publisherId),
    );
    if (matching.length === 0) continue;
    const ids = matching.flatMap((s) =>
      s.subscriptionIdentifier === undefined ? [] : [s.subscriptionIdentifier],
    );
    out.push({
      clientId: session.clientId,
      qos: Math.min(message.qos, Math.max(...matching.map((s) => s.qos))) as QoS,
      retain: message.retain && matching.some((s) => s.retainAsPublished),
      subscriptionIdentifiers: ids.length === 0 ? undefined : ids.sort(),
    });
  }
  return out.sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
}

/** mulberry32: a small seeded PRNG, so failures reproduce from the seed. */
function prng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

describe("Router.sharedGroup()", () => {
  it("finds a live group by the topic filter its members subscribed with, and nothing else", () => {
    const world = new World();
    const router = new Router();
    const a = world.session("a");
    const member = sub("$t/acme/jobs/+", { shareGroup: "g" });
    router.add(a, member);
    router.add(world.session("b"), sub("$t/acme/jobs/+"));
    const group = router.sharedGroup("$share/g/$t/acme/jobs/+");
    assert.ok(group !== undefined);
    assert.equal(group.topicFilter, member.topicFilter);
    assert.equal(group.get(a), member);
    assert.equal(router.sharedGroup("$share/g/jobs/+"), undefined, "another tenant's group");
    assert.equal(router.sharedGroup("$share/h/$t/acme/jobs/+"), undefined, "another ShareName");
    assert.equal(router.sharedGroup("$t/acme/jobs/+"), undefined, "not a shared subscription");
    assert.equal(router.sharedGroup("$share/g"), undefined, "not a valid filter");
    router.remove(a, member);
    assert.equal(router.sharedGroup("$share/g/$t/acme/jobs/+"), undefined, "no member left");
  });
});
