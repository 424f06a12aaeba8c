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
  #exit: string | undefined;
  #stopping = false;

  private constructor(child: ChildProcess, port: number, tempDir: string) {
    this.#child = child;
    this.port = port;
    this.#tempDir = tempDir;
    if (child.pid === undefined) throw new Error("Cannot start broker: no pid");
    this.pid = child.pid;
    child.stdout?.on("data", (chunk: Buffer) => this.output.append(chunk));
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
    placement: { readonly cpu: number | undefined },
  ): Promise<BrokerProcess> {
    const port = await findFreePort(HOST);
    const tempDir = mkdtempSync(join(tmpdir(), `bench-${broker.id}-`));
    const { command, args, env } = broker.command(port, tempDir);
    const child = spawnPinned({
      ...placement,
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

  async stop(): Promise<void> {
    this.#stopping = this.#exit === undefined;
    await stopProcess(this.#child);
    rmSync(this.#tempDir, { recursive: true, force: true });
  }
}
