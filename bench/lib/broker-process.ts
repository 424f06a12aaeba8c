/**
 * One broker under test as a fresh child process: free port, pinned CPU, wait until it accepts
 * connections, keep the tail of its output, notice if it dies, stop it.
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
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
  readonly #dataPath: string | undefined;
  #dataBytesAtExit: number | undefined;
  readonly #listeners: ((text: string) => void)[] = [];
  #exit: string | undefined;
  #stopping = false;

  private constructor(child: ChildProcess, port: number, tempDir: string, dataPath: string | undefined) {
    this.#child = child;
    this.port = port;
    this.#tempDir = tempDir;
    this.#dataPath = dataPath;
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
    const running = new BrokerProcess(child, port, tempDir, broker.dataPath?.(tempDir));
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

  /** Bytes under the broker's data path now (undefined for a broker that keeps nothing on disk). */
  dataBytes(): number | undefined {
    return this.#dataPath === undefined ? undefined : diskBytes(this.#dataPath);
  }

  /** `dataBytes()` once the broker had stopped (`stop`). */
  get dataBytesAtExit(): number | undefined {
    return this.#dataBytesAtExit;
  }

  /** SIGTERM, then SIGKILL after `graceMs` (longer when the broker must write a CPU profile first). */
  async stop(graceMs = 3000): Promise<void> {
    this.#stopping = this.#exit === undefined;
    await stopProcess(this.#child, graceMs);
    this.#dataBytesAtExit = this.dataBytes();
    rmSync(this.#tempDir, { recursive: true, force: true });
  }
}

/** Total size of a file, or of the files under a directory; 0 when it does not exist. */
function diskBytes(path: string): number {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += diskBytes(join(path, entry));
  return total;
}
