/**
 * `npm run bench -- soak`: one long run per broker of the soak workload (bench/load/soak.ts) while this
 * process samples the broker's memory, then a verdict on whether memory grows after warm-up.
 *
 * Every `sampleSeconds`: the broker's RSS (/proc) and CPU, and for the Node brokers the V8 heap, read
 * from the broker's own `--trace-gc` lines on stdout (no change to the broker needed): the heap in use
 * after the most recent GC of any kind, and separately after each full (Mark-Compact) GC, which is the
 * closest to the live heap. The first half of the run is warm-up; over the second half the report gives
 * min, max and median, and a least-squares line through the samples. "No growth" means the line rises by
 * at most 5% of the median over the second half; a few minutes cannot show a slow leak, only a fast one.
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BrokerId, BrokerUnderTest } from "../brokers/brokers.js";
import { SOAK } from "../scenarios.js";
import { BrokerProcess } from "./broker-process.js";
import { runGenerator } from "./generator-process.js";
import type { SoakOptions } from "./options.js";
import {
  type CpuSample,
  cpuFraction,
  readCpu,
  readRssBytes,
  readSystemCpu,
  type SystemCpuSample,
} from "./proc.js";
import { waitForQuiet } from "./quiet.js";
import { LABELS } from "./report.js";
import type { LoadSpec, SoakResult, SoakWorkload } from "./types.js";

/** Fitted rise over the second half, as a share of its median, above which memory counts as growing. */
export const GROWTH_LIMIT = 0.05;

export interface MemorySample {
  /** Seconds since the load generator started. */
  readonly atSeconds: number;
  readonly rssBytes: number | undefined;
  /** V8 heap in use after the most recent GC (any kind), MB; Node brokers only. */
  readonly heapAfterGcMb: number | undefined;
  readonly brokerCpu: number;
  /** Other processes' use of the broker's and the generator's CPU since the last sample (when pinned). */
  readonly otherOnBrokerCpu?: number;
  readonly otherOnGeneratorCpu?: number;
}

export interface GcEvent {
  readonly atSeconds: number;
  readonly kind: string;
  readonly afterMb: number;
}

export interface Trend {
  readonly from: number;
  readonly to: number;
  readonly points: number;
  readonly min: number;
  readonly max: number;
  readonly median: number;
  /** Least-squares slope, units per minute. */
  readonly slopePerMinute: number;
  /** Slope times the length of the second half. */
  readonly rise: number;
  readonly grows: boolean;
}

export interface SoakBrokerReport {
  readonly broker: BrokerId;
  readonly version: string;
  readonly error?: string;
  readonly brokerOutput?: string;
  readonly result?: SoakResult;
  readonly samples: readonly MemorySample[];
  readonly fullGcs: readonly GcEvent[];
  /** RSS 5 s after the load generator left (its persistent sessions stay). */
  readonly rssAfterClientsLeftBytes?: number;
  readonly rssTrendMb?: Trend;
  /** RSS at the first sample after each full GC (the troughs of a garbage-collected broker's sawtooth). */
  readonly rssAfterFullGcTrendMb?: Trend;
  readonly heapTrendMb?: Trend;
  /**
   * Whether memory grows after warm-up: for a Node broker judged on the heap after full GC and on the
   * RSS right after full GCs (plain RSS is a sawtooth there), for Mosquitto on RSS.
   */
  readonly grows?: boolean;
}

/** Least-squares line through (x, y); undefined for fewer than 3 points. */
export function trend(points: readonly (readonly [number, number])[]): Trend | undefined {
  if (points.length < 3) return undefined;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const ys = points.map(([, y]) => y).sort((a, b) => a - b);
  const median = n % 2 === 1 ? ys[(n - 1) / 2]! : (ys[n / 2 - 1]! + ys[n / 2]!) / 2;
  const from = points[0]![0];
  const to = points[n - 1]![0];
  const rise = slope * (to - from);
  return {
    from,
    to,
    points: n,
    min: ys[0]!,
    max: ys[n - 1]!,
    median,
    slopePerMinute: slope * 60,
    rise,
    grows: rise > GROWTH_LIMIT * median,
  };
}

/** Parses `node --trace-gc` lines: "[pid:0x..]   12045 ms: Mark-Compact 45.2 (50.1) -> 30.1 (48.2) MB, ...". */
export class GcTraceParser {
  readonly #onEvent: (msSinceStart: number, kind: string, afterMb: number) => void;
  #partial = "";

  constructor(onEvent: (msSinceStart: number, kind: string, afterMb: number) => void) {
    this.#onEvent = onEvent;
  }

  push(text: string): void {
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      const match =
        /\s(\d+) ms: ([A-Za-z -]+?)(?: \([a-z ]+\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(line);
      if (match !== null) this.#onEvent(Number(match[1]), match[2]!, Number(match[3]));
    }
  }
}

export async function runSoak(args: {
  readonly root: string;
  readonly options: SoakOptions;
  readonly brokers: readonly BrokerUnderTest[];
  readonly cpus: { readonly broker: number; readonly generator: number } | undefined;
  readonly ticks: number;
  readonly header: Record<string, unknown>;
  readonly log: (line: string) => void;
}): Promise<number> {
  const { options, log } = args;
  const workload: SoakWorkload = { ...SOAK, sampleSeconds: options.sampleSeconds };
  const reports: SoakBrokerReport[] = [];
  for (const broker of args.brokers) {
    log(`Soak: ${broker.label}, ${options.durationSeconds} s`);
    await waitForQuiet(options, args.ticks, log);
    reports.push(await soakOne(args, broker, workload));
  }
  process.stdout.write(`\n${formatSoak(reports, workload, options)}`);
  const date = new Date();
  const outDir = resolve(args.root, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `soak-${date.toISOString().replace(/[:.]/g, "-")}.json`);
  const json = { date: date.toISOString(), ...args.header, options, workload, reports };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`Results written to ${file}\n`);
  return reports.some((r) => r.error !== undefined) ? 1 : 0;
}

async function soakOne(
  args: Parameters<typeof runSoak>[0],
  broker: BrokerUnderTest,
  workload: SoakWorkload,
): Promise<SoakBrokerReport> {
  const { options, log } = args;
  const base = { broker: broker.id, version: broker.version() };
  const brokerStartMs = Date.now();
  let running: BrokerProcess;
  try {
    running = await BrokerProcess.start(broker, {
      cpu: args.cpus?.broker,
      nodeFlags: ["--trace-gc"],
    });
  } catch (error) {
    return { ...base, error: (error as Error).message, samples: [], fullGcs: [] };
  }
  const generatorStartMs = Date.now();
  const since = (ms: number): number => (ms - generatorStartMs) / 1000;
  let lastGcAfterMb: number | undefined;
  const fullGcs: GcEvent[] = [];
  const parser = new GcTraceParser((ms, kind, afterMb) => {
    lastGcAfterMb = afterMb;
    if (kind.startsWith("Mark-Compact"))
      fullGcs.push({ atSeconds: since(brokerStartMs + ms), kind, afterMb });
  });
  running.onStdout((text) => parser.push(text));

  const samples: MemorySample[] = [];
  let generatorPid: number | undefined;
  let before = readAll(running.pid, undefined, args.ticks);
  const timer = setInterval(() => {
    try {
      const now = readAll(running.pid, generatorPid, args.ticks);
      const seconds = Number(now.broker.atNs - before.broker.atNs) / 1e9;
      const brokerCpu = cpuFraction(before.broker, now.broker);
      const generatorCpu =
        now.generator === undefined || before.generator === undefined
          ? undefined
          : cpuFraction(before.generator, now.generator);
      const busy = (cpu: number): number =>
        ((now.system.perCpuBusySeconds[cpu] ?? 0) - (before.system.perCpuBusySeconds[cpu] ?? 0)) / seconds;
      samples.push({
        atSeconds: since(Date.now()),
        rssBytes: readRssBytes(running.pid),
        heapAfterGcMb: lastGcAfterMb,
        brokerCpu,
        ...(args.cpus === undefined || generatorCpu === undefined
          ? {}
          : {
              otherOnBrokerCpu: Math.max(0, busy(args.cpus.broker) - brokerCpu),
              otherOnGeneratorCpu: Math.max(0, busy(args.cpus.generator) - generatorCpu),
            }),
      });
      before = now;
    } catch {
      // the broker is gone; the run reports it
    }
  }, options.sampleSeconds * 1000);
  const spec: LoadSpec = {
    host: running.host,
    port: running.port,
    brokerPid: running.pid,
    clockTicksPerSecond: args.ticks,
    ...(args.cpus === undefined ? {} : { pinnedCpus: args.cpus }),
    warmupSeconds: 0,
    durationSeconds: options.durationSeconds,
    stallMs: 2000,
    workload,
  };
  const message = await runGenerator({
    root: args.root,
    cpu: args.cpus?.generator,
    spec,
    onSpawn: (pid) => (generatorPid = pid),
  });
  clearInterval(timer);
  await sleep(5000);
  const rssAfterClientsLeftBytes = readRssBytes(running.pid);
  const died = running.exit;
  await running.stop();
  // The GC lines are noise in an error report; keep only the rest of the broker's output.
  const output = running.output.text
    .split("\n")
    .filter((line) => !/ ms: (Scavenge|Mark-Compact|Minor)/.test(line))
    .join("\n")
    .trim();
  const common = {
    ...base,
    ...(output === "" ? {} : { brokerOutput: output }),
    samples,
    fullGcs,
    ...(rssAfterClientsLeftBytes === undefined ? {} : { rssAfterClientsLeftBytes }),
  };
  if (message.kind === "error" || died !== undefined || message.result.kind !== "soak") {
    const error = [
      message.kind === "error" ? message.message : "",
      message.kind === "result" && message.result.kind !== "soak" ? "the generator ran another workload" : "",
      died === undefined ? "" : `broker ${died}`,
    ]
      .filter((r) => r !== "")
      .join("; ");
    log(`  FAILED: ${error}`);
    return { ...common, error };
  }
  const half = options.durationSeconds / 2;
  const rssTrendMb = trend(
    samples
      .filter((s) => s.atSeconds >= half && s.rssBytes !== undefined)
      .map((s) => [s.atSeconds, s.rssBytes! / 2 ** 20] as const),
  );
  const secondHalfGcs = fullGcs.filter((g) => g.atSeconds >= half);
  const heapTrendMb = trend(secondHalfGcs.map((g) => [g.atSeconds, g.afterMb] as const));
  const rssAfterFullGcTrendMb = trend(
    secondHalfGcs.flatMap((g) => {
      const next = samples.find((s) => s.atSeconds >= g.atSeconds && s.rssBytes !== undefined);
      return next === undefined ? [] : [[next.atSeconds, next.rssBytes! / 2 ** 20] as const];
    }),
  );
  const grows = broker.node
    ? heapTrendMb === undefined
      ? undefined
      : heapTrendMb.grows || rssAfterFullGcTrendMb?.grows === true
    : rssTrendMb?.grows;
  return {
    ...common,
    result: message.result,
    ...(rssTrendMb === undefined ? {} : { rssTrendMb }),
    ...(rssAfterFullGcTrendMb === undefined ? {} : { rssAfterFullGcTrendMb }),
    ...(heapTrendMb === undefined ? {} : { heapTrendMb }),
    ...(grows === undefined ? {} : { grows }),
  };
}

/** CPU times of the broker, of the generator (once it runs) and of each CPU, at one moment. */
function readAll(
  brokerPid: number,
  generatorPid: number | undefined,
  ticks: number,
): { broker: CpuSample; generator: CpuSample | undefined; system: SystemCpuSample } {
  let generator: CpuSample | undefined;
  try {
    generator = generatorPid === undefined ? undefined : readCpu(generatorPid, ticks);
  } catch {
    generator = undefined; // gone already
  }
  return { broker: readCpu(brokerPid, ticks), generator, system: readSystemCpu(ticks) };
}

const n = (v: number): string => Math.round(v).toLocaleString("en-US");
const mb = (bytes: number | undefined): string => (bytes === undefined ? "-" : (bytes / 2 ** 20).toFixed(1));

function describeTrend(name: string, t: Trend | undefined, unit: string): string {
  if (t === undefined) return `${name}: not enough points in the second half`;
  const sign = t.slopePerMinute >= 0 ? "+" : "";
  return (
    `${name} (${t.points} points, ${t.from.toFixed(0)}-${t.to.toFixed(0)} s): min ${t.min.toFixed(1)}, ` +
    `max ${t.max.toFixed(1)}, median ${t.median.toFixed(1)} ${unit}; fit ${sign}${t.slopePerMinute.toFixed(2)} ${unit}/min ` +
    `(${sign}${t.rise.toFixed(2)} ${unit} over the half, ${((100 * t.rise) / t.median).toFixed(1)}% of the median): ` +
    (t.grows ? "GROWS" : "no growth")
  );
}

export function formatSoak(
  reports: readonly SoakBrokerReport[],
  workload: SoakWorkload,
  options: SoakOptions,
): string {
  const lines = [
    `Soak, ${options.durationSeconds} s per broker: ${workload.publishers} publishers at ${n(workload.ratePerSecond)} msg/s in total`,
    `(QoS 0 and 1, ${workload.payloadBytes}-byte payload) to 2 steady subscribers; ${workload.connectsPerSecond} new clients/s (ids from a pool`,
    `of ${workload.clientIdPool}, ${workload.lifetimeSeconds[0]}-${workload.lifetimeSeconds[1]} s each, half persistent sessions, half leave without DISCONNECT, 1 in 20 a takeover).`,
    `Warm-up: the first half. "No growth": the fitted line rises by at most ${GROWTH_LIMIT * 100}% of the median over the second half.`,
    "",
  ];
  for (const r of reports) {
    lines.push(`${LABELS[r.broker]} ${r.version}`);
    if (r.error !== undefined) {
      lines.push(`  FAILED: ${r.error}`);
      if (r.brokerOutput !== undefined) lines.push(...r.brokerOutput.split("\n").map((l) => `    ${l}`));
      lines.push("");
      continue;
    }
    const intervals = r.result?.intervals ?? [];
    const table = [
      [
        "t s",
        "RSS MB",
        "heap MB",
        "broker CPU",
        "others b/g",
        "msg/s sent",
        "p99 ms",
        "max ms",
        "lost QoS 1/0",
        "connects/s",
        "churn clients",
        "errors",
      ],
    ];
    for (const s of r.samples) {
      // The generator's interval that ends closest to this sample.
      const i = intervals.reduce<(typeof intervals)[number] | undefined>(
        (best, x) =>
          best === undefined || Math.abs(x.atSeconds - s.atSeconds) < Math.abs(best.atSeconds - s.atSeconds)
            ? x
            : best,
        undefined,
      );
      const seconds = workload.sampleSeconds;
      table.push([
        s.atSeconds.toFixed(0),
        mb(s.rssBytes),
        s.heapAfterGcMb === undefined ? "-" : s.heapAfterGcMb.toFixed(1),
        `${Math.round(s.brokerCpu * 100)}%`,
        s.otherOnBrokerCpu === undefined || s.otherOnGeneratorCpu === undefined
          ? "-"
          : `${Math.round(s.otherOnBrokerCpu * 100)}%/${Math.round(s.otherOnGeneratorCpu * 100)}%`,
        i === undefined ? "-" : n(i.sent / seconds),
        i === undefined ? "-" : (i.p99Us / 1000).toFixed(1),
        i === undefined ? "-" : (i.maxUs / 1000).toFixed(1),
        i === undefined ? "-" : `${n(i.lostQos1)}/${n(i.lostQos0)}`,
        i === undefined ? "-" : n(i.connects / seconds),
        i === undefined ? "-" : n(i.churnConnected),
        i === undefined ? "-" : n(i.errors),
      ]);
    }
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    lines.push(...table.map((row) => `  ${row.map((cell, c) => cell.padStart(widths[c]!)).join("  ")}`));
    lines.push(`  ${describeTrend("RSS", r.rssTrendMb, "MB")}`);
    if (r.samples.some((s) => s.heapAfterGcMb !== undefined)) {
      lines.push(
        `  ${describeTrend(`heap after full GC (${r.fullGcs.length} full GCs in all)`, r.heapTrendMb, "MB")}`,
        `  ${describeTrend("RSS right after full GCs", r.rssAfterFullGcTrendMb, "MB")}`,
      );
    }
    const judgedOn = r.samples.some((s) => s.heapAfterGcMb !== undefined)
      ? "judged on the heap after full GC and the RSS right after them: plain RSS is a sawtooth for a garbage-collected broker"
      : "judged on RSS";
    const verdict = r.grows === undefined ? "cannot tell (too few points)" : r.grows ? "GROWS" : "no growth";
    lines.push(`  memory after warm-up: ${verdict} (${judgedOn})`);
    const res = r.result;
    if (res !== undefined) {
      lines.push(
        `  traffic: ${n(res.sent)} published, ${n(res.received)} received by the steady subscribers ` +
          `(p50 ${(res.latency.p50Us / 1000).toFixed(2)} ms, p99 ${(res.latency.p99Us / 1000).toFixed(2)} ms); ` +
          `lost QoS 1: ${n(res.lostQos1)}, lost QoS 0: ${n(res.lostQos0)}; ${n(res.connects)} churn connects, ${n(res.errors)} errors`,
      );
      if (res.failures.length > 0) lines.push(`  first errors: ${res.failures.join("; ")}`);
    }
    lines.push(`  RSS 5 s after the load generator left: ${mb(r.rssAfterClientsLeftBytes)} MB`, "");
  }
  return lines.join("\n");
}
