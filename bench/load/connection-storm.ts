/**
 * The connection-storm workload: `clients` TCP connections opened in one synchronous loop, each writing
 * its CONNECT (clean session, keep-alive off, a client id of its own) as soon as the socket is
 * connected; the clock stops at the last CONNACK.
 *
 * Outcomes per client: connected (CONNACK return code 0), refused (CONNACK with another return code, or
 * ECONNREFUSED from TCP) or failed (reset, closed, or no CONNACK within `timeoutSeconds`). The kernel's
 * accept queue is part of what is measured: a broker that listens with a short backlog makes the
 * overflowing handshakes wait for SYN/ACK retransmissions (1 s, then 2 s, ...).
 * @module
 */

import { connect, type Socket } from "node:net";
import { encodePacket, PacketType } from "../../src/protocol/index.js";
import type { ConnectionStormResult, ConnectionStormWorkload, LoadSpec } from "../lib/types.js";
import { LatencyRecorder } from "./latency.js";
import { nowNs } from "./util.js";
import { WindowProbe } from "./window-probe.js";

const MAX_FAILURES_KEPT = 5;

type Outcome = "pending" | "connected" | "refused" | "failed";

export async function runConnectionStorm(
  spec: LoadSpec,
  workload: ConnectionStormWorkload,
): Promise<ConnectionStormResult> {
  const { host, port } = spec;
  const count = workload.clients;
  const frames = Array.from({ length: count }, (_, i) =>
    encodePacket(
      {
        type: PacketType.CONNECT,
        protocolName: "MQTT",
        protocolVersion: 4,
        clientId: `storm-${i}`,
        cleanStart: true,
        keepAlive: 0,
      },
      4,
    ),
  );
  const outcomes: Outcome[] = Array.from({ length: count }, () => "pending");
  const sockets: Socket[] = [];
  const failures: string[] = [];
  const latency = new LatencyRecorder();
  let pending = count;
  let lastConnackNs = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const settle = (i: number, outcome: Exclude<Outcome, "pending">, reason?: string): void => {
    if (outcomes[i] !== "pending") return;
    outcomes[i] = outcome;
    if (reason !== undefined && failures.length < MAX_FAILURES_KEPT) failures.push(`storm-${i}: ${reason}`);
    if (--pending === 0) finish();
  };

  const probe = new WindowProbe(spec);
  const started = nowNs();
  for (let i = 0; i < count; i++) {
    const openedNs = nowNs();
    const socket = connect({ host, port });
    sockets.push(socket);
    socket.setNoDelay(true);
    let received: Buffer | undefined;
    socket.once("connect", () => socket.write(frames[i]!));
    socket.on("data", (chunk: Buffer) => {
      received = received === undefined ? chunk : Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      // CONNACK: 0x20, remaining length 2, acknowledge flags, return code.
      if (received[0] !== 0x20 || received[1] !== 2) {
        settle(i, "failed", `expected CONNACK, got bytes ${received.subarray(0, 4).toString("hex")}`);
      } else if (received[3] !== 0) {
        settle(i, "refused", `CONNACK return code ${received[3]}`);
      } else if (outcomes[i] === "pending") {
        const now = nowNs();
        lastConnackNs = Math.max(lastConnackNs, now);
        latency.recordNs(now - openedNs);
        settle(i, "connected");
      }
      socket.removeAllListeners("data");
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      settle(i, error.code === "ECONNREFUSED" ? "refused" : "failed", error.message),
    );
    socket.on("close", () => settle(i, "failed", "closed by the broker before CONNACK"));
  }
  const openSeconds = (nowNs() - started) / 1e9;

  const timer = setTimeout(finish, workload.timeoutSeconds * 1000);
  await done;
  clearTimeout(timer);
  const cpu = probe.stop();
  for (let i = 0; i < count; i++) {
    if (outcomes[i] === "pending") settle(i, "failed", `no CONNACK after ${workload.timeoutSeconds} s`);
  }
  for (const socket of sockets) socket.destroy();
  const tally = (o: Outcome): number => outcomes.filter((x) => x === o).length;
  return {
    kind: "connection-storm",
    ...cpu,
    clients: count,
    connected: tally("connected"),
    refused: tally("refused"),
    failed: tally("failed"),
    failures,
    openSeconds,
    ...(lastConnackNs === 0 ? {} : { lastConnackSeconds: (lastConnackNs - started) / 1e9 }),
    connackLatency: latency.summary(),
  };
}
