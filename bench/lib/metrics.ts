/**
 * What each kind of workload reports: its headline figure (the one medians, ratios and targets are about:
 * msg/s, p99 latency, bytes per connection, seconds) and the other columns of its table.
 * @module
 */

import { assertNever } from "../../src/protocol/index.js";
import type {
  ClosedLoopResult,
  ConnectionStormResult,
  FixedRateResult,
  IdleConnectionsResult,
  LoadResult,
  Workload,
} from "./types.js";

export interface Figure {
  /** Column header. */
  readonly header: string;
  value(result: LoadResult): number | undefined;
  format(value: number): string;
}

export interface Headline extends Figure {
  /** The figure's name in the ratio line, e.g. "msg/s" or "p99 latency". */
  readonly name: string;
  readonly higherIsBetter: boolean;
  /**
   * Whether a run's figure can be compared at all: a broker that lost messages or refused clients was
   * measured partly on that, so it gets no ratio.
   */
  clean(result: LoadResult): boolean;
  /** What went wrong in an unclean run, for the warning line. */
  problems(result: LoadResult): string;
}

export const int = (n: number): string => Math.round(n).toLocaleString("en-US");
export const fixed = (digits: number) => (n: number) => n.toFixed(digits);
const usToMs = (n: number): string => (n / 1000).toFixed(2);
const mib = (n: number): string => (n / 2 ** 20).toFixed(0);

function closedLoop(r: LoadResult): ClosedLoopResult | undefined {
  return r.kind === undefined || r.kind === "closed-loop" ? r : undefined;
}
function fixedRate(r: LoadResult): FixedRateResult | undefined {
  return r.kind === "fixed-rate" ? r : undefined;
}
function idle(r: LoadResult): IdleConnectionsResult | undefined {
  return r.kind === "idle-connections" ? r : undefined;
}
function storm(r: LoadResult): ConnectionStormResult | undefined {
  return r.kind === "connection-storm" ? r : undefined;
}

/** The figure a scenario is judged on. */
export function headlineOf(workload: Workload): Headline {
  switch (workload.kind) {
    case "closed-loop": {
      const topology = workload.topology;
      const deliveries = topology.kind === "fan-out";
      // With its own topics a fan-in counts publishes: one may reach the subscriber as several messages.
      const copies = topology.kind === "fan-in" ? topology.topics?.copies : undefined;
      const name = copies !== undefined ? "publishes/s" : deliveries ? "deliveries/s" : "msg/s";
      return {
        header: name,
        name,
        higherIsBetter: true,
        value: (r) => {
          const rate = closedLoop(r)?.receivedPerSecond;
          return rate === undefined || copies === undefined ? rate : rate / copies;
        },
        format: int,
        clean: (r) => {
          const c = closedLoop(r);
          return c !== undefined && c.lost === 0 && c.stalls === 0;
        },
        problems: (r) => {
          const c = closedLoop(r);
          return c === undefined ? "" : `lost ${int(c.lost)} messages (${c.stalls} stalls)`;
        },
      };
    }
    case "fixed-rate":
      return {
        header: "p99 µs",
        name: "p99 latency",
        higherIsBetter: false,
        value: (r) => fixedRate(r)?.latency.p99Us,
        format: int,
        clean: (r) => fixedRate(r)?.lost === 0,
        problems: (r) => `lost ${int(fixedRate(r)?.lost ?? 0)} messages`,
      };
    case "idle-connections":
      return {
        header: "bytes/conn",
        name: "RSS bytes per connection",
        higherIsBetter: false,
        value: (r) => idle(r)?.bytesPerConnection,
        format: int,
        clean: (r) => idle(r)?.failed === 0,
        problems: (r) => {
          const i = idle(r);
          return i === undefined ? "" : `${int(i.failed)} clients failed (${i.failures.join("; ")})`;
        },
      };
    case "connection-storm":
      return {
        header: "s to last CONNACK",
        name: "time until all have CONNACK",
        higherIsBetter: false,
        value: (r) => storm(r)?.lastConnackSeconds,
        format: fixed(3),
        clean: (r) => {
          const s = storm(r);
          return s !== undefined && s.refused === 0 && s.failed === 0;
        },
        problems: (r) => {
          const s = storm(r);
          return s === undefined
            ? ""
            : `${int(s.refused)} refused, ${int(s.failed)} failed (${s.failures.join("; ")})`;
        },
      };
    case "soak":
      throw new Error("The soak run has its own report (bench/lib/soak-report.ts)");
    default:
      return assertNever(workload);
  }
}

/** The scenario's own columns, between the headline's min-max and the CPU/RSS columns every table has. */
export function columnsOf(workload: Workload): readonly Figure[] {
  switch (workload.kind) {
    case "closed-loop":
      return [
        ...(workload.topology.kind === "fan-in" && workload.topology.topics !== undefined
          ? [
              {
                header: "received msg/s",
                value: (r: LoadResult) => closedLoop(r)?.receivedPerSecond,
                format: int,
              },
            ]
          : []),
        { header: "p50 ms", value: (r) => closedLoop(r)?.latency.p50Us, format: usToMs },
        { header: "p99 ms", value: (r) => closedLoop(r)?.latency.p99Us, format: usToMs },
      ];
    case "fixed-rate":
      return [
        { header: "sent msg/s", value: (r) => fixedRate(r)?.sentPerSecond, format: int },
        { header: "p50 µs", value: (r) => fixedRate(r)?.latency.p50Us, format: int },
        { header: "p99.9 µs", value: (r) => fixedRate(r)?.latency.p999Us, format: int },
        { header: "max µs", value: (r) => fixedRate(r)?.latency.maxUs, format: int },
        { header: "gen lag p99 µs", value: (r) => fixedRate(r)?.sendLag.p99Us, format: int },
      ];
    case "idle-connections":
      return [
        { header: "connected", value: (r) => idle(r)?.connected, format: int },
        { header: "RSS before MB", value: (r) => idle(r)?.rssBeforeBytes, format: mib },
        { header: "connect s", value: (r) => idle(r)?.connectSeconds, format: fixed(2) },
      ];
    case "connection-storm":
      return [
        { header: "connected", value: (r) => storm(r)?.connected, format: int },
        { header: "refused", value: (r) => storm(r)?.refused, format: int },
        { header: "failed", value: (r) => storm(r)?.failed, format: int },
        { header: "p50 ms", value: (r) => storm(r)?.connackLatency.p50Us, format: usToMs },
        { header: "p99 ms", value: (r) => storm(r)?.connackLatency.p99Us, format: usToMs },
        { header: "open s", value: (r) => storm(r)?.openSeconds, format: fixed(2) },
      ];
    case "soak":
      return [];
    default:
      return assertNever(workload);
  }
}

/** Columns every table ends with. */
export const COMMON_COLUMNS: readonly Figure[] = [
  { header: "broker CPU", value: (r) => r.brokerCpu, format: (f) => `${Math.round(f * 100)}%` },
  { header: "gen CPU", value: (r) => r.generatorCpu, format: (f) => `${Math.round(f * 100)}%` },
  { header: "RSS MB", value: (r) => r.brokerRssBytes, format: mib },
];

const kib = (n: number): string => int(n / 1024);

/**
 * What the brokers that keep data on disk left there (bench/brokers/brokers.ts `dataPath`): right after
 * the run, and after the broker stopped. A table shows them when some broker of the scenario has them.
 */
export const DATA_COLUMNS: readonly Figure[] = [
  { header: "data KB", value: (r) => r.brokerDataBytes, format: kib },
  { header: "data KB at exit", value: (r) => r.brokerDataBytesAtExit, format: kib },
];
