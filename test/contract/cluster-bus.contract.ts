/**
 * The contract every `ClusterBus` implementation must pass (the single-node bus now; the NATS
 * JetStream bus later). Implementations with peers also pass `peers`: two started-able buses of one
 * cluster, for the forwarding and session-claim tests between nodes.
 * @module
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterBus, ClusterEvents } from "../../src/hooks/cluster-bus.js";
import type { ApplicationMessage } from "../../src/session/application-message.js";

export interface ClusterBusFactory {
  /** A new bus of a node, not started. */
  create(): Promise<ClusterBus>;
  /** Two buses of different nodes of one cluster, not started (omit for a bus without peers). */
  peers?(): Promise<readonly [ClusterBus, ClusterBus]>;
  /** How long to wait before concluding that nothing arrives (default 100 ms). */
  readonly quietMs?: number;
}

/** ClusterEvents that record what they are told. */
export class RecordingEvents implements ClusterEvents {
  readonly messages: ApplicationMessage[] = [];
  readonly claimed: string[] = [];
  remoteMessage(message: ApplicationMessage): void {
    this.messages.push(message);
  }
  sessionClaimed(clientId: string): void {
    this.claimed.push(clientId);
  }
}

function message(id: number): ApplicationMessage {
  return {
    id,
    topic: `cluster/${id}`,
    payload: new TextEncoder().encode(`m${id}`),
    qos: 1,
    retain: false,
    properties: { userProperties: [["k", "v"]] },
    createdAt: 1_700_000_000_000,
    expiresAt: undefined,
    publisherId: "publisher",
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail("condition not met in time");
    await sleep(5);
  }
}

export function runClusterBusContract(name: string, factory: ClusterBusFactory): void {
  const quiet = factory.quietMs ?? 100;

  async function withBus(body: (bus: ClusterBus, events: RecordingEvents) => Promise<void>): Promise<void> {
    const bus = await factory.create();
    const events = new RecordingEvents();
    try {
      await bus.start(events);
      await body(bus, events);
    } finally {
      await bus.stop();
    }
  }

  describe(`ClusterBus contract: ${name}`, () => {
    it(`${name}: has a non-empty nodeId, starts once and stops`, async () => {
      const bus = await factory.create();
      assert.equal(typeof bus.nodeId, "string");
      assert.ok(bus.nodeId.length > 0);
      await bus.start(new RecordingEvents());
      await bus.stop();
    });

    it(`${name}: start() while started rejects`, async () => {
      const bus = await factory.create();
      await bus.start(new RecordingEvents());
      try {
        await assert.rejects(bus.start(new RecordingEvents()));
      } finally {
        await bus.stop();
      }
    });

    it(`${name}: forward() never hands a message back to the same node's events`, () =>
      withBus(async (bus, events) => {
        for (let id = 1; id <= 5; id++) bus.forward(message(id));
        await sleep(quiet);
        assert.deepEqual(events.messages, []);
        assert.deepEqual(events.claimed, []);
      }));

    it(`${name}: claimSession() resolves and does not report the claim to its own node`, () =>
      withBus(async (bus, events) => {
        await bus.claimSession("client-1");
        await Promise.all([bus.claimSession("client-2"), bus.claimSession("client-3")]);
        await sleep(quiet);
        assert.deepEqual(events.claimed, []);
      }));

    if (factory.peers !== undefined) {
      const peers = factory.peers.bind(factory);

      async function withPeers(
        body: (a: ClusterBus, b: ClusterBus, ea: RecordingEvents, eb: RecordingEvents) => Promise<void>,
      ): Promise<void> {
        const [a, b] = await peers();
        const ea = new RecordingEvents();
        const eb = new RecordingEvents();
        try {
          await a.start(ea);
          await b.start(eb);
          await body(a, b, ea, eb);
        } finally {
          await a.stop();
          await b.stop();
        }
      }

      it(`${name}: peers have different node ids`, async () => {
        const [a, b] = await peers();
        assert.notEqual(a.nodeId, b.nodeId);
      });

      it(`${name}: forward() on one node reaches the other node's remoteMessage in order, never the sender's`, () =>
        withPeers(async (a, _b, ea, eb) => {
          for (let id = 1; id <= 3; id++) a.forward(message(id));
          await eventually(() => eb.messages.length >= 3);
          assert.deepEqual(
            eb.messages.map((m) => [m.topic, new TextDecoder().decode(m.payload)]),
            [
              ["cluster/1", "m1"],
              ["cluster/2", "m2"],
              ["cluster/3", "m3"],
            ],
          );
          await sleep(quiet);
          assert.deepEqual(ea.messages, []);
        }));

      it(`${name}: claimSession() resolves after the other node was told, and not the claiming node`, () =>
        withPeers(async (a, _b, ea, eb) => {
          await a.claimSession("roaming");
          assert.deepEqual(eb.claimed, ["roaming"]);
          await sleep(quiet);
          assert.deepEqual(ea.claimed, []);
        }));
    }
  });
}
