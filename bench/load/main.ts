/**
 * The load generator process. The runner starts it pinned to its own CPU with
 * `taskset -c 1 node --import tsx bench/load/main.ts '<LoadSpec JSON>'`, over an IPC channel; it runs
 * one workload against one broker and sends back one `LoadMessage` (without IPC it prints it as JSON).
 * @module
 */

import { assertNever } from "../../src/protocol/index.js";
import type { LoadMessage, LoadResult, LoadSpec } from "../lib/types.js";
import { ClosedLoop } from "./closed-loop.js";
import { runConnectionStorm } from "./connection-storm.js";
import { FixedRate } from "./fixed-rate.js";
import { runIdleConnections } from "./idle-connections.js";
import { Soak } from "./soak.js";

/** Runs the workload `spec` names. A new workload kind adds a case here. */
async function runWorkload(spec: LoadSpec): Promise<LoadResult> {
  const workload = spec.workload;
  switch (workload.kind) {
    case "closed-loop":
      return new ClosedLoop(spec, workload).run();
    case "fixed-rate":
      return new FixedRate(spec, workload).run();
    case "idle-connections":
      return runIdleConnections(spec, workload);
    case "connection-storm":
      return runConnectionStorm(spec, workload);
    case "soak":
      return new Soak(spec, workload).run();
    default:
      return assertNever(workload);
  }
}

function report(message: LoadMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }
  return new Promise((resolve) => send(message, undefined, {}, () => resolve()));
}

const raw = process.argv[2];
if (raw === undefined) {
  process.stderr.write("Usage: node --import tsx bench/load/main.ts '<LoadSpec JSON>'\n");
  process.exit(2);
}
let message: LoadMessage;
try {
  message = { kind: "result", result: await runWorkload(JSON.parse(raw) as LoadSpec) };
} catch (error) {
  message = { kind: "error", message: error instanceof Error ? error.message : String(error) };
}
await report(message);
process.exit(0);
