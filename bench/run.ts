/**
 * `npm run bench`: the macro benchmark of Switchboard against Aedes and Mosquitto (see bench/README.md).
 *
 * For each round, each scenario, each broker (alternating, so slow drifts of the machine hit all brokers
 * alike): start a fresh broker pinned to CPU 0, run the load generator pinned to CPU 1 in its own process,
 * stop the broker. Then print the medians per scenario and broker and write every run to
 * bench/results/<timestamp>.json.
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { join, resolve } from "node:path";
import {
  BROKER_FAMILY,
  BROKER_IDS,
  type BrokerId,
  type BrokerUnderTest,
  createBrokers,
} from "./brokers/brokers.js";
import { BrokerProcess } from "./lib/broker-process.js";
import { runGenerator } from "./lib/generator-process.js";
import { type BenchOptions, DEFAULT_DURATION_SECONDS, HELP, parseOptions } from "./lib/options.js";
import { clockTicksPerSecond, hasTaskset } from "./lib/proc.js";
import { headlineOf } from "./lib/metrics.js";
import { summarizeProfile } from "./lib/profile.js";
import { formatSummary, type RunRecord, summarize } from "./lib/report.js";
import { runSoak } from "./lib/soak.js";
import type { LoadResult, LoadSpec, Workload } from "./lib/types.js";
import { waitForQuiet } from "./lib/quiet.js";
import { brokersOf, type Scenario, scenarios } from "./scenarios.js";

const ROOT = resolve(import.meta.dirname, "..");
const BROKER_CPU = 0;
const GENERATOR_CPU = 1;

interface Context {
  readonly options: BenchOptions;
  readonly pinned: boolean;
  readonly ticks: number;
  /** Where CPU profiles go (`--profile`). */
  readonly profileDir: string;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function workloadFor(scenario: Scenario, options: BenchOptions): Workload {
  const w = scenario.workload;
  return options.window === undefined || w.kind !== "closed-loop" ? w : { ...w, window: options.window };
}

/** Time the generator may take besides warm-up + window: connecting thousands of clients, a storm. */
function slackMsFor(workload: Workload): number {
  switch (workload.kind) {
    case "connection-storm":
      return workload.timeoutSeconds * 1000 + 30_000;
    case "idle-connections":
      return 180_000;
    default:
      return 30_000;
  }
}

async function runOnce(
  context: Context,
  round: number,
  scenario: Scenario,
  broker: BrokerUnderTest,
): Promise<RunRecord> {
  const { options } = context;
  const busyCoresBefore = await waitForQuiet(options, context.ticks, log);
  const startedAt = new Date().toISOString();
  const base = { round, scenario: scenario.name, broker: broker.id, startedAt, busyCoresBefore };
  const profileName = `${scenario.name}-${broker.id}-r${round}.cpuprofile`;
  const profiling = options.profile && BROKER_FAMILY[broker.id] === "sb";
  const brokerSpawnMs = Date.now();
  let running: BrokerProcess;
  try {
    running = await BrokerProcess.start(broker, {
      cpu: context.pinned ? BROKER_CPU : undefined,
      openFiles: scenario.openFiles,
      nodeFlags: profiling
        ? ["--cpu-prof", `--cpu-prof-dir=${context.profileDir}`, `--cpu-prof-name=${profileName}`]
        : [],
    });
  } catch (error) {
    return { ...base, error: (error as Error).message, noisy: false };
  }
  const workload = workloadFor(scenario, options);
  const spec: LoadSpec = {
    host: running.host,
    port: running.port,
    brokerPid: running.pid,
    clockTicksPerSecond: context.ticks,
    ...(context.pinned ? { pinnedCpus: { broker: BROKER_CPU, generator: GENERATOR_CPU } } : {}),
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds ?? scenario.durationSeconds ?? DEFAULT_DURATION_SECONDS,
    stallMs: options.stallMs,
    workload,
    ...(broker.clientAuth === undefined ? {} : { clientAuth: broker.clientAuth() }),
  };
  // The profile summary leaves out the broker's start-up and the warm-up.
  const skipMs =
    Date.now() -
    brokerSpawnMs +
    (workload.kind === "closed-loop" || workload.kind === "fixed-rate" ? spec.warmupSeconds * 1000 : 0);
  const message = await runGenerator({
    root: ROOT,
    cpu: context.pinned ? GENERATOR_CPU : undefined,
    spec,
    openFiles: scenario.openFiles,
    slackMs: slackMsFor(workload),
  });
  const died = running.exit;
  const dataBytes = running.dataBytes();
  // A profiled broker writes its profile on the way out, which takes a moment for a big one.
  await running.stop(profiling ? 60_000 : 3000);
  const dataBytesAtExit = running.dataBytesAtExit;
  const output = running.output.text.trim();
  const extra = {
    ...(output === "" ? {} : { brokerOutput: output }),
    ...(profiling ? profileOf(join(context.profileDir, profileName), skipMs) : {}),
  };
  if (message.kind === "error" || died !== undefined) {
    const reason = [
      message.kind === "error" ? message.message : "",
      died === undefined ? "" : `broker ${died}`,
    ];
    return { ...base, ...extra, error: reason.filter((r) => r !== "").join("; "), noisy: false };
  }
  const result = {
    ...message.result,
    ...(dataBytes === undefined ? {} : { brokerDataBytes: dataBytes }),
    ...(dataBytesAtExit === undefined ? {} : { brokerDataBytesAtExit: dataBytesAtExit }),
  };
  return { ...base, ...extra, result, noisy: noise(result) > options.noiseCores };
}

function profileOf(file: string, skipMs: number): Pick<RunRecord, "profile"> {
  if (!existsSync(file)) return { profile: { file, top: ["(no profile written)"] } };
  const summary = summarizeProfile(file, 12, skipMs);
  return {
    profile: {
      file,
      top: [
        `after the first ${(skipMs / 1000).toFixed(1)} s (start-up, warm-up): busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s; by area:`,
        ...summary.areas.map((a) => `  ${a}`),
        "top functions (self time):",
        ...summary.top.map((t) => `  ${t}`),
      ],
    },
  };
}

/** Other processes' CPU that competed with ours: on our two CPUs when pinned, else machine-wide. */
function noise(result: LoadResult): number {
  const pinned = result.otherOnPinnedCpus;
  return pinned === undefined ? result.otherCpu : Math.max(pinned.broker, pinned.generator);
}

function describeRun(record: RunRecord, scenario: Scenario): string {
  const r = record.result;
  if (r === undefined) return `FAILED: ${record.error ?? "unknown error"}`;
  const n = (v: number): string => Math.round(v).toLocaleString("en-US");
  const ms = (us: number): string => `${(us / 1000).toFixed(2)} ms`;
  const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const kb = (bytes: number): string => `${n(bytes / 1024)} KB`;
  const parts: string[] = [];
  switch (r.kind) {
    case undefined:
    case "closed-loop": {
      const headline = headlineOf(scenario.workload);
      const value = headline.value(r);
      parts.push(`${value === undefined ? "-" : n(value)} ${headline.header}`);
      // publishes/s: say how many messages they made at the subscriber
      if (headline.header === "publishes/s") parts.push(`${n(r.receivedPerSecond)} msg/s received`);
      parts.push(`p50 ${ms(r.latency.p50Us)}`, `p99 ${ms(r.latency.p99Us)}`);
      if (r.lost > 0 || r.stalls > 0) parts.push(`lost ${r.lost}, stalls ${r.stalls}`);
      break;
    }
    case "fixed-rate":
      parts.push(
        `${n(r.sentPerSecond)} msg/s sent`,
        `p50 ${n(r.latency.p50Us)} µs`,
        `p99 ${n(r.latency.p99Us)} µs`,
        `p99.9 ${n(r.latency.p999Us)} µs`,
        `max ${n(r.latency.maxUs)} µs`,
      );
      if (r.lost > 0) parts.push(`lost ${r.lost}`);
      break;
    case "idle-connections":
      parts.push(
        `${r.bytesPerConnection === undefined ? "-" : n(r.bytesPerConnection)} bytes/connection`,
        `RSS ${(r.rssBeforeBytes / 2 ** 20).toFixed(1)} -> ${(r.rssAfterBytes / 2 ** 20).toFixed(1)} MB`,
        `${n(r.connected)}/${n(r.clients)} connected in ${r.connectSeconds.toFixed(2)} s`,
      );
      if (r.failed > 0) parts.push(`${r.failed} failed: ${r.failures.join("; ")}`);
      break;
    case "connection-storm":
      parts.push(
        `last CONNACK after ${r.lastConnackSeconds === undefined ? "-" : r.lastConnackSeconds.toFixed(3)} s`,
        `${n(r.connected)}/${n(r.clients)} connected, ${r.refused} refused, ${r.failed} failed`,
        `p50 ${ms(r.connackLatency.p50Us)}`,
        `p99 ${ms(r.connackLatency.p99Us)}`,
      );
      if (r.failures.length > 0) parts.push(`(${r.failures.join("; ")})`);
      break;
    case "soak":
      parts.push(`${n(r.received)} received`);
      break;
  }
  if (r.brokerDataBytes !== undefined) parts.push(`data ${kb(r.brokerDataBytes)}`);
  if (r.brokerDataBytesAtExit !== undefined) parts.push(`data at exit ${kb(r.brokerDataBytesAtExit)}`);
  parts.push(
    `broker CPU ${Math.round(r.brokerCpu * 100)}%`,
    `RSS ${r.brokerRssBytes === undefined ? "-" : mb(r.brokerRssBytes)}`,
    `gen CPU ${Math.round(r.generatorCpu * 100)}%`,
    r.otherOnPinnedCpus === undefined
      ? `other CPU ${Math.round(r.otherCpu * 100)}%${record.noisy ? " (noisy)" : ""}`
      : `others on CPU ${BROKER_CPU}/${GENERATOR_CPU} ${Math.round(r.otherOnPinnedCpus.broker * 100)}%/${Math.round(r.otherOnPinnedCpus.generator * 100)}%${record.noisy ? " (noisy)" : ""}`,
  );
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

/**
 * The summary table of a results file written earlier, with the current formatting. Scenarios keep the
 * workload they ran with; targets and baselines come from today's definitions when the file has none.
 */
function reprint(file: string): string {
  const saved = JSON.parse(readFileSync(file, "utf8")) as {
    readonly date: string;
    readonly command: string;
    readonly options: { readonly brokers: readonly BrokerId[] };
    readonly scenarios: readonly Partial<Scenario>[];
    readonly runs: readonly RunRecord[];
  };
  const used = saved.scenarios.map((s): Scenario => {
    const today = scenarios.find((t) => t.name === s.name);
    return { ...today, ...s, targets: s.targets ?? today?.targets ?? [] } as Scenario;
  });
  const summary = summarize({ scenarios: used, brokers: saved.options.brokers, runs: saved.runs });
  return `${saved.date}: ${saved.command}\n\n${formatSummary(summary, used)}${formatProfiles(saved.runs)}`;
}

/** The first profile of each scenario (`--profile`), after the table. */
function formatProfiles(runs: readonly RunRecord[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const run of runs) {
    const key = `${run.scenario}|${run.broker}`;
    if (run.profile === undefined || seen.has(key)) continue;
    seen.add(key);
    lines.push(`Profile of ${run.broker}, ${run.scenario} round ${run.round} (${run.profile.file}):`);
    lines.push(...run.profile.top.map((t) => `  ${t}`), "");
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseOptions(argv);
  switch (parsed.kind) {
    case "help":
      process.stdout.write(HELP);
      return 0;
    case "list": {
      const width = Math.max(...scenarios.map((s) => s.name.length));
      for (const s of scenarios) process.stdout.write(`${s.name.padEnd(width)}  ${s.summary}\n`);
      process.stdout.write(
        `${"soak".padEnd(width)}  npm run bench -- soak: steady load with client churn, memory sampled\n`,
      );
      return 0;
    }
    case "report":
      process.stdout.write(reprint(parsed.file));
      return 0;
    case "error":
      process.stderr.write(`${parsed.message}\nRun "npm run bench -- --help" for usage.\n`);
      return 2;
    case "run":
    case "soak":
      break;
  }
  if (process.platform !== "linux") {
    process.stderr.write("The benchmark needs Linux (/proc, taskset)\n");
    return 2;
  }
  const pinned = hasTaskset() && cpus().length >= 2;
  if (!pinned)
    log("WARNING: taskset or a second CPU is missing: running unpinned, figures are not comparable");
  // The brokers some selected scenario runs on (or the soak's), each prepared once.
  const ids =
    parsed.kind === "soak"
      ? parsed.options.brokers
      : BROKER_IDS.filter((id) =>
          parsed.options.scenarios.some((s) => brokersOf(s, parsed.options.brokers).includes(id)),
        );
  const brokers = createBrokers(ids, ROOT, parsed.options.build);
  try {
    for (const broker of brokers) {
      log(`Preparing ${broker.label}...`);
      broker.prepare();
    }
    const versions = Object.fromEntries(brokers.map((b) => [b.id, b.version()]));
    log(`Versions: ${JSON.stringify(versions)}`);
    const header = {
      command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
      machine: machine(),
      pinning: pinned ? { broker: BROKER_CPU, generator: GENERATOR_CPU } : null,
      versions,
    };
    if (parsed.kind === "soak") {
      return await runSoak({
        root: ROOT,
        options: parsed.options,
        brokers,
        cpus: pinned ? { broker: BROKER_CPU, generator: GENERATOR_CPU } : undefined,
        ticks: clockTicksPerSecond(),
        header,
        log,
      });
    }
    return await runRounds(parsed.options, brokers, pinned, header);
  } finally {
    for (const broker of brokers) broker.cleanup();
  }
}

async function runRounds(
  options: BenchOptions,
  brokers: readonly BrokerUnderTest[],
  pinned: boolean,
  header: Record<string, unknown>,
): Promise<number> {
  const date = new Date();
  const stamp = date.toISOString().replace(/[:.]/g, "-");
  const outDir = resolve(ROOT, options.outDir);
  const profileDir = join(outDir, `profiles-${stamp}`);
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const context: Context = { options, pinned, ticks: clockTicksPerSecond(), profileDir };
  const runs: RunRecord[] = [];
  const plan = options.scenarios.map((scenario) => ({
    scenario,
    brokers: brokersOf(scenario, options.brokers).map((id) => brokers.find((b) => b.id === id)!),
  }));
  for (const p of plan) {
    if (p.brokers.length === 0) log(`Skipping ${p.scenario.name}: none of its brokers is selected`);
  }
  const total = options.rounds * plan.reduce((sum, p) => sum + p.brokers.length, 0);
  for (let round = 1; round <= options.rounds; round++) {
    for (const { scenario, brokers: scenarioBrokers } of plan) {
      for (const broker of scenarioBrokers) {
        log(`[${runs.length + 1}/${total}] round ${round} ${scenario.name} ${broker.label}`);
        const record = await runOnce(context, round, scenario, broker);
        runs.push(record);
        log(`  ${describeRun(record, scenario)}`);
      }
    }
  }

  const summary = summarize({ scenarios: options.scenarios, brokers: options.brokers, runs });
  process.stdout.write(`\n${formatSummary(summary, options.scenarios)}${formatProfiles(runs)}`);
  const file = join(outDir, `${stamp}.json`);
  mkdirSync(outDir, { recursive: true });
  const report = {
    date: date.toISOString(),
    ...header,
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
