/**
 * One broker under test as a fresh child process: free port, pinned CPU, wait until it accepts
 * connections, keep the tail of its output, notice if it dies, stop it.
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrokerUnderTest } from "../brokers/brokers.js";
import { findFreePort, OutputTail, spawnPinned, stopProcess, waitForPort } from "./proc.js";

const HOST = "127.0.0.1";
const START_TIMEOUT_MS = 15_000;

export class BrokerProcess {
  readonly host = HOST;
  readonly port: number;
  readonly pid: number;
  readonly output = new OutputTail();
  readonly #child: ChildProcess;
  readonly #tempDir: string;
  readonly #listeners: ((text: string) => void)[] = [];
  #exit: string | undefined;
  #stopping = false;

  private constructor(child: ChildProcess, port: number, tempDir: string) {
    this.#child = child;
    this.port = port;
    this.#tempDir = tempDir;
    if (child.pid === undefined) throw new Error("Cannot start broker: no pid");
    this.pid = child.pid;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.output.append(chunk);
      for (const listener of this.#listeners) listener(chunk.toString());
    });
    child.stderr?.on("data", (chunk: Buffer) => this.output.append(chunk));
    child.on("exit", (code, signal) => {
      if (!this.#stopping) this.#exit = `exited unexpectedly (${signal ?? `code ${code}`})`;
    });
  }

  /**
   * Starts `broker` on a free port (pinned to `placement.cpu` when set) and waits until the port
   * accepts connections.
   */
  static async start(
    broker: BrokerUnderTest,
    placement: {
      readonly cpu: number | undefined;
      /** File descriptors the broker needs (raised with prlimit when our limit is lower). */
      readonly openFiles?: number | undefined;
      /** Flags for the Node brokers (`--cpu-prof`, `--trace-gc`); ignored for the others. */
      readonly nodeFlags?: readonly string[];
    },
  ): Promise<BrokerProcess> {
    const port = await findFreePort(HOST);
    const tempDir = mkdtempSync(join(tmpdir(), `bench-${broker.id}-`));
    const { command, args, env } = broker.command(port, tempDir, broker.node ? placement.nodeFlags : []);
    const child = spawnPinned({
      cpu: placement.cpu,
      ...(placement.openFiles === undefined ? {} : { openFiles: placement.openFiles }),
      command,
      args,
      ...(env === undefined ? {} : { env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    const running = new BrokerProcess(child, port, tempDir);
    try {
      await waitForPort({ host: HOST, port, timeoutMs: START_TIMEOUT_MS, abortReason: () => running.#exit });
    } catch (error) {
      await running.stop();
      throw new Error(`Cannot start ${broker.label}: ${(error as Error).message}\n${running.output.text}`, {
        cause: error,
      });
    }
    return running;
  }

  /** Why the broker died on its own, if it did. */
  get exit(): string | undefined {
    return this.#exit;
  }

  /** Calls `listener` with everything the broker writes to stdout from now on. */
  onStdout(listener: (text: string) => void): void {
    this.#listeners.push(listener);
  }

  /** SIGTERM, then SIGKILL after `graceMs` (longer when the broker must write a CPU profile first). */
  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = this.#exit === undefined;
    await stopProcess(this.#child, graceMs);
    rmSync(this.#tempDir, { recursive: true, force: true });
  }
}
