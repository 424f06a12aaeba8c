/**
 * Types shared by the runner (bench/run.ts) and the load generator child (bench/load/main.ts). Everything
 * here crosses the IPC channel, so it is plain JSON data.
 *
 * Adding a workload kind: add a member to the `Workload` union and to the `LoadResult` union, a function
 * in bench/load/ that runs it, a case in bench/load/main.ts, and its table columns and headline figure in
 * bench/lib/metrics.ts. Scenarios (bench/scenarios.ts) then refer to it by data.
 * @module
 */

/**
 * Topic names of a fan-in other than `bench/<i>` -> `bench/#`, e.g. a dialect's topics, where one publish
 * may reach the subscriber as several messages on derived topics.
 */
export interface FanInTopics {
  /** Publisher i's topic; `{i}` stands for i. */
  readonly publish: string;
  /** The subscriber's filter. */
  readonly subscribe: string;
  /** Messages the subscriber receives per publish (1 unless the broker derives several from one). */
  readonly copies: number;
}

/** How publishers and subscribers are wired. Each publish produces `deliveries` messages at subscribers. */
export type Topology =
  /** `publishers` clients publish to `bench/<i>` (or `topics`); one subscriber on `bench/#`. */
  | { readonly kind: "fan-in"; readonly publishers: number; readonly topics?: FanInTopics }
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
  /**
   * `binary` (the default): `payloadBytes` bytes starting with the binary stamp. `gooee-meta`: a Gooee
   * meta array of 5 values, the stamp hex-encoded in the first (bench/load/payload-format.ts);
   * `payloadBytes` is then ignored.
   */
  readonly payloadFormat?: PayloadFormatName;
  /** Subscribers connect with clean session false (a persistent session) instead of true. */
  readonly persistentSubscribers?: boolean;
  /** Most deliveries outstanding across all publishers. */
  readonly window: number;
  /** QoS 1 only: most PUBLISHes one publisher has sent and not had acknowledged (PUBACK). */
  readonly publisherInflight: number;
}

export type PayloadFormatName = "binary" | "gooee-meta";

/**
 * Open loop at a fixed rate: one publisher sends one PUBLISH every 1/`ratePerSecond` s, each in its own
 * write, whatever the broker does; one subscriber records send-to-receive latency.
 */
export interface FixedRateWorkload {
  readonly kind: "fixed-rate";
  readonly qos: 0 | 1;
  readonly payloadBytes: number;
  readonly ratePerSecond: number;
}

/** `clients` clients connect (in batches), each subscribes to its own topic, and then they sit idle. */
export interface IdleConnectionsWorkload {
  readonly kind: "idle-connections";
  readonly clients: number;
  /** QoS of each client's one subscription (`idle/<i>`). */
  readonly qos: 0 | 1;
  /** Connections being set up at once (CONNECT + SUBSCRIBE in flight). */
  readonly batch: number;
  /** Seconds to wait after the last SUBACK before reading the broker's RSS. */
  readonly settleSeconds: number;
}

/** `clients` TCP connections opened in one go, each sending CONNECT at once; time until all CONNACKs. */
export interface ConnectionStormWorkload {
  readonly kind: "connection-storm";
  readonly clients: number;
  /** Clients without a CONNACK after this long count as failed. */
  readonly timeoutSeconds: number;
}

/**
 * Steady publish/subscribe at a fixed total rate while clients connect and disconnect all the time
 * (`npm run bench -- soak`); the runner samples the broker's memory meanwhile.
 */
export interface SoakWorkload {
  readonly kind: "soak";
  /** Steady publishers on `soak/p/<i>`; even ones publish QoS 0, odd ones QoS 1. */
  readonly publishers: number;
  /** Total publish rate of the steady publishers, msg/s. */
  readonly ratePerSecond: number;
  readonly payloadBytes: number;
  /** Churning clients started per second. */
  readonly connectsPerSecond: number;
  /** Client identifiers are reused from a pool this big, so broker state stays bounded. */
  readonly clientIdPool: number;
  /** How long a churning client stays connected: uniformly random in [min, max] seconds. */
  readonly lifetimeSeconds: readonly [number, number];
  /** Seconds between the generator's traffic counters (the runner samples memory on its own clock). */
  readonly sampleSeconds: number;
}

export type Workload =
  ClosedLoopWorkload | FixedRateWorkload | IdleConnectionsWorkload | ConnectionStormWorkload | SoakWorkload;

/** What the runner sends the load generator. */
export interface LoadSpec {
  readonly host: string;
  readonly port: number;
  /** The broker's pid, for CPU time and RSS from /proc. */
  readonly brokerPid: number;
  readonly clockTicksPerSecond: number;
  /** The CPUs broker and generator are pinned to, when they are (for per-CPU noise accounting). */
  readonly pinnedCpus?: { readonly broker: number; readonly generator: number };
  /** Closed-loop and fixed-rate: seconds of traffic before the measured window. */
  readonly warmupSeconds: number;
  /** Closed-loop, fixed-rate and soak: length of the measured window (the whole run for soak). */
  readonly durationSeconds: number;
  /** Declare the outstanding deliveries lost after this long without receiving anything. */
  readonly stallMs: number;
  readonly workload: Workload;
  /** How the clients authenticate (closed-loop only); absent: no user name or password in CONNECT. */
  readonly clientAuth?: ClientAuth;
}

/**
 * JWT client authentication: the generator signs one token per client (`sub` = client id, `roles` by
 * what the client does) and sends it as the password of CONNECT, the client id as the user name.
 */
export interface ClientAuth {
  readonly kind: "jwt";
  readonly algorithm: "ES256";
  /** PKCS #8 PEM of the signing key; the broker has the public key. */
  readonly privateKeyPem: string;
  readonly issuer: string;
  readonly audience: string;
  /** Token lifetime; longer than any run. */
  readonly expiresInSeconds: number;
  readonly publisherRoles: readonly string[];
  readonly subscriberRoles: readonly string[];
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

/** CPU and memory over the measured window; every result has these (bench/load/window-probe.ts). */
export interface WindowMeasures {
  readonly windowSeconds: number;
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
  /**
   * Bytes the broker keeps on disk (its database or persistence files), for brokers that keep any: right
   * after the run with the broker still up, and after it stopped. Filled in by the runner, not the
   * generator.
   */
  readonly brokerDataBytes?: number;
  readonly brokerDataBytesAtExit?: number;
}

/**
 * Closed-loop measurements over the measured window (after the warm-up). Results written before there
 * were other workloads have no `kind`; they are closed-loop results.
 */
export interface ClosedLoopResult extends WindowMeasures {
  readonly kind?: "closed-loop";
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
}

export interface FixedRateResult extends WindowMeasures {
  readonly kind: "fixed-rate";
  /** PUBLISHes sent in the window, and sent per second (the rate actually achieved). */
  readonly sent: number;
  readonly sentPerSecond: number;
  readonly received: number;
  /** Sequence gaps, plus messages still missing 2 s after the window. */
  readonly lost: number;
  readonly outOfOrder: number;
  /** Send time minus receive time, from the stamp in the payload. */
  readonly latency: LatencySummary;
  /** How late the generator sent, against the schedule (its own jitter; not counted in `latency`). */
  readonly sendLag: LatencySummary;
}

export interface IdleConnectionsResult extends WindowMeasures {
  readonly kind: "idle-connections";
  readonly clients: number;
  /** Clients that completed CONNECT and SUBSCRIBE and were still connected when RSS was read. */
  readonly connected: number;
  /** Clients that could not connect or subscribe, or were disconnected before the reading. */
  readonly failed: number;
  /** First few failure reasons. */
  readonly failures: readonly string[];
  /** Broker RSS just before the first connection and after the settle time, bytes. */
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  /** (rssAfter - rssBefore) / connected (absent when no client connected). */
  readonly bytesPerConnection?: number;
  /** Seconds from the first connection attempt to the last SUBACK. */
  readonly connectSeconds: number;
}

export interface ConnectionStormResult extends WindowMeasures {
  readonly kind: "connection-storm";
  readonly clients: number;
  /** Clients with a successful CONNACK (return code 0). */
  readonly connected: number;
  /** Refused: CONNACK with a non-zero return code, or the TCP connection refused (ECONNREFUSED). */
  readonly refused: number;
  /** Failed otherwise: reset, closed or timed out without a CONNACK. */
  readonly failed: number;
  readonly failures: readonly string[];
  /** Seconds the generator took to call connect() for every client (it reads nothing meanwhile). */
  readonly openSeconds: number;
  /** Seconds from the first connect() to the last successful CONNACK (absent when none succeeded). */
  readonly lastConnackSeconds?: number;
  /** Per client: its connect() to its CONNACK. */
  readonly connackLatency: LatencySummary;
}

/** One interval of a soak run, as the generator counted it. */
export interface SoakInterval {
  /** Seconds since the steady traffic started, at the end of the interval. */
  readonly atSeconds: number;
  readonly sent: number;
  readonly received: number;
  readonly connects: number;
  readonly disconnects: number;
  /** Churning clients connected at the end of the interval. */
  readonly churnConnected: number;
  readonly errors: number;
  /** Sequence gaps seen by the steady subscribers in the interval (QoS 1 messages; QoS 0 messages). */
  readonly lostQos1: number;
  readonly lostQos0: number;
  /** Steady subscribers' latency in the interval. */
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface SoakResult extends WindowMeasures {
  readonly kind: "soak";
  readonly intervals: readonly SoakInterval[];
  readonly sent: number;
  /** Steady subscribers' deliveries (each message reaches two of them). */
  readonly received: number;
  /** Sequence gaps seen by the steady QoS 1 subscriber on QoS 1 publishers' messages. */
  readonly lostQos1: number;
  /** Sequence gaps on QoS 0 messages (allowed, but reported). */
  readonly lostQos0: number;
  readonly connects: number;
  /** Churning clients that failed to connect or subscribe, or lost their connection unexpectedly. */
  readonly errors: number;
  readonly failures: readonly string[];
  readonly latency: LatencySummary;
}

export type LoadResult =
  ClosedLoopResult | FixedRateResult | IdleConnectionsResult | ConnectionStormResult | SoakResult;

/** Messages from the load generator to the runner. */
export type LoadMessage =
  | { readonly kind: "result"; readonly result: LoadResult }
  | { readonly kind: "error"; readonly message: string };
