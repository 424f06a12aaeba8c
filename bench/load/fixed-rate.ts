/**
 * The fixed-rate latency workload: one publisher, one subscriber on `bench/0`, open loop.
 *
 * The publisher sends one PUBLISH every 1/rate seconds, each in its own write, whatever the broker does
 * (open loop: a slow broker does not slow the sender, so queueing shows up as latency instead of as a
 * lower rate). Timers are far too coarse for a 200 µs period, so the send loop polls the clock from
 * `setImmediate`; that keeps the generator's core busy, but it is a core of its own and the event loop
 * still reads the sockets on every turn. Each payload carries its actual send time (see closed-loop.ts
 * for the layout); the subscriber records receive time minus send time. How late the generator itself
 * sent against the schedule is recorded separately (`sendLag`): it is the generator's jitter, not the
 * broker's latency. If the generator falls behind (a GC pause), it catches up by sending the overdue
 * messages one write each.
 * @module
 */

import type { FixedRateResult, FixedRateWorkload, LoadSpec } from "../lib/types.js";
import { LatencyRecorder } from "./latency.js";
import { PublisherBatcher } from "./publisher-batcher.js";
import { type ClientHandler, RawClient } from "./raw-client.js";
import { nowNs, pubacks, sleep } from "./util.js";
import { WindowProbe } from "./window-probe.js";

/** After the window, how long to wait for the last messages before counting them lost. */
const DRAIN_MS = 2000;

export class FixedRate implements ClientHandler {
  readonly #spec: LoadSpec;
  readonly #workload: FixedRateWorkload;
  readonly #latency = new LatencyRecorder();
  readonly #lag = new LatencyRecorder();
  readonly #periodNs: number;
  #publisher: RawClient | undefined;
  #subscriber: RawClient | undefined;
  #batcher: PublisherBatcher | undefined;
  #sending = false;
  #recording = false;
  #nextDueNs = 0;
  #sent = 0;
  #received = 0;
  #lost = 0;
  #late = 0;
  #expected = 0;
  #acks: number[] = [];
  #readNs = 0;
  #failure: ((error: Error) => void) | undefined;

  constructor(spec: LoadSpec, workload: FixedRateWorkload) {
    this.#spec = spec;
    this.#workload = workload;
    this.#periodNs = 1e9 / workload.ratePerSecond;
  }

  async run(): Promise<FixedRateResult> {
    const failed = new Promise<never>((_, reject) => (this.#failure = reject));
    failed.catch(() => undefined);
    try {
      await Promise.race([this.#connect(), failed]);
      return await Promise.race([this.#measure(), failed]);
    } finally {
      this.#sending = false;
      const clients = [this.#publisher, this.#subscriber].filter((c) => c !== undefined);
      await Promise.all(clients.map((c) => c.disconnect()));
    }
  }

  async #connect(): Promise<void> {
    const { host, port } = this.#spec;
    const { qos, payloadBytes } = this.#workload;
    const subscriber = await RawClient.connect({ host, port, clientId: "bench-sub-0", handler: this });
    this.#subscriber = subscriber;
    await subscriber.subscribe("bench/0", qos);
    this.#publisher = await RawClient.connect({ host, port, clientId: "bench-pub-0", handler: this });
    this.#batcher = new PublisherBatcher({ topic: "bench/0", qos, payloadBytes, publisherIndex: 0 });
  }

  async #measure(): Promise<FixedRateResult> {
    const { warmupSeconds, durationSeconds } = this.#spec;
    this.#sending = true;
    this.#nextDueNs = nowNs();
    this.#tick();
    await sleep(warmupSeconds * 1000);
    const startSent = this.#sent;
    const startReceived = this.#received;
    const startLost = this.#lost;
    const probe = new WindowProbe(this.#spec);
    this.#latency.reset();
    this.#lag.reset();
    this.#recording = true;
    await sleep(durationSeconds * 1000);
    const cpu = probe.stop();
    const sent = this.#sent - startSent;
    this.#sending = false;
    // Let the messages of the window arrive (still recorded), then count what is missing as lost.
    const deadline = Date.now() + DRAIN_MS;
    while (this.#received + this.#lost < this.#sent && Date.now() < deadline) await sleep(10);
    this.#recording = false;
    const missing = Math.max(0, this.#sent - this.#received - this.#lost);
    return {
      kind: "fixed-rate",
      ...cpu,
      sent,
      sentPerSecond: sent / cpu.windowSeconds,
      received: this.#received - startReceived,
      lost: this.#lost - startLost + missing,
      outOfOrder: this.#late,
      latency: this.#latency.summary(),
      sendLag: this.#lag.summary(),
    };
  }

  /** One turn of the send loop: send what is due, one write per message, then poll again. */
  #tick = (): void => {
    if (!this.#sending) return;
    const publisher = this.#publisher!;
    const batcher = this.#batcher!;
    let now = nowNs();
    while (now >= this.#nextDueNs) {
      if (this.#workload.qos > 0 && batcher.inflight >= 0xffff) break; // never reuse a packet id in flight
      publisher.write(batcher.build(1, now));
      if (this.#recording) this.#lag.recordNs(now - this.#nextDueNs);
      this.#sent++;
      this.#nextDueNs += this.#periodNs;
      now = nowNs();
    }
    setImmediate(this.#tick);
  };

  // ClientHandler -----------------------------------------------------------------------------------

  publish(_client: RawClient, flags: number, buf: Buffer, start: number, end: number): void {
    let p = start + 2 + buf.readUInt16BE(start);
    if ((flags & 0x06) !== 0) {
      this.#acks.push(buf.readUInt16BE(p));
      p += 2;
    }
    if (end - p < 16) {
      this.#fail(new Error(`Subscriber received a PUBLISH with a ${end - p}-byte payload`));
      return;
    }
    if (this.#readNs === 0) this.#readNs = nowNs();
    const seq = buf.readUInt32LE(p + 12);
    if (seq === this.#expected) this.#expected = seq + 1;
    else if (seq > this.#expected) {
      this.#lost += seq - this.#expected;
      this.#expected = seq + 1;
    } else this.#late++;
    this.#received++;
    if (this.#recording) this.#latency.recordNs(this.#readNs - buf.readDoubleLE(p));
  }

  puback(): void {
    const batcher = this.#batcher;
    if (batcher !== undefined && batcher.inflight > 0) batcher.inflight--;
  }

  chunkEnd(client: RawClient): void {
    this.#readNs = 0;
    if (client === this.#subscriber && this.#acks.length > 0) {
      client.write(pubacks(this.#acks));
      this.#acks = [];
    }
  }

  drain(): void {
    // Open loop: the publisher never waits for the socket.
  }

  closed(client: RawClient, reason: string): void {
    this.#fail(new Error(`Client "${client.id}": ${reason}`));
  }

  #fail(error: Error): void {
    this.#sending = false;
    this.#failure?.(error);
  }
}
