/**
 * Command-line flags of `npm run bench`. Parsing returns a value (never exits) so run.ts decides what to
 * print.
 * @module
 */

import { parseArgs } from "node:util";
import { BROKER_IDS, type BrokerId, STOCK_BROKERS } from "../brokers/brokers.js";
import { type Scenario, scenarios } from "../scenarios.js";

/** The measured window of a closed-loop or fixed-rate run when neither the scenario nor --duration sets one. */
export const DEFAULT_DURATION_SECONDS = 5;
/** The soak run's length when --duration is not given. */
export const DEFAULT_SOAK_SECONDS = 180;

/**
 * The brokers the soak can run on: not the variants whose clients need credentials (sb-secure) or
 * another topic layout (sb-gooee).
 */
const SOAK_BROKERS: readonly BrokerId[] = BROKER_IDS.filter((id) => id !== "sb-secure" && id !== "sb-gooee");

export interface BenchOptions {
  readonly rounds: number;
  readonly warmupSeconds: number;
  /** --duration: overrides every scenario's own window (undefined: the scenario's, else 5 s). */
  readonly durationSeconds: number | undefined;
  readonly scenarios: readonly Scenario[];
  /**
   * The `--brokers` selection: each scenario runs on those of its brokers named here by id or by family
   * (bench/scenarios.ts `brokersOf`).
   */
  readonly brokers: readonly BrokerId[];
  /** Overrides every closed-loop scenario's window. */
  readonly window: number | undefined;
  readonly build: boolean;
  /** Seconds to wait, before each run, for the machine to be quiet; 0 disables the wait. */
  readonly quietWaitSeconds: number;
  /** Busy cores (outside our processes) above which the machine counts as noisy. */
  readonly noiseCores: number;
  readonly stallMs: number;
  readonly outDir: string;
  /** Run Switchboard under `node --cpu-prof` and summarize each profile. */
  readonly profile: boolean;
}

export interface SoakOptions {
  readonly durationSeconds: number;
  readonly sampleSeconds: number;
  readonly brokers: readonly BrokerId[];
  readonly build: boolean;
  readonly quietWaitSeconds: number;
  readonly noiseCores: number;
  readonly outDir: string;
}

export type ParsedOptions =
  | { readonly kind: "run"; readonly options: BenchOptions }
  | { readonly kind: "soak"; readonly options: SoakOptions }
  | { readonly kind: "help" }
  | { readonly kind: "list" }
  | { readonly kind: "report"; readonly file: string }
  | { readonly kind: "error"; readonly message: string };

export const HELP = `Usage: npm run bench -- [options]
       npm run bench -- soak [--duration <s>] [--sample <s>] [--brokers <a,b>]

Runs each scenario against fresh brokers (Switchboard, Aedes, Mosquitto), several rounds with the
brokers alternating, and prints the median of each figure. Broker pinned to CPU 0, load generator to
CPU 1 (taskset). Results also go to bench/results/<timestamp>.json. See bench/README.md.

"soak" instead runs one long steady load with client churn against each broker in turn (Switchboard
only unless --brokers says otherwise) and reports whether its memory grows.

Options:
  --rounds <n>          Rounds; each runs every scenario on every broker once (default 3)
  --duration <s>        Measured window per run, seconds (default: the scenario's own, else ${DEFAULT_DURATION_SECONDS});
                        for soak, the whole run (default ${DEFAULT_SOAK_SECONDS})
  --warmup <s>          Warm-up before the window, seconds (default 2)
  --quick               Smoke run: 1 round, 1 s warm-up, 3 s window (explicit flags still win)
  --profile             Run Switchboard under node --cpu-prof and print where its time went (slows it a little)
  --sample <s>          Soak: seconds between memory samples (default 5)
  --scenario <a,b>      Only these scenarios (default: all; see --list)
  --brokers <a,b>       Only these brokers: ${STOCK_BROKERS.join(",")} or the variants some scenarios
                        compare (${BROKER_IDS.filter((id) => !STOCK_BROKERS.includes(id)).join(",")});
                        a family name selects its variants too: "sb" selects sb-sqlite (default: all)
  --window <n>          Override the closed-loop window (outstanding deliveries)
  --no-build            Do not run "npm run build" before testing Switchboard (use dist/ as it is)
  --quiet-wait <s>      Before each run wait up to this long for the machine to be idle (default 60; 0 = never)
  --noise <cores>       CPU used by other processes above which a run is flagged noisy (default 0.15)
  --stall <ms>          Declare outstanding messages lost after this long without traffic (default 2000)
  --out <dir>           Where the JSON results go (default bench/results)
  --report <file>       Print the table again from a results JSON file (no runs) and exit
  --list                List the scenarios and exit
  -h, --help            Show this help and exit
`;

function positive(name: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `Option "--${name}" must be a ${integer ? "non-negative integer" : "non-negative number"}: got "${raw}"`,
    );
  }
  return value;
}

function pick<T>(name: string, raw: string | undefined, all: readonly T[], key: (item: T) => string): T[] {
  if (raw === undefined) return [...all];
  return raw.split(",").map((wanted) => {
    const found = all.find((item) => key(item) === wanted.trim());
    if (found === undefined) {
      throw new Error(
        `Option "--${name}" has unknown value "${wanted}": expected one of ${all.map(key).join(", ")}`,
      );
    }
    return found;
  });
}

export function parseOptions(argv: readonly string[]): ParsedOptions {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        rounds: { type: "string" },
        duration: { type: "string" },
        warmup: { type: "string" },
        quick: { type: "boolean" },
        scenario: { type: "string" },
        brokers: { type: "string" },
        window: { type: "string" },
        "no-build": { type: "boolean" },
        "quiet-wait": { type: "string" },
        noise: { type: "string" },
        stall: { type: "string" },
        out: { type: "string" },
        profile: { type: "boolean" },
        sample: { type: "string" },
        list: { type: "boolean" },
        report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help === true) return { kind: "help" };
    if (values.list === true) return { kind: "list" };
    if (values.report !== undefined) return { kind: "report", file: values.report };
    if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== "soak")) {
      throw new Error(`Unexpected argument "${positionals.join(" ")}": the only command is "soak"`);
    }
    const quick = values.quick === true;
    const duration =
      values.duration === undefined
        ? quick
          ? 3
          : undefined
        : positive("duration", values.duration, DEFAULT_DURATION_SECONDS, false);
    if (duration === 0) throw new Error("Option --duration must be above 0");
    const common = {
      build: values["no-build"] !== true,
      quietWaitSeconds: positive("quiet-wait", values["quiet-wait"], 60, false),
      noiseCores: positive("noise", values.noise, 0.15, false),
      outDir: values.out ?? "bench/results",
    };
    if (positionals[0] === "soak") {
      const sampleSeconds = positive("sample", values.sample, 5, false);
      if (sampleSeconds <= 0) throw new Error("Option --sample must be above 0");
      return {
        kind: "soak",
        options: {
          ...common,
          durationSeconds: duration ?? DEFAULT_SOAK_SECONDS,
          sampleSeconds,
          brokers:
            values.brokers === undefined ? ["sb"] : pick("brokers", values.brokers, SOAK_BROKERS, (b) => b),
        },
      };
    }
    const rounds = positive("rounds", values.rounds, quick ? 1 : 3, true);
    if (rounds < 1) throw new Error("Option --rounds must be above 0");
    const window = values.window === undefined ? undefined : positive("window", values.window, 0, true);
    if (window === 0) throw new Error(`Option "--window" must be at least 1`);
    return {
      kind: "run",
      options: {
        ...common,
        rounds,
        durationSeconds: duration,
        warmupSeconds: positive("warmup", values.warmup, quick ? 1 : 2, false),
        scenarios: pick("scenario", values.scenario, scenarios, (s) => s.name),
        brokers:
          values.brokers === undefined
            ? STOCK_BROKERS
            : pick("brokers", values.brokers, BROKER_IDS, (b) => b),
        window,
        stallMs: Math.max(1, positive("stall", values.stall, 2000, true)),
        profile: values.profile === true,
      },
    };
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}
