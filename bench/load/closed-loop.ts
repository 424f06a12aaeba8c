/**
 * The closed-loop throughput workload (reference/brokers.md 2.3).
 *
 * Publishers keep at most `window` deliveries outstanding in total, where outstanding = deliveries sent
 * - deliveries received by the subscribers - deliveries known lost. Whenever at least `window / 20` of
 * credit is free (after each subscriber read), it is shared round-robin among the publishers, each
 * writing its share as one buffer of pre-built PUBLISH frames. So the broker always has work queued and
 * the measured rate is what it sustains, not what the generator offers.
 *
 * Every payload carries a stamp (bench/load/payload-format.ts): send time (process.hrtime, ns since the
 * run began), publisher index, sequence number; in the binary format it is the payload's first 16 bytes
 * and the rest is zeros. All frames of one write share its send time, and all frames of one read share
 * its receive time, so latency = read time - write time, through the broker and both sockets. Sequence
 * numbers per (subscriber, publisher) detect losses (gaps); if nothing arrives for `stallMs` while
 * deliveries are outstanding, they are declared lost (a stall) so the loop keeps going instead of
 * hanging. When a broker turns one publish into several messages (a dialect's derived topics), only the
 * stamped one is sequence-checked and timed; every one counts as received.
 *
 * Subscribers use persistent sessions when the workload says so; clients send a user name and a JWT
 * when the run has `clientAuth` (bench/load/credentials.ts).
 * @module
 */

import type { ClosedLoopWorkload, LoadResult, LoadSpec } from "../lib/types.js";
import { CredentialIssuer, credentialsFor } from "./credentials.js";
import { LatencyRecorder } from "./latency.js";
import { type PayloadFormat, payloadFormat } from "./payload-format.js";
import { type ClientHandler, RawClient } from "./raw-client.js";
import { PublisherBatcher } from "./publisher-batcher.js";
import { planTopology, type TopologyPlan } from "./topology.js";
import { nowNs, pubacks, sleep } from "./util.js";
import { WindowProbe } from "./window-probe.js";

interface Counters {
  sent: number;
  received: number;
  lost: number;
  stalls: number;
}

interface SubscriberState {
  /** Next expected sequence number per publisher index. */
  readonly expected: Uint32Array;
  readonly hears: readonly number[];
  /** Packet ids of QoS 1 PUBLISHes to acknowledge after the current read. */
  readonly acks: number[];
}

export class ClosedLoop implements ClientHandler {
  readonly #spec: LoadSpec;
  readonly #workload: ClosedLoopWorkload;
  readonly #plan: TopologyPlan;
  readonly #counters: Counters = { sent: 0, received: 0, lost: 0, stalls: 0 };
  readonly #latency = new LatencyRecorder();
  readonly #refillMin: number;
  readonly #format: PayloadFormat;
  #publishers: RawClient[] = [];
  #batchers: PublisherBatcher[] = [];
  #subscribers: RawClient[] = [];
  #subscriberStates: SubscriberState[] = [];
  #late = 0;
  #sending = false;
  #recording = false;
  #rotation = 0;
  #lastReceiveNs = 0;
  #readNs = 0;
  #failure: ((error: Error) => void) | undefined;

  constructor(spec: LoadSpec, workload: ClosedLoopWorkload) {
    this.#spec = spec;
    this.#workload = workload;
    this.#plan = planTopology(workload.topology);
    this.#refillMin = Math.max(1, Math.floor(workload.window / 20));
    this.#format = payloadFormat(workload.payloadFormat ?? "binary", workload.payloadBytes);
  }

  /** Connects, warms up, measures, drains and disconnects; resolves with the measured window. */
  async run(): Promise<LoadResult> {
    const failed = new Promise<never>((_, reject) => (this.#failure = reject));
    failed.catch(() => undefined); // observed through the race below; never unhandled
    try {
      await Promise.race([this.#connect(), failed]);
      return await Promise.race([this.#measure(), failed]);
    } finally {
      this.#sending = false;
      await Promise.all([...this.#publishers, ...this.#subscribers].map((c) => c.disconnect()));
    }
  }

  async #connect(): Promise<void> {
    const { host, port, clientAuth } = this.#spec;
    const { qos, payloadBytes } = this.#workload;
    const issuer = clientAuth === undefined ? undefined : new CredentialIssuer(clientAuth);
    for (const [i, plan] of this.#plan.subscribers.entries()) {
      const client = await RawClient.connect({
        host,
        port,
        clientId: plan.clientId,
        cleanSession: this.#workload.persistentSubscribers !== true,
        ...(await credentialsFor(issuer, plan.clientId, "subscriber")),
      });
      await client.subscribe(plan.filter, qos);
      client.index = i;
      client.handler = this;
      this.#subscribers.push(client);
      this.#subscriberStates.push({
        expected: new Uint32Array(this.#plan.publishers.length),
        hears: plan.hears,
        acks: [],
      });
    }
    for (const [i, plan] of this.#plan.publishers.entries()) {
      const client = await RawClient.connect({
        host,
        port,
        clientId: plan.clientId,
        ...(await credentialsFor(issuer, plan.clientId, "publisher")),
      });
      client.index = i;
      client.handler = this;
      this.#publishers.push(client);
      this.#batchers.push(
        new PublisherBatcher({
          topic: plan.topic,
          qos,
          payloadBytes,
          publisherIndex: i,
          format: this.#format,
        }),
      );
    }
  }

  async #measure(): Promise<LoadResult> {
    const { warmupSeconds, durationSeconds, stallMs } = this.#spec;
    this.#sending = true;
    this.#lastReceiveNs = nowNs();
    const stallTimer = setInterval(() => this.#checkStall(stallMs), Math.min(100, stallMs));
    try {
      this.#refill();
      await sleep(warmupSeconds * 1000);
      const start = { ...this.#counters };
      const probe = new WindowProbe(this.#spec);
      this.#latency.reset();
      this.#recording = true;
      await sleep(durationSeconds * 1000);
      this.#recording = false;
      const cpu = probe.stop();
      const end = { ...this.#counters };
      const received = end.received - start.received;
      const result: LoadResult = {
        kind: "closed-loop",
        ...cpu,
        received,
        sent: end.sent - start.sent,
        lost: end.lost - start.lost,
        stalls: end.stalls - start.stalls,
        outOfOrder: this.#late,
        receivedPerSecond: received / cpu.windowSeconds,
        latency: this.#latency.summary(),
      };
      await this.#drain();
      return result;
    } finally {
      clearInterval(stallTimer);
    }
  }

  /** Stops publishing and waits (up to 2 s) for the outstanding deliveries, so no client leaves a backlog. */
  async #drain(): Promise<void> {
    this.#sending = false;
    const deadline = Date.now() + 2000;
    while (this.#outstanding() > 0 && Date.now() < deadline) await sleep(20);
  }

  #outstanding(): number {
    const c = this.#counters;
    return c.sent - c.received - c.lost;
  }

  /** Shares the free credit among the publishers, round-robin, one write each. */
  #refill(): void {
    if (!this.#sending) return;
    let credit = this.#workload.window - Math.max(0, this.#outstanding());
    if (credit < this.#refillMin) return;
    const publishers = this.#publishers;
    const count = publishers.length;
    const share = Math.ceil(credit / count);
    const sentAt = nowNs();
    for (let k = 0; k < count && credit > 0; k++) {
      const i = (this.#rotation + k) % count;
      const client = publishers[i]!;
      if (client.blocked) continue;
      const deliveries = this.#plan.deliveriesPerPublish[i]!;
      const batcher = this.#batchers[i]!;
      const messages = Math.min(
        Math.floor(Math.min(share, credit) / deliveries),
        this.#publisherRoom(batcher),
      );
      if (messages <= 0) continue;
      client.write(batcher.build(messages, sentAt));
      this.#counters.sent += messages * deliveries;
      credit -= messages * deliveries;
    }
    this.#rotation = (this.#rotation + 1) % count;
  }

  #publisherRoom(batcher: PublisherBatcher): number {
    return this.#workload.qos === 0
      ? Number.MAX_SAFE_INTEGER
      : this.#workload.publisherInflight - batcher.inflight;
  }

  #checkStall(stallMs: number): void {
    const now = nowNs();
    const outstanding = this.#outstanding();
    if (!this.#sending || outstanding <= 0 || now - this.#lastReceiveNs < stallMs * 1e6) return;
    // Nothing for stallMs: count what is outstanding as lost and skip the sequence numbers past it.
    this.#counters.stalls++;
    this.#counters.lost += outstanding;
    for (const state of this.#subscriberStates) {
      for (const p of state.hears) state.expected[p] = this.#batchers[p]!.nextSeq;
    }
    if (this.#workload.qos > 0) for (const b of this.#batchers) b.inflight = 0;
    this.#lastReceiveNs = now;
    this.#refill();
  }

  // ClientHandler -----------------------------------------------------------------------------------

  publish(client: RawClient, flags: number, buf: Buffer, start: number, end: number): void {
    const state = this.#subscriberStates[client.index]!;
    const topicEnd = start + 2 + buf.readUInt16BE(start);
    let p = topicEnd;
    if ((flags & 0x06) !== 0) {
      state.acks.push(buf.readUInt16BE(p));
      p += 2;
    }
    const format = this.#format;
    let stamped: boolean;
    try {
      stamped = format.read(buf, start + 2, topicEnd, p, end);
    } catch (error) {
      this.#fail(new Error(`Subscriber "${client.id}": ${(error as Error).message}`));
      return;
    }
    if (this.#readNs === 0) this.#readNs = nowNs();
    this.#counters.received++;
    if (!stamped) return;
    const publisher = format.publisher;
    const seq = format.seq;
    const expected = state.expected[publisher] ?? 0;
    if (seq === expected) state.expected[publisher] = seq + 1;
    else if (seq > expected) {
      // each missing publish is `copies` missing deliveries (a stamp stands for its unstamped copies)
      this.#counters.lost += (seq - expected) * this.#plan.copies;
      state.expected[publisher] = seq + 1;
    } else this.#late++;
    if (this.#recording) this.#latency.recordNs(this.#readNs - format.sentNs);
  }

  puback(client: RawClient): void {
    const batcher = this.#batchers[client.index]!;
    if (batcher.inflight > 0) batcher.inflight--;
  }

  chunkEnd(client: RawClient): void {
    if (this.#readNs !== 0) {
      this.#lastReceiveNs = this.#readNs;
      this.#readNs = 0;
    }
    const state = this.#subscriberStates[client.index];
    if (state !== undefined && this.#subscribers[client.index] === client && state.acks.length > 0) {
      client.write(pubacks(state.acks));
      state.acks.length = 0;
    }
    this.#refill();
  }

  drain(): void {
    this.#refill();
  }

  closed(client: RawClient, reason: string): void {
    this.#fail(new Error(`Client "${client.id}": ${reason}`));
  }

  #fail(error: Error): void {
    this.#sending = false;
    this.#failure?.(error);
  }
}
