import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { QoS } from "../protocol/packet-type.js";
import type { ApplicationMessage } from "./application-message.js";
import type { Delivery, InflightDelivery, QueuedDelivery } from "./delivery.js";
import type { DropReason, SessionJournal, SessionLink, SessionObserver } from "./session-ports.js";
import { type QueueLimits, Session } from "./session.js";

// ---- fakes ----

type LinkEvent =
  | {
      readonly kind: "publish";
      readonly id: number;
      readonly qos: QoS;
      readonly packetId: number;
      readonly dup: boolean;
    }
  | { readonly kind: "pubrel"; readonly packetId: number };

/** A SessionLink that records what the session sends; `writable` and refusals are set by the test. */
class FakeLink implements SessionLink {
  writable = true;
  readonly events: LinkEvent[] = [];
  readonly deliveries: Delivery[] = [];
  /** Decides whether a PUBLISH is refused (too large, not authorized). */
  refuse: (delivery: Delivery) => DropReason | undefined = () => undefined;
  /** When set, the link turns unwritable after this many more PUBLISH packets. */
  budget: number | undefined;

  sendPublish(delivery: Delivery, packetId: number, dup: boolean): DropReason | undefined {
    const reason = this.refuse(delivery);
    if (reason !== undefined) return reason;
    this.events.push({ kind: "publish", id: delivery.message.id, qos: delivery.qos, packetId, dup });
    this.deliveries.push(delivery);
    if (this.budget !== undefined && --this.budget <= 0) this.writable = false;
    return undefined;
  }

  sendPubrel(packetId: number): void {
    this.events.push({ kind: "pubrel", packetId });
  }

  /** Returns and forgets what was sent so far. */
  take(): LinkEvent[] {
    return this.events.splice(0);
  }
}

type JournalCall =
  | readonly ["putInflight", number, number, "publish" | "pubrel"]
  | readonly ["deleteInflight", number]
  | readonly ["putQueued", number, number]
  | readonly ["deleteQueued", number]
  | readonly ["putIncomingQos2", number]
  | readonly ["deleteIncomingQos2", number];

/** Records journal calls as [method, key, message id, phase]. */
class FakeJournal implements SessionJournal {
  readonly calls: JournalCall[] = [];
  readonly inflightEntries: InflightDelivery[] = [];
  readonly queuedEntries: QueuedDelivery[] = [];
  putInflight(entry: InflightDelivery): void {
    this.inflightEntries.push({ ...entry });
    this.calls.push(["putInflight", entry.packetId, entry.message.id, entry.phase]);
  }
  deleteInflight(packetId: number): void {
    this.calls.push(["deleteInflight", packetId]);
  }
  putQueued(entry: QueuedDelivery): void {
    this.queuedEntries.push(entry);
    this.calls.push(["putQueued", entry.seq, entry.message.id]);
  }
  deleteQueued(seq: number): void {
    this.calls.push(["deleteQueued", seq]);
  }
  putIncomingQos2(packetId: number): void {
    this.calls.push(["putIncomingQos2", packetId]);
  }
  deleteIncomingQos2(packetId: number): void {
    this.calls.push(["deleteIncomingQos2", packetId]);
  }
  take(): JournalCall[] {
    return this.calls.splice(0);
  }
}

class FakeObserver implements SessionObserver {
  /** [message id, reason] per dropped delivery. */
  readonly drops: [number, DropReason][] = [];
  dropped(_session: Session, delivery: Delivery, reason: DropReason): void {
    this.drops.push([delivery.message.id, reason]);
  }
}

// ---- fixtures ----

const NOW = 1_000_000;

function message(
  id: number,
  options: { size?: number; expiresAt?: number; payload?: Uint8Array } = {},
): ApplicationMessage {
  return {
    id,
    topic: `t/${id}`,
    payload: options.payload ?? new Uint8Array(options.size ?? 4),
    qos: 2,
    retain: false,
    properties: undefined,
    createdAt: NOW - 1000,
    expiresAt: options.expiresAt,
    publisherId: "publisher",
  };
}

function delivery(
  id: number,
  qos: QoS,
  options: { size?: number; expiresAt?: number; retain?: boolean; subIds?: number[] } = {},
): Delivery {
  return {
    message: message(id, options),
    qos,
    retain: options.retain ?? false,
    subscriptionIdentifiers: options.subIds,
  };
}

const DEFAULT_LIMITS: QueueLimits = {
  maxMessages: 100,
  maxBytes: 1_000_000,
  queueQos0: false,
  overflow: "drop-new",
};

function setup(options: { capacity?: number; limits?: Partial<QueueLimits>; connected?: boolean } = {}) {
  const link = new FakeLink();
  const journal = new FakeJournal();
  const observer = new FakeObserver();
  const session = new Session({
    clientId: "c1",
    protocolVersion: 5,
    expiryInterval: 3600,
    inflightCapacity: options.capacity ?? 10,
    queueLimits: { ...DEFAULT_LIMITS, ...options.limits },
    observer,
    journal,
  });
  if (options.connected ?? true) session.attach(link, options.capacity ?? 10, NOW);
  return { session, link, journal, observer };
}

const pub = (id: number, packetId: number, qos: QoS = 1, dup = false): LinkEvent => ({
  kind: "publish",
  id,
  qos,
  packetId,
  dup,
});
const queuedSeqs = (session: Session): number[] => [...session.queue].map((e) => e.seq);
const queuedIds = (session: Session): number[] => [...session.queue].map((e) => e.message.id);

// ---- tests ----

describe("Session: QoS 0", () => {
  it("[MQTT-4.3.1-1] Session.deliver() sends QoS 0 at once with packet id 0 and DUP 0; nothing is kept or journaled", () => {
    const { session, link, journal, observer } = setup();
    session.deliver(delivery(1, 0), NOW);
    assert.deepEqual(link.take(), [pub(1, 0, 0)]);
    assert.equal(session.inflight.size, 0);
    assert.equal(session.queue.length, 0);
    assert.deepEqual(journal.calls, []);
    assert.deepEqual(observer.drops, []);
  });

  it("Session.deliver() drops QoS 0 for an offline session (offline-qos0) when queueQos0 is off", () => {
    const { session, link, journal, observer } = setup({ connected: false });
    session.deliver(delivery(1, 0), NOW);
    assert.deepEqual(observer.drops, [[1, "offline-qos0"]]);
    assert.equal(session.queue.length, 0);
    assert.deepEqual(journal.calls, []);
    session.attach(link, 10, NOW);
    assert.deepEqual(link.take(), []);
  });

  it("Session.deliver() queues QoS 0 for an offline session when queueQos0 is on, and sends it with id 0 on attach", () => {
    const { session, link, journal, observer } = setup({ connected: false, limits: { queueQos0: true } });
    session.deliver(delivery(1, 0), NOW);
    assert.deepEqual(observer.drops, []);
    assert.deepEqual(journal.take(), [["putQueued", 1, 1]]);
    session.attach(link, 10, NOW);
    assert.deepEqual(link.take(), [pub(1, 0, 0)]);
    assert.deepEqual(journal.take(), [["deleteQueued", 1]]);
    assert.equal(session.inflight.size, 0);
  });

  it("Session.deliver() drops QoS 0 for a slow consumer (link not writable)", () => {
    const { session, link, journal, observer } = setup();
    link.writable = false;
    session.deliver(delivery(1, 0), NOW);
    assert.deepEqual(observer.drops, [[1, "slow-consumer"]]);
    assert.deepEqual(link.take(), []);
    assert.equal(session.queue.length, 0);
    assert.deepEqual(journal.calls, []);
  });

  it("[MQTT-3.1.2-25] Session.deliver() reports a QoS 0 PUBLISH the link refuses as too large", () => {
    const { session, link, observer } = setup();
    link.refuse = () => "too-large";
    session.deliver(delivery(1, 0), NOW);
    assert.deepEqual(observer.drops, [[1, "too-large"]]);
  });
});

describe("Session: outbound QoS 1 and 2", () => {
  it("[MQTT-4.3.2-1] [MQTT-3.3.4-9] Session.deliver() fills the window with fresh packet ids, then queues; each step journaled", () => {
    const { session, link, journal } = setup({ capacity: 2 });
    session.deliver(delivery(1, 1), NOW);
    session.deliver(delivery(2, 2), NOW);
    assert.equal(session.inflight.full, true);
    session.deliver(delivery(3, 1), NOW);
    session.deliver(delivery(4, 2), NOW);
    assert.deepEqual(link.take(), [pub(1, 1, 1), pub(2, 2, 2)]);
    assert.deepEqual(queuedIds(session), [3, 4]);
    assert.deepEqual(queuedSeqs(session), [1, 2]);
    assert.deepEqual(journal.take(), [
      ["putInflight", 1, 1, "publish"],
      ["putInflight", 2, 2, "publish"],
      ["putQueued", 1, 3],
      ["putQueued", 2, 4],
    ]);
    assert.equal(session.canAcceptNow, false);
  });

  it("Session keeps the delivery's QoS, RETAIN and subscription identifiers in the in-flight and queued entries", () => {
    const { session, link, journal } = setup({ capacity: 1 });
    session.deliver(delivery(1, 2, { retain: true, subIds: [4, 9] }), NOW);
    session.deliver(delivery(2, 1, { retain: true, subIds: [7] }), NOW);
    const sent = link.deliveries[0]!;
    assert.equal(sent.qos, 2);
    assert.equal(sent.retain, true);
    assert.deepEqual(sent.subscriptionIdentifiers, [4, 9]);
    const inflight = journal.inflightEntries[0]!;
    assert.deepEqual(
      {
        qos: inflight.qos,
        retain: inflight.retain,
        ids: inflight.subscriptionIdentifiers,
        packetId: inflight.packetId,
      },
      { qos: 2, retain: true, ids: [4, 9], packetId: 1 },
    );
    const queued = journal.queuedEntries[0]!;
    assert.deepEqual(
      { qos: queued.qos, retain: queued.retain, ids: queued.subscriptionIdentifiers, seq: queued.seq },
      { qos: 1, retain: true, ids: [7], seq: 1 },
    );
  });

  it("[MQTT-4.3.2-3] Session.acknowledged() frees the packet id and drains the queue in order", () => {
    const { session, link, journal } = setup({ capacity: 2 });
    for (const id of [1, 2, 3, 4, 5]) session.deliver(delivery(id, 1), NOW);
    link.take();
    journal.take();
    // Acknowledge out of order: the window slot goes to the oldest queued message.
    assert.equal(session.acknowledged(2, NOW), "ok");
    assert.deepEqual(link.take(), [pub(3, 3)]);
    assert.deepEqual(journal.take(), [
      ["deleteInflight", 2],
      ["deleteQueued", 1],
      ["putInflight", 3, 3, "publish"],
    ]);
    assert.equal(session.acknowledged(1, NOW), "ok");
    assert.deepEqual(link.take(), [pub(4, 4)]);
    assert.equal(session.acknowledged(3, NOW), "ok");
    assert.deepEqual(link.take(), [pub(5, 5)]);
    assert.deepEqual(queuedIds(session), []);
    assert.deepEqual(
      [...session.inflight.values()].map((e) => e.packetId),
      [4, 5],
    );
  });

  it("Session.acknowledged() answers unknown for an id not in flight or in flight at QoS 2, and changes nothing", () => {
    const { session, link, journal } = setup();
    session.deliver(delivery(1, 2), NOW);
    link.take();
    journal.take();
    assert.equal(session.acknowledged(9, NOW), "unknown");
    assert.equal(session.acknowledged(1, NOW), "unknown", "PUBACK does not complete a QoS 2 flow");
    assert.equal(session.inflight.size, 1);
    assert.deepEqual(journal.calls, []);
    assert.deepEqual(link.events, []);
  });

  it("[MQTT-4.6.0-5] [MQTT-4.6.0-6] Session.deliver() puts a message behind a non-empty queue even when the window has room", () => {
    const { session, link } = setup({ capacity: 5 });
    link.writable = false;
    session.deliver(delivery(1, 1), NOW);
    link.writable = true;
    session.deliver(delivery(2, 1), NOW);
    assert.deepEqual(link.take(), [], "2 must not overtake 1");
    assert.deepEqual(queuedIds(session), [1, 2]);
    session.drain(NOW);
    assert.deepEqual(link.take(), [pub(1, 1), pub(2, 2)]);
  });

  it("Session.drain() stops when the link stops being writable and resumes on the next drain", () => {
    const { session, link } = setup({ capacity: 10, connected: false });
    for (const id of [1, 2, 3, 4, 5]) session.deliver(delivery(id, 1), NOW);
    link.budget = 2;
    session.attach(link, 10, NOW);
    assert.deepEqual(link.take(), [pub(1, 1), pub(2, 2)]);
    assert.deepEqual(queuedIds(session), [3, 4, 5]);
    session.drain(NOW);
    assert.deepEqual(link.take(), [], "nothing while not writable");
    link.writable = true;
    link.budget = undefined;
    session.drain(NOW);
    assert.deepEqual(link.take(), [pub(3, 3), pub(4, 4), pub(5, 5)]);
  });

  it("Session.drain() sends a queued QoS 0 message at the head even while the window is full", () => {
    const { session, link } = setup({ capacity: 1, limits: { queueQos0: true }, connected: false });
    session.deliver(delivery(1, 1), NOW);
    session.deliver(delivery(2, 0), NOW);
    session.deliver(delivery(3, 1), NOW);
    session.attach(link, 1, NOW);
    assert.deepEqual(link.take(), [pub(1, 1), pub(2, 0, 0)], "QoS 0 needs no window slot; QoS 1 waits");
    assert.deepEqual(queuedIds(session), [3]);
    session.acknowledged(1, NOW);
    assert.deepEqual(link.take(), [pub(3, 2)]);
  });

  it("Session.canAcceptNow is true only when connected, writable, the window has room and the queue is empty", () => {
    const { session, link } = setup({ capacity: 1, connected: false });
    assert.equal(session.canAcceptNow, false, "offline");
    session.attach(link, 1, NOW);
    assert.equal(session.canAcceptNow, true);
    link.writable = false;
    assert.equal(session.canAcceptNow, false, "not writable");
    link.writable = true;
    session.deliver(delivery(1, 1), NOW);
    assert.equal(session.canAcceptNow, false, "window full");
    session.acknowledged(1, NOW);
    assert.equal(session.canAcceptNow, true);
  });
});

describe("Session: QoS 2 flow", () => {
  it("[MQTT-4.3.3-4] Session.received() answers PUBREC with PUBREL of the same id; the phase change is journaled", () => {
    const { session, link, journal } = setup({ capacity: 1 });
    session.deliver(delivery(1, 2), NOW);
    session.deliver(delivery(2, 2), NOW);
    link.take();
    journal.take();
    assert.equal(session.received(1, 0x00, NOW), "ok");
    assert.deepEqual(link.take(), [{ kind: "pubrel", packetId: 1 }]);
    assert.deepEqual(journal.take(), [["putInflight", 1, 1, "pubrel"]]);
    assert.equal(session.inflight.get(1)?.phase, "pubrel");
    // [MQTT-4.3.3-5] the PUBREL is unacknowledged until PUBCOMP: the slot is still taken
    assert.equal(session.inflight.full, true);
    assert.deepEqual(queuedIds(session), [2]);
  });

  it("[MQTT-4.3.3-4] Session.received() with a success code below 0x80 (0x10 No matching subscribers) still sends PUBREL", () => {
    const { session, link } = setup();
    session.deliver(delivery(1, 2), NOW);
    link.take();
    assert.equal(session.received(1, 0x10, NOW), "ok");
    assert.deepEqual(link.take(), [{ kind: "pubrel", packetId: 1 }]);
  });

  it("[MQTT-4.3.3-5] Session.completed() ends the flow on PUBCOMP, frees the id and drains the queue", () => {
    const { session, link, journal } = setup({ capacity: 1 });
    session.deliver(delivery(1, 2), NOW);
    session.deliver(delivery(2, 2), NOW);
    session.received(1, 0, NOW);
    link.take();
    journal.take();
    assert.equal(session.completed(1, NOW), "ok");
    assert.deepEqual(journal.take(), [
      ["deleteInflight", 1],
      ["deleteQueued", 1],
      ["putInflight", 2, 2, "publish"],
    ]);
    assert.deepEqual(link.take(), [pub(2, 2, 2)]);
    assert.equal(session.completed(1, NOW), "unknown", "a second PUBCOMP is unknown");
  });

  it("Session.completed() answers unknown before PUBREC (phase publish) and for unknown ids", () => {
    const { session, journal } = setup();
    session.deliver(delivery(1, 2), NOW);
    journal.take();
    assert.equal(session.completed(1, NOW), "unknown");
    assert.equal(session.completed(2, NOW), "unknown");
    assert.equal(session.inflight.get(1)?.phase, "publish");
    assert.deepEqual(journal.calls, []);
  });

  it("Session.received() answers unknown for an unknown id and for an id in flight at QoS 1", () => {
    const { session, link, journal } = setup();
    session.deliver(delivery(1, 1), NOW);
    link.take();
    journal.take();
    assert.equal(session.received(1, 0, NOW), "unknown");
    assert.equal(session.received(7, 0, NOW), "unknown");
    assert.deepEqual(link.events, []);
    assert.deepEqual(journal.calls, []);
    assert.equal(session.inflight.size, 1);
  });

  it("[MQTT-4.3.3-4] a duplicate PUBREC makes Session.received() send PUBREL again without a second journal write", () => {
    const { session, link, journal } = setup();
    session.deliver(delivery(1, 2), NOW);
    session.received(1, 0, NOW);
    link.take();
    journal.take();
    assert.equal(session.received(1, 0, NOW), "ok");
    assert.deepEqual(link.take(), [{ kind: "pubrel", packetId: 1 }]);
    assert.deepEqual(journal.calls, []);
    assert.equal(session.inflight.get(1)?.phase, "pubrel");
  });

  it("[MQTT-4.4.0-2] Session.received() with a failure code (>= 0x80) ends the flow: no PUBREL, id freed, never resent", () => {
    const { session, link, journal } = setup({ capacity: 1 });
    session.deliver(delivery(1, 2), NOW);
    session.deliver(delivery(2, 2), NOW);
    link.take();
    journal.take();
    assert.equal(session.received(1, 0x80, NOW), "ok");
    assert.deepEqual(journal.take(), [
      ["deleteInflight", 1],
      ["deleteQueued", 1],
      ["putInflight", 2, 2, "publish"],
    ]);
    assert.deepEqual(link.take(), [pub(2, 2, 2)], "no PUBREL; the queued message takes the slot");
    assert.equal(session.inflight.get(1), undefined);
    session.detach(NOW);
    const again = new FakeLink();
    session.attach(again, 1, NOW);
    assert.deepEqual(again.take(), [pub(2, 2, 2, true)], "only message 2 is resent");
  });
});

describe("Session: reconnection", () => {
  it("[MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-4.6.0-1] Session.attach() resends in-flight PUBLISH with DUP=1 and the original ids in order, PUBREL for the pubrel phase, then the queue", () => {
    const { session, link, journal } = setup({ capacity: 3 });
    session.deliver(delivery(1, 1), NOW);
    session.deliver(delivery(2, 2), NOW);
    session.deliver(delivery(3, 2), NOW);
    session.received(2, 0, NOW);
    session.deliver(delivery(4, 1), NOW); // queued: window full
    session.detach(NOW + 5);
    assert.equal(session.connected, false);
    assert.equal(session.link, undefined);
    assert.equal(session.disconnectedAt, NOW + 5);
    session.deliver(delivery(5, 1), NOW + 6); // offline: queued
    assert.deepEqual(queuedIds(session), [4, 5]);
    link.take();
    journal.take();

    const next = new FakeLink();
    session.attach(next, 3, NOW + 10);
    assert.equal(session.connected, true);
    assert.equal(session.link, next);
    assert.equal(session.disconnectedAt, undefined);
    const resent = next.take();
    // PUBLISH packets are resent in their original order [MQTT-4.6.0-1]; where the PUBREL goes relative
    // to them is not specified.
    assert.deepEqual(
      resent.filter((e) => e.kind === "publish"),
      [pub(1, 1, 1, true), pub(3, 3, 2, true)],
    );
    assert.deepEqual(
      resent.filter((e) => e.kind === "pubrel"),
      [{ kind: "pubrel", packetId: 2 }],
    );
    assert.equal(resent.length, 3);
    assert.deepEqual(journal.calls, [], "resending changes no stored state");
    assert.equal(session.acknowledged(1, NOW + 11), "ok");
    assert.deepEqual(next.take(), [pub(4, 4, 1, false)], "a queued message is a first transmission: DUP 0");
    assert.equal(session.completed(2, NOW + 11), "ok");
    assert.deepEqual(next.take(), [pub(5, 5, 1, false)]);
  });

  it("[MQTT-4.9.0-2] [MQTT-3.3.4-9] Session.attach() to a connection with a smaller Receive Maximum resends only as many PUBLISH as its quota allows, the rest as acknowledgements free it", () => {
    const { session, link } = setup({ capacity: 3 });
    for (const id of [1, 2, 3]) session.deliver(delivery(id, 1), NOW);
    session.deliver(delivery(4, 1), NOW); // queued
    link.take();
    session.detach(NOW);
    const narrow = new FakeLink();
    session.attach(narrow, 1, NOW);
    assert.deepEqual(narrow.take(), [pub(1, 1, 1, true)]);
    assert.equal(session.acknowledged(1, NOW), "ok");
    assert.deepEqual(narrow.take(), [pub(2, 2, 1, true)], "the next in-flight message before any queued one");
    assert.equal(session.acknowledged(2, NOW), "ok");
    assert.deepEqual(narrow.take(), [pub(3, 3, 1, true)]);
    assert.equal(session.acknowledged(3, NOW), "ok");
    const last = narrow.take();
    assert.equal(last.length, 1);
    assert.deepEqual({ ...last[0], packetId: 0 }, pub(4, 0, 1, false), "then the queue, DUP 0");
  });

  it("[MQTT-3.3.4-9] Session.attach(): PUBREL-phase entries (no PUBCOMP yet) count against the new connection's quota", () => {
    const { session, link } = setup({ capacity: 2 });
    session.deliver(delivery(1, 2), NOW);
    session.deliver(delivery(2, 1), NOW);
    session.received(1, 0, NOW);
    link.take();
    session.detach(NOW);
    const narrow = new FakeLink();
    session.attach(narrow, 1, NOW);
    assert.deepEqual(narrow.take(), [{ kind: "pubrel", packetId: 1 }], "the PUBREL flow holds the only slot");
    assert.equal(session.completed(1, NOW), "ok");
    assert.deepEqual(narrow.take(), [pub(2, 2, 1, true)]);
  });

  it("[MQTT-4.4.0-1] Session.attach() on a link that is not writable resends in-flight PUBLISH once it drains, before queued messages", () => {
    const { session, link } = setup({ capacity: 5 });
    session.deliver(delivery(1, 1), NOW);
    session.deliver(delivery(2, 1), NOW);
    link.take();
    session.detach(NOW);
    session.deliver(delivery(3, 1), NOW);
    const slow = new FakeLink();
    slow.writable = false;
    session.attach(slow, 5, NOW);
    session.deliver(delivery(4, 1), NOW);
    assert.deepEqual(slow.take(), []);
    slow.writable = true;
    slow.budget = 1;
    session.drain(NOW);
    assert.deepEqual(slow.take(), [pub(1, 1, 1, true)]);
    slow.writable = true;
    slow.budget = undefined;
    session.drain(NOW);
    const rest = slow.take();
    assert.deepEqual(
      rest.map((e) => (e.kind === "publish" ? [e.id, e.dup] : [])),
      [
        [2, true],
        [3, false],
        [4, false],
      ],
    );
  });

  it("Session.attach() applies the new connection's in-flight capacity", () => {
    const { session, link } = setup({ capacity: 4, connected: false });
    for (const id of [1, 2, 3, 4]) session.deliver(delivery(id, 1), NOW);
    session.attach(link, 2, NOW);
    assert.equal(session.inflight.capacity, 2);
    assert.deepEqual(link.take(), [pub(1, 1), pub(2, 2)]);
    session.detach(NOW);
    const wide = new FakeLink();
    session.attach(wide, 5, NOW);
    assert.deepEqual(wide.take(), [pub(1, 1, 1, true), pub(2, 2, 1, true), pub(3, 3), pub(4, 4)]);
  });

  it("Session.restoreInflight()/restoreQueued() rebuild state without journal writes; seq numbers continue after the restored ones", () => {
    const journal = new FakeJournal();
    const session = new Session({
      clientId: "r",
      protocolVersion: 4,
      expiryInterval: 60,
      inflightCapacity: 2,
      queueLimits: DEFAULT_LIMITS,
      observer: new FakeObserver(),
      journal,
    });
    session.restoreInflight({ ...delivery(1, 2), qos: 2, packetId: 40, phase: "pubrel" });
    session.restoreInflight({ ...delivery(2, 1), qos: 1, packetId: 41, phase: "publish" });
    session.restoreQueued({ ...delivery(3, 1), seq: 7 });
    session.restoreQueued({ ...delivery(4, 1), seq: 9 });
    assert.deepEqual(journal.calls, []);
    session.deliver(delivery(5, 1), NOW);
    assert.deepEqual(journal.take(), [["putQueued", 10, 5]], "the next seq follows the largest restored one");
    const link = new FakeLink();
    session.attach(link, 2, NOW);
    assert.deepEqual(link.take(), [{ kind: "pubrel", packetId: 40 }, pub(2, 41, 1, true)]);
    assert.equal(session.acknowledged(41, NOW), "ok");
    const sent = link.take();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0], pub(3, (sent[0] as { packetId: number }).packetId));
    assert.notEqual((sent[0] as { packetId: number }).packetId, 40, "packet id 40 is still in flight");
  });
});

describe("Session: expiry", () => {
  it("[MQTT-3.3.2-5] Session.deliver() drops a message whose expiry has passed", () => {
    const { session, link, journal, observer } = setup();
    session.deliver(delivery(1, 1, { expiresAt: NOW - 1 }), NOW);
    session.deliver(delivery(2, 0, { expiresAt: NOW - 1000 }), NOW);
    assert.deepEqual(observer.drops, [
      [1, "expired"],
      [2, "expired"],
    ]);
    assert.deepEqual(link.events, []);
    assert.deepEqual(journal.calls, []);
  });

  it("[MQTT-3.3.2-5] Session.deliver() sends a message in the last millisecond of its lifetime (an interval of 0 at once)", () => {
    const { session, link, observer } = setup();
    session.deliver(delivery(1, 0, { expiresAt: NOW }), NOW);
    assert.deepEqual(observer.drops, []);
    assert.equal(link.take().length, 1);
  });

  it("[MQTT-3.3.2-5] Session.drain() deletes queued copies that expired while waiting, and sends the rest", () => {
    const { session, link, journal, observer } = setup({ connected: false });
    session.deliver(delivery(1, 1, { expiresAt: NOW + 100 }), NOW);
    session.deliver(delivery(2, 1), NOW);
    session.deliver(delivery(3, 2, { expiresAt: NOW + 50 }), NOW);
    session.deliver(delivery(4, 2, { expiresAt: NOW + 10_000 }), NOW);
    journal.take();
    session.attach(link, 10, NOW + 101);
    assert.deepEqual(observer.drops, [
      [1, "expired"],
      [3, "expired"],
    ]);
    assert.deepEqual(link.take(), [pub(2, 1), pub(4, 2, 2)]);
    assert.deepEqual(journal.take(), [
      ["deleteQueued", 1],
      ["deleteQueued", 2],
      ["putInflight", 1, 2, "publish"],
      ["deleteQueued", 3],
      ["deleteQueued", 4],
      ["putInflight", 2, 4, "publish"],
    ]);
  });

  it("[MQTT-4.3.3-7] Session.attach() resends an in-flight QoS 2 PUBLISH even when its message expired since it was sent", () => {
    const { session, observer } = setup();
    session.deliver(delivery(1, 2, { expiresAt: NOW + 10 }), NOW);
    session.detach(NOW + 1);
    const link = new FakeLink();
    session.attach(link, 10, NOW + 1000);
    assert.deepEqual(link.take(), [pub(1, 1, 2, true)]);
    assert.deepEqual(observer.drops, []);
  });
});

describe("Session: queue limits", () => {
  it("Session queue overflow drop-new: the new message is dropped (queue-full) and nothing is journaled for it", () => {
    const { session, journal, observer } = setup({
      connected: false,
      limits: { maxMessages: 2, overflow: "drop-new" },
    });
    for (const id of [1, 2, 3]) session.deliver(delivery(id, 1), NOW);
    assert.deepEqual(queuedIds(session), [1, 2]);
    assert.deepEqual(observer.drops, [[3, "queue-full"]]);
    assert.deepEqual(journal.take(), [
      ["putQueued", 1, 1],
      ["putQueued", 2, 2],
    ]);
  });

  it("Session queue overflow drop-old: the oldest is dropped (queue-full, deleteQueued) to make room", () => {
    const { session, journal, observer } = setup({
      connected: false,
      limits: { maxMessages: 2, overflow: "drop-old" },
    });
    for (const id of [1, 2, 3, 4]) session.deliver(delivery(id, 1), NOW);
    assert.deepEqual(queuedIds(session), [3, 4]);
    assert.deepEqual(queuedSeqs(session), [3, 4]);
    assert.deepEqual(observer.drops, [
      [1, "queue-full"],
      [2, "queue-full"],
    ]);
    assert.deepEqual(journal.take(), [
      ["putQueued", 1, 1],
      ["putQueued", 2, 2],
      ["deleteQueued", 1],
      ["putQueued", 3, 3],
      ["deleteQueued", 2],
      ["putQueued", 4, 4],
    ]);
  });

  // a message counts its topic too: "t/1" takes 5 bytes in a PUBLISH, so each one's size + 5
  it("Session queue byte limit: drop-new refuses a message that would pass maxBytes", () => {
    const { session, observer } = setup({ connected: false, limits: { maxBytes: 20, overflow: "drop-new" } });
    session.deliver(delivery(1, 1, { size: 4 }), NOW);
    session.deliver(delivery(2, 1, { size: 6 }), NOW);
    session.deliver(delivery(3, 1, { size: 1 }), NOW);
    assert.deepEqual(queuedIds(session), [1, 2]);
    assert.equal(session.queue.bytes, 20);
    assert.deepEqual(observer.drops, [[3, "queue-full"]]);
  });

  it("Session queue byte limit counts topics and user properties: empty payloads do not fill a queue for free", () => {
    const { session, observer } = setup({
      connected: false,
      limits: { maxBytes: 1000, overflow: "drop-new" },
    });
    const userProperties: [string, string][] = [["k", "v".repeat(300)]];
    for (const id of [1, 2, 3, 4]) {
      const d = delivery(id, 1, { size: 0 });
      session.deliver({ ...d, message: { ...d.message, properties: { userProperties } } }, NOW);
    }
    assert.deepEqual(queuedIds(session), [1, 2, 3], "3 × (5 + 306) bytes fit in 1000, a 4th does not");
    assert.equal(session.queue.bytes, 3 * (5 + 5 + 1 + 300));
    assert.deepEqual(observer.drops, [[4, "queue-full"]]);
  });

  it("Session queue byte limit: drop-old drops as many old messages as needed to fit the new one", () => {
    const { session, journal, observer } = setup({
      connected: false,
      limits: { maxBytes: 20, overflow: "drop-old" },
    });
    session.deliver(delivery(1, 1, { size: 1 }), NOW);
    session.deliver(delivery(2, 1, { size: 1 }), NOW);
    session.deliver(delivery(3, 1, { size: 1 }), NOW);
    journal.take();
    session.deliver(delivery(4, 1, { size: 9 }), NOW);
    assert.deepEqual(queuedIds(session), [3, 4]);
    assert.equal(session.queue.bytes, 20);
    assert.deepEqual(observer.drops, [
      [1, "queue-full"],
      [2, "queue-full"],
    ]);
    assert.deepEqual(journal.take(), [
      ["deleteQueued", 1],
      ["deleteQueued", 2],
      ["putQueued", 4, 4],
    ]);
  });

  it("Session queue byte limit: drop-old does not empty the queue for a message larger than maxBytes, which can never fit", () => {
    const { session, journal, observer } = setup({
      connected: false,
      limits: { maxBytes: 20, overflow: "drop-old" },
    });
    session.deliver(delivery(1, 1, { size: 3 }), NOW);
    session.deliver(delivery(2, 1, { size: 3 }), NOW);
    journal.take();
    session.deliver(delivery(3, 1, { size: 16 }), NOW);
    assert.deepEqual(observer.drops, [[3, "queue-full"]], "only the oversized message is dropped");
    assert.deepEqual(queuedIds(session), [1, 2]);
    assert.deepEqual(journal.calls, []);
  });

  it("Session stores a compact copy of a payload that is a small view into a large buffer when queueing it", () => {
    const { session } = setup({ connected: false });
    const big = new Uint8Array(64 * 1024);
    big.set([1, 2, 3], 100);
    const d: Delivery = {
      message: message(1, { payload: big.subarray(100, 103) }),
      qos: 1,
      retain: false,
      subscriptionIdentifiers: undefined,
    };
    session.deliver(d, NOW);
    const queued = session.queue.peek()!;
    assert.deepEqual([...queued.message.payload], [1, 2, 3]);
    assert.equal(queued.message.payload.buffer.byteLength, 3, "the 64 KiB chunk is not pinned");
  });
});

describe("Session: deliveries the link refuses", () => {
  it("[MQTT-3.1.2-25] a QoS 1 PUBLISH too large for the client is dropped as delivered: no packet id held, nothing journaled", () => {
    const { session, link, journal, observer } = setup({ capacity: 1 });
    link.refuse = (d) => (d.message.id === 1 ? "too-large" : undefined);
    session.deliver(delivery(1, 1), NOW);
    assert.deepEqual(observer.drops, [[1, "too-large"]]);
    assert.equal(session.inflight.size, 0);
    assert.deepEqual(journal.calls, []);
    session.deliver(delivery(2, 1), NOW);
    const sent = link.take();
    assert.equal(sent.length, 1, "the window slot was not consumed");
    assert.equal((sent[0] as { id: number }).id, 2);
    assert.equal(session.inflight.size, 1);
  });

  it("[MQTT-3.1.2-25] Session.drain() drops a queued message too large for the client and goes on with the next", () => {
    const { session, link, journal, observer } = setup({ capacity: 1, connected: false });
    for (const id of [1, 2, 3]) session.deliver(delivery(id, 2), NOW);
    journal.take();
    link.refuse = (d) => (d.message.id === 2 ? "too-large" : undefined);
    session.attach(link, 1, NOW);
    session.received(session.inflight.values().next().value!.packetId, 0x80, NOW);
    assert.deepEqual(observer.drops, [[2, "too-large"]]);
    assert.deepEqual(
      link.take().map((e) => (e.kind === "publish" ? e.id : -1)),
      [1, 3],
    );
    assert.deepEqual(
      journal.take().filter((c) => c[0] === "deleteQueued"),
      [
        ["deleteQueued", 1],
        ["deleteQueued", 2],
        ["deleteQueued", 3],
      ],
    );
  });

  it("Session reports a PUBLISH the link refuses as not authorized as dropped (not-authorized)", () => {
    const { session, link, observer } = setup();
    link.refuse = () => "not-authorized";
    session.deliver(delivery(1, 1), NOW);
    session.deliver(delivery(2, 0), NOW);
    assert.deepEqual(observer.drops, [
      [1, "not-authorized"],
      [2, "not-authorized"],
    ]);
    assert.equal(session.inflight.size, 0);
  });
});

describe("Session: inbound QoS 2", () => {
  it("[MQTT-4.3.3-10] Session.beginIncomingQos2() records a packet id once; a duplicate PUBLISH is reported and not journaled again", () => {
    const { session, journal } = setup();
    assert.equal(session.beginIncomingQos2(5), true);
    assert.deepEqual(journal.take(), [["putIncomingQos2", 5]]);
    assert.equal(session.beginIncomingQos2(5), false);
    assert.deepEqual(journal.calls, []);
    assert.equal(session.beginIncomingQos2(6), true);
    assert.deepEqual([...session.incomingQos2], [5, 6]);
  });

  it("[MQTT-4.3.3-12] Session.releaseIncomingQos2() forgets the id on PUBREL so it can be used for a new message", () => {
    const { session, journal } = setup();
    session.beginIncomingQos2(5);
    journal.take();
    assert.equal(session.releaseIncomingQos2(5), true);
    assert.deepEqual(journal.take(), [["deleteIncomingQos2", 5]]);
    assert.equal(session.releaseIncomingQos2(5), false, "a second PUBREL finds nothing");
    assert.equal(session.releaseIncomingQos2(8), false);
    assert.deepEqual(journal.calls, []);
    assert.equal(session.beginIncomingQos2(5), true, "the id starts a new message");
  });
});
