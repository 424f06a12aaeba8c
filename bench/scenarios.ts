/**
 * The scenario table: the performance issue's scenarios, each with its targets. A scenario is data: a
 * name, a one-line summary, a `Workload` (bench/lib/types.ts) that the load generator knows how to run,
 * and the targets Switchboard is judged against. The runner runs every selected scenario against every
 * selected broker, so adding a scenario is adding a row here (and, for a new kind of load, a workload in
 * bench/load/ and its figures in bench/lib/metrics.ts).
 *
 * Most scenarios run on the three stock brokers (Switchboard, Aedes, Mosquitto with their defaults). The
 * scenarios of the durability, security and dialect issues (3, 4, 5) compare configurations instead, so
 * they name their own brokers, variants included (bench/brokers/brokers.ts), and the variant their
 * targets are about (`subject`).
 *
 * The soak run (`npm run bench -- soak`) is not a row here: it is one long run, not rounds of short ones
 * (see `SOAK` at the end and bench/lib/soak.ts).
 * @module
 */

import { BROKER_FAMILY, type BrokerId, STOCK_BROKERS } from "./brokers/brokers.js";
import { gooeeTopics } from "./brokers/gooee-world.js";
import type { ClosedLoopWorkload, SoakWorkload, Workload } from "./lib/types.js";

/**
 * A target for the headline figure (bench/lib/metrics.ts) of the scenario's subject (Switchboard unless
 * the scenario says otherwise). Whether "at least" or "at most" is meant follows from the figure: at
 * least for throughput, at most for latency, memory and time.
 */
export type Target =
  /** The subject's figure divided by `against`'s (same scenario, same run, medians). */
  | { readonly kind: "ratio"; readonly against: BrokerId; readonly ratio: number }
  /** The subject's figure itself. */
  | { readonly kind: "absolute"; readonly value: number; readonly unit: string }
  /**
   * The subject's figure divided by the figure of `broker` (default: the subject itself) in another
   * scenario of the same run.
   */
  | {
      readonly kind: "baseline";
      readonly scenario: string;
      readonly broker?: BrokerId;
      readonly ratio: number;
    }
  /** No client refused or failed in any round. */
  | { readonly kind: "no-failures" };

export interface Scenario {
  /** Used on the command line (`--scenario`) and in results. */
  readonly name: string;
  readonly summary: string;
  readonly workload: Workload;
  /** Measured window in seconds for this scenario (closed-loop, fixed-rate); `--duration` overrides it. */
  readonly durationSeconds?: number;
  /** The issue's targets for Switchboard; the scenario's target is met when all of these are. */
  readonly targets: readonly Target[];
  /** Each broker's figure is also given relative to its own figure in this scenario (backlog vs p2p). */
  readonly baseline?: string;
  /** File descriptors broker and generator each need; the runner raises the limit to this (prlimit). */
  readonly openFiles?: number;
  /** The brokers this scenario runs on, in this order (default: `STOCK_BROKERS`); `--brokers` narrows it. */
  readonly brokers?: readonly BrokerId[];
  /** The broker the targets and ratios are about (default `sb`). */
  readonly subject?: BrokerId;
  /** The issue the targets come from (default 6, performance). */
  readonly issue?: number;
}

/**
 * The brokers `scenario` runs on when `--brokers` selected `selection`: its own list (or the stock
 * brokers), keeping each broker selected by its id or by its family (`sb` selects `sb-sqlite` too).
 */
export function brokersOf(scenario: Pick<Scenario, "brokers">, selection: readonly BrokerId[]): BrokerId[] {
  return (scenario.brokers ?? STOCK_BROKERS).filter(
    (id) => selection.includes(id) || selection.includes(BROKER_FAMILY[id]),
  );
}

/** Issue 6: "fan-in, point-to-point and fan-out QoS 0 throughput: at least 1.0 x Mosquitto and 2.0 x Aedes". */
const QOS0_THROUGHPUT: readonly Target[] = [
  { kind: "ratio", against: "mosquitto", ratio: 1.0 },
  { kind: "ratio", against: "aedes", ratio: 2.0 },
];
/** Issue 6: "QoS 1 throughput (memory store): at least 0.8 x Mosquitto". */
const QOS1_THROUGHPUT: readonly Target[] = [{ kind: "ratio", against: "mosquitto", ratio: 0.8 }];

function fanIn(qos: 0 | 1, payloadBytes: number): ClosedLoopWorkload {
  // QoS 1 uses a window of 1,000, not 2,000: with their defaults Mosquitto (max_inflight_messages 20 +
  // max_queued_messages 1,000) and Switchboard (maxInflight 100 + queue.maxMessages 1,000) drop QoS 1
  // messages queued for one subscriber past 1,020 and 1,100, which would measure the drop policy instead.
  return {
    kind: "closed-loop",
    topology: { kind: "fan-in", publishers: 10 },
    qos,
    payloadBytes,
    window: qos === 0 ? 2000 : 1000,
    publisherInflight: 100,
  };
}

function p2p(qos: 0 | 1, window: number): Workload {
  return {
    kind: "closed-loop",
    topology: { kind: "p2p", pairs: 50 },
    qos,
    payloadBytes: 16,
    window,
    publisherInflight: 100,
  };
}

/** Issue 5: Gooee meta publishes (5 values, fan-in of 10 devices) through the dialect, or plain. */
function gooeeFanIn(derived: boolean): ClosedLoopWorkload {
  return {
    kind: "closed-loop",
    topology: { kind: "fan-in", publishers: 10, topics: gooeeTopics(derived) },
    qos: 0,
    payloadBytes: 16,
    payloadFormat: "gooee-meta",
    window: 2000,
    publisherInflight: 100,
  };
}

export const scenarios: readonly Scenario[] = [
  {
    name: "fan-in-qos0",
    summary: "10 publishers (bench/<i>) -> 1 subscriber (bench/#), QoS 0, 16-byte payload, window 2,000",
    workload: fanIn(0, 16),
    targets: QOS0_THROUGHPUT,
  },
  {
    name: "fan-in-qos0-1k",
    summary: "10 publishers -> 1 subscriber, QoS 0, 1 KiB payload, window 2,000",
    workload: fanIn(0, 1024),
    targets: QOS0_THROUGHPUT,
  },
  {
    name: "fan-in-qos1",
    summary:
      "10 publishers -> 1 subscriber, QoS 1 both ways (subscriber PUBACKs), 16-byte payload, window 1,000, 100 in flight per publisher",
    workload: fanIn(1, 16),
    targets: QOS1_THROUGHPUT,
  },
  {
    name: "fan-in-qos1-1k",
    summary: "10 publishers -> 1 subscriber, QoS 1 both ways, 1 KiB payload, window 1,000",
    workload: fanIn(1, 1024),
    targets: QOS1_THROUGHPUT,
  },
  {
    name: "p2p-qos0",
    summary: "50 publisher/subscriber pairs (bench/<i> -> bench/<i>), QoS 0, 16-byte payload, window 2,000",
    workload: p2p(0, 2000),
    targets: QOS0_THROUGHPUT,
  },
  {
    name: "p2p-qos1",
    summary: "50 pairs, QoS 1 both ways, 16-byte payload, window 2,000, 100 in flight per publisher",
    workload: p2p(1, 2000),
    targets: QOS1_THROUGHPUT,
  },
  {
    // Issue 6: "backlog scenario: throughput within 20% of the normal point-to-point figure".
    name: "p2p-qos0-backlog",
    summary: "p2p-qos0 with 20,000 messages outstanding (400 per pair) instead of 2,000",
    workload: p2p(0, 20_000),
    targets: [{ kind: "baseline", scenario: "p2p-qos0", ratio: 0.8 }],
    baseline: "p2p-qos0",
  },
  {
    // The window counts deliveries, so one publish uses 100 of it: 20 publishes outstanding.
    name: "fan-out-qos0",
    summary: "1 publisher (bench/0) -> 100 subscribers, QoS 0, 16-byte payload, window 2,000 deliveries",
    workload: {
      kind: "closed-loop",
      topology: { kind: "fan-out", subscribers: 100 },
      qos: 0,
      payloadBytes: 16,
      window: 2000,
      publisherInflight: 100,
    },
    targets: QOS0_THROUGHPUT,
  },
  {
    // Issue 6: "latency p99 at 5,000 msg/s: no more than 1.5 x Mosquitto's". 10 s: 50,000 samples.
    name: "latency-qos0",
    summary: "1 publisher -> 1 subscriber at a fixed 5,000 msg/s (open loop, one write per message), QoS 0",
    workload: { kind: "fixed-rate", qos: 0, payloadBytes: 16, ratePerSecond: 5000 },
    durationSeconds: 10,
    targets: [{ kind: "ratio", against: "mosquitto", ratio: 1.5 }],
  },
  {
    // Issue 6: "memory per idle connection: at most 5 KB (Aedes about 17 KB, Mosquitto about 1.7 KB)".
    name: "idle-10k",
    summary:
      "10,000 clients (500 handshakes at a time), each with one QoS 1 subscription; (RSS after - RSS before) / 10,000",
    workload: { kind: "idle-connections", clients: 10_000, qos: 1, batch: 500, settleSeconds: 3 },
    targets: [{ kind: "absolute", value: 5000, unit: "bytes" }],
    openFiles: 12_000,
  },
  {
    // Issue 6: "connection storm: no client refused, all connected within 2 x Mosquitto's time".
    name: "storm-5k",
    summary: "5,000 clients open TCP connections and send CONNECT at once; time until the last CONNACK",
    workload: { kind: "connection-storm", clients: 5000, timeoutSeconds: 60 },
    targets: [{ kind: "no-failures" }, { kind: "ratio", against: "mosquitto", ratio: 2.0 }],
    openFiles: 7_000,
  },
  {
    // Issue 3: "QoS 1 publish to a persistent-session subscriber, in-memory vs SQLite store, and against
    // Mosquitto with persistence true, in the same run, as ratios, with the RSS and database size after
    // the run. Target: the SQLite store keeps at least 50% of the in-memory store's QoS 1 throughput."
    name: "fan-in-qos1-durable",
    summary:
      "fan-in-qos1 with a persistent-session subscriber (clean session false): memory store vs SQLite store (strict) vs Mosquitto with persistence",
    workload: { ...fanIn(1, 16), persistentSubscribers: true },
    brokers: ["sb", "sb-sqlite", "mosquitto-persist"],
    subject: "sb-sqlite",
    targets: [{ kind: "ratio", against: "sb", ratio: 0.5 }],
    issue: 3,
  },
  {
    // Issue 4: "QoS 0 fan-in with 20 ACL rules and JWT-authenticated clients keeps at least 85% of the
    // throughput of the same run with security off."
    name: "fan-in-qos0-secure",
    summary:
      "fan-in-qos0 with JWT-authenticated clients (ES256 token as password) and 20 authorization rules vs security off",
    workload: fanIn(0, 16),
    brokers: ["sb", "sb-secure"],
    subject: "sb-secure",
    targets: [{ kind: "ratio", against: "sb", ratio: 0.85 }],
    issue: 4,
  },
  {
    // The reference for gooee-meta: the same publishes through a broker without the dialect.
    name: "gooee-plain",
    summary:
      "10 publishers -> 1 subscriber (devices/+/meta), QoS 0, the gooee-meta payload (5 values, 602 B) as plain publishes, window 2,000",
    workload: gooeeFanIn(false),
    brokers: ["sb"],
    targets: [],
    issue: 5,
  },
  {
    // Issue 5: "Gooee meta publishes (array of 5 values, schema-validated, fanned out to derived topics)
    // versus plain QoS 0 publishes of the same bytes, same run, as a ratio. Target: the dialect path
    // keeps at least 40% of plain-publish throughput."
    name: "gooee-meta",
    summary:
      "gooee-plain's publishes through the Gooee dialect: validated, 5 derived messages each on devices/<id>/meta/<name> (subscriber devices/+/meta/+), window 2,000 messages",
    workload: gooeeFanIn(true),
    brokers: ["sb-gooee"],
    subject: "sb-gooee",
    targets: [{ kind: "baseline", scenario: "gooee-plain", broker: "sb", ratio: 0.4 }],
    issue: 5,
  },
];

/** The soak run's load (`npm run bench -- soak`); `--duration` sets its length (default 180 s). */
export const SOAK: SoakWorkload = {
  kind: "soak",
  publishers: 10,
  ratePerSecond: 2000,
  payloadBytes: 64,
  connectsPerSecond: 20,
  clientIdPool: 400,
  lifetimeSeconds: [1, 5],
  sampleSeconds: 5,
};
