/**
 * The scenario table. A scenario is data: a name, a one-line summary and a `Workload` (bench/lib/types.ts)
 * that the load generator knows how to run. The runner runs every selected scenario against every selected
 * broker, so adding a scenario is adding a row here (and, for a new kind of load, a workload in bench/load/).
 *
 * Planned (the performance issue), and the workload each needs:
 * - fan-in QoS 1, 1 KiB payload ............ closed-loop, `payloadBytes: 1024`
 * - point-to-point, 50 pairs ............... closed-loop, new topology `{ kind: "p2p", pairs: 50 }`
 * - fan-out 1 -> 100 ....................... closed-loop, new topology `{ kind: "fan-out", subscribers: 100 }`
 *                                            (the window counts deliveries, so one publish uses 100 credits)
 * - backlog ................................ closed-loop with a large `window` (e.g. 20,000)
 * - latency at a fixed rate ................ new workload `fixed-rate` (open loop, N msg/s, latency only)
 * - idle connections RSS ................... new workload `idle-connections` (connect N, subscribe, read RSS)
 * - connection storm ....................... new workload `connection-storm` (connects/s, CONNACK latency)
 * @module
 */

import type { Workload } from "./lib/types.js";

export interface Scenario {
  /** Used on the command line (`--scenario`) and in results. */
  readonly name: string;
  readonly summary: string;
  readonly workload: Workload;
}

export const scenarios: readonly Scenario[] = [
  {
    name: "fan-in-qos0",
    summary: "10 publishers (bench/<i>) -> 1 subscriber (bench/#), QoS 0, 16-byte payload, window 2,000",
    workload: {
      kind: "closed-loop",
      topology: { kind: "fan-in", publishers: 10 },
      qos: 0,
      payloadBytes: 16,
      window: 2000,
      publisherInflight: 100,
    },
  },
  {
    // The window is 1,000, not 2,000: with their defaults Mosquitto (max_inflight_messages 20 +
    // max_queued_messages 1,000) and Switchboard (maxInflight 100 + queue.maxMessages 1,000) drop QoS 1
    // messages queued for one subscriber past 1,020 and 1,100, which would measure the drop policy instead.
    name: "fan-in-qos1",
    summary:
      "10 publishers -> 1 subscriber, QoS 1 both ways (subscriber PUBACKs), 16-byte payload, window 1,000, 100 in flight per publisher",
    workload: {
      kind: "closed-loop",
      topology: { kind: "fan-in", publishers: 10 },
      qos: 1,
      payloadBytes: 16,
      window: 1000,
      publisherInflight: 100,
    },
  },
];
