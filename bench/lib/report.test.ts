/**
 * The pure parts of the reporting: medians, ratios and target verdicts, the soak trend and the
 * `--trace-gc` parser. Not part of `npm test` (which only looks in src/ and test/); run with
 * `node --import tsx --test bench/lib/report.test.ts`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BrokerId } from "../brokers/brokers.js";
import { brokersOf, type Scenario } from "../scenarios.js";
import { formatSummary, type RunRecord, summarize } from "./report.js";
import { GcTraceParser, trend } from "./soak.js";
import type { LoadResult } from "./types.js";

const cpu = {
  windowSeconds: 5,
  brokerCpu: 0.9,
  brokerRssBytes: 100 * 2 ** 20,
  generatorCpu: 0.5,
  otherCpu: 0,
  otherOnPinnedCpus: { broker: 0, generator: 0 },
  stealCpu: 0,
};
const latency = { count: 1, meanUs: 1, p50Us: 1, p90Us: 1, p99Us: 1, p999Us: 1, maxUs: 1 };

function closedLoop(rate: number, lost = 0, load: { broker?: number; generator?: number } = {}): LoadResult {
  return {
    kind: "closed-loop",
    ...cpu,
    brokerCpu: load.broker ?? cpu.brokerCpu,
    generatorCpu: load.generator ?? cpu.generatorCpu,
    received: rate * 5,
    sent: rate * 5,
    lost,
    stalls: 0,
    outOfOrder: 0,
    receivedPerSecond: rate,
    latency,
  };
}

function run(scenario: string, broker: BrokerId, result: LoadResult, round = 1): RunRecord {
  return { round, scenario, broker, startedAt: "", busyCoresBefore: 0, result, noisy: false };
}

const throughput: Scenario = {
  name: "t",
  summary: "throughput",
  workload: {
    kind: "closed-loop",
    topology: { kind: "p2p", pairs: 2 },
    qos: 0,
    payloadBytes: 16,
    window: 10,
    publisherInflight: 1,
  },
  targets: [
    { kind: "ratio", against: "mosquitto", ratio: 1 },
    { kind: "ratio", against: "aedes", ratio: 2 },
  ],
};

/** A plain scenario and a variant's scenario whose target is a ratio of the plain one's figure. */
const plain: Scenario = { ...throughput, name: "plain", brokers: ["sb"], targets: [] };
const dialect: Scenario = {
  ...throughput,
  name: "dialect",
  brokers: ["sb-gooee"],
  subject: "sb-gooee",
  targets: [{ kind: "baseline", scenario: "plain", broker: "sb", ratio: 0.4 }],
};

test("summarize() takes medians over rounds and judges ratio targets in the figure's direction", () => {
  const runs = [
    run("t", "sb", closedLoop(300), 1),
    run("t", "sb", closedLoop(100), 2),
    run("t", "sb", closedLoop(200), 3),
    run("t", "mosquitto", closedLoop(150)),
    run("t", "aedes", closedLoop(120)),
  ];
  const [s] = summarize({ scenarios: [throughput], brokers: ["sb", "aedes", "mosquitto"], runs });
  assert.equal(s!.rows[0]!.headline.median, 200);
  assert.equal(s!.ratios.mosquitto!.toFixed(3), (200 / 150).toFixed(3));
  assert.deepEqual(
    s!.targets.map((t) => t.verdict),
    ["met", "not met"],
  );
  assert.equal(s!.verdict, "not met");
  assert.match(formatSummary([s!], [throughput]), /higher is better/);
});

test("a broker that lost messages gets no ratio: the target is unknown, or not met when it is Switchboard", () => {
  const lossy = [run("t", "sb", closedLoop(200)), run("t", "mosquitto", closedLoop(150, 10))];
  const [a] = summarize({ scenarios: [throughput], brokers: ["sb", "mosquitto"], runs: lossy });
  assert.equal(a!.ratios.mosquitto, undefined);
  assert.equal(a!.targets[0]!.verdict, "unknown");
  const sbLossy = [run("t", "sb", closedLoop(200, 5)), run("t", "mosquitto", closedLoop(150))];
  const [b] = summarize({ scenarios: [throughput], brokers: ["sb", "mosquitto"], runs: sbLossy });
  assert.equal(b!.targets[0]!.verdict, "not met");
});

test("lower-is-better figures: at most N x, absolute limits and baselines", () => {
  const idle: Scenario = {
    name: "idle",
    summary: "idle",
    workload: { kind: "idle-connections", clients: 10, qos: 1, batch: 5, settleSeconds: 0 },
    targets: [
      { kind: "absolute", value: 5000, unit: "bytes" },
      { kind: "ratio", against: "mosquitto", ratio: 2 },
    ],
  };
  const idleResult = (bytes: number): LoadResult => ({
    kind: "idle-connections",
    ...cpu,
    clients: 10,
    connected: 10,
    failed: 0,
    failures: [],
    rssBeforeBytes: 0,
    rssAfterBytes: bytes * 10,
    bytesPerConnection: bytes,
    connectSeconds: 1,
  });
  const [s] = summarize({
    scenarios: [idle],
    brokers: ["sb", "mosquitto"],
    runs: [run("idle", "sb", idleResult(4000)), run("idle", "mosquitto", idleResult(1000))],
  });
  assert.deepEqual(
    s!.targets.map((t) => t.verdict),
    ["met", "not met"],
  );
  assert.match(formatSummary([s!], [idle]), /lower is better/);

  const backlog: Scenario = { ...throughput, name: "b", baseline: "t", targets: [] };
  const withBaseline: Scenario = {
    ...backlog,
    targets: [{ kind: "baseline", scenario: "t", ratio: 0.8 }],
  };
  const [, c] = summarize({
    scenarios: [throughput, withBaseline],
    brokers: ["sb"],
    runs: [run("t", "sb", closedLoop(100)), run("b", "sb", closedLoop(75))],
  });
  assert.equal(c!.baseline!.ratios.sb, 0.75);
  assert.equal(c!.targets[0]!.verdict, "not met");
});

test("a scenario's own brokers: --brokers keeps them by id or by family", () => {
  const own = { brokers: ["sb", "sb-sqlite", "mosquitto-persist"] as const };
  assert.deepEqual(brokersOf(own, ["sb", "aedes", "mosquitto"]), ["sb", "sb-sqlite", "mosquitto-persist"]);
  assert.deepEqual(brokersOf(own, ["sb"]), ["sb", "sb-sqlite"]);
  assert.deepEqual(brokersOf(own, ["sb-sqlite", "mosquitto"]), ["sb-sqlite", "mosquitto-persist"]);
  assert.deepEqual(brokersOf({}, ["sb-sqlite"]), []);
  assert.deepEqual(brokersOf({}, ["mosquitto", "sb"]), ["sb", "mosquitto"]);
});

test("variant scenarios judge their subject: ratios against another variant, baselines on another broker", () => {
  const durable: Scenario = {
    ...throughput,
    name: "d",
    brokers: ["sb", "sb-sqlite", "mosquitto-persist"],
    subject: "sb-sqlite",
    targets: [{ kind: "ratio", against: "sb", ratio: 0.5 }],
    issue: 3,
  };
  const withData = (rate: number, bytes: number): LoadResult => ({
    ...closedLoop(rate),
    brokerDataBytes: bytes,
    brokerDataBytesAtExit: bytes / 2,
  });
  const [d] = summarize({
    scenarios: [durable],
    brokers: ["sb", "aedes", "mosquitto"],
    runs: [
      run("d", "sb", closedLoop(1000)),
      run("d", "sb-sqlite", withData(400, 3 * 2 ** 20)),
      run("d", "mosquitto-persist", withData(800, 2 ** 20)),
    ],
  });
  assert.deepEqual(
    d!.rows.map((r) => r.broker),
    ["sb", "sb-sqlite", "mosquitto-persist"],
  );
  assert.equal(d!.ratios.sb, 0.4);
  assert.equal(d!.ratios["mosquitto-persist"], 0.5);
  assert.equal(d!.targets[0]!.verdict, "not met");
  assert.match(d!.targets[0]!.target, /^Switchboard SQLite >= 0\.50x Switchboard$/);
  const table = formatSummary([d!], [durable]);
  assert.match(table, /Switchboard SQLite\/Switchboard 0\.40x/);
  assert.match(table, /data KB at exit/);
  assert.match(table, /d {2}#3 {2}NOT MET/);

  const [p, g] = summarize({
    scenarios: [plain, dialect],
    brokers: ["sb"],
    runs: [run("plain", "sb", closedLoop(100)), run("dialect", "sb-gooee", closedLoop(45))],
  });
  assert.equal(p!.verdict, "none");
  assert.equal(g!.targets[0]!.verdict, "met");
  assert.equal(g!.targets[0]!.detail, "0.45x");
  assert.doesNotMatch(formatSummary([p!], [plain]), /data KB/);
  const [, missingPlain] = summarize({
    scenarios: [plain, dialect],
    brokers: ["sb"],
    runs: [run("dialect", "sb-gooee", closedLoop(45))],
  });
  assert.equal(missingPlain!.targets[0]!.verdict, "unknown");
});

test("a ratio over a figure that is the load generator's limit cannot show a target met", () => {
  const idleBroker = { broker: 0.75, generator: 0.97 };
  const judged = (plainRate: number, dialectRate: number, plainLoad = idleBroker, dialectLoad = {}) =>
    summarize({
      scenarios: [plain, dialect],
      brokers: ["sb"],
      runs: [
        run("plain", "sb", closedLoop(plainRate, 0, plainLoad), 1),
        run("plain", "sb", closedLoop(plainRate, 0, plainLoad), 2),
        run("dialect", "sb-gooee", closedLoop(dialectRate, 0, dialectLoad)),
      ],
    })[1]!.targets[0]!;

  // the reference is a lower bound: a ratio above the target is an upper bound, so unknown ...
  const upper = judged(100, 45);
  assert.equal(upper.verdict, "unknown");
  assert.match(
    upper.detail,
    /^0\.45x, an upper bound: Switchboard's plain figure is the load generator's limit/,
  );
  assert.match(upper.detail, /in 2 of 2 runs/);
  // ... and one below it is below it all the more
  assert.equal(judged(100, 35).verdict, "not met");
  // a ratio just below the target is not printed rounded up onto it
  const close = judged(100, 39.78, { broker: 0.97, generator: 0.95 });
  assert.equal(close.verdict, "not met");
  assert.equal(close.detail, "0.398x");
  // a generator near its limit while the broker is saturated too: the figure stands
  assert.equal(judged(100, 45, { broker: 0.97, generator: 0.95 }).verdict, "met");
  // the subject limited by the generator: a ratio below the target is a lower bound
  const lower = judged(100, 35, { broker: 0.97, generator: 0.5 }, idleBroker);
  assert.equal(lower.verdict, "unknown");
  assert.match(lower.detail, /^0\.35x, a lower bound: Switchboard Gooee's figure/);

  const [s] = summarize({
    scenarios: [throughput],
    brokers: ["sb", "mosquitto"],
    runs: [run("t", "sb", closedLoop(200)), run("t", "mosquitto", closedLoop(150, 0, idleBroker))],
  });
  assert.equal(s!.targets[0]!.verdict, "unknown");
  assert.match(formatSummary([s!], [throughput]), /1 generator-bound, 1 with the broker below 90%/);
});

test("trend() fits a line and flags growth above 5% of the median over the span", () => {
  const flat = trend([0, 10, 20, 30].map((t) => [t, 100 + (t % 20 === 0 ? 1 : -1)] as const));
  assert.equal(flat!.grows, false);
  const growing = trend([0, 10, 20, 30].map((t) => [t, 100 + t] as const));
  assert.equal(growing!.slopePerMinute, 60);
  assert.equal(growing!.grows, true);
  assert.equal(trend([[0, 1]]), undefined);
});

test("GcTraceParser reads V8 --trace-gc lines split across chunks", () => {
  const events: [number, string, number][] = [];
  const parser = new GcTraceParser((ms, kind, after) => events.push([ms, kind, after]));
  parser.push(
    "[123:0x5d]     5043 ms: Scavenge 6.1 (7.3) -> 5.4 (8.3) MB, 0.99 / 0.00 ms  (average mu = 1.000",
  );
  parser.push(
    ") allocation failure;\n[123:0x5d]    10000 ms: Mark-Compact (reduce) 20.1 (25.3) -> 15.0 (22.1) MB, 5.1\n",
  );
  parser.push("not a gc line\n");
  assert.deepEqual(events, [
    [5043, "Scavenge", 5.4],
    [10000, "Mark-Compact", 15.0],
  ]);
});
