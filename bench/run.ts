/**
 * `npm run bench`: the macro benchmark of Switchboard against Aedes and Mosquitto (see bench/README.md).
 *
 * For each round, each scenario, each broker (alternating, so slow drifts of the machine hit all brokers
 * alike): start a fresh broker pinned to CPU 0, run the load generator pinned to CPU 1 in its own process,
 * stop the broker. Then print the medians per scenario and broker and write every run to
 * bench/results/<timestamp>.json.
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type BrokerId, brokerUnderTest, type BrokerUnderTest } from "./brokers/brokers.js";
import { BrokerProcess } from "./lib/broker-process.js";
import { runGenerator } from "./lib/generator-process.js";
import { type BenchOptions, HELP, parseOptions } from "./lib/options.js";
import { clockTicksPerSecond, hasTaskset, measureBusyCores } from "./lib/proc.js";
import { formatSummary, type RunRecord, summarize } from "./lib/report.js";
import type { LoadResult, LoadSpec, Workload } from "./lib/types.js";
import { type Scenario, scenarios } from "./scenarios.js";

const ROOT = resolve(import.meta.dirname, "..");
const BROKER_CPU = 0;
const GENERATOR_CPU = 1;

interface Context {
  readonly options: BenchOptions;
  readonly pinned: boolean;
  readonly ticks: number;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Waits (up to the configured time) until the machine is idle before a run; returns the busy cores seen. */
async function waitForQuiet(context: Context): Promise<number> {
  const deadline = Date.now() + context.options.quietWaitSeconds * 1000;
  let busy = await measureBusyCores(500, context.ticks);
  let warned = false;
  while (busy > context.options.noiseCores && Date.now() < deadline) {
    if (!warned) log(`  machine busy (${busy.toFixed(2)} cores used by other processes): waiting...`);
    warned = true;
    await sleep(1000);
    busy = await measureBusyCores(500, context.ticks);
  }
  if (busy > context.options.noiseCores)
    log(`  still busy (${busy.toFixed(2)} cores): running anyway, flagged`);
  return busy;
}

function workloadFor(scenario: Scenario, options: BenchOptions): Workload {
  const w = scenario.workload;
  return options.window === undefined ? w : { ...w, window: options.window };
}

async function runOnce(
  context: Context,
  round: number,
  scenario: Scenario,
  broker: BrokerUnderTest,
): Promise<RunRecord> {
  const { options } = context;
  const busyCoresBefore = await waitForQuiet(context);
  const startedAt = new Date().toISOString();
  const base = { round, scenario: scenario.name, broker: broker.id, startedAt, busyCoresBefore };
  let running: BrokerProcess;
  try {
    running = await BrokerProcess.start(broker, {
      cpu: context.pinned ? BROKER_CPU : undefined,
    });
  } catch (error) {
    return { ...base, error: (error as Error).message, noisy: false };
  }
  const spec: LoadSpec = {
    host: running.host,
    port: running.port,
    brokerPid: running.pid,
    clockTicksPerSecond: context.ticks,
    ...(context.pinned ? { pinnedCpus: { broker: BROKER_CPU, generator: GENERATOR_CPU } } : {}),
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    stallMs: options.stallMs,
    workload: workloadFor(scenario, options),
  };
  const message = await runGenerator({
    root: ROOT,
    cpu: context.pinned ? GENERATOR_CPU : undefined,
    spec,
  });
  const died = running.exit;
  await running.stop();
  const output = running.output.text.trim();
  const extra = output === "" ? {} : { brokerOutput: output };
  if (message.kind === "error" || died !== undefined) {
    const reason = [
      message.kind === "error" ? message.message : "",
      died === undefined ? "" : `broker ${died}`,
    ];
    return { ...base, ...extra, error: reason.filter((r) => r !== "").join("; "), noisy: false };
  }
  const result = message.result;
  return { ...base, ...extra, result, noisy: noise(result) > options.noiseCores };
}

/** Other processes' CPU that competed with ours: on our two CPUs when pinned, else machine-wide. */
function noise(result: LoadResult): number {
  const pinned = result.otherOnPinnedCpus;
  return pinned === undefined ? result.otherCpu : Math.max(pinned.broker, pinned.generator);
}

function describeRun(record: RunRecord): string {
  const r = record.result;
  if (r === undefined) return `FAILED: ${record.error ?? "unknown error"}`;
  const parts = [
    `${Math.round(r.receivedPerSecond).toLocaleString("en-US")} msg/s`,
    `p50 ${(r.latency.p50Us / 1000).toFixed(2)} ms`,
    `p99 ${(r.latency.p99Us / 1000).toFixed(2)} ms`,
    `broker CPU ${Math.round(r.brokerCpu * 100)}%`,
    `gen CPU ${Math.round(r.generatorCpu * 100)}%`,
    r.otherOnPinnedCpus === undefined
      ? `other CPU ${Math.round(r.otherCpu * 100)}%${record.noisy ? " (noisy)" : ""}`
      : `others on CPU ${BROKER_CPU}/${GENERATOR_CPU} ${Math.round(r.otherOnPinnedCpus.broker * 100)}%/${Math.round(r.otherOnPinnedCpus.generator * 100)}%${record.noisy ? " (noisy)" : ""}`,
  ];
  if (r.lost > 0 || r.stalls > 0) parts.push(`lost ${r.lost}, stalls ${r.stalls}`);
  return parts.join(", ");
}

function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? "unknown",
    cpus: cpu.length,
    kernel: release(),
    node: process.version,
    loadavg: loadavg(),
  };
}

/** The summary table of a results file written earlier, with the current formatting. */
function reprint(file: string): string {
  const saved = JSON.parse(readFileSync(file, "utf8")) as {
    readonly date: string;
    readonly command: string;
    readonly options: { readonly scenarios: readonly string[]; readonly brokers: readonly BrokerId[] };
    readonly runs: readonly RunRecord[];
  };
  const summary = summarize({
    scenarios: saved.options.scenarios,
    brokers: saved.options.brokers,
    runs: saved.runs,
  });
  return `${saved.date}: ${saved.command}\n\n${formatSummary(summary)}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseOptions(argv);
  switch (parsed.kind) {
    case "help":
      process.stdout.write(HELP);
      return 0;
    case "list":
      for (const s of scenarios) process.stdout.write(`${s.name.padEnd(14)} ${s.summary}\n`);
      return 0;
    case "report":
      process.stdout.write(reprint(parsed.file));
      return 0;
    case "error":
      process.stderr.write(`${parsed.message}\nRun "npm run bench -- --help" for usage.\n`);
      return 2;
    case "run":
      break;
  }
  const { options } = parsed;
  if (process.platform !== "linux") {
    process.stderr.write("The benchmark needs Linux (/proc, taskset)\n");
    return 2;
  }
  const pinned = hasTaskset() && cpus().length >= 2;
  if (!pinned)
    log("WARNING: taskset or a second CPU is missing: running unpinned, figures are not comparable");
  const context: Context = { options, pinned, ticks: clockTicksPerSecond() };

  const brokers = options.brokers.map((id) => brokerUnderTest(id, ROOT));
  for (const broker of brokers) {
    if (broker.id !== "sb" || options.build) {
      log(`Preparing ${broker.label}...`);
      broker.prepare();
    }
  }
  const versions = Object.fromEntries(brokers.map((b) => [b.id, b.version()]));
  log(`Versions: ${JSON.stringify(versions)}`);

  const runs: RunRecord[] = [];
  const total = options.rounds * options.scenarios.length * brokers.length;
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of options.scenarios) {
      for (const broker of brokers) {
        log(`[${runs.length + 1}/${total}] round ${round} ${scenario.name} ${broker.label}`);
        const record = await runOnce(context, round, scenario, broker);
        runs.push(record);
        log(`  ${describeRun(record)}`);
      }
    }
  }

  const summary = summarize({
    scenarios: options.scenarios.map((s) => s.name),
    brokers: options.brokers,
    runs,
  });
  process.stdout.write(`\n${formatSummary(summary)}`);
  const date = new Date();
  const file = join(resolve(ROOT, options.outDir), `${date.toISOString().replace(/[:.]/g, "-")}.json`);
  mkdirSync(resolve(ROOT, options.outDir), { recursive: true });
  const report = {
    date: date.toISOString(),
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    machine: machine(),
    pinning: pinned ? { broker: BROKER_CPU, generator: GENERATOR_CPU } : null,
    versions,
    options: { ...options, scenarios: options.scenarios.map((s) => s.name) },
    scenarios: options.scenarios,
    summary,
    runs,
  };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`Results written to ${file}\n`);
  return runs.some((r) => r.result === undefined) ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
