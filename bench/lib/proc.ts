/**
 * Process helpers for the benchmark: free ports, CPU pinning, waiting for a port, and reading another
 * process's CPU time and RSS from /proc (Linux only).
 * @module
 */

import { type ChildProcess, execFileSync, spawn, type StdioOptions } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** CPU time (user + system) of a process in seconds, all its threads included. */
export interface CpuSample {
  readonly cpuSeconds: number;
  /** When the sample was taken (process.hrtime, nanoseconds). */
  readonly atNs: bigint;
}

/** Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`, 100 on every common Linux). */
export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

/**
 * Reads utime + stime of `pid` from /proc/<pid>/stat. Fields are counted after the command name,
 * which is in parentheses and may itself contain spaces or parentheses.
 */
export function readCpu(pid: number, ticksPerSecond: number): CpuSample {
  const atNs = process.hrtime.bigint();
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name: state is field 3 (index 0 here), utime field 14 (index 11), stime field 15 (index 12).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuSeconds: ticks / ticksPerSecond, atNs };
}

/** CPU used between two samples as a fraction of one core (1 = one core fully busy). */
export function cpuFraction(before: CpuSample, after: CpuSample): number {
  const wallSeconds = Number(after.atNs - before.atNs) / 1e9;
  return wallSeconds > 0 ? (after.cpuSeconds - before.cpuSeconds) / wallSeconds : 0;
}

/** Resident set size of `pid` in bytes (VmRSS), or undefined when the process is gone. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A port that was free a moment ago: listen on port 0, note the port, close. */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("Cannot find a free port");
  return address.port;
}

/** Resolves once `host:port` accepts a TCP connection; rejects after `timeoutMs` or when `abort` fires. */
export async function waitForPort(options: {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** Checked between attempts: a message here aborts the wait (e.g. "the broker exited"). */
  readonly abortReason: () => string | undefined;
}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const reason = options.abortReason();
    if (reason !== undefined) throw new Error(reason);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: options.host, port: options.port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Cannot reach ${options.host}:${options.port}: no listener after ${options.timeoutMs} ms`,
      );
    }
    await sleep(50);
  }
}

/** Whether `taskset` (util-linux) is available to pin processes to a CPU. */
export function hasTaskset(): boolean {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** This process's limit on open files (RLIMIT_NOFILE), from /proc/self/limits. */
export function openFileLimit(): { readonly soft: number; readonly hard: number } {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  const parse = (v: string | undefined): number =>
    v === undefined || v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v);
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}

/** Whether `prlimit` (util-linux) is available to raise a child's open-file limit. */
export function hasPrlimit(): boolean {
  try {
    execFileSync("prlimit", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The argv prefix that gives a command at least `files` open files: nothing if our own soft limit is
 * enough (children inherit it); `prlimit --nofile=<files>:<hard>` (which execs the command, so the pid
 * stays the command's) if the hard limit allows it; else `prlimit --nofile=<files>:<files>`, which needs
 * the privilege to raise a hard limit (CAP_SYS_RESOURCE) and is tried once first, so a missing privilege
 * is a clear error here rather than a broker that does not start.
 */
export function fileLimitPrefix(files: number | undefined): string[] {
  if (files === undefined) return [];
  const { soft, hard } = openFileLimit();
  if (soft >= files) return [];
  if (!hasPrlimit()) {
    throw new Error(
      `Need ${files} open files, the limit is ${soft} and prlimit is missing: run "ulimit -n ${files}" first`,
    );
  }
  if (hard >= files) return ["prlimit", `--nofile=${files}:${hard}`];
  const prefix = ["prlimit", `--nofile=${files}:${files}`];
  try {
    execFileSync(prefix[0]!, [...prefix.slice(1), "true"], { stdio: "ignore" });
  } catch {
    throw new Error(
      `Need ${files} open files but the hard limit is ${hard} and cannot be raised here: raise it (e.g. "ulimit -Hn ${files}" as root) and retry`,
    );
  }
  return prefix;
}

/**
 * Spawns `command` pinned to `cpu` with `taskset -c` (which execs it, so the child's pid is the
 * command's), with at least `openFiles` file descriptors allowed when that is set.
 */
export function spawnPinned(options: {
  readonly cpu: number | undefined;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly stdio: StdioOptions;
  readonly openFiles?: number;
}): ChildProcess {
  const argv = [options.command, ...options.args];
  if (options.cpu !== undefined) argv.unshift("taskset", "-c", String(options.cpu));
  argv.unshift(...fileLimitPrefix(options.openFiles));
  const [command, ...args] = argv as [string, ...string[]];
  return spawn(command, args, {
    stdio: options.stdio,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last `limit` characters written to a stream, for error reports. */
export class OutputTail {
  #text = "";
  readonly #limit: number;

  constructor(limit = 8192) {
    this.#limit = limit;
  }

  append(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > this.#limit * 2) this.#text = this.#text.slice(-this.#limit);
  }

  get text(): string {
    return this.#text.slice(-this.#limit);
  }
}

/** Busy time (user + nice + system) from /proc/stat, in seconds: the whole machine and each CPU. */
export interface SystemCpuSample {
  readonly busySeconds: number;
  /** Busy seconds per CPU, indexed by CPU number. */
  readonly perCpuBusySeconds: readonly number[];
  /** Time the hypervisor ran something else while this VM wanted to run (steal), seconds. */
  readonly stealSeconds: number;
  readonly atNs: bigint;
}

export function readSystemCpu(ticksPerSecond: number): SystemCpuSample {
  const atNs = process.hrtime.bigint();
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", then "cpu0 ...", "cpu1 ..."
  const perCpuBusySeconds: number[] = [];
  let busySeconds = 0;
  let stealSeconds = 0;
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const match = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const f = (match[2] ?? "").split(/\s+/).map(Number);
    const busy = ((f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0)) / ticksPerSecond;
    if (match[1] === "") {
      busySeconds = busy;
      stealSeconds = (f[7] ?? 0) / ticksPerSecond;
    } else {
      perCpuBusySeconds[Number(match[1])] = busy;
    }
  }
  return { busySeconds, perCpuBusySeconds, stealSeconds, atNs };
}

/**
 * Fraction of the machine's CPUs busy (user + nice + system) over `ms` milliseconds, in cores
 * (2 = two CPUs fully busy). Used to wait for a quiet machine before a run.
 */
export async function measureBusyCores(ms: number, ticksPerSecond: number): Promise<number> {
  const before = readSystemCpu(ticksPerSecond);
  await sleep(ms);
  const after = readSystemCpu(ticksPerSecond);
  return (after.busySeconds - before.busySeconds) / (Number(after.atNs - before.atNs) / 1e9);
}
