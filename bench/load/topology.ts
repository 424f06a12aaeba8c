/**
 * Turns a `Topology` into the clients to create: which topic each publisher uses, which filter each
 * subscriber subscribes to, and which publishers each subscriber hears (for sequence checks and for the
 * number of deliveries one publish makes).
 * @module
 */

import { assertNever } from "../../src/protocol/index.js";
import type { Topology } from "../lib/types.js";

export interface PublisherPlan {
  readonly clientId: string;
  readonly topic: string;
}

export interface SubscriberPlan {
  readonly clientId: string;
  readonly filter: string;
  /** Indexes of the publishers whose messages this subscriber receives. */
  readonly hears: readonly number[];
}

export interface TopologyPlan {
  readonly publishers: readonly PublisherPlan[];
  readonly subscribers: readonly SubscriberPlan[];
  /** For each publisher, how many deliveries (messages at subscribers) one of its publishes makes. */
  readonly deliveriesPerPublish: readonly number[];
  /** Messages a subscriber receives per publish it hears (only one of them carries the stamp). */
  readonly copies: number;
}

export function planTopology(topology: Topology): TopologyPlan {
  switch (topology.kind) {
    case "fan-in": {
      const topics = topology.topics ?? { publish: "bench/{i}", subscribe: "bench/#", copies: 1 };
      const publishers = Array.from({ length: topology.publishers }, (_, i) => ({
        clientId: `bench-pub-${i}`,
        topic: topics.publish.replaceAll("{i}", String(i)),
      }));
      const subscribers = [
        { clientId: "bench-sub-0", filter: topics.subscribe, hears: publishers.map((_, i) => i) },
      ];
      return withDeliveries(publishers, subscribers, topics.copies);
    }
    case "p2p": {
      const publishers = Array.from({ length: topology.pairs }, (_, i) => ({
        clientId: `bench-pub-${i}`,
        topic: `bench/${i}`,
      }));
      const subscribers = publishers.map((p, i) => ({
        clientId: `bench-sub-${i}`,
        filter: p.topic,
        hears: [i],
      }));
      return withDeliveries(publishers, subscribers);
    }
    case "fan-out": {
      const publishers = [{ clientId: "bench-pub-0", topic: "bench/0" }];
      const subscribers = Array.from({ length: topology.subscribers }, (_, i) => ({
        clientId: `bench-sub-${i}`,
        filter: "bench/0",
        hears: [0],
      }));
      return withDeliveries(publishers, subscribers);
    }
    default:
      return assertNever(topology);
  }
}

/** `copies`: messages a subscriber receives per publish it hears. */
function withDeliveries(
  publishers: readonly PublisherPlan[],
  subscribers: readonly SubscriberPlan[],
  copies = 1,
): TopologyPlan {
  const deliveriesPerPublish = publishers.map(() => 0);
  for (const subscriber of subscribers) {
    for (const index of subscriber.hears)
      deliveriesPerPublish[index] = (deliveriesPerPublish[index] ?? 0) + copies;
  }
  return { publishers, subscribers, deliveriesPerPublish, copies };
}
