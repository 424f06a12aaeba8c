/**
 * Runs the load generator (bench/load/main.ts) as a child process pinned to its own CPU and returns the
 * one message it sends back over IPC.
 * @module
 */

import { join } from "node:path";
import { spawnPinned, stopProcess } from "./proc.js";
import type { LoadMessage, LoadSpec } from "./types.js";

/** Time allowed beyond warm-up + window for connecting, draining and disconnecting. */
const SLACK_MS = 30_000;

export async function runGenerator(options: {
  readonly root: string;
  readonly cpu: number | undefined;
  readonly spec: LoadSpec;
}): Promise<LoadMessage> {
  const { spec } = options;
  const child = spawnPinned({
    cpu: options.cpu,
    command: process.execPath,
    args: ["--import", "tsx", join(options.root, "bench/load/main.ts"), JSON.stringify(spec)],
    cwd: options.root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const limitMs = (spec.warmupSeconds + spec.durationSeconds) * 1000 + SLACK_MS;
  let message: LoadMessage | undefined;
  child.on("message", (m: LoadMessage) => (message = m));
  const timer = setTimeout(() => {
    message ??= { kind: "error", message: `Load generator did not finish within ${limitMs} ms` };
    void stopProcess(child, 1000);
  }, limitMs);
  const exit = await new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(error.message));
    child.once("exit", (code, signal) => resolve(signal ?? `code ${code}`));
  });
  clearTimeout(timer);
  return message ?? { kind: "error", message: `Load generator exited (${exit}) without a result` };
}
