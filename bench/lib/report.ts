/**
 * From individual runs to the published figures: medians per scenario and broker, ratios, and the text
 * table printed at the end of `npm run bench`.
 * @module
 */

import type { BrokerId } from "../brokers/brokers.js";
import type { LoadResult } from "./types.js";

export interface RunRecord {
  readonly round: number;
  readonly scenario: string;
  readonly broker: BrokerId;
  readonly startedAt: string;
  /** Cores busy on the machine just before the run (everything; nothing of ours was running). */
  readonly busyCoresBefore: number;
  readonly result?: LoadResult;
  readonly error?: string;
  /** Tail of the broker's stdout/stderr when it printed anything. */
  readonly brokerOutput?: string;
  /** Other processes used more than the noise threshold during the window. */
  readonly noisy: boolean;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface SummaryRow {
  readonly broker: BrokerId;
  readonly runs: number;
  readonly failed: number;
  readonly noisy: number;
  /** Runs where the load generator used more than 90% of its core: the broker may not have been the limit. */
  readonly generatorBound: number;
  readonly receivedPerSecond: Spread;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly brokerCpu: number;
  readonly generatorCpu: number;
  readonly otherCpu: number;
  /** Medians of other processes' use of the broker's and the generator's CPU (NaN when unpinned). */
  readonly otherOnBrokerCpu: number;
  readonly otherOnGeneratorCpu: number;
  readonly brokerRssBytes: number | undefined;
  readonly lost: number;
  readonly stalls: number;
}

export interface ScenarioSummary {
  readonly scenario: string;
  readonly rows: readonly SummaryRow[];
  /**
   * Median msg/s of Switchboard divided by the other broker's median; undefined when either is missing
   * or lost messages.
   */
  readonly sbOverMosquitto: number | undefined;
  readonly sbOverAedes: number | undefined;
}

/** Generator CPU (fraction of its core) above which a run counts as limited by the generator. */
export const GENERATOR_BOUND = 0.9;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function summarizeRow(broker: BrokerId, runs: readonly RunRecord[]): SummaryRow {
  const results = runs.flatMap((r) => (r.result === undefined ? [] : [r.result]));
  const of = (pick: (r: LoadResult) => number): number => median(results.map(pick));
  const rss = results.flatMap((r) => (r.brokerRssBytes === undefined ? [] : [r.brokerRssBytes]));
  return {
    broker,
    runs: runs.length,
    failed: runs.length - results.length,
    noisy: runs.filter((r) => r.noisy).length,
    generatorBound: results.filter((r) => r.generatorCpu > GENERATOR_BOUND).length,
    receivedPerSecond: spread(results.map((r) => r.receivedPerSecond)),
    p50Us: of((r) => r.latency.p50Us),
    p99Us: of((r) => r.latency.p99Us),
    brokerCpu: of((r) => r.brokerCpu),
    generatorCpu: of((r) => r.generatorCpu),
    otherCpu: of((r) => r.otherCpu),
    otherOnBrokerCpu: median(
      results.flatMap((r) => (r.otherOnPinnedCpus ? [r.otherOnPinnedCpus.broker] : [])),
    ),
    otherOnGeneratorCpu: median(
      results.flatMap((r) => (r.otherOnPinnedCpus ? [r.otherOnPinnedCpus.generator] : [])),
    ),
    brokerRssBytes: rss.length === 0 ? undefined : median(rss),
    lost: results.reduce((sum, r) => sum + r.lost, 0),
    stalls: results.reduce((sum, r) => sum + r.stalls, 0),
  };
}

export function summarize(options: {
  readonly scenarios: readonly string[];
  readonly brokers: readonly BrokerId[];
  readonly runs: readonly RunRecord[];
}): ScenarioSummary[] {
  return options.scenarios.map((scenario) => {
    const rows = options.brokers.map((broker) =>
      summarizeRow(
        broker,
        options.runs.filter((r) => r.scenario === scenario && r.broker === broker),
      ),
    );
    // No ratio against (or for) a broker that lost messages: its rate partly measures its drop policy.
    const rate = (id: BrokerId): number | undefined => {
      const row = rows.find((r) => r.broker === id);
      const value = row?.receivedPerSecond.median;
      if (row === undefined || value === undefined || Number.isNaN(value) || value === 0) return undefined;
      return row.lost > 0 || row.stalls > 0 ? undefined : value;
    };
    const sb = rate("sb");
    const ratio = (other: number | undefined): number | undefined =>
      sb === undefined || other === undefined ? undefined : sb / other;
    return { scenario, rows, sbOverMosquitto: ratio(rate("mosquitto")), sbOverAedes: ratio(rate("aedes")) };
  });
}

const LABELS: Record<BrokerId, string> = { sb: "Switchboard", aedes: "Aedes", mosquitto: "Mosquitto" };

const int = (n: number): string => (Number.isNaN(n) ? "-" : Math.round(n).toLocaleString("en-US"));
const kilo = (n: number): string =>
  Number.isNaN(n) ? "-" : n < 10_000 ? int(n) : `${(n / 1000).toFixed(0)}k`;
const ms = (us: number): string => (Number.isNaN(us) ? "-" : (us / 1000).toFixed(2));
const pct = (f: number): string => (Number.isNaN(f) ? "-" : `${Math.round(f * 100)}%`);
const ratio = (r: number | undefined): string => (r === undefined ? "-" : `${r.toFixed(2)}x`);

const LEGEND = [
  "Medians over the rounds. msg/s: PUBLISH frames received by the subscriber per second (min-max over rounds);",
  "p50/p99: send-to-receive latency; broker/gen CPU: share of one core used by the broker / the load generator;",
  "others b/g: CPU used by other processes on the broker's / the generator's core (noise); RSS: broker RSS after the window.",
].join("\n");

/** The table printed after all runs (medians over the runs that produced a result). */
export function formatSummary(summaries: readonly ScenarioSummary[]): string {
  const header = [
    "broker",
    "msg/s (median)",
    "min-max",
    "p50 ms",
    "p99 ms",
    "broker CPU",
    "gen CPU",
    "others b/g",
    "RSS MB",
    "runs",
  ];
  const lines: string[] = [LEGEND, ""];
  for (const s of summaries) {
    const table = [header];
    for (const row of s.rows) {
      const r = row.receivedPerSecond;
      const notes = [
        row.failed > 0 ? `${row.failed} failed` : "",
        row.noisy > 0 ? `${row.noisy} noisy` : "",
        row.generatorBound > 0 ? `${row.generatorBound} generator-bound` : "",
        row.lost > 0 ? `${int(row.lost)} lost` : "",
      ]
        .filter((n) => n !== "")
        .join(", ");
      table.push([
        LABELS[row.broker],
        int(r.median),
        row.runs > row.failed ? `${kilo(r.min)}-${kilo(r.max)}` : "-",
        ms(row.p50Us),
        ms(row.p99Us),
        pct(row.brokerCpu),
        pct(row.generatorCpu),
        Number.isNaN(row.otherOnBrokerCpu)
          ? pct(row.otherCpu)
          : `${pct(row.otherOnBrokerCpu)}/${pct(row.otherOnGeneratorCpu)}`,
        row.brokerRssBytes === undefined ? "-" : (row.brokerRssBytes / 2 ** 20).toFixed(0),
        `${row.runs - row.failed}/${row.runs}${notes === "" ? "" : ` (${notes})`}`,
      ]);
    }
    lines.push(
      s.scenario,
      ...alignColumns(table),
      `  Switchboard/Mosquitto ${ratio(s.sbOverMosquitto)}   Switchboard/Aedes ${ratio(s.sbOverAedes)}  (median msg/s)`,
      ...lossWarnings(s),
      "",
    );
  }
  return lines.join("\n");
}

/** A broker that lost messages was measured partly on its drop policy: say so next to the ratios. */
function lossWarnings(s: ScenarioSummary): string[] {
  return s.rows
    .filter((row) => row.lost > 0 || row.stalls > 0)
    .map(
      (row) =>
        `  ! ${LABELS[row.broker]} lost ${int(row.lost)} messages (${row.stalls} stalls): its msg/s counts only what arrived, no ratio`,
    );
}

function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  return rows.map((row) =>
    `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")}`.trimEnd(),
  );
}
