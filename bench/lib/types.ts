/**
 * Types shared by the runner (bench/run.ts) and the load generator child (bench/load/main.ts). Everything
 * here crosses the IPC channel, so it is plain JSON data.
 *
 * Adding a workload kind (fixed-rate latency, idle connections, connection storm, ...): add a member to
 * the `Workload` union, a function in bench/load/ that runs it and returns `LoadResult`, and a case in
 * bench/load/main.ts. Scenarios (bench/scenarios.ts) then refer to it by data.
 * @module
 */

/** How publishers and subscribers are wired. Each publish produces `deliveries` messages at subscribers. */
export type Topology =
  /** `publishers` clients publish to `bench/<i>`; one subscriber on `bench/#`. */
  | { readonly kind: "fan-in"; readonly publishers: number }
  /** `pairs` publishers each publish to `bench/<i>`, which exactly one subscriber subscribes to. */
  | { readonly kind: "p2p"; readonly pairs: number }
  /** One publisher on `bench/0`; `subscribers` clients subscribe to it (one publish = N deliveries). */
  | { readonly kind: "fan-out"; readonly subscribers: number };

/**
 * Closed loop (reference/brokers.md 2.3): publishers keep at most `window` deliveries outstanding in
 * total, outstanding = deliveries sent - deliveries received at the subscribers - deliveries known lost.
 */
export interface ClosedLoopWorkload {
  readonly kind: "closed-loop";
  readonly topology: Topology;
  readonly qos: 0 | 1;
  /** PUBLISH payload size in bytes; at least 16 (send timestamp, publisher index, sequence number). */
  readonly payloadBytes: number;
  /** Most deliveries outstanding across all publishers. */
  readonly window: number;
  /** QoS 1 only: most PUBLISHes one publisher has sent and not had acknowledged (PUBACK). */
  readonly publisherInflight: number;
}

export type Workload = ClosedLoopWorkload;

/** What the runner sends the load generator. */
export interface LoadSpec {
  readonly host: string;
  readonly port: number;
  /** The broker's pid, for CPU time and RSS from /proc. */
  readonly brokerPid: number;
  readonly clockTicksPerSecond: number;
  /** The CPUs broker and generator are pinned to, when they are (for per-CPU noise accounting). */
  readonly pinnedCpus?: { readonly broker: number; readonly generator: number };
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  /** Declare the outstanding deliveries lost after this long without receiving anything. */
  readonly stallMs: number;
  readonly workload: Workload;
}

export interface LatencySummary {
  /** Number of deliveries whose latency was recorded (all deliveries in the measured window). */
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

/** Measurements over the measured window (after the warm-up). */
export interface LoadResult {
  readonly windowSeconds: number;
  /** PUBLISH frames received by the subscribers in the window. */
  readonly received: number;
  /** Deliveries sent by the publishers in the window (publishes × subscribers they reach). */
  readonly sent: number;
  /** Deliveries found missing in the window: sequence gaps, or outstanding at a stall. */
  readonly lost: number;
  /** Times nothing arrived for `stallMs` while deliveries were outstanding. */
  readonly stalls: number;
  /** Deliveries that arrived out of order or twice for their publisher (whole run). */
  readonly outOfOrder: number;
  /** received / windowSeconds. */
  readonly receivedPerSecond: number;
  readonly latency: LatencySummary;
  /** Broker CPU time over the window as a fraction of one core (/proc utime + stime). */
  readonly brokerCpu: number;
  /** Broker RSS at the end of the window, bytes. */
  readonly brokerRssBytes: number | undefined;
  /** Load generator CPU over the window as a fraction of one core; near 1 means it was the bottleneck. */
  readonly generatorCpu: number;
  /**
   * Cores used by every other process on the machine during the window (/proc/stat user + system time
   * minus broker and generator). Above ~0.1 the run shared its CPUs with someone else: noisy.
   */
  readonly otherCpu: number;
  /**
   * When pinned: other processes' use of the broker's CPU and of the generator's CPU during the window
   * (fractions of a core). This is the noise that competed with them directly.
   */
  readonly otherOnPinnedCpus: { readonly broker: number; readonly generator: number } | undefined;
  /** Cores' worth of hypervisor steal time during the window. */
  readonly stealCpu: number;
}

/** Messages from the load generator to the runner. */
export type LoadMessage =
  | { readonly kind: "result"; readonly result: LoadResult }
  | { readonly kind: "error"; readonly message: string };
