/**
 * The soak workload (`npm run bench -- soak`): steady traffic plus endless client churn, for long enough
 * to see whether the broker's memory keeps growing. The runner samples the broker's RSS (and heap, from
 * `--trace-gc`) on its own clock; this side generates the load and counts it per interval.
 *
 * Steady part: `publishers` publishers on `soak/p/<i>` (even i QoS 0, odd i QoS 1, at most 100
 * unacknowledged each), paced together at `ratePerSecond` (a write per publisher every 10 ms). Two steady
 * subscribers: `soak/#` at QoS 1 (also gets wills and retained messages) and `soak/p/+` at QoS 0; both
 * check sequence numbers, so losses are counted.
 *
 * Churn: `connectsPerSecond` new clients per second, ids `soak-c-<n>` taken round-robin from a pool of
 * `clientIdPool`. Each sets a will on `soak/will/<n>`, subscribes to `soak/p/<n mod publishers>` at QoS 1
 * (and acknowledges what it gets), publishes one retained message to `soak/r/<n>`, stays connected for a
 * random time in `lifetimeSeconds`, then leaves, half of them with DISCONNECT and half by dropping the
 * socket (the broker publishes the will). Odd n use a persistent session (clean session off): those
 * subscribe to QoS 1 topics, so the broker queues for them while they are away (up to its queue limit)
 * and sends the backlog when the id comes round again. One connect in 20 takes over an id that is still
 * connected (the broker must close the old connection).
 * @module
 */

import type { LoadSpec, SoakInterval, SoakResult, SoakWorkload } from "../lib/types.js";
import { LatencyRecorder } from "./latency.js";
import { PublisherBatcher, STAMP_BYTES } from "./publisher-batcher.js";
import { type ClientHandler, RawClient } from "./raw-client.js";
import { nowNs, pubacks, sleep } from "./util.js";
import { WindowProbe } from "./window-probe.js";

const PUBLISHER_INFLIGHT = 100;
const TICK_MS = 10;
const CHURN_TICK_MS = 100;
const TAKEOVER_EVERY = 20;
const MAX_FAILURES_KEPT = 10;
/** Publisher index stamped into wills and retained messages, so subscribers skip them. */
const NOT_STEADY = 0xffffffff;

interface Counters {
  sent: number;
  received: number;
  connects: number;
  disconnects: number;
  errors: number;
}

interface ChurnState {
  readonly n: number;
  acks: number[];
  /** Set before this client is taken over or leaves, so its closing is not counted as an error. */
  leaving: boolean;
  client: RawClient | undefined;
}

/** Steady subscribers: 0 is `soak/#` QoS 1, 1 is `soak/p/+` QoS 0. */
interface SteadyState {
  readonly expected: Uint32Array;
  acks: number[];
}

export class Soak implements ClientHandler {
  readonly #spec: LoadSpec;
  readonly #workload: SoakWorkload;
  readonly #counters: Counters = { sent: 0, received: 0, connects: 0, disconnects: 0, errors: 0 };
  readonly #latency = new LatencyRecorder();
  readonly #intervalLatency = new LatencyRecorder();
  readonly #failures: string[] = [];
  readonly #marker = Buffer.alloc(STAMP_BYTES);
  #publishers: RawClient[] = [];
  #batchers: PublisherBatcher[] = [];
  #steady: RawClient[] = [];
  #steadyStates: SteadyState[] = [];
  #lostQos1 = 0;
  #lostQos0 = 0;
  #running = false;
  #startedNs = 0;
  #owedConnects = 0;
  #nextId = 0;
  /** Churning clients by id number, while connected or connecting. */
  readonly #churn = new Map<number, ChurnState>();
  #failure: ((error: Error) => void) | undefined;
  #readNs = 0;

  constructor(spec: LoadSpec, workload: SoakWorkload) {
    this.#spec = spec;
    this.#workload = workload;
    this.#marker.writeUInt32LE(NOT_STEADY, 8);
  }

  async run(): Promise<SoakResult> {
    const failed = new Promise<never>((_, reject) => (this.#failure = reject));
    failed.catch(() => undefined);
    try {
      await Promise.race([this.#connect(), failed]);
      return await Promise.race([this.#soak(), failed]);
    } finally {
      this.#running = false;
      for (const state of this.#churn.values()) {
        state.leaving = true;
        state.client?.abort();
      }
      await Promise.all([...this.#publishers, ...this.#steady].map((c) => c.disconnect()));
    }
  }

  async #connect(): Promise<void> {
    const { host, port } = this.#spec;
    const { publishers, payloadBytes } = this.#workload;
    const filters: [string, 0 | 1][] = [
      ["soak/#", 1],
      ["soak/p/+", 0],
    ];
    for (const [i, [filter, qos]] of filters.entries()) {
      const client = await RawClient.connect({
        host,
        port,
        clientId: `soak-steady-${i}`,
        handler: this,
        index: i,
      });
      await client.subscribe(filter, qos);
      this.#steady.push(client);
      this.#steadyStates.push({ expected: new Uint32Array(publishers), acks: [] });
    }
    for (let i = 0; i < publishers; i++) {
      const client = await RawClient.connect({
        host,
        port,
        clientId: `soak-pub-${i}`,
        handler: this,
        index: i,
      });
      this.#publishers.push(client);
      this.#batchers.push(
        new PublisherBatcher({
          topic: `soak/p/${i}`,
          qos: i % 2 === 0 ? 0 : 1,
          payloadBytes,
          publisherIndex: i,
        }),
      );
    }
  }

  async #soak(): Promise<SoakResult> {
    const { durationSeconds } = this.#spec;
    const { sampleSeconds } = this.#workload;
    this.#running = true;
    this.#startedNs = nowNs();
    const probe = new WindowProbe(this.#spec);
    const intervals: SoakInterval[] = [];
    let last = { ...this.#counters };
    let lastLost = [this.#lostQos1, this.#lostQos0] as const;
    const sample = (): void => {
      const now = { ...this.#counters };
      const interval = this.#intervalLatency.summary();
      this.#intervalLatency.reset();
      intervals.push({
        lostQos1: this.#lostQos1 - lastLost[0],
        lostQos0: this.#lostQos0 - lastLost[1],
        p99Us: interval.p99Us,
        maxUs: interval.maxUs,
        atSeconds: (nowNs() - this.#startedNs) / 1e9,
        sent: now.sent - last.sent,
        received: now.received - last.received,
        connects: now.connects - last.connects,
        disconnects: now.disconnects - last.disconnects,
        churnConnected: this.#churn.size,
        errors: now.errors - last.errors,
      });
      last = now;
      lastLost = [this.#lostQos1, this.#lostQos0];
    };
    const publishTimer = setInterval(() => this.#publish(), TICK_MS);
    const churnTimer = setInterval(() => this.#startChurn(), CHURN_TICK_MS);
    const sampleTimer = setInterval(sample, sampleSeconds * 1000);
    try {
      await sleep(durationSeconds * 1000);
    } finally {
      clearInterval(publishTimer);
      clearInterval(churnTimer);
      clearInterval(sampleTimer);
    }
    sample();
    const cpu = probe.stop();
    this.#running = false;
    const c = this.#counters;
    return {
      kind: "soak",
      ...cpu,
      intervals,
      sent: c.sent,
      received: c.received,
      lostQos1: this.#lostQos1,
      lostQos0: this.#lostQos0,
      connects: c.connects,
      errors: c.errors,
      failures: this.#failures,
      latency: this.#latency.summary(),
    };
  }

  /**
   * Sends what the schedule owes each publisher by now, one write per publisher. A QoS 1 publisher whose
   * window is full sends its share later, when PUBACKs have come back.
   */
  #publish(): void {
    if (!this.#running) return;
    const { ratePerSecond, publishers } = this.#workload;
    const now = nowNs();
    const duePerPublisher = Math.floor(((now - this.#startedNs) / 1e9) * (ratePerSecond / publishers));
    for (let i = 0; i < publishers; i++) {
      const batcher = this.#batchers[i]!;
      let count = duePerPublisher - batcher.nextSeq;
      if (i % 2 === 1) count = Math.min(count, PUBLISHER_INFLIGHT - batcher.inflight);
      if (count <= 0) continue;
      this.#publishers[i]!.write(batcher.build(count, now));
      this.#counters.sent += count;
    }
  }

  #startChurn(): void {
    if (!this.#running) return;
    this.#owedConnects += (this.#workload.connectsPerSecond * CHURN_TICK_MS) / 1000;
    while (this.#owedConnects >= 1) {
      this.#owedConnects--;
      const n = this.#pickId();
      if (n === undefined) break;
      void this.#churnOnce(n);
    }
  }

  /** The next id from the pool; every TAKEOVER_EVERY-th connect picks one that is still connected. */
  #pickId(): number | undefined {
    const pool = this.#workload.clientIdPool;
    if (this.#counters.connects % TAKEOVER_EVERY === TAKEOVER_EVERY - 1) {
      for (const [n, state] of this.#churn) if (state.client !== undefined && !state.leaving) return n;
    }
    for (let tries = 0; tries < pool; tries++) {
      const n = this.#nextId;
      this.#nextId = (this.#nextId + 1) % pool;
      if (!this.#churn.has(n)) return n;
    }
    return undefined;
  }

  async #churnOnce(n: number): Promise<void> {
    const { host, port } = this.#spec;
    const { publishers, lifetimeSeconds } = this.#workload;
    const previous = this.#churn.get(n);
    if (previous !== undefined) previous.leaving = true; // about to be taken over
    const state: ChurnState = { n, acks: [], leaving: false, client: undefined };
    this.#churn.set(n, state);
    const persistent = n % 2 === 1;
    try {
      const client = await RawClient.connect({
        host,
        port,
        clientId: `soak-c-${n}`,
        cleanSession: !persistent,
        will: { topic: `soak/will/${n}`, payload: this.#marker, qos: 0, retain: false },
        handler: this,
        index: -1 - n, // negative: a churning client (steady clients use 0 and up)
      });
      state.client = client;
      this.#counters.connects++;
      await client.subscribe(`soak/p/${n % publishers}`, 1);
      client.write(retainedPublish(n, this.#marker));
      const [min, max] = lifetimeSeconds;
      await sleep((min + Math.random() * (max - min)) * 1000);
      if (state.leaving || !this.#running) return;
      state.leaving = true;
      if (Math.random() < 0.5) await client.disconnect();
      else client.abort();
      this.#counters.disconnects++;
    } catch (error) {
      if (!state.leaving && this.#running) this.#error(`soak-c-${n}: ${(error as Error).message}`);
    } finally {
      if (this.#churn.get(n) === state) this.#churn.delete(n);
    }
  }

  #error(reason: string): void {
    this.#counters.errors++;
    if (this.#failures.length < MAX_FAILURES_KEPT) this.#failures.push(reason);
  }

  // ClientHandler -----------------------------------------------------------------------------------

  publish(client: RawClient, flags: number, buf: Buffer, start: number, end: number): void {
    let p = start + 2 + buf.readUInt16BE(start);
    let packetId = -1;
    if ((flags & 0x06) !== 0) {
      packetId = buf.readUInt16BE(p);
      p += 2;
    }
    if (client.index < 0) {
      const state = this.#churn.get(-1 - client.index);
      if (packetId >= 0 && state?.client === client) state.acks.push(packetId);
      return;
    }
    const steady = this.#steadyStates[client.index];
    if (steady === undefined || this.#steady[client.index] !== client) return;
    if (packetId >= 0) steady.acks.push(packetId);
    if (end - p < STAMP_BYTES) return;
    const publisher = buf.readUInt32LE(p + 8);
    if (publisher === NOT_STEADY || publisher >= steady.expected.length) return;
    this.#counters.received++;
    const seq = buf.readUInt32LE(p + 12);
    const expected = steady.expected[publisher]!;
    if (seq > expected) {
      if (publisher % 2 === 1 && client.index === 0) this.#lostQos1 += seq - expected;
      else this.#lostQos0 += seq - expected;
    }
    if (seq >= expected) steady.expected[publisher] = seq + 1;
    if (this.#readNs === 0) this.#readNs = nowNs();
    const latencyNs = this.#readNs - buf.readDoubleLE(p);
    this.#latency.recordNs(latencyNs);
    this.#intervalLatency.recordNs(latencyNs);
  }

  puback(client: RawClient): void {
    const batcher = this.#batchers[client.index];
    if (this.#publishers[client.index] === client && batcher !== undefined && batcher.inflight > 0) {
      batcher.inflight--;
    }
  }

  chunkEnd(client: RawClient): void {
    this.#readNs = 0;
    let acks: number[] | undefined;
    if (client.index >= 0) {
      if (this.#steady[client.index] === client) acks = this.#steadyStates[client.index]?.acks;
    } else {
      const state = this.#churn.get(-1 - client.index);
      if (state?.client === client) acks = state.acks;
    }
    if (acks !== undefined && acks.length > 0) {
      client.write(pubacks(acks));
      acks.length = 0;
    }
  }

  drain(): void {
    // Paced: nothing waits for a socket to drain.
  }

  closed(client: RawClient, reason: string): void {
    if (client.index >= 0) {
      this.#failure?.(new Error(`Steady client "${client.id}": ${reason}`));
      return;
    }
    const state = this.#churn.get(-1 - client.index);
    if (state?.client === client && !state.leaving) {
      state.leaving = true;
      this.#error(`${client.id}: ${reason}`);
    }
  }
}

/** A retained QoS 0 PUBLISH of `payload` to `soak/r/<n>`. */
function retainedPublish(n: number, payload: Buffer): Buffer {
  const topic = Buffer.from(`soak/r/${n}`);
  const remaining = 2 + topic.length + payload.length;
  const frame = Buffer.allocUnsafe(2 + remaining);
  frame[0] = 0x31; // PUBLISH, QoS 0, retain
  frame[1] = remaining; // < 128 for these topics and a 16-byte payload
  frame.writeUInt16BE(topic.length, 2);
  topic.copy(frame, 4);
  payload.copy(frame, 4 + topic.length);
  return frame;
}
