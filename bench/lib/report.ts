/**
 * From individual runs to the published figures: medians per scenario and broker, ratios, target
 * verdicts, and the text table printed at the end of `npm run bench`.
 * @module
 */

import { BROKER_LABELS, type BrokerId } from "../brokers/brokers.js";
import { brokersOf, type Scenario, type Target } from "../scenarios.js";
import { COMMON_COLUMNS, columnsOf, DATA_COLUMNS, type Figure, headlineOf, int } from "./metrics.js";
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
  /** Where the broker's CPU profile went, and its top entries (`--profile`). */
  readonly profile?: { readonly file: string; readonly top: readonly string[] };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface SummaryRow {
  readonly broker: BrokerId;
  readonly runs: number;
  /** Runs that produced no result (the broker or the generator failed). */
  readonly failed: number;
  readonly noisy: number;
  /** Closed loop: runs where the load generator used more than 90% of its core. */
  readonly generatorBound: number;
  /**
   * Closed loop: the generator-bound runs in which the broker used less than 90% of its core: the broker
   * had time to spare, so the figure is what the generator could drive, a lower bound of the broker's.
   */
  readonly generatorLimited: number;
  /** The headline figure over the runs that have one. */
  readonly headline: Spread;
  /** Medians of the scenario's other columns and the common ones, by column header. */
  readonly medians: Readonly<Record<string, number>>;
  /** Medians of other processes' use of the broker's and the generator's CPU (NaN when unpinned). */
  readonly otherOnBrokerCpu: number;
  readonly otherOnGeneratorCpu: number;
  readonly otherCpu: number;
  /** What went wrong in runs whose figure cannot be compared (losses, refused or failed clients). */
  readonly problems: readonly string[];
}

export type Verdict = "met" | "not met" | "unknown";

export interface TargetVerdict {
  readonly target: string;
  readonly verdict: Verdict;
  /** The figure the verdict rests on, or why there is none. */
  readonly detail: string;
}

export interface ScenarioSummary {
  readonly scenario: string;
  readonly summary: string;
  /** Name of the headline figure and which way is better. */
  readonly headline: { readonly name: string; readonly header: string; readonly higherIsBetter: boolean };
  /** One per broker the scenario ran on, in its order. */
  readonly rows: readonly SummaryRow[];
  /** The broker the targets and ratios are about (Switchboard, or one of its variants). */
  readonly subject: BrokerId;
  /** The issue the targets come from. */
  readonly issue: number;
  /**
   * The subject's median headline figure divided by each other broker's, by that broker; missing when
   * either figure is missing or was not clean (lost messages, refused clients).
   */
  readonly ratios: Partial<Record<BrokerId, number>>;
  /** Each broker's median over its own median in the baseline scenario. */
  readonly baseline?: { readonly scenario: string; readonly ratios: Partial<Record<BrokerId, number>> };
  readonly targets: readonly TargetVerdict[];
  /** All targets met, any not met, or else unknown; "none" without targets. */
  readonly verdict: Verdict | "none";
}

/** Generator CPU (fraction of its core) above which a closed-loop run counts as limited by the generator. */
export const GENERATOR_BOUND = 0.9;
/** Broker CPU below which a generator-bound run's broker had time to spare (see `generatorLimited`). */
export const BROKER_SATURATED = 0.9;

export const LABELS: Readonly<Record<BrokerId, string>> = BROKER_LABELS;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: readonly number[]): Spread {
  return values.length === 0
    ? { median: Number.NaN, min: Number.NaN, max: Number.NaN }
    : { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** The values that are numbers (results read back from JSON have null where NaN was written). */
function defined(values: readonly (number | undefined | null)[]): number[] {
  return values.filter((v): v is number => v !== undefined && v !== null && !Number.isNaN(v));
}

function summarizeRow(scenario: Scenario, broker: BrokerId, runs: readonly RunRecord[]): SummaryRow {
  const results = runs.flatMap((r) => (r.result === undefined ? [] : [r.result]));
  const headline = headlineOf(scenario.workload);
  const medians: Record<string, number> = {};
  for (const figure of [...columnsOf(scenario.workload), ...COMMON_COLUMNS, ...DATA_COLUMNS]) {
    medians[figure.header] = median(defined(results.map((r) => figure.value(r))));
  }
  const pinned = results.flatMap((r) => (r.otherOnPinnedCpus ? [r.otherOnPinnedCpus] : []));
  return {
    broker,
    runs: runs.length,
    failed: runs.length - results.length,
    noisy: runs.filter((r) => r.noisy).length,
    generatorBound:
      scenario.workload.kind === "closed-loop"
        ? results.filter((r) => r.generatorCpu > GENERATOR_BOUND).length
        : 0,
    generatorLimited:
      scenario.workload.kind === "closed-loop"
        ? results.filter((r) => r.generatorCpu > GENERATOR_BOUND && r.brokerCpu < BROKER_SATURATED).length
        : 0,
    headline: spread(defined(results.map((r) => headline.value(r)))),
    medians,
    otherOnBrokerCpu: median(pinned.map((p) => p.broker)),
    otherOnGeneratorCpu: median(pinned.map((p) => p.generator)),
    otherCpu: median(results.map((r) => r.otherCpu)),
    problems: results.filter((r) => !headline.clean(r)).map((r) => headline.problems(r)),
  };
}

/** A row's median when every run produced a clean figure; else undefined (no ratio for it). */
function cleanMedian(row: SummaryRow | undefined): number | undefined {
  if (row === undefined || row.runs === 0 || row.failed > 0 || row.problems.length > 0) return undefined;
  const value = row.headline.median;
  return Number.isNaN(value) || value === 0 ? undefined : value;
}

/**
 * Medians, ratios and verdicts per scenario. `brokers` is the `--brokers` selection: each scenario has a
 * row for each of its brokers that the selection keeps (`brokersOf`).
 */
export function summarize(options: {
  readonly scenarios: readonly Scenario[];
  readonly brokers: readonly BrokerId[];
  readonly runs: readonly RunRecord[];
}): ScenarioSummary[] {
  const rowsOf = new Map<string, SummaryRow[]>();
  for (const scenario of options.scenarios) {
    rowsOf.set(
      scenario.name,
      brokersOf(scenario, options.brokers).map((broker) =>
        summarizeRow(
          scenario,
          broker,
          options.runs.filter((r) => r.scenario === scenario.name && r.broker === broker),
        ),
      ),
    );
  }
  return options.scenarios.map((scenario) => {
    const rows = rowsOf.get(scenario.name)!;
    const headline = headlineOf(scenario.workload);
    const subject = scenario.subject ?? "sb";
    const subjectRow = rows.find((r) => r.broker === subject);
    const own = cleanMedian(subjectRow);
    const ratios: Partial<Record<BrokerId, number>> = {};
    for (const row of rows) {
      const other = cleanMedian(row);
      if (row.broker !== subject && own !== undefined && other !== undefined)
        ratios[row.broker] = own / other;
    }
    let baseline: ScenarioSummary["baseline"];
    const baseRows = scenario.baseline === undefined ? undefined : rowsOf.get(scenario.baseline);
    if (scenario.baseline !== undefined && baseRows !== undefined) {
      const byBroker: Partial<Record<BrokerId, number>> = {};
      for (const row of rows) {
        const value = cleanMedian(row);
        const base = cleanMedian(baseRows.find((r) => r.broker === row.broker));
        if (value !== undefined && base !== undefined) byBroker[row.broker] = value / base;
      }
      baseline = { scenario: scenario.baseline, ratios: byBroker };
    }
    const context: JudgeContext = {
      headline,
      subject,
      subjectRow,
      own,
      ratios,
      rows,
      rowsOf,
    };
    const targets = scenario.targets.map((t) => judge(t, context));
    return {
      scenario: scenario.name,
      summary: scenario.summary,
      headline: { name: headline.name, header: headline.header, higherIsBetter: headline.higherIsBetter },
      rows,
      subject,
      issue: scenario.issue ?? 6,
      ratios,
      ...(baseline === undefined ? {} : { baseline }),
      targets,
      verdict:
        targets.length === 0
          ? "none"
          : targets.some((t) => t.verdict === "not met")
            ? "not met"
            : targets.every((t) => t.verdict === "met")
              ? "met"
              : "unknown",
    };
  });
}

interface JudgeContext {
  readonly headline: Figure & { readonly higherIsBetter: boolean; readonly name: string };
  readonly subject: BrokerId;
  readonly subjectRow: SummaryRow | undefined;
  /** The subject's clean median, if it has one. */
  readonly own: number | undefined;
  readonly ratios: Partial<Record<BrokerId, number>>;
  readonly rows: readonly SummaryRow[];
  /** Every scenario's rows (for baseline targets). */
  readonly rowsOf: ReadonlyMap<string, readonly SummaryRow[]>;
}

/** "at least" or "at most", as the headline figure's direction says. */
function bound(higherIsBetter: boolean): string {
  return higherIsBetter ? ">=" : "<=";
}

function passes(value: number, limit: number, higherIsBetter: boolean): boolean {
  return higherIsBetter ? value >= limit : value <= limit;
}

/**
 * `ratio` with two decimals, or as many more (up to six) as it takes for the text not to fall on the
 * other side of `limit` than the ratio itself: 0.3978 against 0.40 is "0.398", not "0.40" beside
 * "not met".
 */
function ratioText(ratio: number, limit: number, met: boolean, higherIsBetter: boolean): string {
  let decimals = 2;
  while (decimals < 6 && passes(Number(ratio.toFixed(decimals)), limit, higherIsBetter) !== met) decimals++;
  return ratio.toFixed(decimals);
}

/** Why a broker's figure is missing, for an "unknown" or "not met" verdict. */
function missing(row: SummaryRow | undefined): string {
  if (row === undefined || row.runs === 0) return "not run";
  if (row.failed > 0) return `${row.failed} of ${row.runs} runs failed`;
  if (row.problems.length > 0) return row.problems[0]!;
  return "no figure";
}

/** The target in words; `subject` is named when it is not plain Switchboard. */
export function describeTarget(target: Target, higherIsBetter: boolean, subject: BrokerId = "sb"): string {
  const b = bound(higherIsBetter);
  const who = subject === "sb" ? "" : `${LABELS[subject]} `;
  switch (target.kind) {
    case "ratio":
      return `${who}${b} ${target.ratio.toFixed(2)}x ${LABELS[target.against]}`;
    case "absolute":
      return `${who}${b} ${target.value.toLocaleString("en-US")} ${target.unit}`;
    case "baseline": {
      const base = target.broker ?? subject;
      const whose = base === subject ? "its own" : `${LABELS[base]}'s`;
      return `${who}${b} ${target.ratio.toFixed(2)}x ${whose} ${target.scenario} figure`;
    }
    case "no-failures":
      return `${who}no client refused or failed`;
  }
}

function judge(target: Target, c: JudgeContext): TargetVerdict {
  const up = c.headline.higherIsBetter;
  const text = describeTarget(target, up, c.subject);
  const result = (verdict: Verdict, detail: string): TargetVerdict => ({ target: text, verdict, detail });
  // The subject losing messages or clients fails any target; another broker doing so leaves it unknown.
  if (target.kind !== "no-failures" && c.own === undefined) {
    const row = c.subjectRow;
    const bad = row !== undefined && (row.failed > 0 || row.problems.length > 0);
    return result(bad ? "not met" : "unknown", `${LABELS[c.subject]}: ${missing(row)}`);
  }
  switch (target.kind) {
    case "ratio": {
      const ratio = c.ratios[target.against];
      const row = c.rows.find((r) => r.broker === target.against);
      if (ratio === undefined) return result("unknown", `${LABELS[target.against]}: ${missing(row)}`);
      return result(...ratioVerdict(ratio, target.ratio, up, c.subjectRow, row, ""));
    }
    case "absolute":
      return result(
        passes(c.own!, target.value, up) ? "met" : "not met",
        `${c.headline.format(c.own!)} ${target.unit}`,
      );
    case "baseline": {
      const broker = target.broker ?? c.subject;
      const base = cleanMedian(c.rowsOf.get(target.scenario)?.find((r) => r.broker === broker));
      if (base === undefined)
        return result("unknown", `no clean ${LABELS[broker]} figure in ${target.scenario} to compare with`);
      const ratio = c.own! / base;
      const baseRow = c.rowsOf.get(target.scenario)?.find((r) => r.broker === broker);
      return result(...ratioVerdict(ratio, target.ratio, true, c.subjectRow, baseRow, ` ${target.scenario}`));
    }
    case "no-failures": {
      const row = c.subjectRow;
      if (row === undefined || row.runs === 0) return result("unknown", `${LABELS[c.subject]} not run`);
      const bad = row.failed > 0 || row.problems.length > 0;
      return result(bad ? "not met" : "met", bad ? missing(row) : `none in ${row.runs} runs`);
    }
  }
}

/**
 * The verdict on a ratio of the subject's figure over a reference figure, and its detail. Where higher
 * is better, a figure that is mostly the load generator's limit (`generatorLimited` in most of its
 * runs) is a lower bound of what the broker could do: a ratio over such a reference is an upper bound,
 * which cannot show a target met; a ratio of such a subject is a lower bound, which cannot show one
 * missed. Either way the verdict is then unknown, and the detail says why.
 */
function ratioVerdict(
  ratio: number,
  limit: number,
  higherIsBetter: boolean,
  subject: SummaryRow | undefined,
  reference: SummaryRow | undefined,
  referenceScenario: string,
): [Verdict, string] {
  const met = passes(ratio, limit, higherIsBetter);
  const text = `${ratioText(ratio, limit, met, higherIsBetter)}x`;
  if (higherIsBetter) {
    const limited = met ? reference : subject;
    if (limited !== undefined && 2 * limited.generatorLimited > limited.runs) {
      const bound = met ? "an upper" : "a lower";
      return [
        "unknown",
        `${text}, ${bound} bound: ${LABELS[limited.broker]}'s${met ? referenceScenario : ""} figure is the ` +
          `load generator's limit (generator above ${pct(GENERATOR_BOUND)} and broker below ` +
          `${pct(BROKER_SATURATED)} of a core in ${limited.generatorLimited} of ${limited.runs} runs)`,
      ];
    }
  }
  return [met ? "met" : "not met", text];
}

/** "466k-658k" for large counts, else both ends in the figure's own format. */
function range(figure: Figure, h: Spread): string {
  if (Number.isNaN(h.min)) return "-";
  const short = (n: number): string =>
    figure.format === int && n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : figure.format(n);
  return `${short(h.min)}-${short(h.max)}`;
}
const pct = (f: number): string => (Number.isNaN(f) ? "-" : `${Math.round(f * 100)}%`);
const ratio = (r: number | undefined): string => (r === undefined ? "-" : `${r.toFixed(2)}x`);
const show = (figure: Figure, n: number | undefined): string =>
  n === undefined || Number.isNaN(n) ? "-" : figure.format(n);

const LEGEND = [
  "Medians over the rounds; min-max is the headline figure's range over the rounds. broker/gen CPU: share of one core",
  "used by the broker / the load generator; others b/g: CPU used by other processes on the broker's / the generator's",
  "core (noise); RSS: broker RSS at the end of the run; data: what the broker keeps on disk, after the run and after",
  "it stopped. Ratios are the median of Switchboard (or of the variant a scenario is about) over the other broker's.",
].join("\n");

/** The table printed after all runs (medians over the runs that produced a result). */
export function formatSummary(summaries: readonly ScenarioSummary[], scenarios: readonly Scenario[]): string {
  const lines: string[] = [LEGEND, ""];
  for (const s of summaries) {
    const scenario = scenarios.find((x) => x.name === s.scenario);
    if (scenario === undefined) continue;
    const headline = headlineOf(scenario.workload);
    const columns = [
      ...columnsOf(scenario.workload),
      ...COMMON_COLUMNS,
      // only when some broker of the scenario keeps data on disk
      ...DATA_COLUMNS.filter((c) => s.rows.some((row) => !Number.isNaN(row.medians[c.header] ?? Number.NaN))),
    ];
    const header = [
      "broker",
      `${headline.header} (median)`,
      "min-max",
      ...columns.map((c) => c.header),
      "others b/g",
      "runs",
    ];
    const table = [header];
    for (const row of s.rows) {
      const h = row.headline;
      const notes = [
        row.failed > 0 ? `${row.failed} failed` : "",
        row.noisy > 0 ? `${row.noisy} noisy` : "",
        row.generatorBound > 0 ? `${row.generatorBound} generator-bound` : "",
        row.generatorLimited > 0
          ? `${row.generatorLimited} with the broker below ${pct(BROKER_SATURATED)}`
          : "",
        row.problems.length > 0 ? `${row.problems.length} with losses/failures` : "",
      ]
        .filter((n) => n !== "")
        .join(", ");
      table.push([
        LABELS[row.broker],
        show(headline, h.median),
        range(headline, h),
        ...columns.map((c) => show(c, row.medians[c.header])),
        Number.isNaN(row.otherOnBrokerCpu)
          ? pct(row.otherCpu)
          : `${pct(row.otherOnBrokerCpu)}/${pct(row.otherOnGeneratorCpu)}`,
        `${row.runs - row.failed}/${row.runs}${notes === "" ? "" : ` (${notes})`}`,
      ]);
    }
    const better = s.headline.higherIsBetter ? "higher is better" : "lower is better";
    lines.push(`${s.scenario}: ${s.summary}`, ...alignColumns(table));
    const others = s.rows.filter((row) => row.broker !== s.subject);
    if (others.length > 0) {
      const parts = others.map(
        (row) => `${LABELS[s.subject]}/${LABELS[row.broker]} ${ratio(s.ratios[row.broker])}`,
      );
      lines.push(`  ${parts.join("   ")}  (median ${s.headline.name}; ${better})`);
    }
    if (s.baseline !== undefined) {
      const parts = s.rows.map((row) => `${LABELS[row.broker]} ${ratio(s.baseline!.ratios[row.broker])}`);
      lines.push(`  vs ${s.baseline.scenario} (own median ${s.headline.name}): ${parts.join("  ")}`);
    }
    lines.push(...problemLines(s));
    if (s.targets.length > 0) lines.push(`  target: ${formatTargets(s)}`);
    lines.push("");
  }
  const judged = summaries.filter((s) => s.verdict !== "none");
  if (judged.length > 0) {
    lines.push("Targets for Switchboard (or the variant named), by issue:");
    const width = Math.max(...judged.map((s) => s.scenario.length));
    for (const s of judged) lines.push(`  ${s.scenario.padEnd(width)}  #${s.issue}  ${formatTargets(s)}`);
    lines.push("");
  }
  return lines.join("\n");
}

export function formatTargets(s: ScenarioSummary): string {
  const parts = s.targets.map((t) => `${t.target}: ${t.detail} (${t.verdict})`);
  return `${s.verdict.toUpperCase()} - ${parts.join("; ")}`;
}

/** A broker whose figure is not comparable (losses, refused clients): say so next to the ratios. */
function problemLines(s: ScenarioSummary): string[] {
  return s.rows.flatMap((row) =>
    row.problems.length === 0
      ? []
      : [
          `  ! ${LABELS[row.broker]} (${row.problems.length} of ${row.runs} runs): ${row.problems.map(clip).join("; ")}; no ratio`,
        ],
  );
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  return rows.map((row) =>
    `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ")}`.trimEnd(),
  );
}
