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
  /** File descriptors the generator needs (raised with prlimit when our limit is lower). */
  readonly openFiles?: number | undefined;
  /** Time allowed besides warm-up + window (connecting, draining, or the whole run of a storm). */
  readonly slackMs?: number;
  /** Called with the generator's pid once it runs (the soak samples its CPU). */
  readonly onSpawn?: (pid: number) => void;
}): Promise<LoadMessage> {
  const { spec } = options;
  const child = spawnPinned({
    cpu: options.cpu,
    ...(options.openFiles === undefined ? {} : { openFiles: options.openFiles }),
    command: process.execPath,
    args: ["--import", "tsx", join(options.root, "bench/load/main.ts"), JSON.stringify(spec)],
    cwd: options.root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const limitMs = (spec.warmupSeconds + spec.durationSeconds) * 1000 + (options.slackMs ?? SLACK_MS);
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
