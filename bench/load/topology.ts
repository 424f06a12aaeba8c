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
  /** For each publisher, how many deliveries one of its publishes makes. */
  readonly deliveriesPerPublish: readonly number[];
}

export function planTopology(topology: Topology): TopologyPlan {
  switch (topology.kind) {
    case "fan-in": {
      const publishers = Array.from({ length: topology.publishers }, (_, i) => ({
        clientId: `bench-pub-${i}`,
        topic: `bench/${i}`,
      }));
      const subscribers = [
        { clientId: "bench-sub-0", filter: "bench/#", hears: publishers.map((_, i) => i) },
      ];
      return withDeliveries(publishers, subscribers);
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

function withDeliveries(
  publishers: readonly PublisherPlan[],
  subscribers: readonly SubscriberPlan[],
): TopologyPlan {
  const deliveriesPerPublish = publishers.map(() => 0);
  for (const subscriber of subscribers) {
    for (const index of subscriber.hears)
      deliveriesPerPublish[index] = (deliveriesPerPublish[index] ?? 0) + 1;
  }
  return { publishers, subscribers, deliveriesPerPublish };
}
