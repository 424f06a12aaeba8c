/**
 * Micro benchmark of TopicTrie.match(): how many PUBLISH topics per second the subscription index can
 * route, for 10k and 100k subscriptions with mixed wildcards.
 *
 * Run: npx tsx bench/topic-trie.bench.ts [seconds-per-case]
 *
 * Workload (seeded, so runs are comparable): topics "factory-F/device-D/sensors/S" with subscriptions/100
 * factories, 100 devices each and 5 sensors. Filters: 70% exact topics, 12% "factory-F/device-D/#",
 * 10% "factory-F/device-D/+/S", 4% "factory-F/+/sensors/S", 3% "factory-F/+/+/S", 1% "+/device-D/+/S";
 * each has one to three subscribers. Topics come from the same space: most match a few filters, and
 * the root "+" filters make the fan-out grow with the subscription count.
 *
 * Columns: matches/s is match() calls (one per routed PUBLISH) per second; deliveries/s is visitor
 * calls per second; GCs/1M is young-generation collections per million matches (allocation pressure:
 * the per-level substring is the only allocation). A naive scan (topicMatches() over every filter) is
 * shown for 10k as a baseline. Results vary with CPU, Node version and load: compare runs on one machine.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";

import { topicMatches } from "../src/protocol/topic.js";
import { TopicTrie } from "../src/routing/topic-trie.js";

const SECONDS = Number(process.argv[2] ?? 2);

/** mulberry32. */
function prng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

const SENSORS = ["temperature", "humidity", "pressure", "battery", "status"];

interface Workload {
  readonly filters: string[];
  readonly topics: string[];
}

function workload(subscriptions: number): Workload {
  const random = prng(subscriptions);
  const factories = Math.max(1, Math.round(subscriptions / 100));
  const level = () => ({
    factory: `factory-${random(factories)}`,
    device: `device-${random(100)}`,
    sensor: SENSORS[random(SENSORS.length)]!,
  });
  const filters: string[] = [];
  while (filters.length < subscriptions) {
    const { factory, device, sensor } = level();
    const r = random(100);
    const filter =
      r < 70
        ? `${factory}/${device}/sensors/${sensor}`
        : r < 82
          ? `${factory}/${device}/#`
          : r < 92
            ? `${factory}/${device}/+/${sensor}`
            : r < 96
              ? `${factory}/+/sensors/${sensor}`
              : r < 99
                ? `${factory}/+/+/${sensor}`
                : `+/${device}/+/${sensor}`;
    const subscribers = 1 + random(3);
    for (let i = 0; i < subscribers && filters.length < subscriptions; i++) filters.push(filter);
  }
  const topics = Array.from({ length: 50_000 }, () => {
    const { factory, device, sensor } = level();
    return `${factory}/${device}/sensors/${sensor}`;
  });
  return { filters, topics };
}

let minorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const detail = (entry as { detail?: { kind?: number } }).detail;
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
  }
}).observe({ entryTypes: ["gc"] });

/** GC entries reach the observer asynchronously: let the event loop turn before reading the count. */
async function gcCount(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return minorGcs;
}

interface Measurement {
  readonly roundsPerSecond: number;
  readonly rounds: number;
  readonly minorGcs: number;
}

/** Calls `round` for about SECONDS after a short warm-up. */
async function measure(round: () => void): Promise<Measurement> {
  for (let i = 0; i < 3; i++) round();
  const gcsBefore = await gcCount();
  let rounds = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < SECONDS * 1000) {
    round();
    rounds++;
    elapsed = performance.now() - start;
  }
  return { roundsPerSecond: (rounds * 1000) / elapsed, rounds, minorGcs: (await gcCount()) - gcsBefore };
}

const format = (n: number): string => Math.round(n).toLocaleString("en-US");

async function benchTrie(subscriptions: number): Promise<void> {
  const { filters, topics } = workload(subscriptions);
  const heapBefore = process.memoryUsage().heapUsed;
  const buildStart = performance.now();
  const trie = new TopicTrie<number, number>();
  filters.forEach((filter, i) => trie.add(filter, i, i));
  const buildMs = performance.now() - buildStart;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

  let deliveries = 0;
  const visit = (): void => {
    deliveries++;
  };
  const round = (): void => {
    for (const topic of topics) trie.match(topic, visit);
  };
  round();
  const perMatch = deliveries / topics.length;
  const result = await measure(round);
  const matchesPerSecond = result.roundsPerSecond * topics.length;
  console.log(
    [
      `TopicTrie ${format(subscriptions)} subs`.padEnd(25),
      `${format(trie.filterCount)} filters`.padEnd(15),
      `${format(trie.nodeCount)} nodes`.padEnd(14),
      `build ${buildMs.toFixed(0)} ms`.padEnd(13),
      `heap ~${heapMb.toFixed(1)} MB`.padEnd(15),
      `${format(matchesPerSecond)} matches/s`.padEnd(21),
      `${format(matchesPerSecond * perMatch)} deliveries/s (${perMatch.toFixed(2)}/match)`.padEnd(39),
      `${(result.minorGcs / ((result.rounds * topics.length) / 1e6)).toFixed(1)} GCs/1M`,
    ].join(" "),
  );
}

async function benchNaive(subscriptions: number): Promise<void> {
  const { filters, topics } = workload(subscriptions);
  const sample = topics.slice(0, 200);
  let naive = 0;
  const result = await measure(() => {
    naive = 0;
    for (const topic of sample) for (const filter of filters) if (topicMatches(filter, topic)) naive++;
  });
  // Sanity check: the trie finds the same deliveries for the sample.
  const trie = new TopicTrie<number, number>();
  filters.forEach((filter, i) => trie.add(filter, i, i));
  let indexed = 0;
  for (const topic of sample) trie.match(topic, () => indexed++);
  if (naive !== indexed) throw new Error(`Deliveries differ: naive ${naive}, trie ${indexed}`);
  console.log(
    `naive scan ${format(subscriptions)} subs`.padEnd(25),
    `${format(result.roundsPerSecond * sample.length)} matches/s`.padEnd(21),
    `(topicMatches() over every filter, a baseline; its ${naive} deliveries agree with the trie's)`,
  );
}

console.log(`Node ${process.version}, ${SECONDS} s per case`);
await benchTrie(10_000);
await benchTrie(100_000);
await benchNaive(10_000);
